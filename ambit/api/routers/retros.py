"""Reflections in the API (issue 17): an objective's and a team's reflection on a cycle (the four
questions of seed 004, then lessons learned), a cycle's reflections with how far they are, and
the dependencies an objective declares on other teams' objectives and key results. Same services,
rules and visibility as the pages; another organisation's ids, and objectives the caller may not
see, are a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field
from pydantic.config import JsonDict

from ambit.accounts import selectors as acc
from ambit.api.common import actor_of, resolve_optional
from ambit.api.schemas import Id, reads, writes
from ambit.okrs import selectors as okr_sel
from ambit.retros import rules, selectors, services
from ambit.retros.models import Dependency, ObjectiveReflection, ReflectionFields, TeamReflection

router = Router(tags=["reflections"])


def _answer(description: str, *, required: bool = True) -> Any:
    # Bounded by the service's rule, so the message is the page's own.
    extra: JsonDict = {"maxLength": services.MAX_ANSWER}
    return (
        Field(description=description, json_schema_extra=extra)
        if required
        else Field("", description=description, json_schema_extra=extra)
    )


class CycleReflectionIn(Schema):
    achieved: str = _answer("Did we achieve our goals? (required)")
    aligned: str = _answer("Were they well aligned? (required)")
    dependencies: str = _answer("Did we capture all dependencies? (required)")
    unexpected: str = _answer("What changed unexpectedly, and why? (required)")
    lessons: str = _answer("Lessons learned (optional).", required=False)


class CycleReflectionOut(Schema):
    achieved: str
    aligned: str
    dependencies: str
    unexpected: str
    lessons: str
    complete: bool = Field(description="The four questions are answered (lessons are optional).")
    author_id: int | None
    updated_at: dt.datetime | None = Field(description="Null while nobody has written it.")
    can_write: bool = Field(description="Whether the caller may write it now.")


class ObjectiveReflectionOut(CycleReflectionOut):
    objective_id: int
    cycle_id: int


class TeamReflectionOut(CycleReflectionOut):
    cycle_id: int
    team_id: int


class ProgressOut(Schema):
    objectives_total: int = Field(description="The cycle's objectives that are not cancelled.")
    objectives_done: int = Field(description="Of those, how many have their reflection.")
    teams_total: int = Field(description="Teams owning at least one of those objectives.")
    teams_done: int = Field(description="Of those, how many have written theirs.")


class CycleReflectionsOut(Schema):
    cycle_id: int
    progress: ProgressOut = Field(description="The whole cycle's, whatever the caller may see.")
    teams: list[TeamReflectionOut] = Field(description="The written team reflections, by team name.")
    objectives: list[ObjectiveReflectionOut] = Field(
        description="The written reflections on objectives the caller may see, by team and title."
    )


class DependencyOut(Schema):
    id: int
    objective_id: int = Field(description="The objective that depends on the target.")
    target_objective_id: int | None
    target_key_result_id: int | None
    target_title: str
    target_team_id: int | None
    note: str
    author_id: int | None
    created_at: dt.datetime


class DependenciesOut(Schema):
    depends_on: list[DependencyOut] = Field(description="What this objective depends on.")
    depended_by: list[DependencyOut] = Field(description="Other teams' objectives that depend on this one.")


class DependencyIn(Schema):
    target_objective_id: Id | None = Field(None, description="Another team's objective (or give a key result).")
    target_key_result_id: Id | None = Field(None, description="Another team's key result (or give an objective).")
    note: str = Field("", description="What is needed from them.", json_schema_extra={"maxLength": services.MAX_NOTE})


def _reflection_out(r: ReflectionFields | None, can_write: bool) -> dict[str, Any]:
    answers = (
        r.answers()
        if r is not None
        else dict.fromkeys(("achieved", "aligned", "dependencies", "unexpected", "lessons"), "")
    )
    return {
        **answers,
        "complete": r is not None and r.is_complete,
        "author_id": r.author_id if r is not None else None,
        "updated_at": r.updated_at if r is not None else None,
        "can_write": can_write,
    }


def _objective_out(r: ObjectiveReflection | None, objective_id: int, cycle_id: int, can_write: bool) -> dict[str, Any]:
    return {**_reflection_out(r, can_write), "objective_id": objective_id, "cycle_id": cycle_id}


def _team_out(r: TeamReflection | None, cycle_id: int, team_id: int, can_write: bool) -> dict[str, Any]:
    return {**_reflection_out(r, can_write), "cycle_id": cycle_id, "team_id": team_id}


def _dependency_out(d: Dependency) -> dict[str, Any]:
    if d.target_objective is not None:
        title, team_id = d.target_objective.title, d.target_objective.team_id
    else:
        assert d.target_key_result is not None
        title, team_id = d.target_key_result.title, d.target_key_result.objective.team_id
    return {
        "id": d.pk,
        "objective_id": d.objective_id,
        "target_objective_id": d.target_objective_id,
        "target_key_result_id": d.target_key_result_id,
        "target_title": title,
        "target_team_id": team_id,
        "note": d.note,
        "author_id": d.author_id,
        "created_at": d.created_at,
    }


@router.get(
    "/objectives/{objective_id}/reflection",
    response=reads(ObjectiveReflectionOut),
    operation_id="objective_reflection_get",
)
def objective_reflection_get(request: HttpRequest, objective_id: Id) -> Any:
    """The objective's reflection (empty answers and a null `updated_at` while none is written)."""
    actor = actor_of(request)
    objective = selectors.objective_for_reflection(actor=actor, objective_id=objective_id)
    can_write = rules.can_write_objective_reflection(actor, objective, objective.cycle)
    return _objective_out(selectors.reflection_of(objective), objective.pk, objective.cycle_id, can_write)


