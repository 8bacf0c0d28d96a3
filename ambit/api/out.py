"""Response schemas and the functions that fill them from models and computed metrics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from ambit.accounts.models import Membership, Organisation, Team, TeamMember
from ambit.api.enums import (
    AmbitionName,
    BandName,
    CascadeMethodName,
    CheckInCadenceName,
    ConfidenceScaleName,
    CycleCadenceName,
    CycleKindName,
    CycleStateName,
    ForecastMethodName,
    KeyResultStateName,
    KindName,
    LevelName,
    ObjectiveStateName,
    RoleName,
    StatusName,
    TeamKindName,
    UnitKindName,
    VerdictName,
    VisibilityName,
)
from ambit.api.quality_out import QualityOut
from ambit.okrs import engine
from ambit.okrs.metrics import KRMetrics, ObjectiveMetrics
from ambit.okrs.models import CheckIn, Cycle, KeyResult, Milestone, Objective, Sprint
from ambit.strategy.models import BigMove, Strategy, Value

Confidence = float | str
CONFIDENCE_DOC = (
    "Confidence on the organisation's scale (`confidence_scale` of the organisation): "
    "0–10 whole numbers, 0.0–1.0, or red / yellow / green."
)


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def scaled(value: int | None, scale: str) -> Confidence | None:
    return None if value is None else engine.to_scale(int(value), scale)


# --- Organisation, members, teams --------------------------------------------------------------


class OrganisationOut(Schema):
    id: int
    name: str
    slug: str
    fiscal_year_start_month: int
    cycle_cadence: CycleCadenceName
    checkin_cadence: CheckInCadenceName
    reminder_weekday: int
    reminder_hour: int
    time_zone: str
    confidence_scale: ConfidenceScaleName = Field(
        description="The scale every `confidence` in this API is expressed on."
    )
    pace_on_track: float
    pace_at_risk: float
    stale_grace_days: int
    sprint_length_days: int
    levels: list[LevelName]
    cascade_method: CascadeMethodName
    approval_required: bool
    max_objectives_per_team: int = Field(description="The quality check flags a team with more objectives in a cycle.")
    max_objectives_per_person: int = Field(
        description="The quality check flags a person with more individual objectives in a cycle."
    )
    child_blend: float


def organisation_out(org: Organisation) -> dict[str, Any]:
    return {name: getattr(org, name) for name in OrganisationOut.model_fields}


class MemberOut(Schema):
    id: int
    email: str
    full_name: str
    role: RoleName
    title: str
    manager_id: int | None
    is_executive_sponsor: bool
    is_active: bool


def member_out(m: Membership) -> dict[str, Any]:
    return {
        "id": m.pk,
        "email": m.user.email,
        "full_name": m.user.full_name,
        "role": m.role,
        "title": m.title,
        "manager_id": m.manager_id,
        "is_executive_sponsor": m.is_executive_sponsor,
        "is_active": m.is_active,
    }


class TeamOut(Schema):
    id: int
    name: str
    slug: str
    kind: TeamKindName
    parent_id: int | None
    description: str


def team_out(t: Team) -> dict[str, Any]:
    return {
        "id": t.pk,
        "name": t.name,
        "slug": t.slug,
        "kind": t.kind,
        "parent_id": t.parent_id,
        "description": t.description,
    }


class TeamMemberOut(Schema):
    id: int
    team_id: int
    membership_id: int
    email: str
    full_name: str
    is_lead: bool


def team_member_out(link: TeamMember) -> dict[str, Any]:
    return {
        "id": link.pk,
        "team_id": link.team_id,
        "membership_id": link.membership_id,
        "email": link.membership.user.email,
        "full_name": link.membership.user.full_name,
        "is_lead": link.is_lead,
    }


# --- Strategy ----------------------------------------------------------------------------------


class StrategyOut(Schema):
    mission: str
    vision: str


def strategy_out(s: Strategy) -> dict[str, Any]:
    return {"mission": s.mission, "vision": s.vision}


class ValueOut(Schema):
    id: int
    name: str
    description: str
    position: int


def value_out(v: Value) -> dict[str, Any]:
    return {"id": v.pk, "name": v.name, "description": v.description, "position": v.position}


class BigMoveOut(Schema):
    id: int
    title: str
    description: str
    horizon_start: int
    horizon_end: int
    owner_id: int | None
    position: int
    is_archived: bool


def big_move_out(b: BigMove) -> dict[str, Any]:
    return {
        "id": b.pk,
        "title": b.title,
        "description": b.description,
        "horizon_start": b.horizon_start,
        "horizon_end": b.horizon_end,
        "owner_id": b.owner_id,
        "position": b.position,
        "is_archived": b.is_archived,
    }


# --- Cycles ------------------------------------------------------------------------------------


class CycleOut(Schema):
    id: int
    name: str
    kind: CycleKindName
    parent_id: int | None
    start_date: dt.date
    end_date: dt.date
    state: CycleStateName


def cycle_out(c: Cycle) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "kind": c.kind,
        "parent_id": c.parent_id,
        "start_date": c.start_date,
        "end_date": c.end_date,
        "state": c.state,
    }


class SprintOut(Schema):
    id: int
    cycle_id: int
    number: int
    start_date: dt.date
    end_date: dt.date
    goal: str


def sprint_out(s: Sprint) -> dict[str, Any]:
    return {
        "id": s.pk,
        "cycle_id": s.cycle_id,
        "number": s.number,
        "start_date": s.start_date,
        "end_date": s.end_date,
        "goal": s.goal,
    }


# --- Metrics -----------------------------------------------------------------------------------


class ForecastOut(Schema):
    end_value: float = Field(
        description="Projected value at the end of the cycle's last day, bounded to what the key result can "
        "plausibly reach (for milestones and done/not done: the projected share done, 0.0–1.0)."
    )
    attainment: float | None = Field(description="Projected attainment: may exceed 1.0 past the target.")
    progress: float = Field(
        description="Projected progress, 0.0–1.0 (attainment clamped). Pages and the planning workbook show it "
        "as a whole percentage, rounded half up (0.745 is 75 %)."
    )
    score: float = Field(
        description="Projected score: the score rule applied to `progress` (the suggested score of a key result "
        "that would end the cycle there), in tenths 0.0–1.0; exactly the score the pages and the planning "
        "workbook show next to the projected percentage."
    )
    method: ForecastMethodName = Field(description="How the projection was made.")


class ObjectiveMetricsOut(Schema):
    progress: float = Field(description="0.0–1.0, weighted over live key results (and children per the charter).")
    expected: float = Field(description="Progress expected by today at a linear pace.")
    status: StatusName
    suggested_score: float | None
    score: float | None = Field(description="The set score, else the suggested one.")
    band: BandName | None = Field(description="0.0-0.3 red, 0.4-0.6 yellow, 0.7-1.0 green, whatever the ambition.")
    verdict: VerdictName | None = Field(
        description="The score read against the ambition: committed OKRs are met (1.0) or missed; "
        "aspirational ones a success (0.7 up), partial (0.4 up) or a miss."
    )
    confidence: Confidence | None = Field(description="Mean confidence of the key results. " + CONFIDENCE_DOC)
    plan_start: dt.date = Field(
        description="The day its pace is read from: the set plan start, else the later of the cycle start and "
        "the day it was created."
    )


def objective_metrics_out(obj: Objective, m: ObjectiveMetrics, scale: str) -> dict[str, Any]:
    return {
        "progress": m.progress,
        "expected": m.expected,
        "status": m.status,
        "suggested_score": m.suggested_score,
        "score": obj.score if obj.score is not None else m.suggested_score,
        "band": m.band,
        "verdict": m.verdict,
        "confidence": None if m.confidence is None else scaled(round(m.confidence), scale),
        "plan_start": m.plan_start,
    }


PROGRESS_FROM_INITIATIVES_DOC = (
    "Progress = share of its initiatives done (dropped ones left out), not its check-ins' values."
)


class KeyResultMetricsOut(Schema):
    progress: float
    attainment: float | None = Field(description="Unclamped progress: above 1.0 when the target is beaten.")
    expected: float
    status: StatusName
    confidence: Confidence = Field(description=CONFIDENCE_DOC)
    due: bool = Field(description="A check-in is due this period.")
    suggested_score: float
    score: float | None = Field(description="The set score, else the suggested one.")
    verdict: VerdictName = Field(
        description="The score read against the objective's ambition: committed OKRs are met (1.0) or missed; "
        "aspirational ones a success (0.7 up), partial (0.4 up) or a miss."
    )
    stretch_progress: float | None = Field(
        description="Attainment beyond the target read against the stretch target: 0.0 at the target, 1.0 at the "
        "stretch; null without a stretch target or before the target is reached."
    )
    linked: bool = Field(
        description="Progress comes from the child objective(s) created from it; it takes no check-ins of its own."
    )
    plan_start: dt.date = Field(
        description="The day its pace and staleness count from: the set plan start, else the later of the cycle "
        "start and the day it was created."
    )
    forecast: ForecastOut | None = Field(
        description="Projection from the check-ins to the end of the cycle's last day: null without any check-in, "
        "and null while the history is too short to project (see forecast_note)."
    )
    forecast_note: str | None = Field(
        description='Why there is no forecast though there are check-ins ("Too early to forecast"), else null.'
    )
    initiatives_done: int | None = Field(
        None, description="With progress_from_initiatives: how many of its initiatives are done; else null."
    )
    initiatives_counted: int | None = Field(
        None, description="With progress_from_initiatives: how many count (all but dropped ones); else null."
    )


def kr_metrics_out(kr: KeyResult, m: KRMetrics, scale: str) -> dict[str, Any]:
    fc = m.forecast
    return {
        "progress": m.progress,
        "attainment": m.attainment,
        "expected": m.expected,
        "status": m.status,
        "confidence": scaled(m.confidence, scale),
        "due": m.due,
        "suggested_score": m.suggested_score,
        "score": kr.score if kr.score is not None else m.suggested_score,
        "verdict": m.verdict,
        "stretch_progress": m.stretch_progress,
        "linked": m.linked,
        "plan_start": m.plan_start,
        "forecast": None
        if fc is None or fc.is_too_early
        else {
            "end_value": fc.end_value,
            "attainment": fc.attainment,
            "progress": fc.progress,
            "score": fc.score,
            "method": fc.method,
        },
        "forecast_note": None if fc is None else fc.note,
        "initiatives_done": m.initiatives.done if m.initiatives is not None else None,
        "initiatives_counted": m.initiatives.counted if m.initiatives is not None else None,
    }


# --- Objectives and key results ---------------------------------------------------------------


class ObjectiveOut(Schema):
    id: int
    cycle_id: int
    title: str
    description: str
    owner_id: int
    team_id: int | None
    level: LevelName
    theme_id: int | None
    ambition: AmbitionName
    visibility: VisibilityName
    state: ObjectiveStateName
    cancel_reason: str
    source_key_result_id: int | None
    plan_start: dt.date | None = Field(
        description="The set plan start; null for the default (the later of the cycle start and its creation day)."
    )
    score: float | None = Field(description="The score set at the end of the cycle, if any.")
    score_note: str
    position: int
    created_at: dt.datetime
    updated_at: dt.datetime
    metrics: ObjectiveMetricsOut
    key_results: list[KeyResultOut] | None = Field(
        description="Its key results (in their order, cancelled ones too), each with its milestones and metrics, "
        "forecast included: only when the request asks for them with `expand=key_results`, else null."
    )
    quality: QualityOut | None = Field(
        description="The quality check (S.M.A.R.T. key results, ambition, focus): a score and findings. Always on "
        "one objective's answer; on the list only with `expand=quality`, else null.",
    )


def objective_out(
    obj: Objective,
    m: ObjectiveMetrics,
    scale: str,
    key_results: list[dict[str, Any]] | None = None,
    quality: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The objective; ``key_results`` (already filled by ``key_result_out``) when expanded."""
    return {
        "id": obj.pk,
        "cycle_id": obj.cycle_id,
        "title": obj.title,
        "description": obj.description,
        "owner_id": obj.owner_id,
        "team_id": obj.team_id,
        "level": obj.level,
        "theme_id": obj.theme_id,
        "ambition": obj.ambition,
        "visibility": obj.visibility,
        "state": obj.state,
        "cancel_reason": obj.cancel_reason,
        "source_key_result_id": obj.source_key_result_id,
        "plan_start": obj.plan_start,
        "score": obj.score,
        "score_note": obj.score_note,
        "position": obj.position,
        "created_at": obj.created_at,
        "updated_at": obj.updated_at,
        "metrics": objective_metrics_out(obj, m, scale),
        "key_results": key_results,
        "quality": quality,
    }


