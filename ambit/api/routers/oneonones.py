"""1:1s (issue 16, part 6): the caller's own 1:1s only. A 1:1 is private to its manager and report:
anyone else, an admin with an organisation-wide token included, gets 404 as for an unknown id."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from ambit.api.common import actor_of
from ambit.api.enums import StatusName
from ambit.api.schemas import Id, reads, writes
from ambit.oneonones import selectors, services
from ambit.oneonones.agenda import AgendaRow, build_agenda
from ambit.oneonones.models import Item, Meeting, OneOnOne
from ambit.rituals.selectors import iso_week_label

router = Router(tags=["1:1s"])

ItemKindName = Literal["talking_point", "action"]


class PersonOut(Schema):
    member_id: int
    name: str


class OneOnOneOut(Schema):
    id: int
    manager: PersonOut
    report: PersonOut
    next_on: dt.date
    hour: int = Field(description="Local hour of the meeting, in the organisation's time zone.")
    cadence_days: int


class OneOnOneList(Schema):
    items: list[OneOnOneOut]


class ItemOut(Schema):
    id: int
    meeting_id: int
    kind: ItemKindName
    text: str
    author_id: int
    done: bool
    carried_from_id: int | None = Field(description="The action item of an earlier meeting this one carries on.")


class MeetingOut(Schema):
    id: int
    date: dt.date
    held: bool
    notes: str


class AgendaRowOut(Schema):
    key_result_id: int
    title: str
    objective_id: int
    status: StatusName
    progress: float
    progress_change: float | None = Field(description="Since the last meeting; null when unknown.")
    confidence: int = Field(description="Stored 0–10.")
    confidence_then: int | None
    warnings: list[str]


class AgendaBlockerOut(Schema):
    day: dt.date = Field(description="The day of the report's standup that raised it.")
    text: str
    key_result_id: int | None = Field(description="The key result the blocker names, or null.")
    key_result_title: str | None


class AgendaReflectionOut(Schema):
    week: str = Field(description="The ISO week, e.g. 2026-W49.")
    week_start: dt.date
    learned: str = Field(description="What I learned (may be empty).")
    in_my_way: str = Field(description="What's in my way (may be empty).")
    updated_at: dt.datetime


class OneOnOneDetailOut(OneOnOneOut):
    since: dt.date = Field(description="The day of the last meeting: what the agenda's changes are measured from.")
    meeting: MeetingOut | None = Field(description="The next meeting (not yet held).")
    items: list[ItemOut]
    agenda: list[AgendaRowOut]
    blockers: list[AgendaBlockerOut] = Field(description="The report's standup blockers since the last meeting.")
    reflections: list[AgendaReflectionOut] = Field(
        description="The report's weekly reflections of the weeks since the last meeting, newest first."
    )
    previous_meetings: list[MeetingOut]


class ItemIn(Schema):
    kind: ItemKindName
    text: str = Field(min_length=1, max_length=services.MAX_ITEM)


class ItemUpdateIn(Schema):
    text: str | None = Field(None, min_length=1, max_length=services.MAX_ITEM, description="Its author only.")
    done: bool | None = Field(None, description="Action items only; either person.")


class NotesIn(Schema):
    notes: str = Field(max_length=services.MAX_NOTES)


def _person(m: Any) -> dict[str, Any]:
    return {"member_id": m.pk, "name": m.user.get_full_name() or m.user.email}


def _one_out(one: OneOnOne) -> dict[str, Any]:
    return {
        "id": one.pk,
        "manager": _person(one.manager),
        "report": _person(one.report),
        "next_on": one.next_on,
        "hour": one.hour,
        "cadence_days": one.cadence_days,
    }


def _item_out(item: Item) -> dict[str, Any]:
    return {
        "id": item.pk,
        "meeting_id": item.meeting_id,
        "kind": item.kind,
        "text": item.text,
        "author_id": item.author_id,
        "done": item.done,
        "carried_from_id": item.carried_from_id,
    }


def _meeting_out(m: Meeting) -> dict[str, Any]:
    return {"id": m.pk, "date": m.date, "held": m.held, "notes": m.notes}


def _row_out(row: AgendaRow) -> dict[str, Any]:
    return {
        "key_result_id": row.key_result.pk,
        "title": row.key_result.title,
        "objective_id": row.objective.pk,
        "status": row.metrics.status,
        "progress": row.metrics.progress,
        "progress_change": row.progress_change,
        "confidence": row.confidence_now,
        "confidence_then": row.confidence_then,
        "warnings": row.warnings,
    }


@router.get("/one-on-ones", response=reads(OneOnOneList), operation_id="one_on_one_list")
def one_on_one_list(request: HttpRequest) -> Any:
    """The caller's 1:1s, as manager and as report (nobody else's, whatever the token's role)."""
    return {"items": [_one_out(o) for o in selectors.one_on_one_list(actor=actor_of(request))]}


