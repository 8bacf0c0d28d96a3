"""The objective page's content, built from the selectors and the engine: the view
(``okrs.views.objective_detail``) only loads the objective, checks access and renders.

Every number here comes from ``compute_metrics`` and the engine (the objective forecast is
``engine.objective_forecast``), so the page shows what the tree, the API and the dashboard show.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.permissions import can_check_in, can_set_objective_state
from ambit.okrs import charts, engine
from ambit.okrs.access import with_access
from ambit.okrs.metrics import KRMetrics, Metrics, compute_metrics
from ambit.okrs.models import CheckIn, KeyResult, KeyResultKind, Objective, ObjectiveState
from ambit.okrs.selectors import objective_audit_entries, objective_children
from ambit.okrs.selectors_align import alignment_suggestions
from ambit.okrs.selectors_tree import objective_check_ins, objective_parents_loaded
from ambit.okrs.services import OBJECTIVE_TRANSITIONS

STATE_ACTIONS: dict[str, str] = {
    ObjectiveState.PROPOSED: "Propose",
    ObjectiveState.ACTIVE: "Activate",
    ObjectiveState.CLOSED: "Close",
    ObjectiveState.DRAFT: "Back to draft",
}


@dataclass
class HistoryRow:
    check_in: CheckIn
    shown_value: str
    confidence: float | str


@dataclass
class KRView:
    key_result: KeyResult
    metrics: KRMetrics
    history: list[HistoryRow]
    chart: str
    chart_points: list[tuple[Any, float]]
    can_check_in: bool
    children: list[Objective]


def _shown_value(kr: KeyResult, c: CheckIn, milestone_count: int) -> str:
    if kr.kind == KeyResultKind.MILESTONES:
        return f"{len(c.milestones_done or [])} of {milestone_count} milestones"
    if kr.kind == KeyResultKind.BINARY:
        return "Done" if c.value is not None and c.value >= 1 else "Not done"
    if c.value is None:
        return "—"
    number = c.value.normalize()
    text = f"{number:f}"
    return f"{text} {kr.unit}".strip()


def _with_change_lines(entries: Any) -> list[Any]:
    """Audit entries with ``change_lines``: (field, "before → after") ready to print."""
    out = []
    for e in entries:
        lines = []
        for name, value in (e.changes or {}).items():
            if isinstance(value, list) and len(value) == 2:
                before, after = ("—" if v is None or v == "" else v for v in value)
                lines.append((name, f"{before} → {after}"))
            else:
                lines.append((name, str(value)))
        e.change_lines = lines
        out.append(e)
    return out


def _kr_series(kr: KeyResult, checkins: list[CheckIn], tz: dt.tzinfo) -> list[tuple[Any, float]]:
    points = [
        charts.CheckInPoint(
            when=timezone.localtime(c.created_at, tz),
            value=float(c.value) if c.value is not None else None,
            milestones_done=c.milestones_done or [],
            id=c.pk,
            corrects=c.corrects_id,
        )
        for c in checkins
    ]
    return charts.kr_progress_series(
        kind=kr.kind,
        start=float(kr.start_value) if kr.start_value is not None else None,
        target=float(kr.target_value) if kr.target_value is not None else None,
        points=points,
        milestone_weights={m.pk: m.weight for m in kr.milestones.all()},
    )


def _kr_view(
    *,
    actor: Membership,
    objective: Objective,
    kr: KeyResult,
    metrics: KRMetrics,
    checkins: list[CheckIn],
    children: list[Objective],
    tz: dt.tzinfo,
    today: dt.date,
) -> KRView:
    """One key result's block: its metrics, chart and check-in history (newest first)."""
    cycle = objective.cycle
    series = _kr_series(kr, checkins, tz)
    spec = charts.ChartSpec(
        chart_id=f"kr-{kr.pk}-chart",
        title=f"{kr.title}: progress over time",
        start=cycle.start_date,
        end=cycle.end_date,
        actual=series,
        expected=[(cp.date, cp.expected_progress) for cp in kr.checkpoints.all()],
        forecast=metrics.forecast.progress if metrics.forecast else None,
        today=today,
    )
    milestone_count = len(kr.milestones.all())
    scale = actor.organisation.confidence_scale
    rows = [
        HistoryRow(c, _shown_value(kr, c, milestone_count), engine.to_scale(c.confidence, scale))
        for c in reversed(checkins)
    ]
    return KRView(
        key_result=kr,
        metrics=metrics,
        history=rows,
        chart=charts.progress_chart(spec),
        chart_points=series,
        can_check_in=can_check_in(actor, kr, objective),
        children=[c for c in children if c.source_key_result_id == kr.pk],
    )


