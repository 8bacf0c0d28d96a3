"""Closing the quarter in the API (issue 17): the caller's scoring sheet, the teams' progress
through scoring and reminders to the late, the close checklist, closing and reopening — through
the same selectors and services as the pages. Scores are written with the key result's and the
objective's own ``/score`` operations (a note when more than 0.1 from the suggestion; locked once
the cycle is closed). Another organisation's cycle is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from ambit.api.common import actor_of
from ambit.api.enums import AmbitionName, CycleStateName, StatusName, VerdictName
from ambit.api.out import CycleOut, cycle_out
from ambit.api.schemas import Id, reads, writes
from ambit.closeout import selectors, services

router = Router(tags=["closing the quarter"])


class LastCheckInOut(Schema):
    at: dt.datetime
    value: float | None = Field(description="Null for a milestone checklist.")
    confidence: int = Field(description="Stored 0–10.")
    note: str


class ScoringKeyResultOut(Schema):
    key_result_id: int
    title: str
    owner_id: int
    weight: float
    progress: float = Field(description="Final progress, 0–1 (the engine's).")
    status: StatusName
    suggested_score: float = Field(description="The engine's suggestion from final progress, in tenths.")
    score: float | None = Field(description="The recorded score; null while not scored.")
    score_note: str
    verdict: VerdictName = Field(description="The recorded score (else the suggestion) read against the ambition.")
    confidences: list[int] = Field(description="Each check-in's confidence (stored 0–10), oldest first.")
    last_check_in: LastCheckInOut | None
    can_score: bool = Field(description="The caller may score it now (the cycle is in review).")


class ScoringObjectiveOut(Schema):
    objective_id: int
    title: str
    ambition: AmbitionName
    progress: float
    suggested_score: float | None = Field(
        description="Weighted mean of its key results' scores (recorded or suggested)."
    )
    score: float | None
    score_note: str
    verdict: VerdictName | None
    can_score: bool
    key_results: list[ScoringKeyResultOut] = Field(description="The caller's key results in it (all, for its owner).")


class ScoringOut(Schema):
    cycle_id: int
    state: CycleStateName
    open: bool = Field(description="Scoring is open while the cycle is in review.")
    scored: int
    total: int
    objectives: list[ScoringObjectiveOut]


class OwnerScoringOut(Schema):
    member_id: int
    name: str
    scored: int
    total: int
    can_remind: bool


class TeamScoringOut(Schema):
    team_id: int
    name: str
    scored: int
    total: int
    owners: list[OwnerScoringOut]


class TeamsScoringOut(Schema):
    cycle_id: int
    teams: list[TeamScoringOut] = Field(description="Leads: their teams (and those below); champions and admins: all.")


class ScoringRemindIn(Schema):
    member_ids: list[Id] | None = Field(
        None, max_length=500, description="Only these people (default: every late owner the caller may remind)."
    )


class ScoringRemindOut(Schema):
    reminded: list[int] = Field(description="Membership ids notified now.")
    already: list[int] = Field(description="Already reminded today: not again.")


class ScoringMissingOut(Schema):
    member_id: int
    name: str
    count: int


class ReflectionsOut(Schema):
    objectives_total: int
    objectives_done: int
    teams_total: int
    teams_done: int


class ChecklistOut(Schema):
    cycle_id: int
    state: CycleStateName
    scores_total: int = Field(
        description="Key results that need a score (not cancelled, in active or closed objectives)."
    )
    scores_done: int
    missing: list[ScoringMissingOut] = Field(description="Who still has key results to score, by name.")
    scores_ready: bool
    reflections: ReflectionsOut | None = Field(description="Null while reflections are not available.")
    reflections_ready: bool
    rollover_ready: bool
    ready: bool = Field(description="All three done: the cycle may close.")


class ClosedOut(Schema):
    cycle: CycleOut
    score: float | None = Field(description="The organisation's score: the mean of the objectives' scores.")
    met: int
    partial: int
    missed: int


def _kr_out(row: selectors.KRRow, open_: bool) -> dict[str, Any]:
    kr, m, last = row.key_result, row.metrics, row.last
    return {
        "key_result_id": kr.pk,
        "title": kr.title,
        "owner_id": kr.owner_id,
        "weight": kr.weight,
        "progress": m.progress,
        "status": m.status,
        "suggested_score": m.suggested_score,
        "score": kr.score,
        "score_note": kr.score_note,
        "verdict": m.verdict,
        "confidences": row.confidences,
        "last_check_in": (
            {
                "at": last["created_at"],
                "value": float(last["value"]) if last["value"] is not None else None,
                "confidence": last["confidence"],
                "note": last["note"],
            }
            if last
            else None
        ),
        "can_score": open_ and row.can_score,
    }


@router.get("/cycles/{cycle_id}/scoring", response=reads(ScoringOut), operation_id="scoring_get")
def scoring_get(request: HttpRequest, cycle_id: Id) -> Any:
    """The caller's OKRs in the cycle (objectives they own, key results they own) with final
    progress, the suggested and recorded scores, the verdict, confidence history and final check-in."""
    actor = actor_of(request)
    cycle = selectors.scoring_cycle(actor=actor, cycle_id=cycle_id)
    rows = selectors.scoring_sheet(actor=actor, cycle=cycle)
    open_ = selectors.scoring_open(cycle)
    krs = [kr for row in rows for kr in row.krs]
    return {
        "cycle_id": cycle.pk,
        "state": cycle.state,
        "open": open_,
        "scored": sum(1 for kr in krs if kr.recorded is not None),
        "total": len(krs),
        "objectives": [
            {
                "objective_id": row.objective.pk,
                "title": row.objective.title,
                "ambition": row.objective.ambition,
                "progress": row.metrics.progress,
                "suggested_score": row.metrics.suggested_score,
                "score": row.objective.score,
                "score_note": row.objective.score_note,
                "verdict": row.metrics.verdict,
                "can_score": open_ and row.can_score,
                "key_results": [_kr_out(kr, open_) for kr in row.krs],
            }
            for row in rows
        ],
    }


@router.get("/cycles/{cycle_id}/scoring/teams", response=reads(TeamsScoringOut), operation_id="scoring_teams")
def scoring_teams(request: HttpRequest, cycle_id: Id) -> Any:
    """Per team, each owner with their key results scored / total: team leads their teams (and those
    below), champions and admins every team; anyone else none."""
    actor = actor_of(request)
    cycle = selectors.scoring_cycle(actor=actor, cycle_id=cycle_id)
    return {
        "cycle_id": cycle.pk,
        "teams": [
            {
                "team_id": t.team.pk,
                "name": t.team.name,
                "scored": t.scored,
                "total": t.total,
                "owners": [
                    {
                        "member_id": o.member_id,
                        "name": o.name,
                        "scored": o.scored,
                        "total": o.total,
                        "can_remind": o.can_remind,
                    }
                    for o in t.owners
                ],
            }
            for t in selectors.team_scoring(actor=actor, cycle=cycle)
        ],
    }


@router.post("/cycles/{cycle_id}/scoring/remind", response=writes(ScoringRemindOut), operation_id="scoring_remind")
def scoring_remind(request: HttpRequest, cycle_id: Id, payload: ScoringRemindIn) -> Any:
    """Remind the owners with unscored key results (champions and admins anyone, team leads the
    people of their teams), at most once per person per day; while the cycle is in review."""
    actor = actor_of(request)
    cycle = selectors.scoring_cycle(actor=actor, cycle_id=cycle_id)
    done = services.scoring_remind(actor=actor, cycle=cycle, owner_ids=payload.member_ids)
    return {"reminded": done.reminded, "already": done.already}


@router.get("/cycles/{cycle_id}/close-checklist", response=reads(ChecklistOut), operation_id="close_checklist")
def close_checklist(request: HttpRequest, cycle_id: Id) -> Any:
    """What must be done before the cycle closes: every key result scored (who is missing),
    reflections written, rollover decided."""
    cycle = selectors.scoring_cycle(actor=actor_of(request), cycle_id=cycle_id)
    c = selectors.close_checklist(cycle)
    r = c.reflections
    return {
        "cycle_id": cycle.pk,
        "state": cycle.state,
        "scores_total": c.scores_total,
        "scores_done": c.scores_done,
        "missing": [{"member_id": m.member_id, "name": m.name, "count": m.count} for m in c.missing],
        "scores_ready": c.scores_ready,
        "reflections": (
            {
                "objectives_total": r.objectives_total,
                "objectives_done": r.objectives_done,
                "teams_total": r.teams_total,
                "teams_done": r.teams_done,
            }
            if r is not None
            else None
        ),
        "reflections_ready": c.reflections_ready,
        "rollover_ready": c.rollover_done,
        "ready": c.ready,
    }


@router.post("/cycles/{cycle_id}/close", response=writes(ClosedOut), operation_id="cycle_close")
def cycle_close(request: HttpRequest, cycle_id: Id) -> Any:
    """Close the cycle (champions and admins) once the checklist is done: scores lock, active
    objectives close, everyone is told the results once. Closing a closed cycle is a 409."""
    actor = actor_of(request)
    cycle = selectors.scoring_cycle(actor=actor, cycle_id=cycle_id)
    results = services.cycle_close(actor=actor, cycle=cycle)
    cycle.refresh_from_db()
    return {
        "cycle": cycle_out(cycle),
        "score": results.score,
        "met": results.met,
        "partial": results.partial,
        "missed": results.missed,
    }


@router.post("/cycles/{cycle_id}/reopen", response=writes(CycleOut), operation_id="cycle_reopen")
def cycle_reopen(request: HttpRequest, cycle_id: Id) -> Any:
    """Reopen a closed cycle for scoring (admins only): closed → review, audited."""
    actor = actor_of(request)
    cycle = selectors.scoring_cycle(actor=actor, cycle_id=cycle_id)
    return cycle_out(services.cycle_reopen(actor=actor, cycle=cycle))
