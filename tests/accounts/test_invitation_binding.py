"""An invitation is bound to the address it was sent to: a logged-in person with another address
cannot use the link, whoever forwarded or leaked it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from ambit.accounts import invitations
from ambit.accounts.models import Invitation, Membership, Role
from tests import factories as f
from tests.builders import World
from tests.helpers import db_digest

pytestmark = pytest.mark.django_db

REFUSAL = "This invitation is for p***@globex.test; you are logged in as member@acme.test"


def test_someone_else_cannot_accept_an_invitation_for_another_address(world: World) -> None:
    created = invitations.invitation_create(actor=world.outsider, email="pending@globex.test", send=False)
    before = db_digest()
    with pytest.raises(PermissionDenied) as exc:
        invitations.invitation_accept(token=created.token, user=world.member.user)
    assert str(exc.value).startswith(REFUSAL)
    assert "log out and open the link again, or ask for an invitation to your address" in str(exc.value)
    assert db_digest() == before
    assert not Membership.objects.filter(user=world.member.user, organisation=world.other_org).exists()
    assert Invitation.objects.get(pk=created.invitation.pk).accepted_at is None


def test_the_accept_page_shows_the_refusal_instead_of_the_button(client: Client, world: World) -> None:
    created = invitations.invitation_create(actor=world.outsider, email="pending@globex.test", send=False)
    client.force_login(world.member.user)
    url = reverse("accounts:invitation-accept", args=[created.token])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert REFUSAL in html
    assert "pending@globex.test" not in html
    assert "Join Globex</button>" not in html
    before = db_digest()
    response = client.post(url)
    assert response.status_code == 403
    assert REFUSAL in response.content.decode()
    assert db_digest() == before
    assert not Membership.objects.filter(user=world.member.user, organisation=world.other_org).exists()


def test_the_invited_person_accepts_whatever_the_case_of_their_address(client: Client, world: World) -> None:
    person = f.UserFactory.create(email="pat.person@globex.test")
    created = invitations.invitation_create(actor=world.outsider, email="  Pat.Person@GLOBEX.test ", send=False)
    client.force_login(person)
    response = client.post(reverse("accounts:invitation-accept", args=[created.token]))
    assert response.status_code == 302
    joined = Membership.objects.get(user=person, organisation=world.other_org)
    assert joined.role == Role.MEMBER
    assert Invitation.objects.get(pk=created.invitation.pk).accepted_by == person


def test_masked_address_keeps_only_the_first_letter() -> None:
    assert invitations.masked_email("pending@b.example") == "p***@b.example"
