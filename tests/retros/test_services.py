"""The reflection and dependency services: who may write, when (closed cycles are read-only),
what is refused with which message (nothing changed), what the audit log records, and the
contract the close-out checklist and the cycle report read (progress, report rows)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from ambit.core.errors import Conflict
from ambit.core.models import AuditAction, AuditEntry
from ambit.okrs.models import Cycle, CycleState
from ambit.retros import selectors, services
from ambit.retros.models import Dependency, ObjectiveReflection, TeamReflection
from tests.builders import World
from tests.helpers import db_digest
from tests.retros.helpers import ANSWERS, build_scene, reflect, reflect_team

pytestmark = pytest.mark.django_db


def _set_state(cycle: Cycle, state: str) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(state=state)
    cycle.refresh_from_db()


def test_the_owner_writes_and_rewrites_only_what_changed(world: World) -> None:
    scene = build_scene(world)
    reflection = reflect(world.member, scene.platform)
    assert ObjectiveReflection.objects.get().answers() == ANSWERS
    assert reflection.author_id == world.member.pk
    entry = AuditEntry.objects.get(action=AuditAction.OBJECTIVE_REFLECTION_SAVE)
    assert entry.changes["lessons"] == [None, ANSWERS["lessons"]]
    reflect(world.member, scene.platform)  # the same answers: nothing to record
    assert AuditEntry.objects.filter(action=AuditAction.OBJECTIVE_REFLECTION_SAVE).count() == 1
    reflect(world.lead, scene.platform, lessons="  Plan 20% less.  ")
    latest = AuditEntry.objects.filter(action=AuditAction.OBJECTIVE_REFLECTION_SAVE).latest("id")
    assert latest.changes == {
        "objective": [scene.platform.pk, scene.platform.pk],
        "lessons": [ANSWERS["lessons"], "Plan 20% less."],
    }
    saved = ObjectiveReflection.objects.get()
    assert saved.lessons == "Plan 20% less." and saved.author_id == world.lead.pk


@pytest.mark.parametrize("persona", ["member", "lead", "champion", "admin"])
def test_owner_lead_champion_and_admin_may_write_an_objective_reflection(world: World, persona: str) -> None:
    scene = build_scene(world)
    reflect(getattr(world, persona), scene.platform)
    assert ObjectiveReflection.objects.filter(objective=scene.platform).exists()


@pytest.mark.parametrize(("persona", "error"), [("viewer", PermissionDenied), ("outsider", Http404)])
def test_others_may_not_and_nothing_changes(world: World, persona: str, error: type[Exception]) -> None:
    scene = build_scene(world)
    before = db_digest()
    with pytest.raises(error):
        reflect(getattr(world, persona), scene.platform)
    with pytest.raises(PermissionDenied):
        reflect(world.member, scene.sales)  # not theirs, not their team's
    assert db_digest() == before


def test_bad_answers_are_refused_with_every_message_at_once(world: World) -> None:
    scene = build_scene(world)
    with pytest.raises(ValidationError) as refused:
        reflect(world.member, scene.platform, achieved="  ", unexpected="x" * (services.MAX_ANSWER + 1))
    errors = refused.value.message_dict
    assert errors["achieved"] == [services.ANSWER_REQUIRED]
    assert errors["unexpected"] == [
        "The answer to “what changed unexpectedly, and why?” is 4,001 characters long: keep it within 4,000."
    ]
    assert not ObjectiveReflection.objects.exists()


@pytest.mark.parametrize(
    ("state", "message"), [(CycleState.CLOSED, "The cycle is closed"), (CycleState.PLANNING, "has not started")]
)
def test_reflections_are_written_only_while_the_cycle_runs_or_is_in_review(
    world: World, state: str, message: str
) -> None:
    scene = build_scene(world)
    _set_state(scene.cycle, CycleState.REVIEW)
    reflect(world.member, scene.platform)
    _set_state(scene.cycle, state)
    before = db_digest()
    with pytest.raises(Conflict, match=message):
        reflect(world.member, scene.platform, lessons="Changed afterwards.")
    with pytest.raises(Conflict, match=message):
        reflect_team(world.lead, world, scene.cycle)
    assert db_digest() == before


def test_the_team_reflection_is_its_leads_and_the_champions(world: World) -> None:
    scene = build_scene(world)
    with pytest.raises(PermissionDenied, match="team's leads"):
        reflect_team(world.member, world, scene.cycle)
    reflect_team(world.lead, world, scene.cycle)
    reflect_team(world.champion, world, scene.cycle, lessons="Declare dependencies early.")
    row = TeamReflection.objects.get()
    assert (row.team_id, row.cycle_id, row.lessons, row.author_id) == (
        world.team.pk,
        scene.cycle.pk,
        "Declare dependencies early.",
        world.champion.pk,
    )
    assert AuditEntry.objects.filter(action=AuditAction.TEAM_REFLECTION_SAVE).count() == 2


def test_dependencies_on_another_teams_objective_or_key_result(world: World) -> None:
    scene = build_scene(world)
    on_objective = services.dependency_add(
        actor=world.member, objective=scene.platform, target_objective=scene.sales, note="Their launch date."
    )
    on_kr = services.dependency_add(actor=world.lead, objective=scene.platform, target_key_result=scene.sales_kr)
    assert [(d.target_objective_id, d.target_key_result_id) for d in Dependency.objects.order_by("pk")] == [
        (scene.sales.pk, None),
        (None, scene.sales_kr.pk),
    ]
    entry = AuditEntry.objects.get(action=AuditAction.DEPENDENCY_ADD, object_id=str(on_objective.pk))
    assert entry.changes["note"] == [None, "Their launch date."]
    with pytest.raises(Conflict, match="already depends"):
        services.dependency_add(actor=world.member, objective=scene.platform, target_objective=scene.sales)
    with pytest.raises(ValidationError) as same_team:
        services.dependency_add(actor=world.champion, objective=scene.sales, target_key_result=scene.sales_kr)
    assert same_team.value.message_dict == {"target_key_result": [services.DEPENDENCY_SAME_TEAM]}
    with pytest.raises(ValidationError) as both:
        services.dependency_add(
            actor=world.member, objective=scene.platform, target_objective=scene.sales, target_key_result=scene.sales_kr
        )
    assert both.value.message_dict == {"target": [services.DEPENDENCY_TARGET]}
    with pytest.raises(PermissionDenied):
        services.dependency_add(actor=world.member, objective=scene.sales, target_objective=scene.platform)
    with pytest.raises(Http404):
        services.dependency_add(actor=world.member, objective=scene.platform, target_objective=scene.outside)
    removed = on_kr.pk
    services.dependency_remove(actor=world.lead, dependency=on_kr)
    assert list(Dependency.objects.values_list("pk", flat=True)) == [on_objective.pk]
    assert AuditEntry.objects.get(action=AuditAction.DEPENDENCY_REMOVE).object_id == str(removed)
    _set_state(scene.cycle, CycleState.CLOSED)
    with pytest.raises(Conflict, match="closed"):
        services.dependency_remove(actor=world.lead, dependency=on_objective)
    assert Dependency.objects.count() == 1


def test_the_database_holds_exactly_one_target(world: World) -> None:
    scene = build_scene(world)
    for targets in ({}, {"target_objective": scene.sales, "target_key_result": scene.sales_kr}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Dependency.objects.create(organisation=world.org, objective=scene.platform, **targets)
    with pytest.raises(IntegrityError), transaction.atomic():
        Dependency.objects.create(organisation=world.org, objective=scene.platform, target_objective=scene.platform)


def test_progress_and_the_report_rows(world: World) -> None:
    scene = build_scene(world)
    empty = selectors.reflection_progress(scene.cycle)
    assert empty == selectors.ReflectionProgress(objectives_total=3, objectives_done=0, teams_total=2, teams_done=0)
    reflect(world.member, scene.platform)
    reflect(world.champion, scene.private)
    reflect_team(world.lead, world, scene.cycle)
    services.dependency_add(actor=world.member, objective=scene.platform, target_objective=scene.sales)
    assert selectors.reflection_progress(scene.cycle) == selectors.ReflectionProgress(3, 2, 2, 1)
    rows = selectors.reflections_for_report(scene.cycle)
    assert [(r.subject, r.objective_id, r.team_name) for r in rows] == [
        ("Platform", None, "Platform"),
        ("Ship the platform", scene.platform.pk, "Platform"),
        ("Quiet hiring", scene.private.pk, "Sales"),
    ]
    assert rows[1].dependencies == ["depends on Grow sales (Sales)"]
    assert rows[1].answers == ANSWERS and rows[1].author_name == world.member.user.get_full_name()
    only_sales = selectors.reflections_for_report(scene.cycle, team_ids={world.other_team.pk})
    assert [r.subject for r in only_sales] == ["Quiet hiring"]
