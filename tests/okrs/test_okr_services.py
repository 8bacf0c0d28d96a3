import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ambit.core.errors import Conflict
from ambit.okrs import services
from ambit.okrs.models import Alignment, CheckIn, KeyResult, Objective, Sprint
from ambit.trash.models import TrashItem
from tests.builders import World
from tests.helpers import db_digest

pytestmark = pytest.mark.django_db


@pytest.fixture
def objective(world: World) -> Objective:
    return services.objective_create(actor=world.member, cycle=world.cycle, title="Grow", state="active")


@pytest.mark.parametrize(
    ("kind", "start", "target", "field", "fragment"),
    [
        ("increase", 10, 5, "target_value", "use “decrease to”"),
        ("decrease", 5, 10, "target_value", "use “increase to”"),
        ("increase", 7, 7, "target_value", "target equals the start"),
        ("increase", None, 7, "start_value", "needs a start value"),
        ("stay_above", None, None, "target_value", "needs a target value"),
        ("increase", "abc", 7, "start_value", "“abc” is not a number"),
        ("sideways", 0, 1, "kind", "Unknown kind"),
    ],
)
def test_key_result_numbers_must_fit_the_kind(
    world: World,
    objective: Objective,
    kind: str,
    start: int | str | None,
    target: int | None,
    field: str,
    fragment: str,
) -> None:
    before = db_digest()
    with pytest.raises(ValidationError) as exc:
        services.key_result_create(
            actor=world.member, objective=objective, title="KR", kind=kind, start_value=start, target_value=target
        )
    assert field in exc.value.message_dict
    assert fragment in " ".join(exc.value.message_dict[field])
    assert db_digest() == before


def test_milestone_checklist_needs_milestones_and_progress_comes_from_ticks(world: World, objective: Objective) -> None:
    with pytest.raises(ValidationError):
        services.key_result_create(actor=world.member, objective=objective, title="Launch", kind="milestones")
    kr = services.key_result_create(
        actor=world.member,
        objective=objective,
        title="Launch",
        kind="milestones",
        milestones=[("Design", 1), ("Build", 2), "Ship"],
    )
    ids = list(kr.milestones.values_list("id", flat=True))
    services.check_in_record(actor=world.member, key_result=kr, milestones_done=[ids[1]], confidence=6)
    kr.refresh_from_db()
    assert kr.current_milestones_done == [ids[1]]
    assert kr.current_value is None
    with pytest.raises(ValidationError) as exc:
        services.check_in_record(actor=world.member, key_result=kr, milestones_done=[999_999])
    assert "milestones_done" in exc.value.message_dict


def test_binary_key_result_takes_done_or_not(world: World, objective: Objective) -> None:
    kr = services.key_result_create(actor=world.member, objective=objective, title="Policy signed", kind="binary")
    assert (kr.start_value, kr.target_value) == (Decimal(0), Decimal(1))
    with pytest.raises(ValidationError):
        services.check_in_record(actor=world.member, key_result=kr, value=2)
    services.check_in_record(actor=world.member, key_result=kr, value=True)
    kr.refresh_from_db()
    assert kr.current_value == 1


def test_check_ins_are_append_only_and_corrections_are_new_rows(world: World, objective: Objective) -> None:
    kr = services.key_result_create(actor=world.member, objective=objective, title="KR", start_value=0, target_value=10)
    first = services.check_in_record(actor=world.member, key_result=kr, value=4, confidence=6).check_in
    with pytest.raises(TypeError):
        first.note = "edited"
        first.save()
    with pytest.raises(TypeError):
        CheckIn.objects.filter(pk=first.pk).update(note="x")
    with pytest.raises(TypeError):
        first.delete()
    fix = services.check_in_record(actor=world.member, key_result=kr, value=3, corrects=first).check_in
    assert fix.is_correction and fix.corrects_id == first.pk
    kr.refresh_from_db()
    assert kr.current_value == 3
    assert kr.checkin_count == 2
    assert list(CheckIn.objects.filter(key_result=kr).values_list("value", flat=True)) == [Decimal(4), Decimal(3)]


def test_a_backdated_check_in_does_not_replace_the_latest_value(world: World, objective: Objective) -> None:
    kr = services.key_result_create(actor=world.member, objective=objective, title="KR", start_value=0, target_value=10)
    services.check_in_record(actor=world.member, key_result=kr, value=6)
    old = services.check_in_record(
        actor=world.member, key_result=kr, value=2, at=kr.created_at - dt.timedelta(days=7)
    ).check_in
    kr.refresh_from_db()
    assert kr.current_value == 6
    assert kr.last_checkin_at is not None
    assert old.created_at < kr.last_checkin_at


