"""The forms champions and admins use to change mission, vision, values and big moves. (The
strategy page itself, which shows the objectives serving each big move, is an OKR page:
``ambit.okrs.views_strategy``.)"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from ambit.core.forms import errors_on
from ambit.core.http import MemberRequest
from ambit.core.permissions import require_org_editor
from ambit.core.web import member_required, render_page
from ambit.strategy import services
from ambit.strategy.forms import BigMoveForm, StrategyForm, ValueForm
from ambit.strategy.selectors import big_move_get, strategy_get, value_get

# Changing the strategy is for OKR champions and admins; each view states it once.
strategy_editor = functools.partial(require_org_editor, what="change the strategy")


def _form_page(request: MemberRequest, form: Any, *, heading: str, submit: str, status: int = 200) -> HttpResponse:
    context = {"form": form, "heading": heading, "submit": submit}
    return render_page(request, "strategy/form.html", context, status=400 if form.errors else status)


@member_required(permission=strategy_editor)
@require_http_methods(["GET", "POST"])
def strategy_edit(request: MemberRequest) -> HttpResponse:
    actor = request.member
    strategy = strategy_get(actor=actor)
    form = StrategyForm(request.POST or None, initial={"mission": strategy.mission, "vision": strategy.vision})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.strategy_update(actor=actor, **form.cleaned_data)
        if not form.errors:
            messages.success(request, "Mission and vision saved.")
            return redirect("strategy:detail")
    return _form_page(request, form, heading="Mission and vision", submit="Save")


@member_required(permission=strategy_editor)
@require_http_methods(["GET", "POST"])
def value_create(request: MemberRequest) -> HttpResponse:
    actor = request.member
    form = ValueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.value_create(actor=actor, **form.cleaned_data)
        if not form.errors:
            messages.success(request, "Value added.")
            return redirect("strategy:detail")
    return _form_page(request, form, heading="New value", submit="Add value")


@member_required
@require_http_methods(["GET", "POST"])
def value_edit(request: MemberRequest, pk: int) -> HttpResponse:
    actor = request.member
    value = value_get(actor=actor, value_id=pk)
    strategy_editor(actor)
    form = ValueForm(request.POST or None, initial={"name": value.name, "description": value.description})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.value_update(actor=actor, value=value, **form.cleaned_data)
        if not form.errors:
            messages.success(request, "Value saved.")
            return redirect("strategy:detail")
    return _form_page(request, form, heading=f"Edit value “{value.name}”", submit="Save")


@member_required
@require_POST
def value_delete(request: MemberRequest, pk: int) -> HttpResponse:
    actor = request.member
    value = value_get(actor=actor, value_id=pk)
    strategy_editor(actor)
    services.value_delete(actor=actor, value=value)
    messages.success(request, f"Value “{value.name}” removed.")
    return redirect("strategy:detail")


@member_required(permission=strategy_editor)
@require_http_methods(["GET", "POST"])
def big_move_create(request: MemberRequest) -> HttpResponse:
    actor = request.member
    form = BigMoveForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.big_move_create(actor=actor, **form.cleaned_data)
        if not form.errors:
            messages.success(request, "Big move added.")
            return redirect("strategy:detail")
    return _form_page(request, form, heading="New big move", submit="Add big move")


@member_required
@require_http_methods(["GET", "POST"])
def big_move_edit(request: MemberRequest, pk: int) -> HttpResponse:
    actor = request.member
    move = big_move_get(actor=actor, big_move_id=pk)
    strategy_editor(actor)
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
        with errors_on(form):
            services.big_move_update(actor=actor, big_move=move, **form.cleaned_data)
        if not form.errors:
            messages.success(request, "Big move saved.")
            return redirect("strategy:detail")
    return _form_page(request, form, heading=f"Edit big move “{move.title}”", submit="Save")
