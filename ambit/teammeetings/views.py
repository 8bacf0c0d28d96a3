"""The team check-in pages (``/teams/<slug>/check-in-meeting/``): the team page in meeting mode,
and the team's past check-ins.

The agenda (the team's key results, behind and at risk first, with what moved since the last
meeting), the action items carried over from earlier meetings, and this meeting's decisions and
actions. Items are added, changed and ticked with HTMX (each form also works without it); the
keys of ``static/teammeetings/meeting.js`` walk the key results and every key has a button."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ambit.accounts.models import Membership, Team
from ambit.core.errors import Conflict
from ambit.core.forms import errors_on
from ambit.core.http import MemberRequest
from ambit.core.web import member_required, render_page
from ambit.notify.schedule import zone
from ambit.okrs.models import KeyResult
from ambit.teammeetings import selectors, services
from ambit.teammeetings.agenda import agenda_key_results, build_agenda
from ambit.teammeetings.cadence import rhythm_of
from ambit.teammeetings.forms import EditForm, ItemForm, NoteForm
from ambit.teammeetings.models import ItemKind, TeamMeeting, TeamMeetingItem
from ambit.teammeetings.services import KEY_RESULT_INVALID, OWNER_INVALID


def _url(team: Team) -> str:
    return reverse("teammeetings:meeting", kwargs={"slug": team.slug})


def _error_text(exc: ValidationError | Conflict) -> str:
    if isinstance(exc, Conflict):
        return exc.message
    return " ".join(exc.messages)


def _since(team: Team, meeting: TeamMeeting | None, actor: Membership, now: dt.datetime) -> tuple[dt.datetime, bool]:
    """(what the agenda looks back to, whether that is the two-week default of a first meeting)."""
    if meeting is not None:
        return meeting.since, not TeamMeeting.objects.filter(team=team, ended_at__isnull=False).exists()
    previous = services.previous_end(team)
    if previous is not None:
        return previous, False
    return services.look_back_from(actor.organisation.time_zone, now), True


def _mark(actor: Membership, team: Team, items: list[TeamMeetingItem]) -> None:
    """What the actor may do with each item (the services' own rules)."""
    for item in items:
        item.may_tick = services.can_tick(actor, item, team)  # type: ignore[attr-defined]
        item.may_change = item.meeting.is_open and services.can_change(actor, item, team)  # type: ignore[attr-defined]


def _items_context(
    actor: Membership,
    team: Team,
    meeting: TeamMeeting | None,
    *,
    people: list[Membership],
    key_results: list[KeyResult],
    current: list[TeamMeetingItem] | None = None,
    carried: list[TeamMeetingItem] | None = None,
    form: forms.Form | None = None,
) -> dict[str, Any]:
    if current is None or carried is None:
        current, carried = selectors.agenda_items(team=team, meeting=meeting)
    _mark(actor, team, [*current, *carried])
    return {
        "team": team,
        "meeting": meeting,
        "decisions": [i for i in current if i.kind == ItemKind.DECISION],
        "actions": [i for i in current if i.kind == ItemKind.ACTION],
        "carried": carried,
        "people": people,
        "key_results": key_results,
        "item_form": form or ItemForm(initial={"kind": ItemKind.DECISION}),
        "can_take_part": meeting is not None and services.can_take_part(actor, team),
        "max_item": services.MAX_ITEM,
    }


@member_required
@require_http_methods(["GET"])
def meeting_page(request: MemberRequest, slug: str) -> HttpResponse:
    actor = request.member
    team = selectors.team_get(actor=actor, slug=slug)
    return render_page(request, "teammeetings/meeting.html", _page_context(actor, team))


def _page_context(actor: Membership, team: Team, *, form: forms.Form | None = None) -> dict[str, Any]:
    now = timezone.now()
    meeting = selectors.meeting_open(team=team)
    since, first = _since(team, meeting, actor, now)
    agenda = build_agenda(actor=actor, team=team, since=since, now=now)
    current, carried = selectors.agenda_items(team=team, meeting=meeting)
    notes = {i.key_result_id: i for i in current if i.kind == ItemKind.NOTE}
    can_run = services.can_run(actor, team)
    for row in agenda.rows:
        row.owner_note = notes.get(row.key_result.pk)
        if row.owner_note is not None:
            _mark(actor, team, [row.owner_note])
        # The form is offered to the key result's owner only (the service also lets whoever runs
        # the meeting write it, through the API), so a lead's screen is not a wall of note fields.
        row.can_note = (
            meeting is not None and row.owner_note is None and actor.can_write and row.key_result.owner_id == actor.pk
        )
    today = now.astimezone(zone(actor.organisation.time_zone)).date()
    rhythm = rhythm_of(organisation_id=actor.organisation_id, on=today)
    people = selectors.team_people(team=team) if meeting is not None else []
    return {
        "agenda": agenda,
        "since": since,
        "first_meeting": first,
        "can_run": can_run,
        "next_on": rhythm.next_on(today) if rhythm is not None else None,
        "note_form": NoteForm(),
        **_items_context(
            actor,
            team,
            meeting,
            people=people,
            key_results=[r.key_result for r in agenda.rows],
            current=current,
            carried=carried,
            form=form,
        ),
    }


@member_required
@require_POST
def meeting_start(request: MemberRequest, slug: str) -> HttpResponse:
    actor = request.member
    team = selectors.team_get(actor=actor, slug=slug)
    try:
        services.meeting_start(actor=actor, team=team)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"The {team.name} check-in is open: walk the key results, record decisions and actions."
        )
    return redirect(_url(team))


