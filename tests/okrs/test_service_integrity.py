"""Service-level integrity: cascading needs edit rights on the key result, and update services save
only what they change (a write that lands between a caller's read and its update is never lost)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from ambit.accounts import services as accounts
from ambit.accounts.models import Membership, Role, Team
from ambit.core.errors import Conflict
from ambit.core.models import AuditEntry
from ambit.okrs import services
from ambit.okrs.models import Cycle, KeyResult, Objective
from ambit.strategy import services as strategy
from ambit.strategy.models import BigMove, Value
from tests.builders import World
from tests.helpers import db_digest
from tests.querycount import assert_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead_kr(world: World) -> KeyResult:
    """A key result of the lead's team objective, owned by the lead."""
    objective = services.objective_create(
        actor=world.lead, cycle=world.cycle, title="Ship the platform", team=world.team, state="active"
    )
    return services.key_result_create(
        actor=world.lead, objective=objective, title="Weekly users", start_value=0, target_value=100
    )


# --- 1. Cascading a key result ------------------------------------------------------------------


def test_member_cannot_cascade_the_leads_key_result_to_drive_its_progress(world: World, lead_kr: KeyResult) -> None:
    before = db_digest()
    with pytest.raises(PermissionDenied) as exc:
        services.objective_create_from_key_result(actor=world.member, key_result=lead_kr, owner=world.member)
    assert "edit your own OKRs" in str(exc.value)
    assert db_digest() == before
    assert KeyResult.objects.get(pk=lead_kr.pk).progress_from_children is False
    assert not Objective.objects.filter(source_key_result=lead_kr).exists()


def test_cascading_without_taking_the_progress_is_refused_too(world: World, lead_kr: KeyResult) -> None:
    before = db_digest()
    with pytest.raises(PermissionDenied):
        services.objective_create_from_key_result(
            actor=world.member, key_result=lead_kr, owner=world.member, progress_from_child=False
        )
    assert db_digest() == before


def test_outsider_cannot_cascade_and_gets_404(world: World, lead_kr: KeyResult) -> None:
    before = db_digest()
    with pytest.raises(Http404):
        services.objective_create_from_key_result(actor=world.outsider, key_result=lead_kr)
    assert db_digest() == before


def test_lead_cascades_their_key_result_to_a_members_objective(world: World, lead_kr: KeyResult) -> None:
    child = services.objective_create_from_key_result(actor=world.lead, key_result=lead_kr, owner=world.member)
    assert (child.source_key_result_id, child.owner_id, child.level) == (lead_kr.pk, world.member.pk, "individual")
    assert KeyResult.objects.get(pk=lead_kr.pk).progress_from_children is True
    entry = AuditEntry.objects.get(action="key_result.cascade", object_id=str(lead_kr.pk))
    assert entry.changes == {"child_objective": [None, child.pk], "progress_from_children": True}


def test_member_cannot_switch_progress_from_children_on_the_leads_key_result(world: World, lead_kr: KeyResult) -> None:
    before = db_digest()
    with pytest.raises(PermissionDenied):
        services.key_result_update(actor=world.member, key_result=lead_kr, progress_from_children=True)
    assert db_digest() == before
    assert KeyResult.objects.get(pk=lead_kr.pk).progress_from_children is False


# --- 4. Lost updates ----------------------------------------------------------------------------


def test_check_in_between_loading_and_updating_a_key_result_is_kept(world: World, lead_kr: KeyResult) -> None:
    stale = KeyResult.objects.get(pk=lead_kr.pk)
    result = services.check_in_record(actor=world.lead, key_result=stale, value=42, confidence=8)
    services.key_result_update(actor=world.lead, key_result=stale, title="Weekly active users")
    fresh = KeyResult.objects.get(pk=lead_kr.pk)
    assert fresh.title == "Weekly active users"
    assert fresh.current_value == Decimal("42")
    assert fresh.checkin_count == 1
    assert fresh.last_checkin_at == result.check_in.created_at
    assert fresh.current_confidence == 8
    update = AuditEntry.objects.get(action="key_result.update", object_id=str(lead_kr.pk))
    assert update.changes == {"title": ["Weekly users", "Weekly active users"]}


def test_kind_change_is_checked_against_a_check_in_that_landed_meanwhile(world: World, lead_kr: KeyResult) -> None:
    stale = KeyResult.objects.get(pk=lead_kr.pk)
    services.check_in_record(actor=world.lead, key_result=stale, value=10)
    with pytest.raises(Conflict) as exc:
        services.key_result_update(actor=world.lead, key_result=stale, kind="stay_above", target_value=5)
    assert "cannot change once there are check-ins" in exc.value.message
    assert KeyResult.objects.get(pk=lead_kr.pk).kind == "increase"


