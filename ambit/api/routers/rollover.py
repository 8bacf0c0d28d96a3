"""Rollover in the API (issue 17): a cycle's unfinished objectives, rolling them into a later cycle,
recording that nothing rolls over, and what was decided — through the same services, selectors
and visibility as the page. Another organisation's cycle is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from ambit.accounts.selectors import team_get, team_list, team_subtree_ids
from ambit.api.common import actor_of, resolve
from ambit.api.enums import ObjectiveStateName, StatusName
from ambit.api.schemas import Id, reads, writes
from ambit.core.validation import MAX_REASON
from ambit.okrs.selectors import cycle_get
from ambit.rollover import selectors, services
from ambit.rollover.models import RolloverDecision

router = Router(tags=["rollover"])

MAX_OBJECTIVES = 500


class CopiedKeyResultOut(Schema):
    key_result_id: int
    title: str
    progress: float = Field(description="0–1 now, from the engine.")
    start_value: float | None = Field(description="Where the copy starts: the last reading, else the old start.")
    target_value: float | None


class CandidateOut(Schema):
    objective_id: int
    title: str
    team_id: int | None
    owner_id: int
    state: ObjectiveStateName
    progress: float = Field(description="0–1, from the engine.")
    status: StatusName
    can_roll_over: bool = Field(description="Whether the caller may roll it over.")
    rolled_over_to_id: int | None = Field(description="The copy already made, if any.")
    key_results: list[CopiedKeyResultOut] = Field(description="The unfinished key results a copy would get.")


class CandidatesOut(Schema):
    cycle_id: int
    threshold: float
    default_target_cycle_id: int | None = Field(description="The next cycle after it (null when none is open).")
    candidates: list[CandidateOut]


class RolloverIn(Schema):
    target_cycle_id: Id
    objective_ids: list[Id] | None = Field(
        None, max_length=MAX_OBJECTIVES, description="The objectives to roll over; or send a threshold."
    )
    threshold: float | None = Field(
        None, gt=0, le=1, description="Every objective the caller may roll over whose progress is below this."
    )


class KeyResultPairOut(Schema):
    source_id: int
    key_result_id: int


class RolledOut(Schema):
    source_id: int = Field(description="The objective rolled over (it keeps its history).")
    objective_id: int = Field(description="The new objective in the target cycle.")
    key_results: list[KeyResultPairOut]


class RolloverOut(Schema):
    source_cycle_id: int
    target_cycle_id: int
    rolled: list[RolledOut]
    notes: list[str] = Field(description="What could not be kept (an alignment, a KPI link), per objective.")


class RolloverDecisionIn(Schema):
    note: str = Field("", json_schema_extra={"maxLength": MAX_REASON})


class RolloverDecisionOut(Schema):
    cycle_id: int
    target_cycle_id: int | None
    decided_by_id: int | None
    decided_at: dt.datetime
    rolled_count: int
    note: str


class PairOut(Schema):
    source_id: int
    objective_id: int
    cycle_id: int


class RolloverStateOut(Schema):
    decision: RolloverDecisionOut | None = Field(description="Null until the rollover is decided.")
    pairs: list[PairOut] = Field(description="The copies made from this cycle that the caller may see.")


def _decision_out(d: RolloverDecision) -> dict[str, Any]:
    return {
        "cycle_id": d.cycle_id,
        "target_cycle_id": d.target_id,
        "decided_by_id": d.decided_by_id,
        "decided_at": d.decided_at,
        "rolled_count": d.rolled_count,
        "note": d.note,
    }


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


@router.get("/cycles/{cycle_id}/rollover/candidates", response=reads(CandidatesOut), operation_id="rollover_candidates")
def rollover_candidates(
    request: HttpRequest, cycle_id: Id, threshold: float | None = None, team_id: Id | None = None
) -> Any:
    """The cycle's unfinished objectives the caller may see (not cancelled, progress below
    ``threshold``, 1 by default), each with the key results a copy would get; ``team_id``: only
    that team's and the teams' below it (and their people's individual objectives)."""
    actor = actor_of(request)
    cycle = cycle_get(actor=actor, cycle_id=cycle_id)
    limit = services.check_threshold(threshold) if threshold is not None else selectors.UNFINISHED
    team_ids = None
    if team_id is not None:
        team = resolve("team_id", team_get, actor=actor, team_id=team_id)
        team_ids = team_subtree_ids(team, list(team_list(actor=actor, include_archived=True)))
    target = selectors.default_target(cycle, selectors.target_choices(actor=actor, source=cycle))
    found = selectors.candidates(actor=actor, cycle=cycle, threshold=limit, team_ids=team_ids)
    return {
        "cycle_id": cycle.pk,
        "threshold": limit,
        "default_target_cycle_id": target.pk if target else None,
        "candidates": [
            {
                "objective_id": c.objective.pk,
                "title": c.objective.title,
                "team_id": c.objective.team_id,
                "owner_id": c.objective.owner_id,
                "state": c.objective.state,
                "progress": c.metrics.progress,
                "status": c.metrics.status,
                "can_roll_over": c.can_roll,
                "rolled_over_to_id": c.rolled_to.pk if c.rolled_to else None,
                "key_results": [
                    {
                        "key_result_id": p.key_result.pk,
                        "title": p.key_result.title,
                        "progress": p.metrics.progress,
                        "start_value": _f(p.start),
                        "target_value": _f(p.key_result.target_value),
                    }
                    for p in c.key_results
                ],
            }
            for c in found
        ],
    }


@router.post("/cycles/{cycle_id}/rollover", response=writes(RolloverOut, 201), operation_id="rollover_run")
def rollover_run(request: HttpRequest, cycle_id: Id, payload: RolloverIn) -> Any:
    """Roll objectives of the cycle into a later, open cycle (champions and admins any; team leads
    their teams'): ``objective_ids``, or every one below ``threshold``. All or nothing; an
    objective already rolled over is refused (409), so a retry creates nothing twice."""
    actor = actor_of(request)
    cycle = cycle_get(actor=actor, cycle_id=cycle_id)
    target = resolve("target_cycle_id", cycle_get, actor=actor, cycle_id=payload.target_cycle_id)
    result = services.rollover(
        actor, source=cycle, target=target, objective_ids=payload.objective_ids, threshold=payload.threshold
    )
    return Status(
        201,
        {
            "source_cycle_id": cycle.pk,
            "target_cycle_id": target.pk,
            "rolled": [
                {
                    "source_id": r.source.pk,
                    "objective_id": r.copy.pk,
                    "key_results": [{"source_id": a.pk, "key_result_id": b.pk} for a, b in r.key_results],
                }
                for r in result.rolled
            ],
            "notes": result.notes,
        },
    )


@router.post(
    "/cycles/{cycle_id}/rollover/decision", response=writes(RolloverDecisionOut, 201), operation_id="rollover_nothing"
)
def rollover_nothing(request: HttpRequest, cycle_id: Id, payload: RolloverDecisionIn) -> Any:
    """Record that nothing of the cycle rolls over (champions and admins). Again: the same
    decision back; after objectives were rolled over: 409."""
    actor = actor_of(request)
    cycle = cycle_get(actor=actor, cycle_id=cycle_id)
    return Status(201, _decision_out(services.rollover_nothing(actor, cycle=cycle, note=payload.note)))


@router.get("/cycles/{cycle_id}/rollover", response=reads(RolloverStateOut), operation_id="rollover_get")
def rollover_get(request: HttpRequest, cycle_id: Id) -> Any:
    """The cycle's rollover decision (null until decided) and the copies made from it."""
    actor = actor_of(request)
    cycle = cycle_get(actor=actor, cycle_id=cycle_id)
    decision = selectors.decision_for(actor=actor, cycle=cycle)
    return {
        "decision": _decision_out(decision) if decision else None,
        "pairs": [
            {"source_id": o.rolled_over_from_id, "objective_id": o.pk, "cycle_id": o.cycle_id}
            for o in selectors.rolled_pairs(actor=actor, cycle=cycle)
        ],
    }
