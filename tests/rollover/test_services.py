"""Rolling unfinished OKRs over: what a copy keeps, where it starts, alignment, links, who may,
the target's rules, retries, and the cycle's decision."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ambit.core.errors import Conflict
from ambit.core.models import AuditAction, AuditEntry
from ambit.initiatives.models import Initiative
from ambit.kpis.models import KpiLink
from ambit.okrs.models import Alignment, CheckIn, CycleState, Objective
from ambit.rollover import selectors, services
from ambit.rollover.models import RolloverDecision
from tests import factories as f
from tests.builders import World
from tests.rollover.helpers import build_scene, digest, next_quarter

pytestmark = pytest.mark.django_db


def test_a_lead_rolls_their_teams_objective_with_its_unfinished_key_results(world: World) -> None:
    s = build_scene(world)
    checkins_before = CheckIn.objects.filter(key_result__objective=s.platform).count()
    result = services.rollover(world.lead, source=s.source, target=s.target, objective_ids=[s.platform.pk])
    (rolled,) = result.rolled
    copy = Objective.objects.get(pk=rolled.copy.pk)
    assert (copy.cycle_id, copy.rolled_over_from_id, copy.state) == (s.target.pk, s.platform.pk, "draft")
    assert (copy.title, copy.description, copy.owner_id, copy.team_id, copy.ambition, copy.visibility) == (
        "Ship the platform",
        "The new stack.",
        world.lead.pk,
        world.team.pk,
        "aspirational",
        "public",
    )
    assert list(copy.contributors.values_list("pk", flat=True)) == [world.member.pk]
    krs = list(copy.key_results.order_by("position"))
    assert [k.title for k in krs] == ["Weekly users", "Launch steps"]  # not the met nor the cancelled one
    users, steps = krs
    assert (users.start_value, users.target_value, users.stretch_target) == (Decimal(40), Decimal(100), Decimal(150))
    assert (users.unit, users.weight, users.owner_id, users.current_confidence) == ("users", 2.0, world.member.pk, 5)
    assert (users.checkin_count, users.current_value) == (0, None)
    assert [m.title for m in steps.milestones.all()] == ["Build", "Ship"]  # what is left to do
    # The source keeps everything: its key results, check-ins and its own alignment.
    assert CheckIn.objects.filter(key_result__objective=s.platform).count() == checkins_before
    assert s.platform.key_results.count() == 4
    # Links: the open initiative moves to the new key result, the done one stays; the KPI is fed by both.
    assert Initiative.objects.get(pk=s.open_work.pk).key_result_id == users.pk
    assert Initiative.objects.get(pk=s.done_work.pk).key_result_id == s.users.pk
    assert set(KpiLink.objects.filter(kpi=s.kpi).values_list("key_result_id", flat=True)) == {s.users.pk, users.pk}
    # Its parent stays in the old quarter: the copy is left unaligned, and the result says so.
    assert not Alignment.objects.filter(child=copy).exists()
    assert any("Grow revenue" in n and "unaligned" in n for n in result.notes)
    entry = AuditEntry.objects.get(action=AuditAction.OBJECTIVE_ROLLOVER)
    assert (entry.object_id, entry.changes["rolled_over_from"]) == (str(copy.pk), [None, s.platform.pk])
    decision = RolloverDecision.objects.get(cycle=s.source)
    assert (decision.target_id, decision.rolled_count, decision.decided_by_id) == (s.target.pk, 1, world.lead.pk)
    assert AuditEntry.objects.filter(action=AuditAction.ROLLOVER_DECIDE, object_id=str(decision.pk)).count() == 1
    assert selectors.rollover_decided(s.source)


def test_a_parent_rolled_in_the_same_run_takes_its_childs_alignment(world: World) -> None:
    s = build_scene(world)
    result = services.rollover(
        world.champion, source=s.source, target=s.target, objective_ids=[s.platform.pk, s.company.pk]
    )
    copies = {r.source.pk: r.copy for r in result.rolled}
    assert [r.source.pk for r in result.rolled] == [s.company.pk, s.platform.pk]  # parents first
    link = Alignment.objects.get(child=copies[s.platform.pk])
    assert (link.parent_id, link.weight) == (copies[s.company.pk].pk, 2.0)
    assert result.notes == []


def test_a_parent_in_the_annual_cycle_above_the_target_is_kept(world: World) -> None:
    s = build_scene(world)
    annual = f.CycleFactory.create(
        organisation=world.org,
        name="Next year",
        kind="annual",
        start_date=s.target.start_date,
        end_date=s.target.end_date.replace(year=s.target.end_date.year + 1),
    )
    s.target.parent = annual
    s.target.save()
    from ambit.okrs import services as okrs

    big = okrs.objective_create(actor=world.champion, cycle=annual, title="Year goal", team=world.company)
    okrs.alignment_add(actor=world.champion, child=s.platform, parent=big, weight=1.0)
    result = services.rollover(world.champion, source=s.source, target=s.target, objective_ids=[s.platform.pk])
    parents = set(Alignment.objects.filter(child=result.rolled[0].copy).values_list("parent_id", flat=True))
    assert parents == {big.pk}  # kept; the quarter's parent is not (a note says so)
    assert len(result.notes) == 1


def test_the_copy_is_active_when_the_target_is_active(world: World) -> None:
    s = build_scene(world)
    target = next_quarter(world, "Running quarter", state=CycleState.ACTIVE)
    result = services.rollover(world.champion, source=s.source, target=target, objective_ids=[s.platform.pk])
    assert Objective.objects.get(pk=result.rolled[0].copy.pk).state == "active"


def test_a_threshold_picks_what_the_actor_may_roll_over(world: World) -> None:
    s = build_scene(world)
    result = services.rollover(world.lead, source=s.source, target=s.target, threshold=1.0)
    assert [r.source.pk for r in result.rolled] == [s.platform.pk]  # not Sales's, not the company's, not the done one
    with pytest.raises(ValidationError) as err:
        services.rollover(world.lead, source=s.source, target=s.target, threshold=0.01)
    assert "No objective you may roll over is below 1%" in str(err.value)
    with pytest.raises(ValidationError):
        services.rollover(world.lead, source=s.source, target=s.target, threshold=1.5)


def test_a_retry_is_refused_and_creates_nothing(world: World) -> None:
    s = build_scene(world)
    services.rollover(world.lead, source=s.source, target=s.target, objective_ids=[s.platform.pk])
    before = digest()
    with pytest.raises(Conflict) as err:
        services.rollover(world.lead, source=s.source, target=s.target, objective_ids=[s.platform.pk])
    assert err.value.message == "“Ship the platform” is already rolled over into Next quarter."
    assert digest() == before


@pytest.mark.parametrize(("persona", "objective"), [("lead", "sales"), ("member", "platform"), ("viewer", "platform")])
def test_who_may_not_roll_over_changes_nothing(world: World, persona: str, objective: str) -> None:
    s = build_scene(world)
    before = digest()
    with pytest.raises(PermissionDenied):
        services.rollover(
            getattr(world, persona), source=s.source, target=s.target, objective_ids=[getattr(s, objective).pk]
        )
    assert digest() == before


def test_the_target_must_be_a_later_open_cycle_of_the_organisation(world: World) -> None:
    s = build_scene(world)
    earlier = f.CycleFactory.create(
        organisation=world.org,
        name="Last quarter",
        start_date=s.source.start_date.replace(year=2001),
        end_date=s.source.end_date.replace(year=2001),
    )
    closed = next_quarter(world, "Closed quarter", state=CycleState.CLOSED)
    before = digest()
    for target, message in (
        (earlier, "Roll over into a cycle that starts after Current quarter: Last quarter does not."),
        (s.source, "Roll over into a cycle that starts after Current quarter: Current quarter does not."),
        (closed, "Closed quarter is closed: roll over into an open cycle."),
    ):
        with pytest.raises(ValidationError) as err:
            services.rollover(world.champion, source=s.source, target=target, objective_ids=[s.platform.pk])
        assert err.value.message_dict == {"target_cycle_id": [message]}
    with pytest.raises(ValidationError) as err:
        services.rollover(world.champion, source=s.source, target=s.target, objective_ids=[s.finished.pk])
    assert "is finished or cancelled" in str(err.value)
    with pytest.raises(Http404):
        services.rollover(world.outsider, source=s.source, target=s.target, objective_ids=[s.platform.pk])
    assert digest() == before


def test_nothing_to_roll_over_is_the_cycles_decision(world: World) -> None:
    s = build_scene(world)
    with pytest.raises(PermissionDenied):
        services.rollover_nothing(world.lead, cycle=s.source)
    assert not selectors.rollover_decided(s.source)
    decision = services.rollover_nothing(world.champion, cycle=s.source, note="All done or dropped.")
    assert (decision.note, decision.rolled_count, decision.target_id) == (
        "Nothing to roll over. All done or dropped.",
        0,
        None,
    )
    assert services.rollover_nothing(world.champion, cycle=s.source).pk == decision.pk  # again: no change
    assert AuditEntry.objects.filter(action=AuditAction.ROLLOVER_DECIDE).count() == 1
    assert selectors.rollover_decided(s.source)
    # Rolling over later still works, and the decision then says what was rolled.
    services.rollover(world.lead, source=s.source, target=s.target, objective_ids=[s.platform.pk])
    decision.refresh_from_db()
    assert (decision.rolled_count, decision.note) == (1, "")
    with pytest.raises(Conflict):
        services.rollover_nothing(world.champion, cycle=s.source)


def test_candidates_are_the_unfinished_objectives_with_their_copies(world: World) -> None:
    s = build_scene(world)
    found = selectors.candidates(actor=world.lead, cycle=s.source)
    assert [c.objective.title for c in found] == ["Grow revenue", "Ship the platform", "Sell more"]
    assert [c.can_roll for c in found] == [False, True, False]
    platform = found[1]
    assert [(p.key_result.title, p.start) for p in platform.key_results] == [
        ("Weekly users", Decimal(40)),
        ("Launch steps", None),
    ]
    services.rollover(world.lead, source=s.source, target=s.target, objective_ids=[s.platform.pk])
    again = selectors.candidates(actor=world.lead, cycle=s.source)
    assert again[1].rolled_to is not None and again[1].rolled_to.cycle_id == s.target.pk
    assert selectors.candidates(actor=world.outsider, cycle=s.source) == []


def test_a_cascaded_child_rolled_with_its_parent_follows_the_new_key_result(world: World) -> None:
    s = build_scene(world)
    from ambit.okrs import services as okrs

    child = okrs.objective_create_from_key_result(
        actor=world.lead, key_result=s.users, owner=world.member, team=world.team
    )
    okrs.key_result_create(actor=world.lead, objective=child, title="Signups", start_value=0, target_value=10)
    result = services.rollover(world.lead, source=s.source, target=s.target, objective_ids=[child.pk, s.platform.pk])
    copies = {r.source.pk: r for r in result.rolled}
    new_users = dict(copies[s.platform.pk].key_results)[s.users]
    new_child = Objective.objects.get(pk=copies[child.pk].copy.pk)
    assert new_child.source_key_result_id == new_users.pk
    new_users.refresh_from_db()
    assert new_users.progress_from_children is True  # as the old one took its progress from the child
    # Rolled alone, the child's copy is not tied to the old quarter's key result (and says so).
    other = okrs.objective_create_from_key_result(
        actor=world.lead, key_result=s.steps, owner=world.member, team=world.team
    )
    alone = services.rollover(world.lead, source=s.source, target=s.target, objective_ids=[other.pk])
    assert Objective.objects.get(pk=alone.rolled[0].copy.pk).source_key_result_id is None
    assert any("cascaded from" in n for n in alone.notes)


def test_one_refusal_mid_run_saves_nothing(world: World) -> None:
    s = build_scene(world)
    from ambit.accounts.models import Membership

    Membership.objects.filter(pk=world.lead.pk).update(is_active=False)  # Ship the platform's owner left
    before = digest()
    with pytest.raises(ValidationError) as err:
        services.rollover(world.champion, source=s.source, target=s.target, objective_ids=[s.company.pk, s.platform.pk])
    assert err.value.message_dict == {
        "owner": ["“Ship the platform”: The owner is no longer an active member: pick someone else."]
    }
    assert digest() == before  # the company objective copied first is gone too
    assert not selectors.rollover_decided(s.source)
