"""Objectives' state changes reach the people concerned (issue 14, item 5): a proposal its
approvers, an approval or a send-back its owner, each once, never the person who made the move."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ambit.accounts.models import Organisation
from ambit.notify.models import Kind, Notification
from ambit.notify.objective_states import produce_objective_states
from ambit.okrs import services as okrs
from ambit.okrs.models import Objective
from tests.builders import World

pytestmark = pytest.mark.django_db


def _got() -> list[tuple[int, str]]:
    return sorted(Notification.objects.filter(kind=Kind.OBJECTIVE_STATE).values_list("recipient_id", "title"))


def _tick() -> int:
    return produce_objective_states(timezone.now() + dt.timedelta(seconds=1))


def test_a_team_proposal_reaches_the_council_and_the_decision_reaches_the_owner(world: World) -> None:
    # Team objectives are approved by the council (sponsors, champions, admins: ``okrs.approvers``).
    objective = okrs.objective_create(
        actor=world.champion, cycle=world.cycle, title="Ship the mobile app", team=world.team, owner=world.member
    )
    okrs.objective_set_state(actor=world.member, objective=objective, state="proposed")
    assert _tick() == 2
    title = f"“Ship the mobile app” was proposed by {world.member.user.get_full_name()}: review it"
    assert _got() == sorted([(world.admin.pk, title), (world.champion.pk, title)])
    assert _tick() == 0  # read again: nothing twice

    okrs.objective_set_state(actor=world.lead, objective=objective, state="draft", note="Make it measurable first")
    assert _tick() == 1
    back = Notification.objects.get(kind=Kind.OBJECTIVE_STATE, recipient=world.member)
    assert back.title == f"“Ship the mobile app” was sent back to draft by {world.lead.user.get_full_name()}"
    assert back.body == "Their note: Make it measurable first"
    assert back.data["to"] == "draft" and back.url == f"/objectives/{objective.pk}/"

    okrs.objective_set_state(actor=world.member, objective=objective, state="proposed")
    okrs.objective_set_state(actor=world.lead, objective=objective, state="active")
    assert _tick() == 3  # the second proposal to the council, the approval to the owner
    titles = [t for r, t in _got() if r == world.member.pk]
    assert f"“Ship the mobile app” was approved by {world.lead.user.get_full_name()}" in titles


def test_an_individual_proposal_reaches_the_owners_manager_and_created_proposed_counts(world: World) -> None:
    Organisation.objects.filter(pk=world.org.pk).update(approval_required=True)
    world.member.organisation.refresh_from_db()
    objective = okrs.objective_create(actor=world.member, cycle=world.cycle, title="Learn Rust", state="active")
    assert objective.state == "proposed"  # approval required: created as a proposal
    assert _tick() == 1
    assert [r for r, _ in _got()] == [world.lead.pk]  # the member's manager


def test_the_council_hears_and_the_mover_is_never_told(world: World) -> None:
    objective = okrs.objective_create(
        actor=world.champion, cycle=world.cycle, title="Enter Japan", team=world.other_team, owner=world.member
    )
    okrs.objective_set_state(actor=world.champion, objective=objective, state="proposed")
    assert _tick() == 1  # the admin; the champion made the move
    assert [r for r, _ in _got()] == [world.admin.pk]
    okrs.objective_set_state(actor=world.champion, objective=objective, state="draft")
    okrs.objective_set_state(actor=world.admin, objective=objective, state="proposed")
    assert _tick() == 2  # the owner hears of the move back to draft, the champion of the new proposal
    assert sorted(r for r, _ in _got()) == sorted([world.admin.pk, world.champion.pk, world.member.pk])
    assert not Notification.objects.filter(recipient=world.outsider).exists()


def test_an_objective_deleted_since_is_skipped(world: World) -> None:
    objective = okrs.objective_create(
        actor=world.champion, cycle=world.cycle, title="Gone soon", team=world.team, owner=world.member
    )
    okrs.objective_set_state(actor=world.member, objective=objective, state="proposed")
    Objective.objects.filter(pk=objective.pk).delete()
    assert _tick() == 0