@router.put(
    "/objectives/{objective_id}/reflection",
    response=writes(ObjectiveReflectionOut),
    operation_id="objective_reflection_put",
)
def objective_reflection_put(request: HttpRequest, objective_id: Id, payload: CycleReflectionIn) -> Any:
    """Write or rewrite the objective's reflection: its owner, their lead, champions and admins,
    while the cycle is active or in review. The four questions are required."""
    actor = actor_of(request)
    objective = selectors.objective_for_reflection(actor=actor, objective_id=objective_id)
    reflection = services.objective_reflection_save(actor=actor, objective=objective, **payload.model_dump())
    return _objective_out(reflection, objective.pk, objective.cycle_id, True)


@router.get(
    "/cycles/{cycle_id}/teams/{team_id}/reflection",
    response=reads(TeamReflectionOut),
    operation_id="team_reflection_get",
)
def team_reflection_get(request: HttpRequest, cycle_id: Id, team_id: Id) -> Any:
    """The team's reflection on the cycle (empty answers and a null `updated_at` while none is written)."""
    actor = actor_of(request)
    cycle = okr_sel.cycle_get(actor=actor, cycle_id=cycle_id)
    team = acc.team_get(actor=actor, team_id=team_id)
    reflection = selectors.team_reflection_get(actor=actor, cycle=cycle, team=team)
    return _team_out(reflection, cycle.pk, team.pk, rules.can_write_team_reflection(actor, team.pk, cycle))


@router.put(
    "/cycles/{cycle_id}/teams/{team_id}/reflection",
    response=writes(TeamReflectionOut),
    operation_id="team_reflection_put",
)
def team_reflection_put(request: HttpRequest, cycle_id: Id, team_id: Id, payload: CycleReflectionIn) -> Any:
    """Write or rewrite the team's reflection on the cycle: its leads, champions and admins, while
    the cycle is active or in review. The four questions are required."""
    actor = actor_of(request)
    cycle = okr_sel.cycle_get(actor=actor, cycle_id=cycle_id)
    team = acc.team_get(actor=actor, team_id=team_id)
    reflection = services.team_reflection_save(actor=actor, cycle=cycle, team=team, **payload.model_dump())
    return _team_out(reflection, cycle.pk, team.pk, True)


@router.get("/cycles/{cycle_id}/reflections", response=reads(CycleReflectionsOut), operation_id="cycle_reflections")
def cycle_reflections(request: HttpRequest, cycle_id: Id) -> Any:
    """The cycle's written reflections (a fixed number of queries, however many) and how far the
    cycle's reflections are."""
    actor = actor_of(request)
    cycle = okr_sel.cycle_get(actor=actor, cycle_id=cycle_id)
    teams, objectives = selectors.cycle_reflections(actor=actor, cycle=cycle)
    open_ = rules.reflection_open(cycle)
    progress = selectors.reflection_progress(cycle)
    return {
        "cycle_id": cycle.pk,
        "progress": progress.__dict__,
        "teams": [_team_out(r, cycle.pk, r.team_id, open_ and rules.may_write_team(actor, r.team_id)) for r in teams],
        "objectives": [
            _objective_out(r, r.objective_id, cycle.pk, rules.can_write_objective_reflection(actor, r.objective, cycle))
            for r in objectives
        ],
    }


@router.get("/objectives/{objective_id}/dependencies", response=reads(DependenciesOut), operation_id="dependency_list")
def dependency_list(request: HttpRequest, objective_id: Id) -> Any:
    """Both sides of the objective's dependencies, each where the caller may see the other end."""
    actor = actor_of(request)
    objective = okr_sel.objective_head(actor=actor, objective_id=objective_id)
    deps = selectors.dependencies_of(actor=actor, objective=objective)
    return {
        "depends_on": [_dependency_out(d) for d in deps.depends_on],
        "depended_by": [_dependency_out(d) for d in deps.depended_by],
    }


@router.post(
    "/objectives/{objective_id}/dependencies", response=writes(DependencyOut, 201), operation_id="dependency_add"
)
def dependency_add(request: HttpRequest, objective_id: Id, payload: DependencyIn) -> Any:
    """Declare that the objective depends on another team's objective or key result (exactly one;
    whoever may edit the objective, unless its cycle is closed)."""
    actor = actor_of(request)
    objective = okr_sel.objective_get(actor=actor, objective_id=objective_id)
    target_objective = resolve_optional(
        "target_objective_id",
        payload.target_objective_id,
        okr_sel.objective_get,
        actor=actor,
        objective_id=payload.target_objective_id,
    )
    target_key_result = resolve_optional(
        "target_key_result_id",
        payload.target_key_result_id,
        okr_sel.key_result_get,
        actor=actor,
        key_result_id=payload.target_key_result_id,
    )
    dependency = services.dependency_add(
        actor=actor,
        objective=objective,
        target_objective=target_objective,
        target_key_result=target_key_result,
        note=payload.note,
    )
    return Status(201, _dependency_out(selectors.dependency_get(actor=actor, dependency_id=dependency.pk)))


@router.delete("/dependencies/{dependency_id}", response=writes(None, 204), operation_id="dependency_remove")
def dependency_remove(request: HttpRequest, dependency_id: Id) -> Any:
    """Remove a dependency (whoever may edit the objective that declared it, unless its cycle is closed)."""
    actor = actor_of(request)
    services.dependency_remove(
        actor=actor, dependency=selectors.dependency_get(actor=actor, dependency_id=dependency_id)
    )
    return Status(204, None)
