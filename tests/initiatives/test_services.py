"""Initiative and sprint-plan services: who may write, what is refused (and that nothing changed
then), what is recorded in the audit log, and that initiatives never move a key result's progress."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ambit.core.models import AuditAction, AuditEntry
from ambit.initiatives import services
from ambit.initiatives.models import Initiative, InitiativeStatus, SprintEntry, SprintPlan
from ambit.okrs import services as okrs
from ambit.okrs.models import KeyResult, Sprint
from tests import factories as f
from tests.builders import World
from tests.initiatives.helpers import Board, build_board

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(world: World) -> Board:
    return build_board(world)


def _entries(action: AuditAction) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


@pytest.mark.parametrize("persona", ["member", "lead", "champion", "admin"])
def test_key_result_owner_team_lead_champion_and_admin_may_add(world: World, board: Board, persona: str) -> None:
    actor = getattr(world, persona)
    i = services.initiative_create(
        actor=actor,
        key_result=board.kr,
        title="  Cache the dashboard ",
        owner=world.member,
        due_date=board.current.end_date,
        link_url="https://github.com/acme/platform/issues/12",
    )
    assert (i.title, i.owner_id, i.status, i.link_key, i.position) == (
        "Cache the dashboard",
        world.member.pk,
        InitiativeStatus.PLANNED,
        "acme/platform#12",
        1,
    )
    (entry,) = _entries(AuditAction.INITIATIVE_CREATE)
    assert entry.object_id == str(i.pk) and entry.actor_id == actor.user_id
    assert entry.changes["title"] == [None, "Cache the dashboard"]
    assert entry.changes["key_result"] == [None, board.kr.pk]


@pytest.mark.parametrize("persona", ["viewer", "outsider"])
def test_viewers_and_outsiders_may_not_add_and_nothing_is_written(world: World, board: Board, persona: str) -> None:
    actor = getattr(world, persona)
    expected = PermissionDenied if persona == "viewer" else Http404
    audit = AuditEntry.objects.count()
    with pytest.raises(expected):
        services.initiative_create(actor=actor, key_result=board.kr, title="Nope")
    assert Initiative.objects.count() == 0 and AuditEntry.objects.count() == audit


def test_a_member_of_another_team_may_not_add_to_someone_elses_key_result(world: World, board: Board) -> None:
    other = f.MembershipFactory.create(organisation=world.org, role="member")
    f.TeamMemberFactory.create(team=world.other_team, membership=other, is_lead=True)
    with pytest.raises(PermissionDenied) as exc:
        services.initiative_create(actor=other, key_result=board.other_kr, title="Nope")
    assert str(exc.value) == services.WRITE_DENIED
    assert not Initiative.objects.exists()


def test_the_initiatives_owner_may_change_it_though_not_owning_the_key_result(world: World, board: Board) -> None:
    other = f.MembershipFactory.create(organisation=world.org, role="member")
    i = services.initiative_create(actor=world.lead, key_result=board.other_kr, title="Profile", owner=other)
    services.initiative_update(actor=other, initiative=i, status=InitiativeStatus.IN_PROGRESS)
    i.refresh_from_db()
    assert i.status == InitiativeStatus.IN_PROGRESS
    # Not someone else's initiative of the same key result.
    j = services.initiative_create(actor=world.lead, key_result=board.other_kr, title="Index")
    with pytest.raises(PermissionDenied):
        services.initiative_update(actor=other, initiative=j, title="Mine")
    j.refresh_from_db()
    assert j.title == "Index"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": "  "}, "title", "Enter the title."),
        ({"title": "x" * 201}, "title", "The title is 201 characters long: keep it within 200."),
        ({"link_url": "ftp://x.example.com/1"}, "link_url", "Enter the full address of the issue"),
        ({"status": "finished"}, "status", "Choose a status: planned, in progress, done or dropped."),
        ({"due_date": "tomorrow"}, "due_date", "Enter the due date as a date (YYYY-MM-DD), or leave it empty."),
    ],
)
def test_bad_input_is_refused_with_its_message_and_nothing_written(
    world: World, board: Board, fields: dict[str, object], field: str, message: str
) -> None:
    values: dict[str, object] = {"title": "Fine", **fields}
    audit = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.initiative_create(actor=world.lead, key_result=board.kr, **values)  # type: ignore[arg-type]
    assert exc.value.message_dict[field][0].startswith(message)
    assert not Initiative.objects.exists() and AuditEntry.objects.count() == audit


def test_an_owner_from_another_organisation_is_refused(world: World, board: Board) -> None:
    with pytest.raises(ValidationError) as exc:
        services.initiative_create(actor=world.lead, key_result=board.kr, title="x", owner=world.outsider)
    assert exc.value.message_dict == {"owner": ["Choose an owner from the organisation's people."]}


def test_update_saves_only_what_changed_and_done_records_when(world: World, board: Board) -> None:
    i = services.initiative_create(actor=world.lead, key_result=board.kr, title="Cache")
    services.initiative_update(actor=world.member, initiative=i, title="Cache", status=InitiativeStatus.DONE)
    i.refresh_from_db()
    assert i.status == InitiativeStatus.DONE and i.done_at is not None
    (entry,) = _entries(AuditAction.INITIATIVE_UPDATE)
    assert set(entry.changes) == {"status"} and entry.changes["status"] == ["planned", "done"]
    services.initiative_set_status(actor=world.member, initiative=i, status=InitiativeStatus.IN_PROGRESS)
    i.refresh_from_db()
    assert i.done_at is None
    # No change, no entry.
    services.initiative_update(actor=world.member, initiative=i, title="Cache")
    assert len(_entries(AuditAction.INITIATIVE_UPDATE)) == 2


def test_initiatives_never_count_toward_progress(world: World, board: Board) -> None:
    okrs.check_in_record(actor=world.member, key_result=board.kr, value=30, confidence=6)
    before = KeyResult.objects.values_list("current_value", "checkin_count").get(pk=board.kr.pk)
    i = services.initiative_create(actor=world.lead, key_result=board.kr, title="Big push")
    services.initiative_set_status(actor=world.lead, initiative=i, status=InitiativeStatus.DONE)
    assert KeyResult.objects.values_list("current_value", "checkin_count").get(pk=board.kr.pk) == before


def test_delete_records_and_removes(world: World, board: Board) -> None:
    i = services.initiative_create(actor=world.lead, key_result=board.kr, title="Cache")
    services.initiative_delete(actor=world.member, initiative=i)
    assert not Initiative.objects.exists()
    (entry,) = _entries(AuditAction.INITIATIVE_DELETE)
    assert entry.changes == {"key_result": [board.kr.pk, None], "title": ["Cache", None]}


def test_plan_into_a_sprint_and_back_to_the_backlog(world: World, board: Board) -> None:
    i = services.initiative_create(actor=world.lead, key_result=board.kr, title="Cache")
    services.initiative_plan(actor=world.member, initiative=i, sprint=board.current)
    i.refresh_from_db()
    assert i.sprint_id == board.current.pk
    assert list(SprintEntry.objects.values_list("sprint_id", "initiative_id")) == [(board.current.pk, i.pk)]
    services.initiative_plan(actor=world.member, initiative=i, sprint=None)
    i.refresh_from_db()
    # Taken out of a sprint still running: it is no longer that sprint's plan.
    assert i.sprint_id is None and not SprintEntry.objects.exists()
    plans = _entries(AuditAction.SPRINT_PLAN)
    assert [e.changes["sprint"] for e in plans] == [[None, board.current.pk], [board.current.pk, None]]


def test_moving_on_from_an_ended_sprint_keeps_its_record(world: World, board: Board) -> None:
    i = services.initiative_create(actor=world.lead, key_result=board.kr, title="Cache")
    services.initiative_plan(actor=world.lead, initiative=i, sprint=board.last, today=board.last.start_date)
    services.initiative_plan(actor=world.lead, initiative=i, sprint=board.current)
    assert set(SprintEntry.objects.values_list("sprint_id", flat=True)) == {board.last.pk, board.current.pk}


def test_a_sprint_already_over_or_of_another_cycle_is_refused(world: World, board: Board) -> None:
    i = services.initiative_create(actor=world.lead, key_result=board.kr, title="Cache")
    with pytest.raises(ValidationError) as exc:
        services.initiative_plan(actor=world.lead, initiative=i, sprint=board.last)
    assert exc.value.message_dict["sprint"][0].startswith("Sprint 1 ended on ")
    other_cycle = f.CycleFactory.create(organisation=world.org, name="Next quarter")
    elsewhere = Sprint.objects.create(
        organisation=world.org, cycle=other_cycle, number=1, start_date=board.today, end_date=board.today
    )
    with pytest.raises(ValidationError) as exc:
        services.initiative_plan(actor=world.lead, initiative=i, sprint=elsewhere)
    assert exc.value.message_dict == {"sprint": ["Plan it into a sprint of the key result's cycle."]}
    i.refresh_from_db()
    assert i.sprint_id is None and not SprintEntry.objects.exists()
    assert not _entries(AuditAction.SPRINT_PLAN)


def test_viewer_may_not_plan(world: World, board: Board) -> None:
    i = services.initiative_create(actor=world.lead, key_result=board.kr, title="Cache")
    with pytest.raises(PermissionDenied):
        services.initiative_plan(actor=world.viewer, initiative=i, sprint=board.current)
    i.refresh_from_db()
    assert i.sprint_id is None and not SprintEntry.objects.exists()


def test_reorder(world: World, board: Board) -> None:
    a, b, c = (services.initiative_create(actor=world.lead, key_result=board.kr, title=t) for t in "abc")
    services.initiative_reorder(actor=world.member, key_result=board.kr, ordered_ids=[c.pk, a.pk, b.pk])
    assert list(Initiative.objects.order_by("position").values_list("title", flat=True)) == ["c", "a", "b"]
    (entry,) = _entries(AuditAction.INITIATIVE_UPDATE)
    assert entry.changes == {"initiative_order": [[a.pk, b.pk, c.pk], [c.pk, a.pk, b.pk]]}
    with pytest.raises(ValidationError):
        services.initiative_reorder(actor=world.member, key_result=board.kr, ordered_ids=[c.pk, a.pk])


def test_sprint_goal_leads_champions_and_admins(world: World, board: Board) -> None:
    plan = services.sprint_goal_set(actor=world.lead, team=world.team, sprint=board.current, goal=" Ship it ")
    assert plan.goal == "Ship it"
    (entry,) = _entries(AuditAction.SPRINT_UPDATE)
    assert entry.changes["goal"] == ["", "Ship it"]
    services.sprint_goal_set(actor=world.champion, team=world.team, sprint=board.current, goal="Ship it")
    assert len(_entries(AuditAction.SPRINT_UPDATE)) == 1  # unchanged: no entry
    for persona in ("member", "viewer"):
        with pytest.raises(PermissionDenied):
            services.sprint_goal_set(actor=getattr(world, persona), team=world.team, sprint=board.current, goal="x")
    with pytest.raises(Http404):
        services.sprint_goal_set(actor=world.outsider, team=world.team, sprint=board.current, goal="x")
    assert list(SprintPlan.objects.values_list("goal", flat=True)) == ["Ship it"]


def test_done_at_is_set_when_created_done(world: World, board: Board) -> None:
    i = services.initiative_create(actor=world.lead, key_result=board.kr, title="x", status="done")
    assert i.done_at is not None and i.done_at <= i.updated_at + dt.timedelta(seconds=1)
