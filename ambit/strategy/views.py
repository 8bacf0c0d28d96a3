"""The strategy page (mission, vision, values, big moves with the objectives serving them) and
the forms champions and admins use to change it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ambit.accounts.models import Membership
from ambit.core.errors import Conflict
from ambit.front.decorators import member_required
from ambit.okrs import engine
from ambit.okrs.forms import add_service_error
from ambit.okrs.metrics import compute_metrics
from ambit.okrs.selectors import objective_list
from ambit.okrs.selectors_tree import is_company_root, tree_cycles, with_tree_root_flag
from ambit.okrs.views_common import cycle_switcher_context, member_of, render_page, selected_cycle
from ambit.strategy import services
from ambit.strategy.forms import BigMoveForm, StrategyForm, ValueForm
from ambit.strategy.selectors import big_move_get, big_move_list, strategy_get, value_get, value_list


def _require_editor(actor: Membership) -> None:
    if not actor.is_org_wide_editor:
        raise PermissionDenied("Only OKR champions and admins change the strategy.")


@member_required
def detail(request: HttpRequest) -> HttpResponse:
    actor = member_of(request)
    cycle = selected_cycle(request, actor)
    moves = list(big_move_list(actor=actor))
    cycles = tree_cycles(cycle=cycle) if cycle is not None else []
    objectives = (
        list(
            with_tree_root_flag(
                objective_list(actor=actor, include_cancelled=False).filter(
                    cycle_id__in=[c.pk for c in cycles], theme_id__in=[m.pk for m in moves]
                ),
                cycle=cycle,
            )
        )
        if cycle is not None and moves
        else []
    )
    metrics = compute_metrics(organisation=actor.organisation, objectives=objectives)
    by_move: dict[int, list[tuple[Any, Any]]] = {}
    for o in sorted(objectives, key=lambda o: (o.cycle.start_date, o.level != "company", o.position, o.pk)):
        by_move.setdefault(o.theme_id, []).append((o, metrics.objective(o)))  # type: ignore[arg-type]
    rows = []
    for move in moves:
        items = by_move.get(move.pk, [])
        # The same number as the company tree: the big move's top objectives, rolled up there.
        progress = engine.big_move_progress(m.progress for o, m in items if is_company_root(o))
        rows.append((move, items, progress))
    context = {
        "strategy": strategy_get(actor=actor),
        "values": list(value_list(actor=actor)),
        "rows": rows,
        "cycle": cycle,
        "cycles": cycles,
        "can_edit": actor.is_org_wide_editor,
        **cycle_switcher_context(actor, cycle, reverse("strategy:detail")),
    }
    return render_page(request, "strategy/detail.html", context)


def _form_page(request: HttpRequest, form: Any, *, heading: str, submit: str, status: int = 200) -> HttpResponse:
    context = {"form": form, "heading": heading, "submit": submit}
    return render_page(request, "strategy/form.html", context, status=400 if form.errors else status)


@member_required
@require_http_methods(["GET", "POST"])
def strategy_edit(request: HttpRequest) -> HttpResponse:
    actor = member_of(request)
    _require_editor(actor)
    strategy = strategy_get(actor=actor)
    form = StrategyForm(request.POST or None, initial={"mission": strategy.mission, "vision": strategy.vision})
    if request.method == "POST" and form.is_valid():
        try:
            services.strategy_update(actor=actor, **form.cleaned_data)
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Mission and vision saved.")
            return redirect("strategy:detail")
    return _form_page(request, form, heading="Mission and vision", submit="Save")


@member_required
@require_http_methods(["GET", "POST"])
def value_create(request: HttpRequest) -> HttpResponse:
    actor = member_of(request)
    _require_editor(actor)
    form = ValueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.value_create(actor=actor, **form.cleaned_data)
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Value added.")
            return redirect("strategy:detail")
    return _form_page(request, form, heading="New value", submit="Add value")


@member_required
@require_http_methods(["GET", "POST"])
def value_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = member_of(request)
    value = value_get(actor=actor, value_id=pk)
    _require_editor(actor)
    form = ValueForm(request.POST or None, initial={"name": value.name, "description": value.description})
    if request.method == "POST" and form.is_valid():
        try:
            services.value_update(actor=actor, value=value, **form.cleaned_data)
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Value saved.")
            return redirect("strategy:detail")
    return _form_page(request, form, heading=f"Edit value “{value.name}”", submit="Save")


@member_required
@require_POST
def value_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = member_of(request)
    value = value_get(actor=actor, value_id=pk)
    _require_editor(actor)
    services.value_delete(actor=actor, value=value)
    messages.success(request, f"Value “{value.name}” removed.")
    return redirect("strategy:detail")


@member_required
@require_http_methods(["GET", "POST"])
def big_move_create(request: HttpRequest) -> HttpResponse:
    actor = member_of(request)
    _require_editor(actor)
    form = BigMoveForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        try:
            services.big_move_create(actor=actor, **form.cleaned_data)
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Big move added.")
            return redirect("strategy:detail")
    return _form_page(request, form, heading="New big move", submit="Add big move")


@member_required
@require_http_methods(["GET", "POST"])
def big_move_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = member_of(request)
    move = big_move_get(actor=actor, big_move_id=pk)
    _require_editor(actor)
    initial = {
        "title": move.title,
        "description": move.description,
        "horizon_start": move.horizon_start,
        "horizon_end": move.horizon_end,
        "owner": move.owner_id,
        "is_archived": move.is_archived,
    }
    form = BigMoveForm(request.POST or None, actor=actor, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.big_move_update(actor=actor, big_move=move, **form.cleaned_data)
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Big move saved.")
            return redirect("strategy:detail")
    return _form_page(request, form, heading=f"Edit big move “{move.title}”", submit="Save")