@member_required
@require_POST
def meeting_end(request: MemberRequest, slug: str) -> HttpResponse:
    actor = request.member
    team = selectors.team_get(actor=actor, slug=slug)
    meeting = selectors.meeting_open(team=team)
    if meeting is None:
        messages.error(request, services.ALREADY_ENDED)
        return redirect(_url(team))
    try:
        services.meeting_end(actor=actor, meeting=meeting)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Check-in ended. Open action items carry over to the next one until done.")
    return redirect(_url(team))


def _member(actor: Membership, member_id: int | None) -> Membership | None:
    if member_id is None:
        return None
    return Membership.objects.filter(pk=member_id, organisation_id=actor.organisation_id).select_related("user").first()


def _key_result(actor: Membership, key_result_id: int | None) -> KeyResult | None:
    if key_result_id is None:
        return None
    return (
        KeyResult.objects.filter(pk=key_result_id, organisation_id=actor.organisation_id)
        .select_related("objective")
        .first()
    )


def _answer_items(request: MemberRequest, team: Team, *, form: forms.Form | None = None) -> HttpResponse:
    """The carried and current items (HTMX: the part; 422 with the form's errors), else the page."""
    if not request.htmx:
        if form is not None and form.errors:
            messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(_url(team))
    actor = request.member
    meeting = selectors.meeting_open(team=team)
    today = timezone.now().astimezone(zone(actor.organisation.time_zone)).date()
    context = _items_context(
        actor,
        team,
        meeting,
        people=selectors.team_people(team=team) if meeting is not None else [],
        key_results=agenda_key_results(actor=actor, team=team, on=today) if meeting is not None else [],
        form=form if isinstance(form, ItemForm) else None,
    )
    if isinstance(form, EditForm):
        context["edit_errors"] = [str(e) for errs in form.errors.values() for e in errs]
    status = 422 if form is not None and form.errors else 200
    return render_page(request, "teammeetings/partials/items.html", context, status=status)


@member_required
@require_POST
def item_add(request: MemberRequest, slug: str) -> HttpResponse:
    actor = request.member
    team = selectors.team_get(actor=actor, slug=slug)
    form = ItemForm(request.POST)
    meeting = selectors.meeting_open(team=team)
    if form.is_valid():
        owner = _member(actor, form.cleaned_data["owner"])
        key_result = _key_result(actor, form.cleaned_data["key_result"])
        if form.cleaned_data["owner"] is not None and owner is None:
            form.add_error("owner", OWNER_INVALID)
        if form.cleaned_data["key_result"] is not None and key_result is None:
            form.add_error("key_result", KEY_RESULT_INVALID)
        if meeting is None:
            form.add_error(None, services.NOT_OPEN)
        if not form.errors:
            assert meeting is not None
            with errors_on(form):
                services.item_add(
                    actor=actor,
                    meeting=meeting,
                    kind=form.cleaned_data["kind"],
                    text=form.cleaned_data["text"],
                    owner=owner,
                    due_on=form.cleaned_data["due_on"],
                    key_result=key_result,
                )
    if form.errors:
        return _answer_items(request, team, form=form)
    return _answer_items(request, team)


