"""Create and edit objectives and key results in the browser. Views shape input and call the
services; a service's ValidationError or Conflict is shown on the field it names."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from ambit.accounts.selectors import team_get
from ambit.core.errors import Conflict
from ambit.core.params import parse_id
from ambit.front.decorators import member_required
from ambit.okrs import services
from ambit.okrs.forms import KeyResultForm, ObjectiveForm, add_service_error, objective_initial
from ambit.okrs.models import KeyResult
from ambit.okrs.selectors import key_result_get, objective_get
from ambit.okrs.views import _editable
from ambit.okrs.views_common import member_of, render_page, selected_cycle


def _int_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    number = parse_id(raw)
    if number is None:
        raise Http404(f"No such {name}.")
    return number


@member_required
@require_http_methods(["GET", "POST"])
def objective_create(request: HttpRequest) -> HttpResponse:
    actor = member_of(request)
    if not actor.can_write:
        raise PermissionDenied("Viewers can read but not change anything.")
    initial: dict[str, Any] = {"owner": actor.pk}
    cycle = selected_cycle(request, actor)
    if cycle is not None:
        initial["cycle"] = cycle.pk
    team_id = _int_param(request, "team")
    if team_id is not None:
        initial["team"] = team_get(actor=actor, team_id=team_id).pk
    parent_id = _int_param(request, "parent")
    if parent_id is not None:
        parent = objective_get(actor=actor, objective_id=parent_id)
        initial.update(parent=parent.pk, theme=parent.theme_id)
    form = ObjectiveForm(request.POST or None, actor=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            objective = services.objective_create(
                actor=actor,
                cycle=data["cycle"],
                title=data["title"],
                description=data["description"],
                owner=data["owner"],
                team=data["team"],
                theme=data["theme"],
                ambition=data["ambition"],
                visibility=data["visibility"],
                state=data["state"],
                parents=[(data["parent"], 1.0)] if data["parent"] else [],
            )
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Objective “{objective.title}” created: now add its key results.")
            return redirect("okrs:objective-detail", pk=objective.pk)
    status = 400 if form.errors else 200
    return render_page(request, "okrs/objective_form.html", {"form": form, "objective": None}, status=status)


@member_required
@require_http_methods(["GET", "POST"])
def objective_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = member_of(request)
    objective = _editable(request, pk)
    initial = objective_initial(objective)
    form = ObjectiveForm(request.POST or None, actor=actor, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            name: data[name]
            for name in ("title", "description", "ambition", "visibility", "theme", "owner", "team")
            if _differs(initial[name], data[name])
        }
        try:
            services.objective_update(actor=actor, objective=objective, **fields)
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Objective saved.")
            return redirect("okrs:objective-detail", pk=objective.pk)
    status = 400 if form.errors else 200
    return render_page(request, "okrs/objective_form.html", {"form": form, "objective": objective}, status=status)


def _differs(before: Any, after: Any) -> bool:
    after_key = getattr(after, "pk", after)
    return bool(before != after_key)


@member_required
@require_http_methods(["GET", "POST"])
def kr_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = member_of(request)
    objective = _editable(request, pk)
    form = KeyResultForm(request.POST or None, actor=actor, initial={"owner": objective.owner_id, "weight": 1.0})
    if request.method == "POST" and form.is_valid():
        try:
            kr = services.key_result_create(
                actor=actor, objective=objective, milestones=form.milestone_titles(), **form.service_fields()
            )
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Key result “{kr.title}” added.")
            return redirect("okrs:objective-detail", pk=objective.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "objective": objective, "key_result": None}
    return render_page(request, "okrs/kr_form.html", context, status=status)


def _number(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _kr_initial(kr: KeyResult) -> dict[str, Any]:
    return {
        "title": kr.title,
        "description": kr.description,
        "kind": kr.kind,
        "start_value": _number(kr.start_value),
        "target_value": _number(kr.target_value),
        "stretch_target": _number(kr.stretch_target),
        "unit": kr.unit,
        "unit_kind": kr.unit_kind,
        "weight": kr.weight,
        "owner": kr.owner_id,
    }


@member_required
@require_http_methods(["GET", "POST"])
def kr_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = member_of(request)
    kr = key_result_get(actor=actor, key_result_id=pk)
    objective = _editable(request, kr.objective_id)
    initial = _kr_initial(kr)
    form = KeyResultForm(request.POST or None, actor=actor, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        shaped = form.service_fields()
        fields = {name: value for name, value in shaped.items() if _kr_differs(initial.get(name), value)}
        try:
            with transaction.atomic():
                services.key_result_update(actor=actor, key_result=kr, **fields)
                if form.cleaned_data.get("add_milestone"):
                    services.milestone_add(actor=actor, key_result=kr, title=form.cleaned_data["add_milestone"])
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Key result saved.")
            return redirect("okrs:objective-detail", pk=objective.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "objective": objective, "key_result": kr}
    return render_page(request, "okrs/kr_form.html", context, status=status)


def _kr_differs(before: Any, after: Any) -> bool:
    after_key = getattr(after, "pk", after)
    if isinstance(before, str) and (after_key is None or isinstance(after_key, str)):
        try:
            a = Decimal(before) if before else None
            b = Decimal(after_key) if after_key else None
        except ArithmeticError:
            return before != (after_key or "")
        return a != b
    return bool(before != after_key)
