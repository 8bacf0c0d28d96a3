"""The 1:1 pages (``/one-on-ones/``): the actor's 1:1s, and one 1:1's current meeting with its
agenda, talking points, shared notes and action items. Private to the two people: everything is
loaded through ``selectors``, so anyone else (an admin too) gets a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ambit.core.errors import Conflict
from ambit.core.forms import errors_on
from ambit.core.http import MemberRequest
from ambit.core.web import member_required, render_page
from ambit.oneonones import selectors, services
from ambit.oneonones.agenda import build_agenda
from ambit.oneonones.forms import ItemForm, NotesForm, ScheduleForm, StartForm
from ambit.oneonones.models import Item, ItemKind, Meeting, OneOnOne


def _private(response: HttpResponse) -> HttpResponse:
    # Only its two people may read a 1:1: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response


def _name(member: Any) -> str:
    return str(member.user.get_full_name() or member.user.email)


def _start_form(request: MemberRequest, data: Any = None) -> StartForm:
    choices = [
        (c.other.pk, f"{_name(c.other)} ({'reports to you' if c.as_manager else 'your manager'})")
        for c in selectors.startable(actor=request.member)
    ]
    return StartForm(data, choices=choices, initial={"first_on": timezone.localdate()})


@member_required
@require_http_methods(["GET"])
def one_on_one_list(request: MemberRequest) -> HttpResponse:
    actor = request.member
    rows = selectors.one_on_one_list(actor=actor)
    context = {
        "as_manager": [o for o in rows if o.manager_id == actor.pk],
        "as_report": [o for o in rows if o.report_id == actor.pk],
        "form": _start_form(request),
    }
    return _private(render_page(request, "oneonones/list.html", context))


@member_required
@require_POST
def one_on_one_start(request: MemberRequest) -> HttpResponse:
    actor = request.member
    form = _start_form(request, request.POST)
    if form.is_valid():
        other = next(c.other for c in selectors.startable(actor=actor) if c.other.pk == form.cleaned_data["other"])
        with errors_on(form):
            one = services.one_on_one_start(
                actor=actor, other=other, first_on=form.cleaned_data["first_on"], hour=form.cleaned_data["hour"]
            )
        if not form.errors:
            messages.success(request, f"1:1 with {_name(other)} started: it is in both your calendars.")
            return redirect("oneonones:detail", one.pk)
    rows = selectors.one_on_one_list(actor=actor)
    context = {
        "as_manager": [o for o in rows if o.manager_id == actor.pk],
        "as_report": [o for o in rows if o.report_id == actor.pk],
        "form": form,
    }
    return _private(render_page(request, "oneonones/list.html", context, status=400))


def _since(one: OneOnOne, meeting: Meeting | None, previous: list[Meeting]) -> dt.date:
    if previous:
        return previous[0].date
    anchor = meeting.date if meeting is not None else one.next_on
    return anchor - dt.timedelta(days=one.cadence_days)


def _items_context(meeting: Meeting | None, actor_id: int, *, items: list[Item] | None = None) -> dict[str, Any]:
    found = items if items is not None else (selectors.meeting_items(meeting=meeting) if meeting else [])
    return {
        "meeting": meeting,
        "talking_points": [i for i in found if i.kind == ItemKind.TALKING_POINT],
        "actions": [i for i in found if i.kind == ItemKind.ACTION],
        "actor_id": actor_id,
        "item_form": ItemForm(),
    }


@member_required
@require_http_methods(["GET"])
def one_on_one_detail(request: MemberRequest, one_on_one_id: int) -> HttpResponse:
    actor = request.member
    one = selectors.one_on_one_get(actor=actor, one_on_one_id=one_on_one_id)
    meeting = selectors.current_meeting(one_on_one=one)
    previous = selectors.previous_meetings(one_on_one=one)
    agenda = build_agenda(report=one.report, organisation=one.organisation, since=_since(one, meeting, previous))
    context = {
        "one": one,
        "is_manager": one.manager_id == actor.pk,
        "other": one.report if one.manager_id == actor.pk else one.manager,
        "agenda": agenda,
        "previous": previous,
        "notes_form": NotesForm(initial={"notes": meeting.notes if meeting else ""}),
        "schedule_form": ScheduleForm(
            initial={"next_on": one.next_on, "hour": one.hour, "cadence_days": one.cadence_days}
        ),
        **_items_context(meeting, actor.pk),
    }
    return _private(render_page(request, "oneonones/detail.html", context))


def _current(request: MemberRequest, one_on_one_id: int) -> tuple[OneOnOne, Meeting]:
    one = selectors.one_on_one_get(actor=request.member, one_on_one_id=one_on_one_id)
    meeting = selectors.current_meeting(one_on_one=one)
    if meeting is None:
        raise Http404("This 1:1 has no open meeting.")
    meeting.one_on_one = one
    return one, meeting


def _items_answer(request: MemberRequest, one: OneOnOne) -> HttpResponse:
    """The current meeting's items (HTMX), else back to the page."""
    if request.htmx:
        context = _items_context(selectors.current_meeting(one_on_one=one), request.member.pk)
        context["one"] = one
        return _private(render_page(request, "oneonones/partials/items.html", context))
    return redirect("oneonones:detail", one.pk)