@router.get("/one-on-ones/{one_on_one_id}", response=reads(OneOnOneDetailOut), operation_id="one_on_one_get")
def one_on_one_get(request: HttpRequest, one_on_one_id: Id) -> Any:
    """One of the caller's 1:1s: its next meeting with notes and items, and the agenda (the report's
    key results, their standup blockers and weekly reflections since the last meeting)."""
    one = selectors.one_on_one_get(actor=actor_of(request), one_on_one_id=one_on_one_id)
    meeting = selectors.current_meeting(one_on_one=one)
    previous = selectors.previous_meetings(one_on_one=one)
    if previous:
        since = previous[0].date
    else:
        since = (meeting.date if meeting else one.next_on) - dt.timedelta(days=one.cadence_days)
    agenda = build_agenda(report=one.report, organisation=one.organisation, since=since)
    return {
        **_one_out(one),
        "since": since,
        "meeting": _meeting_out(meeting) if meeting else None,
        "items": [_item_out(i) for i in selectors.meeting_items(meeting=meeting)] if meeting else [],
        "agenda": [_row_out(r) for r in agenda.rows],
        "blockers": [
            {
                "day": b.standup.day,
                "text": b.text,
                "key_result_id": b.key_result_id,
                "key_result_title": b.key_result.title if b.key_result else None,
            }
            for b in agenda.blockers
        ],
        "reflections": [
            {
                "week": iso_week_label(r.week_start),
                "week_start": r.week_start,
                "learned": r.learned,
                "in_my_way": r.in_my_way,
                "updated_at": r.updated_at,
            }
            for r in agenda.reflections
        ],
        "previous_meetings": [_meeting_out(m) for m in previous],
    }


def _current(request: HttpRequest, one_on_one_id: int) -> Meeting:
    one = selectors.one_on_one_get(actor=actor_of(request), one_on_one_id=one_on_one_id)
    meeting = selectors.current_meeting(one_on_one=one)
    if meeting is None:
        raise Http404("This 1:1 has no open meeting.")
    meeting.one_on_one = one
    return meeting


@router.post("/one-on-ones/{one_on_one_id}/items", response=writes(ItemOut, 201), operation_id="one_on_one_item_add")
def one_on_one_item_add(request: HttpRequest, one_on_one_id: Id, payload: ItemIn) -> Any:
    """Add a talking point or an action item to the next meeting (either person)."""
    meeting = _current(request, one_on_one_id)
    item = services.item_add(actor=actor_of(request), meeting=meeting, kind=payload.kind, text=payload.text)
    return Status(201, _item_out(item))


@router.patch("/one-on-ones/items/{item_id}", response=writes(ItemOut), operation_id="one_on_one_item_update")
def one_on_one_item_update(request: HttpRequest, item_id: Id, payload: ItemUpdateIn) -> Any:
    """Tick an action item done (either person), or reword an item (its author)."""
    actor = actor_of(request)
    item = selectors.item_get(actor=actor, item_id=item_id)
    services.item_update(actor=actor, item=item, text=payload.text, done=payload.done)
    return _item_out(item)


@router.put("/one-on-ones/{one_on_one_id}/notes", response=writes(MeetingOut), operation_id="one_on_one_notes")
def one_on_one_notes(request: HttpRequest, one_on_one_id: Id, payload: NotesIn) -> Any:
    """Replace the next meeting's shared notes (either person)."""
    meeting = _current(request, one_on_one_id)
    services.meeting_notes_save(actor=actor_of(request), meeting=meeting, notes=payload.notes)
    return _meeting_out(meeting)
