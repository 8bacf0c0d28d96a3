"""The objective page and the actions on it (state, cancel, align, cascade a key result)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ambit.core.errors import Conflict
from ambit.core.params import parse_id
from ambit.core.permissions import (
    can_check_in,
    can_create_objective_for,
    can_edit_objective,
    require_can_edit_objective,
)
from ambit.front.decorators import member_required
from ambit.okrs import charts, engine, services
from ambit.okrs.forms import AlignForm, CancelForm, CascadeForm, StateForm, add_service_error
from ambit.okrs.metrics import KRMetrics, Metrics, compute_metrics
from ambit.okrs.models import CheckIn, KeyResult, KeyResultKind, Objective, ObjectiveState
from ambit.okrs.selectors import key_result_get, objective_audit_entries, objective_children, objective_get
from ambit.okrs.selectors_align import alignment_choices, alignment_suggestions
from ambit.okrs.selectors_tree import (
    alignment_candidates,
    objective_check_ins,
    objective_parents_loaded,
)
from ambit.okrs.services import OBJECTIVE_TRANSITIONS
from ambit.okrs.views_common import cycle_switcher_context, member_of, render_page

# The element the picker's search swaps its results into (okrs/partials/align_picker.html).
ALIGN_RESULTS_ID = "align-results"

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


def build_objective_page(request: HttpRequest, objective: Objective) -> dict[str, Any]:
    actor = member_of(request)
    org = actor.organisation
    tz = zoneinfo.ZoneInfo(org.time_zone or "UTC")
    now = timezone.now()
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
    cycle = objective.cycle
    can_edit = can_edit_objective(actor, objective)
    kr_views: list[KRView] = []
    weighted_series: list[tuple[float, list[tuple[Any, float]]]] = []
    forecasts: list[tuple[float, float]] = []
    for kr in objective.key_results.all():
        checkins = history.get(kr.pk, [])
        m = metrics.kr(kr)
        series = _kr_series(kr, checkins, tz)
        if not kr.is_cancelled:
            weighted_series.append((kr.weight, series))
            forecasts.append((kr.weight, m.forecast.progress if m.forecast else m.progress))
        spec = charts.ChartSpec(
            chart_id=f"kr-{kr.pk}-chart",
            title=f"{kr.title}: progress over time",
            start=cycle.start_date,
            end=cycle.end_date,
            actual=series,
            expected=[(cp.date, cp.expected_progress) for cp in kr.checkpoints.all()],
            forecast=m.forecast.progress if m.forecast else None,
            today=today,
        )
        milestone_count = len(kr.milestones.all())
        rows = [
            HistoryRow(c, _shown_value(kr, c, milestone_count), engine.to_scale(c.confidence, org.confidence_scale))
            for c in reversed(checkins)
        ]
        kr_views.append(
            KRView(
                key_result=kr,
                metrics=m,
                history=rows,
                chart=charts.progress_chart(spec),
                chart_points=series,
                can_check_in=can_check_in(actor, kr, objective),
                children=[c for c in children if c.source_key_result_id == kr.pk],
            )
        )
    objective_series = charts.objective_progress_series(weighted_series)
    has_forecast = any(m.metrics.forecast for m in kr_views if not m.key_result.is_cancelled)
    total_weight = sum(w for w, _ in forecasts)
    objective_spec = charts.ChartSpec(
        chart_id=f"objective-{objective.pk}-chart",
        title=f"{objective.title}: progress over time",
        start=cycle.start_date,
        end=cycle.end_date,
        actual=objective_series,
        forecast=(sum(w * p for w, p in forecasts) / total_weight) if has_forecast and total_weight else None,
        today=today,
    )
    kr_ids = {kr.pk for kr in objective.key_results.all()}
    transitions = [(s, STATE_ACTIONS[s]) for s in OBJECTIVE_TRANSITIONS.get(objective.state, ()) if s in STATE_ACTIONS]
    context: dict[str, Any] = {
        "objective": objective,
        "metrics": metrics.objective(objective),
        "all_metrics": metrics,
        "kr_views": kr_views,
        "objective_chart": charts.progress_chart(objective_spec),
        "objective_points": objective_series,
        "parents": [(p, w, metrics.objective(p)) for p, w in parents],
        "classic_children": [(c, metrics.objective(c)) for c in children if c.source_key_result_id not in kr_ids],
        "duality_children": [(c, metrics.objective(c)) for c in children if c.source_key_result_id in kr_ids],
        "audit_entries": _with_change_lines(objective_audit_entries(actor=actor, objective=objective)),
        "can_edit": can_edit,
        "can_cascade": can_edit,
        "can_support": actor.can_write,
        "live": objective.state not in (ObjectiveState.CLOSED, ObjectiveState.CANCELLED),
        "transitions": transitions if can_edit else [],
        "align_choices": None,
        "confidence_scale": org.confidence_scale,
        **cycle_switcher_context(actor, cycle, reverse("okrs:company")),
    }
    if can_edit and context["live"]:
        context["align_choices"] = alignment_suggestions(actor=actor, objective=objective)
    return context


@member_required
def objective_detail(request: HttpRequest, pk: int) -> HttpResponse:
    objective = objective_get(actor=member_of(request), objective_id=pk)
    return render_page(request, "okrs/objective_detail.html", build_objective_page(request, objective))


def _editable(request: HttpRequest, pk: int) -> Objective:
    actor = member_of(request)
    objective = objective_get(actor=actor, objective_id=pk)
    if not can_edit_objective(actor, objective):
        raise PermissionDenied("You may edit your own OKRs, your teams' OKRs if you lead them, or ask a champion.")
    return objective


@member_required
@require_POST
def objective_state(request: HttpRequest, pk: int) -> HttpResponse:
    objective = _editable(request, pk)
    form = StateForm(request.POST)
    if form.is_valid():
        try:
            services.objective_set_state(
                actor=member_of(request),
                objective=objective,
                state=form.cleaned_data["state"],
                note=form.cleaned_data["note"],
            )
        except (ValidationError, Conflict) as exc:
            messages.error(request, getattr(exc, "message", None) or "; ".join(getattr(exc, "messages", [])))
        else:
            messages.success(request, f"The objective is now {objective.get_state_display().lower()}.")
    else:
        messages.error(request, "Choose a valid state.")
    return redirect("okrs:objective-detail", pk=objective.pk)


@member_required
@require_http_methods(["GET", "POST"])
def objective_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    objective = _editable(request, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.objective_cancel(actor=member_of(request), objective=objective, reason=form.cleaned_data["reason"])
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "The objective is cancelled; its history stays.")
            return redirect("okrs:objective-detail", pk=objective.pk)
    status = 400 if form.errors else 200
    return render_page(request, "okrs/objective_cancel.html", {"objective": objective, "form": form}, status=status)


@member_required
@require_http_methods(["GET", "POST"])
def objective_align(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a parent (``parent`` and ``weight``) or, with ``remove=<parent id>``, remove one."""
    actor = member_of(request)
    objective = _editable(request, pk)
    if request.method == "POST" and request.POST.get("remove"):
        remove_id = parse_id(request.POST["remove"])
        if remove_id is None:
            raise Http404("No such objective.")
        parent = objective_get(actor=actor, objective_id=remove_id)
        try:
            services.alignment_remove(actor=actor, child=objective, parent=parent)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, f"No longer aligned to “{parent.title}”.")
        return redirect("okrs:objective-detail", pk=objective.pk)
    candidates = alignment_candidates(actor=actor, objective=objective)
    form = AlignForm(request.POST or None, candidates=candidates)
    if request.method == "POST":
        # The service decides about loops; the form only offers what is visible and in range.
        parent_id = parse_id(request.POST.get("parent"))
        if parent_id is not None and not candidates.filter(pk=parent_id).exists():
            parent = objective_get(actor=actor, objective_id=parent_id)
            form = AlignForm(request.POST, candidates=candidates.model.objects.filter(pk=parent.pk))
        if form.is_valid():
            try:
                services.alignment_add(
                    actor=actor, child=objective, parent=form.cleaned_data["parent"], weight=form.cleaned_data["weight"]
                )
            except (ValidationError, Conflict) as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, f"Aligned to “{form.cleaned_data['parent'].title}”.")
                return redirect("okrs:objective-detail", pk=objective.pk)
    status = 400 if form.errors else 200
    # The search rides along in the POST (a hidden field), so a refused choice keeps its results.
    text = (request.POST if request.method == "POST" else request.GET).get("q", "")
    context = {
        "objective": objective,
        "form": form,
        "align_choices": alignment_choices(actor=actor, objective=objective, text=text, candidates=candidates),
    }
    htmx = getattr(request, "htmx", None)
    # Only the picker's own search gets the bare list; any other HTMX request gets the page.
    fragment = "okrs/partials/align_results.html" if htmx and htmx.target == ALIGN_RESULTS_ID else None
    context["oob"] = fragment is not None
    return render_page(request, "okrs/objective_align.html", context, fragment=fragment, status=status)


