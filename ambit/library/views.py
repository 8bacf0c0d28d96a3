"""OKR templates (mounted at /okr-templates/): the searchable library (built-in and the
organisation's own), "save as template" from an objective, and editing or deleting a saved
template. Every write goes through ``services``; another organisation's template is a 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ambit.core.forms import add_service_error
from ambit.core.http import MemberRequest
from ambit.core.params import parse_id
from ambit.core.permissions import require_writer
from ambit.core.web import member_required, render_page
from ambit.library import selectors, services
from ambit.library.forms import TemplateForm, filled_rows, kr_rows, row_payload, rows_formset
from ambit.library.models import OkrTemplate
from ambit.library.specs import Function
from ambit.okrs.forms import KeyResultRowForm
from ambit.okrs.selectors import objective_get

RESULTS_ID = "template-results"


@member_required
@require_GET
def template_list(request: MemberRequest) -> HttpResponse:
    """The library, searched by ``q`` and ``function``. With HTMX only the results are sent (the
    search form asks as you type); without, the whole page (the form's plain GET)."""
    actor = request.member
    found = selectors.template_search(
        actor=actor, query=request.GET.get("q", "")[:200], function=request.GET.get("function", "")
    )
    cycle_id = parse_id(request.GET.get("cycle"))
    team_id = parse_id(request.GET.get("team"))
    context = {
        "found": found,
        "functions": Function.choices,
        "can_use": actor.can_write,
        "cycle_id": cycle_id,
        "team_id": team_id,
        "results_id": RESULTS_ID,
    }
    return render_page(request, "library/template_list.html", context, fragment="library/partials/results.html")


def _save(
    form: TemplateForm, rows: Any, write: Callable[[dict[str, Any]], OkrTemplate]
) -> tuple[OkrTemplate | None, bool]:
    """Validate the form and rows, call ``write(fields)``; a service's errors land on the field
    or row they name. Returns the template and whether anything failed."""
    if not (form.is_valid() and rows.is_valid()):
        return None, True
    filled = filled_rows(rows)
    fields = dict(form.cleaned_data) | {"key_results": [row_payload(row) for row in filled]}
    try:
        return write(fields), False
    except ValidationError as exc:
        _errors_on_rows(exc, filled, form)
        return None, True


def _errors_on_rows(exc: ValidationError, rows: list[KeyResultRowForm], form: TemplateForm) -> None:
    """``key_results.<index>.<field>`` errors go on that row's field; the rest on the form."""
    rest: dict[str, list[str]] = {}
    for key, found in exc.message_dict.items():
        parts = key.split(".", 2)
        if len(parts) == 3 and parts[0] == "key_results" and parts[1].isdigit() and int(parts[1]) < len(rows):
            row = rows[int(parts[1])]
            for message in found:
                row.add_error(parts[2] if parts[2] in row.fields else None, message)
        else:
            rest["key results" if key == "key_results" else key] = found
    if rest:
        add_service_error(form, ValidationError(rest))


def _list_url(function: str) -> str:
    return reverse("library:template-list") + (f"?function={function}" if function else "")


@member_required(permission=require_writer)
@require_http_methods(["GET", "POST"])
def template_from_objective(request: MemberRequest, pk: int) -> HttpResponse:
    """Save an objective the member can read, with its key results, as the organisation's template."""
    actor = request.member
    objective = objective_get(actor=actor, objective_id=pk)  # 404: another org's, or not visible
    initial = {
        "function": Function.COMPANY if objective.level == "company" else "",
        "title": objective.title,
        "description": objective.description,
        "ambition": objective.ambition,
    }
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST":
        rows = rows_formset(request.POST)
        template, failed = _save(
            form,
            rows,
            lambda fields: services.template_create(actor=actor, source_objective=objective, **fields),
        )
        if template is not None:
            messages.success(request, f"Template “{template.title}” saved: everyone in the organisation can use it.")
            return redirect(_list_url(template.function))
    else:
        rows, failed = rows_formset(key_results=services.key_results_from_objective(objective)), False
    context = {"form": form, "rows": rows, "objective": objective, "template": None}
    return render_page(request, "library/template_form.html", context, status=400 if failed else 200)


def _managed(request: MemberRequest, pk: int) -> OkrTemplate:
    template = selectors.template_get(actor=request.member, template_id=pk)  # 404 first
    services.require_can_manage_template(request.member, template)  # then 403
    return template


@member_required(permission=require_writer)
@require_http_methods(["GET", "POST"])
def template_edit(request: MemberRequest, pk: int) -> HttpResponse:
    actor = request.member
    template = _managed(request, pk)
    initial = {
        "function": template.function,
        "title": template.title,
        "description": template.description,
        "ambition": template.ambition,
    }
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST":
        rows = rows_formset(request.POST)
        saved, failed = _save(
            form, rows, lambda fields: services.template_update(actor=actor, template=template, **fields)
        )
        if saved is not None:
            messages.success(request, "Template saved.")
            return redirect(_list_url(saved.function))
    else:
        rows, failed = rows_formset(key_results=kr_rows(template.kr_specs())), False
    context = {"form": form, "rows": rows, "objective": None, "template": template}
    return render_page(request, "library/template_form.html", context, status=400 if failed else 200)


@member_required(permission=require_writer)
@require_http_methods(["GET", "POST"])
def template_delete(request: MemberRequest, pk: int) -> HttpResponse:
    template = _managed(request, pk)
    if request.method == "POST":
        services.template_delete(actor=request.member, template=template)
        messages.success(request, f"Template “{template.title}” deleted.")
        return redirect("library:template-list")
    return render_page(request, "library/template_delete.html", {"template": template})
