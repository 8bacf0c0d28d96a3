"""The weekly reflection's pages: the small form the weekly check-in loads beside itself (HTMX,
its own POST, so the check-in's submit stays as it is), and the person's own past reflections
(``/reflections/``). Every read is the actor's own; every write goes through
``ambit.rituals.reflections.save_reflection``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ambit.core.http import MemberRequest
from ambit.core.permissions import require_writer
from ambit.core.web import member_required
from ambit.rituals import reflections
from ambit.rituals import selectors as sel
from ambit.rituals.models import WeeklyReflection

PER_PAGE = 20


def _private(response: HttpResponse) -> HttpResponse:
    # Only its author (and their manager, on the 1:1) reads a reflection: no shared cache keeps one.
    response["Cache-Control"] = "private, no-store"
    return response


def _form_context(
    member: Any,
    monday: dt.date,
    reflection: WeeklyReflection | None,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    saved: bool = False,
) -> dict[str, Any]:
    return {
        "week": sel.iso_week_label(monday),
        "monday": monday,
        "reflection": reflection,
        "learned": values["learned"] if values is not None else (reflection.learned if reflection else ""),
        "in_my_way": values["in_my_way"] if values is not None else (reflection.in_my_way if reflection else ""),
        "errors": errors or {},
        "saved": saved,
        "can_write": member.can_write,
    }


@member_required
@require_GET
def reflection_form(request: MemberRequest) -> HttpResponse:
    """The form for this ISO week, as the check-in page loads it (HTMX); the page otherwise."""
    if not request.htmx:
        return redirect("rituals:reflections")
    member = request.member
    monday = sel.monday_of(sel.local_today(member.organisation))
    found = reflections.reflection_of(actor=member, week_start=monday)
    return _private(render(request, "rituals/partials/reflection_form.html", _form_context(member, monday, found)))


@member_required
@require_POST
def reflection_save(request: MemberRequest) -> HttpResponse:
    member = request.member
    require_writer(member)
    today = sel.local_today(member.organisation)
    values = {"learned": request.POST.get("learned", ""), "in_my_way": request.POST.get("in_my_way", "")}
    errors: dict[str, list[str]] = {}
    try:
        monday = sel.parse_week(request.POST.get("week"), default=today)
    except ValueError as exc:
        monday, errors = sel.monday_of(today), {"week": [str(exc)]}
    found: WeeklyReflection | None = None
    if not errors:
        try:
            found = reflections.save_reflection(
                actor=member, week_start=monday, learned=values["learned"], in_my_way=values["in_my_way"]
            )
        except ValidationError as exc:
            errors = {k: list(v) for k, v in exc.message_dict.items()}
    if errors:
        found = reflections.reflection_of(actor=member, week_start=monday) if "week" not in errors else None
    if request.htmx:
        context = _form_context(member, monday, found, values=values, errors=errors, saved=not errors)
        status = 422 if errors else 200
        return _private(render(request, "rituals/partials/reflection_form.html", context, status=status))
    if not errors:
        messages.success(
            request, f"Reflection for {sel.iso_week_label(monday)} saved: only you and your manager read it."
        )
        return redirect("rituals:reflections")
    return _page(request, form=_form_context(member, monday, found, values=values, errors=errors), status=422)


def _page(request: MemberRequest, *, form: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    member = request.member
    monday = sel.monday_of(sel.local_today(member.organisation))
    if form is None:
        form = _form_context(member, monday, reflections.reflection_of(actor=member, week_start=monday))
    paginator = Paginator(reflections.reflection_list(actor=member), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [{"reflection": r, "week": sel.iso_week_label(r.week_start)} for r in page.object_list]
    context = {**form, "page": page, "rows": rows}
    return _private(render(request, "rituals/reflections.html", context, status=status))


@member_required
@require_GET
def reflection_page(request: MemberRequest) -> HttpResponse:
    """The person's own reflections, newest week first, with this week's form on top."""
    return _page(request)