@member_required
@require_POST
def notes_save(request: MemberRequest, one_on_one_id: int) -> HttpResponse:
    one, meeting = _current(request, one_on_one_id)
    form = NotesForm(request.POST)
    saved = False
    if form.is_valid():
        with errors_on(form):
            services.meeting_notes_save(actor=request.member, meeting=meeting, notes=form.cleaned_data["notes"])
            saved = True
    if request.htmx:
        context = {"form": form, "saved": saved and not form.errors}
        status = 200 if context["saved"] else 422
        return _private(render_page(request, "oneonones/partials/notes_status.html", context, status=status))
    if form.errors:
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        messages.success(request, "Notes saved.")
    return redirect("oneonones:detail", one.pk)


@member_required
@require_POST
def item_add(request: MemberRequest, one_on_one_id: int) -> HttpResponse:
    one, meeting = _current(request, one_on_one_id)
    form = ItemForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.item_add(
                actor=request.member, meeting=meeting, kind=form.cleaned_data["kind"], text=form.cleaned_data["text"]
            )
    if form.errors:
        if request.htmx:
            context = _items_context(meeting, request.member.pk)
            context.update(one=one, item_form=form)
            return _private(render_page(request, "oneonones/partials/items.html", context, status=422))
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    return _items_answer(request, one)


def _item(request: MemberRequest, item_id: int) -> tuple[OneOnOne, Item]:
    item = selectors.item_get(actor=request.member, item_id=item_id)
    return item.meeting.one_on_one, item


@member_required
@require_POST
def item_toggle(request: MemberRequest, item_id: int) -> HttpResponse:
    one, item = _item(request, item_id)
    try:
        services.item_update(actor=request.member, item=item, done=request.POST.get("done") == "on")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _items_answer(request, one)


@member_required
@require_POST
def item_delete(request: MemberRequest, item_id: int) -> HttpResponse:
    one, item = _item(request, item_id)
    try:
        services.item_delete(actor=request.member, item=item)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _items_answer(request, one)


@member_required
@require_POST
def meeting_hold(request: MemberRequest, one_on_one_id: int) -> HttpResponse:
    one, meeting = _current(request, one_on_one_id)
    try:
        following = services.meeting_hold(actor=request.member, meeting=meeting)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Meeting held. The next one is on {following.date:%a %-d %b}; open actions carried.")
    return redirect("oneonones:detail", one.pk)


@member_required
@require_POST
def schedule(request: MemberRequest, one_on_one_id: int) -> HttpResponse:
    one = selectors.one_on_one_get(actor=request.member, one_on_one_id=one_on_one_id)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.one_on_one_schedule(actor=request.member, one_on_one=one, **form.cleaned_data)
    if form.errors:
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        messages.success(request, "Schedule saved: both calendars follow.")
    return redirect("oneonones:detail", one.pk)
