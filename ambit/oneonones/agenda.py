"""The agenda of a 1:1 meeting, built from the report's OKRs: each of their active key results with
its progress and confidence now and at the last meeting, the early warnings raised since (the
engine's own rule, ``engine.confidence_warnings``, the one ``ambit.notify.warnings`` applies), and
the notes they wrote with their check-ins since. Behind and at-risk key results come first.

Beside the key results: the blockers the report raised in their standups since the last meeting
(each with the key result it names), and their weekly reflections of the weeks since ("what I
learned", "what's in my way"), which only the two people of the 1:1 ever read here.

A fixed number of queries however many key results: the objectives, their key results (with
milestones and checkpoints), the metrics' own reads, one query for the check-ins, one for the
blockers and one for the reflections.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ambit.accounts.models import Membership, Organisation
from ambit.okrs import engine
from ambit.okrs.metrics import KRMetrics, compute_metrics
from ambit.okrs.metrics_initiatives import progress_then as initiatives_then
from ambit.okrs.models import (
    CheckIn,
    CycleState,
    KeyResult,
    KeyResultKind,
    KeyResultState,
    Objective,
    ObjectiveState,
)
from ambit.okrs.prefetch import attach_key_results
from ambit.rituals.models import StandupLine, WeeklyReflection
from ambit.rituals.reflections import reflections_since
from ambit.rituals.selectors import blockers_since

# Behind first, then at risk, then gone quiet, then the rest.
STATUS_ORDER = {engine.STATUS_BEHIND: 0, engine.STATUS_AT_RISK: 1, engine.STATUS_STALE: 2}


def zone_of(organisation: Organisation) -> ZoneInfo:
    try:
        return ZoneInfo(organisation.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass
class AgendaRow:
    key_result: KeyResult
    objective: Objective
    metrics: KRMetrics
    progress_then: float | None
    confidence_now: int
    confidence_then: int | None
    confidence_now_display: float | str
    confidence_then_display: float | str | None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # check-in notes since the last meeting, newest first

    @property
    def progress_change(self) -> float | None:
        return None if self.progress_then is None else self.metrics.progress - self.progress_then

    @property
    def confidence_change(self) -> int | None:
        return None if self.confidence_then is None else self.confidence_now - self.confidence_then

    @property
    def flagged(self) -> bool:
        return self.metrics.status in (engine.STATUS_BEHIND, engine.STATUS_AT_RISK)


@dataclass
class Agenda:
    since: dt.date
    rows: list[AgendaRow]
    blockers: list[StandupLine] = field(default_factory=list)  # newest day first, with key_result and standup
    reflections: list[WeeklyReflection] = field(default_factory=list)  # newest week first

    @property
    def flagged_count(self) -> int:
        return sum(1 for r in self.rows if r.flagged)

    @property
    def warning_count(self) -> int:
        return sum(len(r.warnings) for r in self.rows)


def _then_progress(kr: KeyResult, value: object) -> float | None:
    if kr.kind == KeyResultKind.MILESTONES or value is None:
        return None  # which milestones were done then is not kept per check-in here
    attainment = engine.kr_attainment(
        kr.kind,
        start=None if kr.start_value is None else float(kr.start_value),
        target=None if kr.target_value is None else float(kr.target_value),
        current=float(value),  # type: ignore[arg-type]
    )
    return None if attainment is None else engine.clamp01(attainment)


def _objectives(report: Membership) -> list[Objective]:
    objectives = list(
        Objective.objects.filter(
            organisation_id=report.organisation_id,
            state=ObjectiveState.ACTIVE,
            cycle__state=CycleState.ACTIVE,
            key_results__owner_id=report.pk,
            key_results__state=KeyResultState.ACTIVE,
        )
        .distinct()
        .select_related("cycle")
        .defer("description")
        .order_by("pk")
    )
    if objectives:
        attach_key_results(objectives)
    return objectives


def build_agenda(
    *, report: Membership, organisation: Organisation, since: dt.date, now: dt.datetime | None = None
) -> Agenda:
    """The report's agenda: what changed since the start of ``since`` (the last meeting's day).
    Only for one of the two people of the report's 1:1 (the callers load the 1:1 through
    ``selectors.one_on_one_get`` first): it holds the report's private reflections."""
    blockers = blockers_since(member=report, since=since)
    reflections = reflections_since(report=report, since=since)
    objectives = _objectives(report)
    if not objectives:
        return Agenda(since=since, rows=[], blockers=blockers, reflections=reflections)
    metrics = compute_metrics(organisation=organisation, objectives=objectives, now=now)
    krs: list[KeyResult] = [
        kr
        for o in objectives
        for kr in o.key_results.all()
        if kr.owner_id == report.pk and kr.state == KeyResultState.ACTIVE and kr.pk in metrics.krs
    ]
    since_at = dt.datetime.combine(since, dt.time.min, tzinfo=zone_of(organisation))
    history: dict[int, list[tuple[dt.datetime, object, int, str]]] = {}
    for kr_id, created, value, confidence, note in (
        CheckIn.objects.filter(key_result_id__in=[kr.pk for kr in krs])
        .order_by("created_at", "pk")
        .values_list("key_result_id", "created_at", "value", "confidence", "note")
    ):
        history.setdefault(kr_id, []).append((created, value, confidence, note))
    scale = organisation.confidence_scale
    # Key results counting their initiatives: the share done then (one query, only with the option).
    shares = initiatives_then(krs, since_at)
    rows = [_row(kr, metrics.krs[kr.pk], history.get(kr.pk, []), since_at, scale, shares) for kr in krs]
    rows.sort(key=lambda r: (STATUS_ORDER.get(r.metrics.status, 3), r.metrics.gap, r.key_result.title, r.key_result.pk))
    return Agenda(since=since, rows=rows, blockers=blockers, reflections=reflections)


def _row(
    kr: KeyResult,
    km: KRMetrics,
    history: Sequence[tuple[dt.datetime, object, int, str]],
    since_at: dt.datetime,
    scale: str,
    shares: dict[int, float],
) -> AgendaRow:
    before = [h for h in history if h[0] < since_at]
    after = [h for h in history if h[0] >= since_at]
    then = before[-1] if before else None
    warnings: list[str] = []
    if after:
        latest = history[-1]
        previous = history[-2][2] if len(history) > 1 else None
        warnings = [w.message for w in engine.confidence_warnings(previous, latest[2], scale)]
    return AgendaRow(
        key_result=kr,
        objective=kr.objective,
        metrics=km,
        progress_then=(
            shares[kr.pk] if kr.pk in shares else (_then_progress(kr, then[1]) if then else (0.0 if after else None))
        ),
        confidence_now=kr.current_confidence,
        confidence_then=then[2] if then else None,
        confidence_now_display=engine.to_scale(kr.current_confidence, scale),
        confidence_then_display=engine.to_scale(then[2], scale) if then else None,
        warnings=warnings,
        notes=[h[3] for h in reversed(after) if h[3].strip()][:3],
    )
