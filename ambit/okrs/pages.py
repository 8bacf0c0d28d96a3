"""The objective page's content, built from the selectors and the engine: the view
(``okrs.views.objective_detail``) only loads the objective, checks access and renders.

Every number here comes from ``compute_metrics`` and the engine (the objective forecast is
``engine.objective_forecast``), so the page shows what the tree, the API and the dashboard show.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString

from ambit.accounts.models import Membership
from ambit.core.permissions import can_check_in, can_set_objective_state
from ambit.okrs import charts, engine
from ambit.okrs.access import with_access
from ambit.okrs.approvers import may_activate, page_approval
from ambit.okrs.history import CheckInRow, latest_check_ins
from ambit.okrs.metrics import KRMetrics, Metrics, compute_metrics
from ambit.okrs.metrics_initiatives import InitiativeHistory, initiative_histories
from ambit.okrs.models import CheckIn, KeyResult, KeyResultKind, Objective, ObjectiveState
from ambit.okrs.prefetch import attach_key_results
from ambit.okrs.quality import QualityView, assess_loaded, quality_view
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


# The check-in history shows this many of the newest check-ins per key result; an "Older
# check-ins" link (HTMX, or a page of its own without JavaScript) brings the next ones.
HISTORY_PAGE = 20
# Charts are cached under a key made of everything they are drawn from, so a write (a check-in,
# an edit, a new day) changes the key instead of waiting for the entry to expire.
CHART_CACHE_SECONDS = 24 * 3600


@dataclass
class HistoryRow:
    check_in: CheckIn
    shown_value: str
    confidence: float | str
    when_iso: str = ""  # the check-in's moment as the template's ``date:'c'`` prints it
    when_text: str = ""  # … and as ``date:"j M Y, H:i"`` does
    author: str = ""


def when_printer() -> Callable[[dt.datetime], tuple[str, str]]:
    """A function printing a moment in the current time zone as the ``date`` filter prints it
    with ``'c'`` and with ``"j M Y, H:i"``: the same text, without the filter's per-call time
    zone and format lookups (the page prints a hundred or more of them), so make one per page."""
    tz = timezone.get_current_timezone()
    months = [""] + [str(MONTHS_3[m]).title() for m in range(1, 13)]

    def texts(moment: dt.datetime) -> tuple[str, str]:
        local = moment.astimezone(tz) if timezone.is_aware(moment) else moment
        return (
            local.isoformat(),
            f"{local.day} {months[local.month]} {local.year:04d}, {local.hour:02d}:{local.minute:02d}",
        )

    return texts


def when_texts(moment: dt.datetime) -> tuple[str, str]:
    """``when_printer()(moment)``, for one moment."""
    return when_printer()(moment)


@dataclass
class KRView:
    key_result: KeyResult
    metrics: KRMetrics
    history: list[HistoryRow]  # the newest HISTORY_PAGE check-ins, newest first
    check_in_count: int
    older_than: int | None  # the oldest shown check-in's id, when there are older ones
    chart: SafeString  # the chart figure (SVG and its data table), rendered
    chart_points: list[tuple[Any, float]]  # one point per day
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
    when = when_printer()
    for e in entries:
        lines = []
        for name, value in (e.changes or {}).items():
            if isinstance(value, list) and len(value) == 2:
                before, after = ("—" if v is None or v == "" else v for v in value)
                lines.append((name, f"{before} → {after}"))
            else:
                lines.append((name, str(value)))
        e.change_lines = lines
        e.when_iso, e.when_text = when(e.created_at)
        out.append(e)
    return out


def history_rows(kr: KeyResult, checkins: list[CheckIn], confidence_scale: str) -> list[HistoryRow]:
    """Check-ins as the history table prints them (in the order given)."""
    milestone_count = len(kr.milestones.all())
    when = when_printer()
    return [
        HistoryRow(
            c,
            _shown_value(kr, c, milestone_count),
            engine.to_scale(c.confidence, confidence_scale),
            *when(c.created_at),
            author=c.author.user.get_full_name(),
        )
        for c in checkins
    ]


def history_page(
    *, actor: Membership, key_result: KeyResult, before_id: int | None
) -> tuple[list[HistoryRow], int | None]:
    """A page of ``key_result``'s history: the HISTORY_PAGE check-ins older than ``before_id``
    (the newest without it), and the id to ask the next page with (None: no older ones).
    ``key_result`` is one the actor may read (``selectors.key_result_get``)."""
    before = None
    if before_id is not None:
        before = CheckIn.objects.filter(pk=before_id, key_result_id=key_result.pk).first()
        if before is None:
            raise Http404("No such check-in.")
    found = latest_check_ins([key_result.pk], per_key_result=HISTORY_PAGE + 1, before=before).get(key_result.pk, [])
    shown = found[:HISTORY_PAGE]
    older = shown[-1].pk if len(found) > HISTORY_PAGE else None
    return history_rows(key_result, shown, actor.organisation.confidence_scale), older


def _cached_chart(key_parts: tuple[Any, ...], draw: Any) -> tuple[SafeString, list[tuple[Any, float]]]:
    """``draw()`` → (figure, points), cached under a digest of everything the chart is drawn from."""
    key = "okrs:chart:" + hashlib.sha256(repr(key_parts).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = draw()
        cache.set(key, found, CHART_CACHE_SECONDS)
    return found  # type: ignore[no-any-return]


def _figure(spec: charts.ChartSpec, points: list[tuple[Any, float]], caption: str) -> SafeString:
    context = {"svg": charts.progress_chart(spec), "points": points, "caption": caption}
    return SafeString(render_to_string("okrs/partials/chart.html", context))


def _kr_series(
    kr: KeyResult, checkins: list[CheckInRow], tz: dt.tzinfo, initiatives: InitiativeHistory | None = None
) -> list[tuple[Any, float]]:
    if initiatives is not None:
        # It counts its initiatives: the share done after each was done, not its check-in values.
        return charts.daily([(timezone.localtime(at, tz), p) for at, p in initiatives.series()])
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
    return charts.daily(
        charts.kr_progress_series(
            kind=kr.kind,
            start=float(kr.start_value) if kr.start_value is not None else None,
            target=float(kr.target_value) if kr.target_value is not None else None,
            points=points,
            milestone_weights={m.pk: m.weight for m in kr.milestones.all()},
        )
    )


def _kr_view(
    *,
    actor: Membership,
    objective: Objective,
    kr: KeyResult,
    metrics: KRMetrics,
    checkins: list[CheckInRow],
    latest: list[CheckIn],
    children: list[Objective],
    tz: zoneinfo.ZoneInfo,
    today: dt.date,
    initiatives: InitiativeHistory | None = None,
) -> KRView:
    """One key result's block: its metrics, chart (from every check-in, one point per day) and
    the newest page of its check-in history."""
    cycle = objective.cycle
    forecast = metrics.forecast.progress if metrics.forecast else None
    checkpoints = [(cp.date, cp.expected_progress) for cp in kr.checkpoints.all()]
    # Everything the chart is drawn from; check-ins are append-only, so their count and newest id
    # name the set (a correction is a new check-in).
    key = (
        "kr",
        kr.pk,
        kr.title,
        kr.kind,
        kr.start_value,
        kr.target_value,
        tuple((m.pk, m.weight) for m in kr.milestones.all()),
        tuple(checkpoints),
        len(checkins),
        max((c.pk for c in checkins), default=None),
        initiatives,
        cycle.start_date,
        cycle.end_date,
        forecast,
        today,
        tz.key,
    )

    def draw() -> tuple[SafeString, list[tuple[Any, float]]]:
        series = _kr_series(kr, checkins, tz, initiatives)
        spec = charts.ChartSpec(
            chart_id=f"kr-{kr.pk}-chart",
            title=f"{kr.title}: progress over time",
            start=cycle.start_date,
            end=cycle.end_date,
            actual=series,
            expected=checkpoints,
            forecast=forecast,
            today=today,
            check_ins=len(checkins),
        )
        return _figure(spec, series, "Progress"), series

    chart, series = _cached_chart(key, draw)
    shown = latest[:HISTORY_PAGE]
    return KRView(
        key_result=kr,
        metrics=metrics,
        history=history_rows(kr, shown, actor.organisation.confidence_scale),
        check_in_count=len(checkins),
        older_than=shown[-1].pk if shown and len(checkins) > len(shown) else None,
        chart=chart,
        chart_points=series,
        can_check_in=can_check_in(actor, kr, objective),
        children=[c for c in children if c.source_key_result_id == kr.pk],
    )


def _objective_chart(objective: Objective, kr_views: list[KRView], today: dt.date, tz: zoneinfo.ZoneInfo) -> SafeString:
    """The objective's progress line (the weighted mean of its live key results at each moment)
    and, once a key result can be forecast, where the engine says the objective will land."""
    live = [v for v in kr_views if not v.key_result.is_cancelled]
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
    cycle = objective.cycle
    key = (
        "objective",
        objective.pk,
        objective.title,
        cycle.start_date,
        cycle.end_date,
        landing,
        today,
        tz.key,
        tuple((v.key_result.weight, tuple(v.chart_points)) for v in live),
    )

    def draw() -> tuple[SafeString, list[tuple[Any, float]]]:
        series = charts.objective_progress_series([(v.key_result.weight, v.chart_points) for v in live])
        spec = charts.ChartSpec(
            chart_id=f"objective-{objective.pk}-chart",
            title=f"{objective.title}: progress over time",
            start=cycle.start_date,
            end=cycle.end_date,
            actual=series,
            forecast=landing,
            today=today,
        )
        return _figure(spec, series, "Objective progress"), series

    return _cached_chart(key, draw)[0]


def objective_page(*, actor: Membership, objective: Objective, now: dt.datetime | None = None) -> dict[str, Any]:
    """The objective page's context: the objective with its metrics, each key result's block,
    parents and children with theirs, the audit trail, and what the actor may do. A fixed number
    of queries however many key results, check-ins and children there are."""
    org = actor.organisation
    tz = zoneinfo.ZoneInfo(org.time_zone or "UTC")
    now = now or timezone.now()
    today = timezone.localtime(now, tz).date()
    parents = objective_parents_loaded(actor=actor, objective=objective, with_key_results=False)
    children = objective_children(actor=actor, objective=objective, with_key_results=False)
    # The key results of parents and children together: one query each for them, their
    # milestones and their checkpoints, not one set per kind of neighbour. Without their owners:
    # the page lists these objectives with their numbers, not their key results.
    attach_key_results([*[p for p, _ in parents], *children])
    history = objective_check_ins(actor=actor, objective=objective)
    kr_ids = [kr.pk for kr in objective.key_results.all()]
    latest = latest_check_ins(kr_ids, per_key_result=HISTORY_PAGE)
    metrics: Metrics = compute_metrics(
        organisation=org,
        objectives=[objective, *[p for p, _ in parents], *children],
        now=now,
        with_forecast=True,
        history=history,
        # Parents and children are listed with their progress and status, not their forecasts.
        forecasts_of={objective.pk},
    )
    with_access(actor, [objective])
    can_edit = objective.editor
    # Key results counting their initiatives draw the share done over time (one query, only with them).
    histories = initiative_histories(objective.key_results.all())
    kr_views = [
        _kr_view(
            actor=actor,
            objective=objective,
            kr=kr,
            metrics=metrics.kr(kr),
            checkins=history.get(kr.pk, []),
            latest=latest.get(kr.pk, []),
            children=children,
            tz=tz,
            today=today,
            initiatives=histories.get(kr.pk),
        )
        for kr in objective.key_results.all()
    ]
    objective_chart = _objective_chart(objective, kr_views, today, tz)
    # Only the moves this person may make (with approval required an owner is not offered "Activate").
    transitions = [
        (s, STATE_ACTIONS[s])
        for s in OBJECTIVE_TRANSITIONS.get(objective.state, ())
        if s in STATE_ACTIONS
        and can_set_objective_state(actor, objective, s)
        and (s != ObjectiveState.ACTIVE or may_activate(actor, objective))
    ]
    audit_entries = _with_change_lines(objective_audit_entries(actor=actor, objective=objective))
    return {
        "objective": objective,
        "metrics": metrics.objective(objective),
        "all_metrics": metrics,
        "kr_views": kr_views,
        "objective_chart": objective_chart,
        "parents": [(p, w, metrics.objective(p)) for p, w in parents],
        "classic_children": [(c, metrics.objective(c)) for c in children if c.source_key_result_id not in kr_ids],
        "duality_children": [(c, metrics.objective(c)) for c in children if c.source_key_result_id in kr_ids],
        "audit_entries": audit_entries,
        "approval": page_approval(actor, objective, audit_entries),
        "can_support": actor.can_write,
        "transitions": transitions if can_edit else [],
        "align_choices": alignment_suggestions(actor=actor, objective=objective) if objective.can_edit else None,
        "confidence_scale": org.confidence_scale,
        "quality": _quality(objective, org),
    }


def _quality(objective: Objective, org: Any) -> QualityView:
    """The quality panel (issue 15): its findings per objective and key result, one query."""
    live = [kr.title for kr in objective.key_results.all() if not kr.is_cancelled]
    return quality_view(assess_loaded(objective, org), live)
