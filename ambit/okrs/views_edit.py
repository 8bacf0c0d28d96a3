"""Create and edit objectives and key results in the browser. Views shape input and call the
services; a service's ValidationError or Conflict is shown on the field it names (``errors_on``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from ambit.accounts.selectors import team_get
from ambit.core.forms import add_service_error, errors_on
from ambit.core.http import MemberRequest
from ambit.core.permissions import require_writer
from ambit.core.web import member_required, render_page
from ambit.okrs import services
from ambit.okrs.access import objective_for_edit
from ambit.okrs.forms import (
    KR_ROWS,
    ROW_KINDS,
    KeyResultForm,
    KeyResultRowForm,
    KeyResultRowFormSet,
    ObjectiveForm,
    objective_initial,
)
from ambit.okrs.models import Ambition, KeyResult
from ambit.okrs.selectors import key_result_get, objective_get
from ambit.okrs.views_common import id_param, selected_cycle

# Text a link may prefill, cut to what the fields take (the form still checks on submit).
PREFILL_LIMITS = {"title": 300, "description": 10_000}


def _prefill(request: HttpRequest) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Initial values a link may carry into the new-objective form (an OKR template's "Use
    template"): ``title``, ``description``, ``ambition`` and key-result rows ``kr-<n>-<field>``
    (the fields of ``KeyResultRowForm``). Initial, never bound: nothing is validated or saved
    until the person submits; unknown choices are left out."""
    if request.method != "GET":
        return {}, []
    params = request.GET
    objective = {name: params[name][:limit] for name, limit in PREFILL_LIMITS.items() if params.get(name)}
    if params.get("ambition") in Ambition.values:
        objective["ambition"] = params["ambition"]
    kinds = {value for value, _ in ROW_KINDS}
    rows = []
    for i in range(KR_ROWS):
        row = {
            name: params[f"kr-{i}-{name}"][:300]
            for name in KeyResultRowForm.base_fields
            if params.get(f"kr-{i}-{name}")
        }
        if row.get("kind") not in kinds:
            row.pop("kind", None)
        if row:
            rows.append(row)
    return objective, rows


@member_required(permission=require_writer)
@require_http_methods(["GET", "POST"])
def objective_create(request: MemberRequest) -> HttpResponse:
    actor = request.member
    initial: dict[str, Any] = {"owner": actor.pk}
    cycle = selected_cycle(request, actor)
    if cycle is not None:
        initial["cycle"] = cycle.pk
    team_id = id_param(request, "team")
    if team_id is not None:
        initial["team"] = team_get(actor=actor, team_id=team_id).pk
    parent_id = id_param(request, "parent")
    if parent_id is not None:
        parent = objective_get(actor=actor, objective_id=parent_id)
        initial.update(parent=parent.pk, theme=parent.theme_id)
    prefilled, prefilled_rows = _prefill(request)
    initial.update(prefilled)
    form = ObjectiveForm(request.POST or None, actor=actor, initial=initial)
    # A post without the rows (a script, or the form from before they existed) creates no key results.
    with_rows = request.method == "POST" and "kr-TOTAL_FORMS" in request.POST
    rows = KeyResultRowFormSet(request.POST if with_rows else None, prefix="kr", initial=prefilled_rows or None)
    if request.method == "POST" and form.is_valid() and (not with_rows or rows.is_valid()):
        data = form.cleaned_data
        filled = [row for row in rows if not row.is_blank] if with_rows else []
        with errors_on(form):
            try:
                objective, krs = services.objective_create_with_key_results(
                    actor=actor,
                    key_results=[row.service_fields() for row in filled],
                    cycle=data["cycle"],
                    title=data["title"],
                    description=data["description"],
                    owner=data["owner"],
                    team=data["team"],
                    theme=data["theme"],
                    ambition=data["ambition"],
                    visibility=data["visibility"],
                    state=data["state"],
                    parents=[(data["parent"], 1.0)] if data.get("parent") else [],
                    plan_start=data["plan_start"],
                )
            except ValidationError as exc:
                _errors_on_rows(exc, filled, form)
        if not form.errors and not any(row.errors for row in filled):
            messages.success(request, _created_message(objective.title, len(krs)))
            return redirect("okrs:objective-detail", pk=objective.pk)
    failed = bool(form.errors) or (rows.is_bound and (bool(rows.non_form_errors()) or any(r.errors for r in rows)))
    context = {"form": form, "rows": rows, "objective": None}
    return render_page(request, "okrs/objective_form.html", context, status=400 if failed else 200)


