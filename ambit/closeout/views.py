"""The close-out pages: the owner's scoring page (``/cycles/<id>/scoring/``), the leads' view of
who has scored (``…/scoring/teams/``) and the close checklist (``/cycles/<id>/close/``), with
closing and reopening. Another organisation's cycle is a 404 on every page and form. Forms post
without JavaScript (the page comes back) and with HTMX (only the objective's card)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.views.decorators.http import require_http_methods, require_POST

from ambit.closeout import selectors, services
from ambit.closeout.forms import ScoreForm
from ambit.core.errors import Conflict
from ambit.core.forms import errors_on
from ambit.core.http import MemberRequest
from ambit.core.paging import page_of
from ambit.core.params import parse_page
from ambit.core.web import member_required, render_page
from ambit.okrs import engine
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, CycleState

SPARK_W, SPARK_H = 96, 24


def confidence_spark(values: list[int]) -> SafeString:
    """The check-ins' confidence (stored 0–10) as a small line, described for screen readers."""
    if not values:
        return format_html('<span class="muted small">{}</span>', "No check-ins")
    step = (SPARK_W - 4) / max(len(values) - 1, 1)
    points = " ".join(f"{2 + i * step:.1f},{SPARK_H - 2 - v * (SPARK_H - 4) / 10:.1f}" for i, v in enumerate(values))
    label = "Confidence over the cycle: " + ", ".join(str(v) for v in values[-12:])
    dot = points.split(" ")[-1].split(",")
    return format_html(
        '<svg class="score-spark" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{label}">'
        '<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{points}"/>'
        '<circle cx="{x}" cy="{y}" r="2.5" fill="currentColor"/></svg>',
        w=SPARK_W,
        h=SPARK_H,
        label=label,
        points=points,
        x=dot[0],
        y=dot[1],
    )


def _decorate(rows: list[selectors.ObjectiveRow], cycle: Cycle, scale: str, forms: dict[str, ScoreForm]) -> None:
    open_ = selectors.scoring_open(cycle)
    for row in rows:
        key = f"obj{row.objective.pk}"
        row.form = forms.get(key) or ScoreForm(prefix_id=key)  # type: ignore[attr-defined]
        row.editable = open_ and row.can_score  # type: ignore[attr-defined]
        for kr in row.krs:
            key = f"kr{kr.key_result.pk}"
            kr.form = forms.get(key) or ScoreForm(prefix_id=key)  # type: ignore[attr-defined]
            kr.editable = open_ and kr.can_score  # type: ignore[attr-defined]
            kr.spark = confidence_spark(kr.confidences)  # type: ignore[attr-defined]
            if kr.last is not None:
                kr.last["confidence_display"] = engine.to_scale(kr.last["confidence"], scale)


def _sheet_context(request: MemberRequest, cycle: Cycle, forms: dict[str, ScoreForm] | None = None) -> dict[str, Any]:
    actor = request.member
    rows = selectors.scoring_sheet(actor=actor, cycle=cycle)
    _decorate(rows, cycle, actor.organisation.confidence_scale, forms or {})
    krs = [kr for row in rows for kr in row.krs]
    scored = sum(1 for kr in krs if kr.recorded is not None)
    return {
        "cycle": cycle,
        "rows": rows,
        "open": selectors.scoring_open(cycle),
        "closed": cycle.state == CycleState.CLOSED,
        "summary": {"scored": scored, "total": len(krs), "share": scored / len(krs) if krs else 1.0},
        "can_see_teams": selectors.can_see_teams(actor),
    }