def _objective_chart(objective: Objective, kr_views: list[KRView], today: dt.date) -> tuple[str, list[Any]]:
    """The objective's progress line (the weighted mean of its live key results at each moment)
    and, once a key result can be forecast, where the engine says the objective will land."""
    live = [v for v in kr_views if not v.key_result.is_cancelled]
    series = charts.objective_progress_series([(v.key_result.weight, v.chart_points) for v in live])
    landing = engine.objective_forecast(
        [
            engine.KRForecast(
                weight=v.key_result.weight,
                progress=v.metrics.progress,
                forecast=v.metrics.forecast.progress if v.metrics.forecast else None,
            )
            for v in live
        ]
    )
    spec = charts.ChartSpec(
        chart_id=f"objective-{objective.pk}-chart",
        title=f"{objective.title}: progress over time",
        start=objective.cycle.start_date,
        end=objective.cycle.end_date,
        actual=series,
        forecast=landing,
        today=today,
    )
    return charts.progress_chart(spec), series


def objective_page(*, actor: Membership, objective: Objective, now: dt.datetime | None = None) -> dict[str, Any]:
    """The objective page's context: the objective with its metrics, each key result's block,
    parents and children with theirs, the audit trail, and what the actor may do. A fixed number
    of queries however many key results, check-ins and children there are."""
    org = actor.organisation
    tz = zoneinfo.ZoneInfo(org.time_zone or "UTC")
    now = now or timezone.now()
    today = timezone.localtime(now, tz).date()
    parents = objective_parents_loaded(actor=actor, objective=objective)
    children = objective_children(actor=actor, objective=objective)
    history = objective_check_ins(actor=actor, objective=objective)
    metrics: Metrics = compute_metrics(
        organisation=org,
        objectives=[objective, *[p for p, _ in parents], *children],
        now=now,
        with_forecast=True,
        history=history,
    )
    with_access(actor, [objective])
    can_edit = objective.editor
    kr_views = [
        _kr_view(
            actor=actor,
            objective=objective,
            kr=kr,
            metrics=metrics.kr(kr),
            checkins=history.get(kr.pk, []),
            children=children,
            tz=tz,
            today=today,
        )
        for kr in objective.key_results.all()
    ]
    objective_chart, objective_series = _objective_chart(objective, kr_views, today)
    kr_ids = {kr.pk for kr in objective.key_results.all()}
    # Only the moves this person may make (with approval required an owner is not offered "Activate").
    transitions = [
        (s, STATE_ACTIONS[s])
        for s in OBJECTIVE_TRANSITIONS.get(objective.state, ())
        if s in STATE_ACTIONS and can_set_objective_state(actor, objective, s)
    ]
    return {
        "objective": objective,
        "metrics": metrics.objective(objective),
        "all_metrics": metrics,
        "kr_views": kr_views,
        "objective_chart": objective_chart,
        "objective_points": objective_series,
        "parents": [(p, w, metrics.objective(p)) for p, w in parents],
        "classic_children": [(c, metrics.objective(c)) for c in children if c.source_key_result_id not in kr_ids],
        "duality_children": [(c, metrics.objective(c)) for c in children if c.source_key_result_id in kr_ids],
        "audit_entries": _with_change_lines(objective_audit_entries(actor=actor, objective=objective)),
        "can_support": actor.can_write,
        "transitions": transitions if can_edit else [],
        "align_choices": alignment_suggestions(actor=actor, objective=objective) if objective.can_edit else None,
        "confidence_scale": org.confidence_scale,
    }
