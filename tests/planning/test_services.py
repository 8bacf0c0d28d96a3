"""Drafts → proposed → approved (issue 15, part 3): every transition, every refusal (wrong person,
wrong state, other organisation, closed cycle), each audited, and nothing changed by a refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.errors import Conflict
from ambit.core.models import AuditAction, AuditEntry
from ambit.notify.models import Kind, Notification
from ambit.notify.objective_states import produce_objective_states
from ambit.okrs import services as okrs
from ambit.okrs.approvers import approvers_for, can_approve
from ambit.okrs.models import Objective
from ambit.planning import services
from tests.builders import World, objective_with_krs
from tests.helpers import db_digest
from tests.planning.helpers import approval_on, close, member_proposal, state_of, team_proposal

pytestmark = pytest.mark.django_db


def _entries(objective: Objective, action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_id=str(objective.pk), action=action).order_by("id"))


def _tick() -> int:
    return produce_objective_states(timezone.now() + dt.timedelta(seconds=1))


# --- Propose ----------------------------------------------------------------------------------------


def test_the_owner_proposes_a_draft_and_it_is_audited(world: World) -> None:
    objective, _ = objective_with_krs(actor=world.member, cycle=world.cycle, title="Learn Rust")
    services.objective_propose(actor=world.member, objective=objective, note="Ready for review")
    assert state_of(objective) == "proposed"
    (entry,) = _entries(objective, AuditAction.OBJECTIVE_PROPOSED)
    assert entry.changes == {"state": ["draft", "proposed"], "note": "Ready for review"}


def test_propose_refusals_change_nothing(world: World) -> None:
    objective, _ = objective_with_krs(actor=world.member, cycle=world.cycle, title="Learn Rust")
    other = _other_member(world)
    before = db_digest()
    with pytest.raises(PermissionDenied):
        services.objective_propose(actor=world.viewer, objective=objective)
    with pytest.raises(PermissionDenied):  # someone else's objective, and not their lead
        services.objective_propose(actor=other, objective=objective)
    with pytest.raises(Http404):
        services.objective_propose(actor=world.outsider, objective=objective)
    assert db_digest() == before and state_of(objective) == "draft"
    services.objective_propose(actor=world.member, objective=objective)
    with pytest.raises(Conflict, match="Only a draft is proposed"):
        services.objective_propose(actor=world.member, objective=objective)


def test_nothing_moves_in_a_closed_cycle(world: World) -> None:
    approval_on(world)
    proposal = member_proposal(world)
    draft, _ = objective_with_krs(actor=world.member, cycle=world.cycle, title="Draft")
    close(world)
    with pytest.raises(Conflict, match="closed"):
        services.objective_propose(actor=world.member, objective=draft)
    with pytest.raises(Conflict, match="closed"):
        services.objective_approve(actor=world.lead, objective=proposal)
    with pytest.raises(Conflict, match="closed"):
        services.objective_send_back(actor=world.lead, objective=proposal, comment="Later")
    with pytest.raises(Conflict, match="closed"):
        services.objectives_approve_many(actor=world.champion, objective_ids=[proposal.pk])
    assert state_of(proposal) == "proposed" and state_of(draft) == "draft"


def _other_member(world: World) -> Membership:
    from tests import factories as f

    return f.MembershipFactory.create(
        user=f.UserFactory.create(email="someone@acme.test"), organisation=world.org, role="member"
    )


# --- Who approves -------------------------------------------------------------------------------------


def test_the_approvers_rule(world: World) -> None:
    sponsor = _other_member(world)
    Membership.objects.filter(pk=sponsor.pk).update(is_executive_sponsor=True)
    individual = member_proposal(world)
    team = team_proposal(world)
    found = approvers_for([individual, team])
    assert [m.pk for m in found[individual.pk]] == [world.lead.pk]  # the lead of the owner's team
    assert sorted(m.pk for m in found[team.pk]) == sorted([world.admin.pk, world.champion.pk, sponsor.pk])
    # The lead's own individual objective: no other lead, no manager → the council.
    own, _ = objective_with_krs(actor=world.lead, cycle=world.cycle, title="Coach the team")
    assert sorted(m.pk for m in approvers_for([own])[own.pk]) == sorted([world.admin.pk, world.champion.pk, sponsor.pk])


def test_a_manager_approves_when_the_owner_has_no_lead(world: World) -> None:
    report = _other_member(world)
    Membership.objects.filter(pk=report.pk).update(manager=world.champion)
    objective, _ = objective_with_krs(actor=report, cycle=world.cycle, title="Close ten deals")
    assert [m.pk for m in approvers_for([objective])[objective.pk]] == [world.champion.pk]


# --- Approve -------------------------------------------------------------------------------------------


def test_the_lead_approves_their_members_proposal(world: World) -> None:
    approval_on(world)
    objective = member_proposal(world)
    services.objective_approve(actor=world.lead, objective=objective)
    assert state_of(objective) == "active"
    (entry,) = _entries(objective, AuditAction.OBJECTIVE_ACTIVE)
    assert entry.changes == {"state": ["proposed", "active"]} and entry.actor_id == world.lead.user_id


def test_approve_refusals(world: World) -> None:
    approval_on(world)
    individual = member_proposal(world)
    team = team_proposal(world)
    before = db_digest()
    with pytest.raises(PermissionDenied, match="your own"):
        services.objective_approve(actor=world.member, objective=individual)
    with pytest.raises(PermissionDenied, match="council"):  # a lead does not approve team objectives
        services.objective_approve(actor=world.lead, objective=team)
    with pytest.raises(PermissionDenied):
        services.objective_approve(actor=world.viewer, objective=individual)
    with pytest.raises(Http404):
        services.objective_approve(actor=world.outsider, objective=individual)
    assert db_digest() == before
    assert state_of(individual) == "proposed" and state_of(team) == "proposed"


def test_the_council_approves_team_objectives_and_drafts(world: World) -> None:
    approval_on(world)
    sponsor = _other_member(world)
    Membership.objects.filter(pk=sponsor.pk).update(is_executive_sponsor=True)
    sponsor.is_executive_sponsor = True
    team = team_proposal(world)
    services.objective_approve(actor=sponsor, objective=team)
    assert state_of(team) == "active"
    draft, _ = objective_with_krs(actor=world.lead, cycle=world.cycle, title="Draft", team=world.team)
    services.objective_approve(actor=world.champion, objective=draft)
    assert state_of(draft) == "active"
    with pytest.raises(Conflict, match="not proposed"):
        services.objective_approve(actor=world.champion, objective=draft)


def test_a_lead_cannot_approve_a_draft_the_owner_has_not_proposed(world: World) -> None:
    approval_on(world)
    draft, _ = objective_with_krs(actor=world.member, cycle=world.cycle, title="Draft")
    with pytest.raises(Conflict, match="proposes it first"):
        services.objective_approve(actor=world.lead, objective=draft)
    assert state_of(draft) == "draft"


def test_activating_through_the_state_service_follows_the_same_rule(world: World) -> None:
    approval_on(world)
    team = team_proposal(world)
    with pytest.raises(PermissionDenied, match="council"):
        okrs.objective_set_state(actor=world.lead, objective=team, state="active")
    assert state_of(team) == "proposed"
    okrs.objective_set_state(actor=world.champion, objective=team, state="active")
    assert state_of(team) == "active"


def test_without_approval_required_the_owner_may_activate_and_approve(world: World) -> None:
    objective = member_proposal(world)  # proposing is allowed: a "ready" signal
    assert can_approve(world.member, objective)
    services.objective_approve(actor=world.member, objective=objective)
    assert state_of(objective) == "active"


# --- Send back -------------------------------------------------------------------------------------------


def test_send_back_with_a_comment_reaches_the_owner(world: World) -> None:
    approval_on(world)
    objective = member_proposal(world)
    _tick()  # the proposal's notification to the lead
    services.objective_send_back(actor=world.lead, objective=objective, comment="  Make KR 2 measurable  ")
    assert state_of(objective) == "draft"
    (entry,) = _entries(objective, AuditAction.OBJECTIVE_SENT_BACK)
    assert entry.changes == {"state": ["proposed", "draft"], "comment": "Make KR 2 measurable"}
    assert _tick() == 1
    note = Notification.objects.get(kind=Kind.OBJECTIVE_STATE, recipient=world.member)
    assert note.title == f"“{objective.title}” was sent back to draft by {world.lead.user.get_full_name()}"
    assert note.body == "Their note: Make KR 2 measurable"


def test_send_back_refusals(world: World) -> None:
    approval_on(world)
    objective = member_proposal(world)
    before = db_digest()
    with pytest.raises(ValidationError) as empty:
        services.objective_send_back(actor=world.lead, objective=objective, comment="   ")
    assert "comment" in empty.value.message_dict
    with pytest.raises(ValidationError, match="keep it within"):
        services.objective_send_back(actor=world.lead, objective=objective, comment="x" * 2001)
    with pytest.raises(PermissionDenied):
        services.objective_send_back(actor=world.member, objective=objective, comment="Mine")
    with pytest.raises(Http404):
        services.objective_send_back(actor=world.outsider, objective=objective, comment="Theirs")
    assert db_digest() == before and state_of(objective) == "proposed"
    services.objective_send_back(actor=world.lead, objective=objective, comment="Sharper")
    with pytest.raises(Conflict, match="Only a proposal"):
        services.objective_send_back(actor=world.lead, objective=objective, comment="Again")


# --- Bulk approve -------------------------------------------------------------------------------------------


def test_bulk_approve_is_all_or_nothing_and_names_the_refusals(world: World) -> None:
    approval_on(world)
    mine = member_proposal(world)
    team = team_proposal(world, title="Team objective")
    before = db_digest()
    with pytest.raises(PermissionDenied, match="“Team objective”"):
        services.objectives_approve_many(actor=world.lead, objective_ids=[mine.pk, team.pk])
    assert db_digest() == before and state_of(mine) == "proposed"
    with pytest.raises(Http404):
        services.objectives_approve_many(actor=world.outsider, objective_ids=[mine.pk])
    with pytest.raises(ValidationError):
        services.objectives_approve_many(actor=world.lead, objective_ids=[])
    done = services.objectives_approve_many(actor=world.champion, objective_ids=[mine.pk, team.pk, mine.pk])
    assert [o.pk for o in done] == [mine.pk, team.pk]
    assert state_of(mine) == state_of(team) == "active"
    assert len(_entries(mine, AuditAction.OBJECTIVE_ACTIVE)) == len(_entries(team, AuditAction.OBJECTIVE_ACTIVE)) == 1
    with pytest.raises(Conflict, match="“Team objective”: it is active"):
        services.objectives_approve_many(actor=world.champion, objective_ids=[team.pk])