@member_required
@require_http_methods(["GET"])
def scoring(request: MemberRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.scoring_cycle(actor=request.member, cycle_id=cycle_id)
    return render_page(request, "closeout/scoring.html", _sheet_context(request, cycle))


def _errors(form: ScoreForm) -> str:
    return "; ".join(str(e) for errs in form.errors.values() for e in errs)


def _answer(
    request: MemberRequest, cycle: Cycle, objective_id: int, form: ScoreForm, key: str, title: str
) -> HttpResponse:
    """The objective's card again (HTMX), or the page with a message."""
    if request.htmx:
        context = _sheet_context(request, cycle, {key: form} if form.errors else None)
        row = next((r for r in context["rows"] if r.objective.pk == objective_id), None)
        if row is None:
            raise Http404("Not on your scoring page.")
        saved = not form.errors
        return render_page(
            request,
            "closeout/partials/objective.html",
            {**context, "row": row, "saved": saved, "oob": True},
            status=422 if form.errors else 200,
        )
    if form.errors:
        messages.error(request, _errors(form))
    else:
        messages.success(request, f"Score saved on “{title}”.")
    return redirect(reverse("closeout:scoring", kwargs={"cycle_id": cycle.pk}) + f"#score-obj-{objective_id}")


@member_required
@require_POST
def score_key_result(request: MemberRequest, cycle_id: int, key_result_id: int) -> HttpResponse:
    actor = request.member
    cycle = selectors.scoring_cycle(actor=actor, cycle_id=cycle_id)
    kr = selectors.sheet_key_result(actor=actor, cycle=cycle, key_result_id=key_result_id)
    if kr is None:
        raise Http404("This key result is not on your scoring page.")
    key = f"kr{key_result_id}"
    form = ScoreForm(request.POST, prefix_id=key)
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.key_result_score_set(
                actor=actor, cycle=cycle, key_result=kr, score=data["score"], note=data["note"], accept=data["accept"]
            )
    return _answer(request, cycle, kr.objective_id, form, key, kr.title)


@member_required
@require_POST
def score_objective(request: MemberRequest, cycle_id: int, objective_id: int) -> HttpResponse:
    actor = request.member
    cycle = selectors.scoring_cycle(actor=actor, cycle_id=cycle_id)
    objective = selectors.sheet_objective(actor=actor, cycle=cycle, objective_id=objective_id)
    if objective is None:
        raise Http404("This objective is not on your scoring page.")
    key = f"obj{objective_id}"
    form = ScoreForm(request.POST, prefix_id=key)
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.objective_score_set(
                actor=actor,
                cycle=cycle,
                objective=objective,
                score=data["score"],
                note=data["note"],
                accept=data["accept"],
            )
    return _answer(request, cycle, objective_id, form, key, objective.title)


# --- The leads' view ----------------------------------------------------------------------------


# Teams per page of the leads' view: a champion of a 10,000-person organisation sees 1,250.
TEAMS_PER_PAGE = 25


def _teams_context(request: MemberRequest, cycle: Cycle, status: str = "") -> dict[str, Any]:
    teams = selectors.team_scoring(actor=request.member, cycle=cycle)
    shown, pager = page_of(teams, request, per_page=TEAMS_PER_PAGE, noun="teams", anchor="score-teams")
    return {
        "cycle": cycle,
        "teams": shown,
        "pager": pager,
        # The reminders come back to the page they were sent from.
        "page_query": f"?page={pager.number}" if pager else "",
        "open": selectors.scoring_open(cycle),
        "can_remind_any": any(o.can_remind and o.late for t in teams for o in t.owners),
        "can_see_teams": selectors.can_see_teams(request.member),
        "status": status,
    }


@member_required
@require_http_methods(["GET"])
def teams(request: MemberRequest, cycle_id: int) -> HttpResponse:
    actor = request.member
    cycle = selectors.scoring_cycle(actor=actor, cycle_id=cycle_id)
    return render_page(request, "closeout/teams.html", _teams_context(request, cycle))


@member_required
@require_POST
def remind(request: MemberRequest, cycle_id: int) -> HttpResponse:
    actor = request.member
    cycle = selectors.scoring_cycle(actor=actor, cycle_id=cycle_id)
    raw = request.POST.get("member", "")
    owner_ids = [int(raw)] if raw.isdigit() else None
    ok = True
    try:
        done = services.scoring_remind(actor=actor, cycle=cycle, owner_ids=owner_ids)
    except (Conflict, ValidationError) as exc:
        message, ok = (exc.message if isinstance(exc, Conflict) else " ".join(exc.messages)), False
    else:
        n = len(done.reminded)
        message = (
            f"Reminded {n} {'person' if n == 1 else 'people'}."
            if n
            else "Everyone you can remind has already been reminded today."
        )
    if request.htmx:
        context = _teams_context(request, cycle, status=message)
        return render_page(request, "closeout/partials/teams.html", context, status=200 if ok else 409)
    (messages.success if ok else messages.error)(request, message)
    page = parse_page(request.GET.get("page"))
    return redirect(reverse("closeout:teams", kwargs={"cycle_id": cycle.pk}) + (f"?page={page}" if page > 1 else ""))


# --- The close checklist ------------------------------------------------------------------------

MISSING_SHOWN = 30


def _checklist_context(request: MemberRequest, cycle: Cycle) -> dict[str, Any]:
    actor = request.member
    checklist = selectors.close_checklist(cycle)
    return {
        "cycle": cycle,
        "checklist": checklist,
        # By name up to MISSING_SHOWN: a large organisation has thousands of owners still scoring.
        "missing_shown": checklist.missing[:MISSING_SHOWN],
        "missing_more": max(0, len(checklist.missing) - MISSING_SHOWN),
        "scores_share": checklist.scores_done / checklist.scores_total if checklist.scores_total else 1.0,
        "can_close": cycle.state == CycleState.REVIEW and selectors.can_close(actor),
        "can_start_review": cycle.state == CycleState.ACTIVE and selectors.can_close(actor),
        "can_reopen": cycle.state == CycleState.CLOSED and selectors.can_reopen(actor),
        "report_url": services.report_url(cycle),
    }


@member_required
@require_http_methods(["GET", "POST"])
def close(request: MemberRequest, cycle_id: int) -> HttpResponse:
    actor = request.member
    cycle = selectors.scoring_cycle(actor=actor, cycle_id=cycle_id)
    if request.method == "POST":
        try:
            results = services.cycle_close(actor=actor, cycle=cycle)
        except Conflict as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"{cycle.name} is closed: {results.met} key results met, {results.partial} partial, "
                f"{results.missed} missed. Everyone is being told the results.",
            )
        return redirect("closeout:close", cycle_id=cycle.pk)
    return render_page(request, "closeout/close.html", _checklist_context(request, cycle))


@member_required
@require_POST
def reopen(request: MemberRequest, cycle_id: int) -> HttpResponse:
    actor = request.member
    cycle = selectors.scoring_cycle(actor=actor, cycle_id=cycle_id)
    try:
        services.cycle_reopen(actor=actor, cycle=cycle)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{cycle.name} is back in review: scores can change until it closes again.")
    return redirect("closeout:close", cycle_id=cycle.pk)


@member_required
@require_POST
def start_review(request: MemberRequest, cycle_id: int) -> HttpResponse:
    """Active → review: scoring opens and every owner of an unscored key result is asked to score
    (``services.on_cycle_state_changed``). Champions and admins, as for any cycle change."""
    actor = request.member
    cycle = selectors.scoring_cycle(actor=actor, cycle_id=cycle_id)
    try:
        okrs.cycle_transition(actor=actor, cycle=cycle, state=CycleState.REVIEW)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{cycle.name} is in review: owners have been asked to score their key results.")
    return redirect("closeout:close", cycle_id=cycle.pk)