@member_required
@require_http_methods(["GET", "POST"])
def kr_cascade(request: HttpRequest, pk: int) -> HttpResponse:
    """Duality: turn a key result into the next level's objective."""
    actor = member_of(request)
    kr = key_result_get(actor=actor, key_result_id=pk)
    # Cascading can make the child drive the key result's progress: it takes edit rights on its objective.
    require_can_edit_objective(actor, kr.objective)
    initial = {"title": kr.title, "owner": kr.owner_id, "state": "draft", "progress_from_child": True}
    form = CascadeForm(request.POST or None, actor=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not can_create_objective_for(
            actor, team_id=data["team"].pk if data["team"] else None, owner_id=data["owner"].pk
        ):
            raise PermissionDenied(
                "You may create your own individual OKRs, your teams' OKRs if you lead them; champions create the rest."
            )
        try:
            child = services.objective_create_from_key_result(
                actor=actor,
                key_result=kr,
                owner=data["owner"],
                team=data["team"],
                title=data["title"],
                progress_from_child=data["progress_from_child"],
                state=data["state"],
            )
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"“{child.title}” now carries “{kr.title}” to the next level.")
            return redirect("okrs:objective-detail", pk=child.pk)
    status = 400 if form.errors else 200
    return render_page(request, "okrs/kr_cascade.html", {"key_result": kr, "form": form}, status=status)