@dataclass
class _NoteRow:
    key_result: KeyResult
    owner_note: TeamMeetingItem | None
    can_note: bool


@member_required
@require_POST
def note_add(request: MemberRequest, slug: str, key_result_id: int) -> HttpResponse:
    """The owner's note on one key result (HTMX answers with that key result's note part)."""
    actor = request.member
    team = selectors.team_get(actor=actor, slug=slug)
    key_result = _key_result(actor, key_result_id)
    form = NoteForm(request.POST)
    meeting = selectors.meeting_open(team=team)
    item = None
    if key_result is None:
        form.add_error(None, KEY_RESULT_INVALID)
    elif meeting is None:
        form.add_error(None, services.NOT_OPEN)
    elif form.is_valid():
        with errors_on(form):
            item = services.item_add(
                actor=actor, meeting=meeting, kind=ItemKind.NOTE, text=form.cleaned_data["text"], key_result=key_result
            )
    if not request.htmx or key_result is None:
        if form.errors:
            messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
        anchor = f"#kr-{key_result.pk}" if key_result is not None else ""
        return redirect(_url(team) + anchor)
    if item is not None:
        _mark(actor, team, [item])
    context = {
        "team": team,
        "row": _NoteRow(key_result, item, item is None),
        "note_form": form,
        "max_item": services.MAX_ITEM,
    }
    return render_page(request, "teammeetings/partials/kr_note.html", context, status=422 if form.errors else 200)


@member_required
@require_POST
def item_done(request: MemberRequest, slug: str, item_id: int) -> HttpResponse:
    actor = request.member
    team = selectors.team_get(actor=actor, slug=slug)
    item = selectors.item_get(actor=actor, item_id=item_id, team=team)
    try:
        services.item_update(actor=actor, item=item, done=request.POST.get("done") == "on")
    except (ValidationError, Conflict) as exc:
        messages.error(request, _error_text(exc))
    return _answer_items(request, team)


@member_required
@require_POST
def item_edit(request: MemberRequest, slug: str, item_id: int) -> HttpResponse:
    actor = request.member
    team = selectors.team_get(actor=actor, slug=slug)
    item = selectors.item_get(actor=actor, item_id=item_id, team=team)
    form = EditForm(request.POST)
    if form.is_valid():
        fields: dict[str, Any] = {"text": form.cleaned_data["text"]}
        if item.kind == ItemKind.ACTION:
            owner = _member(actor, form.cleaned_data["owner"])
            if form.cleaned_data["owner"] is not None and owner is None:
                form.add_error("owner", OWNER_INVALID)
            fields.update(owner=owner, due_on=form.cleaned_data["due_on"])
        if not form.errors:
            with errors_on(form):
                services.item_update(actor=actor, item=item, **fields)
    if form.errors:
        return _answer_items(request, team, form=form)
    return _answer_items(request, team)


@member_required
@require_POST
def item_delete(request: MemberRequest, slug: str, item_id: int) -> HttpResponse:
    actor = request.member
    team = selectors.team_get(actor=actor, slug=slug)
    item = selectors.item_get(actor=actor, item_id=item_id, team=team)
    try:
        services.item_delete(actor=actor, item=item)
    except (ValidationError, Conflict) as exc:
        messages.error(request, _error_text(exc))
    return _answer_items(request, team)


@member_required
@require_http_methods(["GET"])
def history(request: MemberRequest, slug: str) -> HttpResponse:
    actor = request.member
    team = selectors.team_get(actor=actor, slug=slug)
    meetings = selectors.history(actor=actor, team=team)
    rows = [
        {
            "meeting": m,
            "decisions": [i for i in m.item_list if i.kind == ItemKind.DECISION],  # type: ignore[attr-defined]
            "actions": [i for i in m.item_list if i.kind == ItemKind.ACTION],  # type: ignore[attr-defined]
            "notes": [i for i in m.item_list if i.kind == ItemKind.NOTE],  # type: ignore[attr-defined]
        }
        for m in meetings
    ]
    return render_page(request, "teammeetings/history.html", {"team": team, "rows": rows})
