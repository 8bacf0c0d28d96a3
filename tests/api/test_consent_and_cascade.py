"""The API's side of two service rules: cascading needs edit rights on the key result, and people
join only through an invitation they accept (no direct add, no account oracle)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ambit.accounts import invitations
from ambit.accounts.models import Invitation, Membership
from ambit.core.models import AuditEntry
from ambit.okrs.models import KeyResult, Objective
from tests import factories as f
from tests.api.conftest import ApiAs
from tests.api.test_every_operation import db_digest
from tests.builders import OkrData, World
from tests.helpers import ClientResponse

pytestmark = pytest.mark.django_db


def _problem(response: ClientResponse, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response.headers["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response.content)
    return body


# --- Cascading ----------------------------------------------------------------------------------


def test_member_cannot_cascade_the_leads_key_result_to_take_over_its_progress(
    api_as: ApiAs, world: World, okr_data: OkrData
) -> None:
    # A fresh key result of the lead's team objective: no child yet, progress from its own check-ins.
    kr = KeyResult.objects.create(
        organisation=world.org,
        objective=okr_data.team_obj,
        title="Uptime",
        kind="increase",
        start_value=0,
        target_value=1,
        owner=world.lead,
    )
    client = api_as("member")
    before = db_digest()
    body = _problem(client.post(f"key-results/{kr.pk}/objectives", {"owner_id": world.member.pk, "title": "Mine"}), 403)
    assert "edit your own OKRs" in body["detail"]
    assert db_digest() == before
    assert KeyResult.objects.get(pk=kr.pk).progress_from_children is False
    assert not Objective.objects.filter(source_key_result=kr).exists()


def test_lead_cascades_their_teams_key_result(api_as: ApiAs, world: World, okr_data: OkrData) -> None:
    response = api_as("lead").post(f"key-results/{okr_data.kr.pk}/objectives", {"title": "Onboard faster"})
    assert response.status_code == 201, response.content
    child = Objective.objects.get(pk=json.loads(response.content)["id"])
    assert (child.source_key_result_id, child.title) == (okr_data.kr.pk, "Onboard faster")


# --- Invitations, not direct adds ---------------------------------------------------------------


def test_the_direct_add_is_gone(api_as: ApiAs, world: World) -> None:
    client = api_as("admin")
    before = db_digest()
    response = client.post("members", {"email": "outsider@globex.test", "role": "admin"})
    assert response.status_code == 405
    assert db_digest() == before
    assert not Membership.objects.filter(user=world.outsider.user, organisation=world.org).exists()


def test_inviting_creates_an_invitation_and_adds_nobody(api_as: ApiAs, world: World) -> None:
    before = db_digest()
    response = api_as("admin").post("invitations", {"email": "New.Person@Acme.test", "role": "viewer"})
    assert response.status_code == 201, response.content
    body = json.loads(response.content)
    invitation = Invitation.objects.get(pk=body["id"])
    assert (invitation.email, invitation.role, invitation.organisation_id) == (
        "new.person@acme.test",
        "viewer",
        world.org.pk,
    )
    assert set(body) == {"id", "email", "role", "expires_at", "url"}
    assert (body["email"], body["role"]) == ("new.person@acme.test", "viewer")
    assert invitation.token_hash == invitations.token_hash(body["url"].rstrip("/").rsplit("/", 1)[1])
    after = db_digest()
    assert after["accounts_membership"] == before["accounts_membership"]
    assert after["accounts_user"] == before["accounts_user"]
    assert AuditEntry.objects.filter(action="invitation.create", object_id=str(invitation.pk)).count() == 1


def test_inviting_tells_nothing_about_whether_an_account_exists(api_as: ApiAs, world: World) -> None:
    f.UserFactory.create(email="known@elsewhere.test", full_name="Known Person")
    client = api_as("admin")

    def invite(email: str) -> dict[str, Any]:
        response = client.post("invitations", {"email": email})
        assert response.status_code == 201, response.content
        body: dict[str, Any] = json.loads(response.content)
        return body

    known, unknown = invite("known@elsewhere.test"), invite("nobody@elsewhere.test")
    shape = {k: type(v) for k, v in known.items()}
    assert shape == {k: type(v) for k, v in unknown.items()}
    assert "Known Person" not in json.dumps(known)
    # An account of another organisation is invited like anyone else, and is not a member until it accepts.
    outsider = invite("outsider@globex.test")
    assert set(outsider) == set(unknown)
    assert not Membership.objects.filter(user=world.outsider.user, organisation=world.org).exists()


@pytest.mark.parametrize("persona", ["champion", "lead", "member", "viewer"])
def test_only_admins_invite_through_the_api(api_as: ApiAs, persona: str) -> None:
    client = api_as(persona)
    before = db_digest()
    _problem(client.post("invitations", {"email": "x@acme.test"}), 403)
    assert db_digest() == before


def test_outsider_inviting_acme_people_only_touches_their_own_organisation(api_as: ApiAs, world: World) -> None:
    response = api_as("outsider").post("invitations", {"email": "member@acme.test"})
    assert response.status_code == 201
    invitation = Invitation.objects.get(pk=json.loads(response.content)["id"])
    assert invitation.organisation_id == world.other_org.pk
    assert not Membership.objects.filter(user=world.member.user, organisation=world.other_org).exists()


def test_admin_revokes_an_invitation_and_the_outsider_cannot(api_as: ApiAs, world: World, okr_data: OkrData) -> None:
    outsider, champion = api_as("outsider"), api_as("champion")
    before = db_digest()
    _problem(outsider.delete(f"invitations/{okr_data.invitation.pk}"), 404)
    _problem(champion.delete(f"invitations/{okr_data.invitation.pk}"), 403)
    assert db_digest() == before
    assert api_as("admin").delete(f"invitations/{okr_data.invitation.pk}").status_code == 204
    okr_data.invitation.refresh_from_db()
    assert okr_data.invitation.revoked_at is not None