class MilestoneOut(Schema):
    id: int
    key_result_id: int
    title: str
    weight: float
    position: int
    done: bool = Field(description="Ticked in the latest check-in.")


def milestone_out(ms: Milestone, done: set[int]) -> dict[str, Any]:
    return {
        "id": ms.pk,
        "key_result_id": ms.key_result_id,
        "title": ms.title,
        "weight": ms.weight,
        "position": ms.position,
        "done": ms.pk in done,
    }


class KeyResultOut(Schema):
    id: int
    objective_id: int
    title: str
    description: str
    kind: KindName
    start_value: float | None
    target_value: float | None
    stretch_target: float | None
    unit: str
    unit_kind: UnitKindName
    weight: float
    owner_id: int
    state: KeyResultStateName
    cancel_reason: str
    progress_from_children: bool
    progress_from_initiatives: bool = Field(description=PROGRESS_FROM_INITIATIVES_DOC)
    plan_start: dt.date | None = Field(
        description="The set plan start; null for the default (the later of the cycle start and its creation day)."
    )
    position: int
    current_value: float | None
    confidence: Confidence = Field(description="Latest confidence. " + CONFIDENCE_DOC)
    last_checkin_at: dt.datetime | None
    checkin_count: int
    score: float | None
    score_note: str
    milestones: list[MilestoneOut]
    metrics: KeyResultMetricsOut


