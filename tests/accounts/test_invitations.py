"""Inviting people, accepting, revoking; the members page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from ambit.accounts import invitations
from ambit.accounts.models import Invitation, Membership, Role, User
from ambit.core.errors import Conflict
from ambit.core.models import AuditEntry
from tests.builders import World
from tests.helpers import db_digest
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db


def _token_from(text: str) -> str:
    match = re.search(r"/accounts/invitations/accept/([\w-]+)/", text)
    assert match, text
    return match.group(1)


def test_admin_invites_by_email_and_the_token_is_stored_hashed(
    client: Client, world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    client.force_login(world.admin.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:members"), {"email": "New.Person@Acme.test", "role": "member", "send_email": "on"}
        )
    assert response.status_code == 200
    invitation = Invitation.objects.get()
    assert invitation.email == "new.person@acme.test"
    assert invitation.role == Role.MEMBER
    assert invitation.expires_at - timezone.now() > dt.timedelta(days=13, hours=23)
    assert len(mail.outbox) == 1
    token = _token_from(str(mail.outbox[0].body))
    assert invitation.token_hash == invitations.token_hash(token)
    assert token not in invitation.token_hash
    assert AuditEntry.objects.filter(action="invitation.create").count() == 1
    assert token in response.content.decode()  # the copyable link, shown once


def test_link_only_invitation_sends_no_email(
    client: Client, world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    client.force_login(world.admin.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:members"), {"email": "quiet@acme.test", "role": "viewer"})
    assert Invitation.objects.get().role == Role.VIEWER
    assert mail.outbox == []


@pytest.mark.parametrize("persona", ["member", "champion", "viewer"])
def test_only_admins_invite(client: Client, world: World, persona: str) -> None:
    client.force_login(getattr(world, persona).user)
    before = db_digest()
    response = client.post(reverse("accounts:members"), {"email": "x@acme.test", "role": "member"})
    assert response.status_code == 403
    assert db_digest() == before
    with pytest.raises(PermissionDenied):
        invitations.invitation_create(actor=getattr(world, persona), email="x@acme.test")


def test_inviting_an_existing_member_is_a_clear_error(client: Client, world: World) -> None:
    client.force_login(world.admin.user)
    response = client.post(reverse("accounts:members"), {"email": "member@acme.test", "role": "member"})
    assert response.status_code == 400
    assert "already a member of Acme" in response.content.decode()
    assert not Invitation.objects.exists()


def test_new_user_accepts_sets_name_and_password_and_lands_in_my_week(client: Client, world: World) -> None:
    created = invitations.invitation_create(actor=world.admin, email="newbie@acme.test", role="member", send=False)
    url = reverse("accounts:invitation-accept", args=[created.token])
    page = client.get(url)
    assert page.status_code == 200 and b"Join Acme" in page.content
    response = client.post(
        url, {"full_name": "Nina Newbie", "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("front:home")
    user = User.objects.get(email="newbie@acme.test")
    assert user.full_name == "Nina Newbie" and user.check_password("a-long-pass-phrase")
    membership = Membership.objects.get(user=user)
    assert membership.organisation == world.org and membership.role == Role.MEMBER
    created.invitation.refresh_from_db()
    assert created.invitation.accepted_by == user
    assert client.get(reverse("front:home")).status_code == 200  # logged in
    # the link works once
    again = client.get(url)
    assert again.status_code == 410 and b"already been used" in again.content


def test_mismatched_passwords_create_nothing(client: Client, world: World) -> None:
    created = invitations.invitation_create(actor=world.admin, email="newbie@acme.test", send=False)
    before = db_digest()
    response = client.post(
        reverse("accounts:invitation-accept", args=[created.token]),
        {"full_name": "Nina", "password1": "a-long-pass-phrase", "password2": "another-pass-phrase"},
    )
    assert response.status_code == 200
    assert b"The two passwords differ" in response.content
    assert db_digest() == before


def test_logged_in_user_joins_directly(client: Client, world: World) -> None:
    created = invitations.invitation_create(actor=world.outsider, email="member@acme.test", role="viewer", send=False)
    client.force_login(world.member.user)
    response = client.post(reverse("accounts:invitation-accept", args=[created.token]))
    assert response.status_code == 302
    joined = Membership.objects.get(user=world.member.user, organisation=world.other_org)
    assert joined.role == Role.VIEWER
    assert client.session["ambit_membership_id"] == joined.pk


def test_expired_invitation_is_refused(client: Client, world: World) -> None:
    created = invitations.invitation_create(actor=world.admin, email="late@acme.test", send=False)
    Invitation.objects.filter(pk=created.invitation.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    before = db_digest()
    url = reverse("accounts:invitation-accept", args=[created.token])
    response = client.post(
        url, {"full_name": "L", "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"}
    )
    assert response.status_code == 410
    assert b"expired" in response.content
    assert db_digest() == before


def test_revoked_invitation_is_refused(client: Client, world: World) -> None:
    created = invitations.invitation_create(actor=world.admin, email="gone@acme.test", send=False)
    client.force_login(world.admin.user)
    response = client.post(reverse("accounts:invitation-revoke", args=[created.invitation.pk]))
    assert response.status_code == 302
    created.invitation.refresh_from_db()
    assert created.invitation.revoked_at is not None
    assert AuditEntry.objects.filter(action="invitation.revoke").count() == 1
    client.logout()
    before = db_digest()
    response = client.get(reverse("accounts:invitation-accept", args=[created.token]))
    assert response.status_code == 410 and b"withdrawn" in response.content
    with pytest.raises(Conflict):
        invitations.invitation_accept(token=created.token, full_name="G", password="a-long-pass-phrase")
    assert db_digest() == before


def test_unknown_token_is_refused(client: Client, world: World) -> None:
    response = client.get(reverse("accounts:invitation-accept", args=["not-a-real-token"]))
    assert response.status_code == 410 and b"not valid" in response.content


def test_other_orgs_admin_cannot_revoke_and_nothing_changes(client: Client, world: World) -> None:
    created = invitations.invitation_create(actor=world.admin, email="someone@acme.test", send=False)
    client.force_login(world.outsider.user)
    before = db_digest()
    assert client.post(reverse("accounts:invitation-revoke", args=[created.invitation.pk])).status_code == 404
    assert db_digest() == before


def test_member_cannot_revoke(client: Client, world: World) -> None:
    created = invitations.invitation_create(actor=world.admin, email="someone@acme.test", send=False)
    client.force_login(world.member.user)
    before = db_digest()
    assert client.post(reverse("accounts:invitation-revoke", args=[created.invitation.pk])).status_code == 403
    assert db_digest() == before


def test_members_page_lists_people_and_open_invitations_for_admins(client: Client, world: World) -> None:
    invitations.invitation_create(actor=world.admin, email="pending@acme.test", send=False)
    client.force_login(world.admin.user)
    html = client.get(reverse("accounts:members")).content.decode()
    assert "member@acme.test" in html and "viewer@acme.test" in html
    assert "outsider@globex.test" not in html
    assert "pending@acme.test" in html and "Withdraw" in html
    client.force_login(world.member.user)
    html = client.get(reverse("accounts:members")).content.decode()
    assert "pending@acme.test" not in html and "Invite someone" not in html


def test_members_page_query_count_does_not_grow_with_people(client: Client, world: World) -> None:
    from tests import factories as f

    client.force_login(world.admin.user)
    url = reverse("accounts:members")
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for i in range(20):
        f.MembershipFactory.create(
            organisation=world.org, user=f.UserFactory.create(email=f"extra{i}@acme.test"), manager=world.lead
        )
        invitations.invitation_create(actor=world.admin, email=f"inv{i}@acme.test", send=False)
    with assert_queries(few, label="members page with 20 more people and invitations"):
        client.get(url)