def test_state_and_rollup_changed_meanwhile_survive_an_objective_title_edit(world: World) -> None:
    objective = services.objective_create(actor=world.lead, cycle=world.cycle, title="Draft idea", team=world.team)
    stale = Objective.objects.get(pk=objective.pk)
    services.objective_set_state(actor=world.lead, objective=Objective.objects.get(pk=objective.pk), state="proposed")
    Objective.objects.filter(pk=objective.pk).update(rolled_progress=0.42)
    services.objective_update(actor=world.lead, objective=stale, title="Sharper idea")
    fresh = Objective.objects.get(pk=objective.pk)
    assert (fresh.title, fresh.state, fresh.rolled_progress) == ("Sharper idea", "proposed", 0.42)


def test_objective_closed_meanwhile_is_not_edited_through_a_stale_copy(world: World) -> None:
    objective = services.objective_create(
        actor=world.lead, cycle=world.cycle, title="Done soon", team=world.team, state="active"
    )
    stale = Objective.objects.get(pk=objective.pk)
    services.objective_set_state(actor=world.lead, objective=Objective.objects.get(pk=objective.pk), state="closed")
    with pytest.raises(Conflict):
        services.objective_update(actor=world.lead, objective=stale, title="Reworded")
    fresh = Objective.objects.get(pk=objective.pk)
    assert (fresh.title, fresh.state) == ("Done soon", "closed")


def test_cycle_state_changed_meanwhile_survives_a_rename(world: World) -> None:
    stale = Cycle.objects.get(pk=world.cycle.pk)
    services.cycle_transition(actor=world.champion, cycle=Cycle.objects.get(pk=world.cycle.pk), state="review")
    services.cycle_update(actor=world.champion, cycle=stale, name="This quarter")
    fresh = Cycle.objects.get(pk=world.cycle.pk)
    assert (fresh.name, fresh.state) == ("This quarter", "review")


def test_membership_role_changed_meanwhile_survives_a_title_edit(world: World) -> None:
    stale = Membership.objects.get(pk=world.member.pk)
    accounts.membership_update(actor=world.admin, membership=world.member, role=Role.CHAMPION)
    accounts.membership_update(actor=world.admin, membership=stale, title="Engineer")
    fresh = Membership.objects.get(pk=world.member.pk)
    assert (fresh.title, fresh.role, fresh.manager_id) == ("Engineer", Role.CHAMPION, world.lead.pk)


def test_team_parent_changed_meanwhile_survives_a_description_edit(world: World) -> None:
    stale = Team.objects.get(pk=world.team.pk)
    accounts.team_update(actor=world.admin, team=Team.objects.get(pk=world.team.pk), parent=world.other_team)
    accounts.team_update(actor=world.admin, team=stale, description="Builds the platform")
    fresh = Team.objects.get(pk=world.team.pk)
    assert (fresh.description, fresh.parent_id) == ("Builds the platform", world.other_team.pk)


def test_big_move_archived_meanwhile_survives_a_title_edit(world: World) -> None:
    move = strategy.big_move_create(actor=world.champion, title="Go east", horizon_start=2026, horizon_end=2028)
    stale = BigMove.objects.get(pk=move.pk)
    strategy.big_move_update(actor=world.champion, big_move=BigMove.objects.get(pk=move.pk), is_archived=True)
    strategy.big_move_update(actor=world.champion, big_move=stale, title="Go east and north")
    fresh = BigMove.objects.get(pk=move.pk)
    assert (fresh.title, fresh.is_archived) == ("Go east and north", True)


def test_value_reordered_meanwhile_survives_a_rename(world: World) -> None:
    value = strategy.value_create(actor=world.champion, name="Candour")
    stale = Value.objects.get(pk=value.pk)
    strategy.value_update(actor=world.champion, value=Value.objects.get(pk=value.pk), position=5)
    strategy.value_update(actor=world.champion, value=stale, name="Kind candour")
    fresh = Value.objects.get(pk=value.pk)
    assert (fresh.name, fresh.position) == ("Kind candour", 5)


def test_update_keeps_the_callers_cached_relations(world: World, lead_kr: KeyResult) -> None:
    kr = KeyResult.objects.select_related("objective").get(pk=lead_kr.pk)
    services.key_result_update(actor=world.lead, key_result=kr, title="Weekly active users")
    with assert_queries(0, label="reading the cached objective after an update"):
        assert kr.objective.title == "Ship the platform"