def _errors_on_rows(exc: ValidationError, rows: list[KeyResultRowForm], form: ObjectiveForm) -> None:
    """Put each ``key_results.<index>.<field>`` error on that row's field (or the row itself);
    anything else is the objective's and goes on its form."""
    rest: dict[str, list[str]] = {}
    for key, messages_ in exc.message_dict.items():
        parts = key.split(".", 2)
        if len(parts) == 3 and parts[0] == "key_results" and parts[1].isdigit() and int(parts[1]) < len(rows):
            row = rows[int(parts[1])]
            for message in messages_:
                row.add_error(parts[2] if parts[2] in row.fields else None, message)
        else:
            rest[key] = messages_
    if rest:
        add_service_error(form, ValidationError(rest))


def _created_message(title: str, count: int) -> str:
    if count == 0:
        return f"Objective “{title}” created: now add its key results."
    noun = "key result" if count == 1 else "key results"
    return f"Objective “{title}” created with {count} {noun}."


@member_required
@require_http_methods(["GET", "POST"])
def objective_edit(request: MemberRequest, pk: int) -> HttpResponse:
    actor = request.member
    objective = objective_for_edit(actor, pk)
    initial = objective_initial(objective)
    form = ObjectiveForm(request.POST or None, actor=actor, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            name: data[name] for name in ("title", "description", "ambition", "visibility", "theme", "plan_start")
        }
        # The service detects what changed, but re-checks the right to place the objective whenever
        # an owner or team is given: send those only when they move, so an owner keeps editing the
        # text of an objective a champion placed in a team they do not lead.
        fields |= {name: data[name] for name in ("owner", "team") if getattr(data[name], "pk", None) != initial[name]}
        with errors_on(form):
            services.objective_update(actor=actor, objective=objective, **fields)
        if not form.errors:
            messages.success(request, "Objective saved.")
            return redirect("okrs:objective-detail", pk=objective.pk)
    status = 400 if form.errors else 200
    return render_page(request, "okrs/objective_form.html", {"form": form, "objective": objective}, status=status)


@member_required
@require_http_methods(["GET", "POST"])
def kr_create(request: MemberRequest, pk: int) -> HttpResponse:
    actor = request.member
    objective = objective_for_edit(actor, pk)
    form = KeyResultForm(request.POST or None, actor=actor, initial={"owner": objective.owner_id, "weight": 1.0})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            kr = services.key_result_create(
                actor=actor, objective=objective, milestones=form.milestone_titles(), **form.service_fields()
            )
        if not form.errors:
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
        "plan_start": kr.plan_start,
        "progress_from_initiatives": kr.progress_from_initiatives,
    }


@member_required
@require_http_methods(["GET", "POST"])
def kr_edit(request: MemberRequest, pk: int) -> HttpResponse:
    actor = request.member
    kr = key_result_get(actor=actor, key_result_id=pk)
    objective = objective_for_edit(actor, kr.objective_id)
    initial = _kr_initial(kr)
    form = KeyResultForm(request.POST or None, actor=actor, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        # The service saves and audits only what really changed, so the whole form goes to it.
        with errors_on(form), transaction.atomic():
            services.key_result_update(actor=actor, key_result=kr, **form.service_fields())
            if form.cleaned_data.get("add_milestone"):
                services.milestone_add(actor=actor, key_result=kr, title=form.cleaned_data["add_milestone"])
        if not form.errors:
            messages.success(request, "Key result saved.")
            return redirect("okrs:objective-detail", pk=objective.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "objective": objective, "key_result": kr}
    return render_page(request, "okrs/kr_form.html", context, status=status)