def test_confidence_early_warning_on_a_drop_of_two(world: World, objective: Objective) -> None:
    kr = services.key_result_create(actor=world.member, objective=objective, title="KR", start_value=0, target_value=10)
    services.check_in_record(actor=world.member, key_result=kr, value=1, confidence=7)
    result = services.check_in_record(actor=world.member, key_result=kr, value=2, confidence=5)
    assert len(result.warnings) == 1 and "7" in result.warnings[0] and "5" in result.warnings[0]
    low = services.check_in_record(actor=world.member, key_result=kr, value=2, confidence=3)
    assert any("3" in w for w in low.warnings)


def test_check_in_refused_on_cancelled_objective(world: World, objective: Objective) -> None:
    kr = services.key_result_create(actor=world.member, objective=objective, title="KR", start_value=0, target_value=10)
    with pytest.raises(ValidationError):
        services.objective_cancel(actor=world.member, objective=objective, reason="  ")
    services.objective_cancel(actor=world.member, objective=objective, reason="Strategy changed")
    with pytest.raises(Conflict):
        services.check_in_record(actor=world.member, key_result=kr, value=5)


def test_alignment_refuses_loops_through_duality_links_too(world: World) -> None:
    company = services.objective_create(
        actor=world.champion, cycle=world.cycle, title="Company", team=world.company, state="active"
    )
    kr = services.key_result_create(
        actor=world.champion, objective=company, title="Platform uptime", start_value=99, target_value=99.9
    )
    child = services.objective_create_from_key_result(actor=world.champion, key_result=kr, team=world.team)
    kr.refresh_from_db()
    assert child.source_key_result_id == kr.pk and kr.progress_from_children
    with pytest.raises(Conflict) as exc:
        services.alignment_add(actor=world.champion, child=company, parent=child)
    assert "loop" in exc.value.message
    assert not Alignment.objects.filter(child=company).exists()


def test_alignment_self_link_refused_by_the_database(world: World, objective: Objective) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Alignment.objects.create(organisation=world.org, child=objective, parent=objective)


def test_cycle_gets_sprints_of_the_charter_length(world: World) -> None:
    cycle = services.cycle_create(
        actor=world.champion, name="Q1 2027", start_date=dt.date(2027, 1, 1), end_date=dt.date(2027, 3, 31)
    )
    sprints = list(Sprint.objects.filter(cycle=cycle))
    assert len(sprints) == 6
    assert sprints[0].start_date == dt.date(2027, 1, 1)
    assert sprints[0].end_date == dt.date(2027, 1, 14)
    assert sprints[-1].end_date == dt.date(2027, 3, 31)
    with pytest.raises(ValidationError) as exc:
        services.cycle_create(
            actor=world.champion, name="Q1 2027", start_date=dt.date(2027, 3, 1), end_date=dt.date(2027, 1, 1)
        )
    assert set(exc.value.message_dict) == {"name", "end_date"}


def test_cycle_state_machine(world: World) -> None:
    cycle = services.cycle_create(
        actor=world.champion, name="Q2 2027", start_date=dt.date(2027, 4, 1), end_date=dt.date(2027, 6, 30)
    )
    with pytest.raises(Conflict):
        services.cycle_transition(actor=world.champion, cycle=cycle, state="closed")
    for state in ("active", "review"):
        services.cycle_transition(actor=world.champion, cycle=cycle, state=state)
    # Into closed only through the close checklist's path (ambit.closeout), never cycle_update.
    with pytest.raises(Conflict, match="close checklist"):
        services.cycle_transition(actor=world.champion, cycle=cycle, state="closed")
    services.cycle_set_closed(actor=world.champion, cycle=cycle, closed=True)
    assert cycle.state == "closed"


def test_objective_with_history_is_deleted_into_the_trash(world: World, objective: Objective) -> None:
    # Issue 17: deleting keeps the history in the trash for 30 days (tests/trash restores it).
    kr = services.key_result_create(actor=world.member, objective=objective, title="KR", start_value=0, target_value=10)
    services.check_in_record(actor=world.member, key_result=kr, value=1)
    objective_id = objective.pk
    services.objective_delete(actor=world.member, objective=objective)
    assert not Objective.objects.filter(pk=objective_id).exists()
    assert not KeyResult.objects.filter(pk=kr.pk).exists()
    item = TrashItem.objects.get(model_label="okrs.Objective", object_id=str(objective_id))
    assert item.counts == {"okrs.KeyResult": 1, "okrs.CheckIn": 1}


def test_database_refuses_cancelled_objective_without_reason(world: World, objective: Objective) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Objective.objects.filter(pk=objective.pk).update(state="cancelled", cancel_reason="")


def test_numbers_beyond_what_every_database_round_trips_are_refused(world: World, objective: Objective) -> None:
    with pytest.raises(ValidationError) as exc:
        services.key_result_create(
            actor=world.member, objective=objective, title="Huge", start_value=0, target_value="99999999999999.98"
        )
    assert "too large" in exc.value.message_dict["target_value"][0]
    kr = services.key_result_create(
        actor=world.member, objective=objective, title="Big", start_value=0, target_value="99999999999999"
    )
    kr.refresh_from_db()
    assert kr.target_value == Decimal("99999999999999")