def key_result_out(kr: KeyResult, m: KRMetrics, scale: str) -> dict[str, Any]:
    done = set(kr.current_milestones_done or [])
    return {
        "id": kr.pk,
        "objective_id": kr.objective_id,
        "title": kr.title,
        "description": kr.description,
        "kind": kr.kind,
        "start_value": _f(kr.start_value),
        "target_value": _f(kr.target_value),
        "stretch_target": _f(kr.stretch_target),
        "unit": kr.unit,
        "unit_kind": kr.unit_kind,
        "weight": kr.weight,
        "owner_id": kr.owner_id,
        "state": kr.state,
        "cancel_reason": kr.cancel_reason,
        "progress_from_children": kr.progress_from_children,
        "progress_from_initiatives": kr.progress_from_initiatives,
        "plan_start": kr.plan_start,
        "position": kr.position,
        "current_value": _f(kr.current_value),
        "confidence": scaled(kr.current_confidence, scale),
        "last_checkin_at": kr.last_checkin_at,
        "checkin_count": kr.checkin_count,
        "score": kr.score,
        "score_note": kr.score_note,
        "milestones": [milestone_out(ms, done) for ms in kr.milestones.all()],
        "metrics": kr_metrics_out(kr, m, scale),
    }


# ObjectiveOut nests KeyResultOut, defined after it.
ObjectiveOut.model_rebuild()


class CheckInOut(Schema):
    id: int
    key_result_id: int
    author_id: int
    value: float | None
    milestones_done: list[int]
    confidence: Confidence = Field(description=CONFIDENCE_DOC)
    note: str
    is_correction: bool
    corrects_id: int | None
    created_at: dt.datetime


def check_in_out(c: CheckIn, scale: str) -> dict[str, Any]:
    return {
        "id": c.pk,
        "key_result_id": c.key_result_id,
        "author_id": c.author_id,
        "value": _f(c.value),
        "milestones_done": list(c.milestones_done or []),
        "confidence": scaled(c.confidence, scale),
        "note": c.note,
        "is_correction": c.is_correction,
        "corrects_id": c.corrects_id,
        "created_at": c.created_at,
    }


class CheckedKeyResultOut(Schema):
    """What a check-in changes on its key result; the rest is as the key result's own read shows it."""

    id: int
    current_value: float | None
    confidence: Confidence = Field(description="Latest confidence. " + CONFIDENCE_DOC)
    last_checkin_at: dt.datetime | None
    checkin_count: int
    metrics: KeyResultMetricsOut


def checked_key_result_out(kr: KeyResult, m: KRMetrics, scale: str) -> dict[str, Any]:
    return {
        "id": kr.pk,
        "current_value": _f(kr.current_value),
        "confidence": scaled(kr.current_confidence, scale),
        "last_checkin_at": kr.last_checkin_at,
        "checkin_count": kr.checkin_count,
        "metrics": kr_metrics_out(kr, m, scale),
    }


class CheckInCreatedOut(Schema):
    check_in: CheckInOut
    warnings: list[str] = Field(description="Early warnings for the owner's manager (confidence drop or low).")
    key_result: CheckedKeyResultOut = Field(
        description="The key result as the check-in leaves it: its new value, confidence and metrics (progress, "
        "status, forecast, score). Its title, targets and milestones are unchanged: `key_result_get` reads them."
    )


class AlignmentOut(Schema):
    child_id: int
    parent_id: int
    weight: float
