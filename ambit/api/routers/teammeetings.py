"""Bi-weekly team check-ins (issue 16, part 7): a team's meetings with their decisions, action items
and owners' notes, and the team's open action items, through the same services as the pages.
Anyone in the organisation reads them; another organisation's team, meeting or item is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ambit.accounts import selectors as acc
from ambit.api.common import actor_of, changed, resolve_optional
from ambit.api.schemas import Day, Id, PageQuery, Reason, as_page, page_of, paginate, reads, writes
from ambit.okrs import selectors as okrs_selectors
from ambit.teammeetings import selectors, services
from ambit.teammeetings.models import TeamMeeting, TeamMeetingItem

router = Router(tags=["team check-ins"])

ItemKindName = Literal["decision", "action", "note"]


class TeamMeetingOut(Schema):
    id: int
    team_id: int
    held_on: dt.date = Field(description="The organisation's local day the meeting started.")
    started_at: dt.datetime
    ended_at: dt.datetime | None = Field(description="Null while the meeting is under way.")
    since: dt.datetime = Field(description="What moved from this moment on was the meeting's agenda.")
    started_by_id: int | None
    ended_by_id: int | None
    is_open: bool


class TeamMeetingItemOut(Schema):
    id: int
    meeting_id: int = Field(description="The meeting it was raised in.")
    team_id: int
    kind: ItemKindName
    text: str
    key_result_id: int | None
    owner_id: int | None = Field(description="Action items only.")
    due_on: dt.date | None = Field(description="Action items only.")
    done: bool
    done_at: dt.datetime | None
    author_id: int | None
    created_at: dt.datetime


class TeamMeetingDetailOut(TeamMeetingOut):
    items: list[TeamMeetingItemOut] = Field(description="Decisions, action items and notes raised in this meeting.")
    carried_actions: list[TeamMeetingItemOut] = Field(
        description="Open action items of the team's earlier meetings, carried to this one until done."
    )


class TeamMeetingItemIn(Schema):
    kind: ItemKindName
    text: Reason
    owner_id: Id | None = Field(None, description="Action items only: who does it (notified once).")
    due_on: Day | None = Field(None, description="Action items only.")
    key_result_id: Id | None = Field(None, description="One of the team's key results; required for a note.")


class TeamMeetingItemPatch(Schema):
    text: Reason | None = Field(None, description="Its author or whoever runs the meeting, while it is open.")
    owner_id: Id | None = Field(None, description="Action items; null clears it.")
    due_on: Day | None = Field(None, description="Action items; null clears it.")
    done: bool | None = Field(None, description="Action items: their owner or whoever runs the meeting, at any time.")


def meeting_out(m: TeamMeeting) -> dict[str, Any]:
    return {
        "id": m.pk,
        "team_id": m.team_id,
        "held_on": m.held_on,
        "started_at": m.started_at,
        "ended_at": m.ended_at,
        "since": m.since,
        "started_by_id": m.started_by_id,
        "ended_by_id": m.ended_by_id,
        "is_open": m.is_open,
    }


def item_out(i: TeamMeetingItem) -> dict[str, Any]:
    return {
        "id": i.pk,
        "meeting_id": i.meeting_id,
        "team_id": i.team_id,
        "kind": i.kind,
        "text": i.text,
        "key_result_id": i.key_result_id,
        "owner_id": i.owner_id,
        "due_on": i.due_on,
        "done": i.done,
        "done_at": i.done_at,
        "author_id": i.author_id,
        "created_at": i.created_at,
    }


@router.get("/teams/{team_id}/check-ins", response=reads(page_of(TeamMeetingOut)), operation_id="team_meeting_list")
def team_meeting_list(request: HttpRequest, team_id: Id, page: Query[PageQuery]) -> Any:
    """The team's bi-weekly check-ins, by id (each one's items: `GET /team-check-ins/{team_meeting_id}`)."""
    actor = actor_of(request)
    team = acc.team_get(actor=actor, team_id=team_id)
    rows, nxt = paginate(selectors.meeting_list(actor=actor, team=team), page)
    return as_page([meeting_out(m) for m in rows], nxt)


@router.get(
    "/teams/{team_id}/check-ins/open-actions",
    response=reads(page_of(TeamMeetingItemOut)),
    operation_id="team_meeting_open_actions",
)
def team_meeting_open_actions(request: HttpRequest, team_id: Id, page: Query[PageQuery]) -> Any:
    """The team's action items not done yet, whichever meeting raised them, by id."""
    actor = actor_of(request)
    team = acc.team_get(actor=actor, team_id=team_id)
    rows, nxt = paginate(selectors.open_actions(actor=actor, team=team), page)
    return as_page([item_out(i) for i in rows], nxt)


@router.post("/teams/{team_id}/check-ins", response=writes(TeamMeetingOut, 201), operation_id="team_meeting_start")
def team_meeting_start(request: HttpRequest, team_id: Id) -> Any:
    """Start the team's check-in (its leads, champions, admins): it looks back to the end of the
    previous one (two weeks for the first). 409 while one is already open."""
    actor = actor_of(request)
    team = acc.team_get(actor=actor, team_id=team_id)
    return Status(201, meeting_out(services.meeting_start(actor=actor, team=team)))


@router.get("/team-check-ins/{team_meeting_id}", response=reads(TeamMeetingDetailOut), operation_id="team_meeting_get")
def team_meeting_get(request: HttpRequest, team_meeting_id: Id) -> Any:
    """One check-in with its items, and the open action items of the team's earlier meetings."""
    actor = actor_of(request)
    meeting = selectors.meeting_get(actor=actor, meeting_id=team_meeting_id)
    items = selectors.meeting_items(meeting=meeting)
    carried = selectors.open_actions(actor=actor, team=meeting.team).filter(meeting__started_at__lt=meeting.started_at)
    return {
        **meeting_out(meeting),
        "items": [item_out(i) for i in items],
        "carried_actions": [item_out(i) for i in carried.order_by("created_at", "pk")],
    }


@router.post("/team-check-ins/{team_meeting_id}/end", response=writes(TeamMeetingOut), operation_id="team_meeting_end")
def team_meeting_end(request: HttpRequest, team_meeting_id: Id) -> Any:
    """End the check-in (its team's leads, champions, admins); open actions carry over. 409 when ended."""
    actor = actor_of(request)
    meeting = selectors.meeting_get(actor=actor, meeting_id=team_meeting_id)
    return meeting_out(services.meeting_end(actor=actor, meeting=meeting))


@router.post(
    "/team-check-ins/{team_meeting_id}/items",
    response=writes(TeamMeetingItemOut, 201),
    operation_id="team_meeting_item_add",
)
def team_meeting_item_add(request: HttpRequest, team_meeting_id: Id, payload: TeamMeetingItemIn) -> Any:
    """Record a decision, an action item (an owner is notified once) or a key result owner's note
    in the open check-in (the team's members, leads, champions, admins; a note: the key result's
    owner). 409 once the check-in has ended."""
    actor = actor_of(request)
    meeting = selectors.meeting_get(actor=actor, meeting_id=team_meeting_id)
    owner = resolve_optional(
        "owner_id", payload.owner_id, acc.membership_get, actor=actor, membership_id=payload.owner_id
    )
    key_result = resolve_optional(
        "key_result_id",
        payload.key_result_id,
        okrs_selectors.key_result_get,
        actor=actor,
        key_result_id=payload.key_result_id,
    )
    item = services.item_add(
        actor=actor,
        meeting=meeting,
        kind=payload.kind,
        text=payload.text,
        owner=owner,
        due_on=payload.due_on,
        key_result=key_result,
    )
    return Status(201, item_out(item))


@router.patch(
    "/team-check-in-items/{team_meeting_item_id}",
    response=writes(TeamMeetingItemOut),
    operation_id="team_meeting_item_update",
)
def team_meeting_item_update(request: HttpRequest, team_meeting_item_id: Id, payload: TeamMeetingItemPatch) -> Any:
    """Tick an action item done or not, or change an item's text, owner or due date (send only what
    changes)."""
    actor = actor_of(request)
    item = selectors.item_get(actor=actor, item_id=team_meeting_item_id)
    fields = changed(payload)
    if "owner_id" in fields:
        owner_id = fields.pop("owner_id")
        fields["owner"] = resolve_optional(
            "owner_id", owner_id, acc.membership_get, actor=actor, membership_id=owner_id
        )
    if fields.get("done", False) is None:
        fields.pop("done")
    if "text" in fields and fields["text"] is None:
        fields.pop("text")
    return item_out(services.item_update(actor=actor, item=item, **fields))


@router.delete(
    "/team-check-in-items/{team_meeting_item_id}", response=writes(None, 204), operation_id="team_meeting_item_delete"
)
def team_meeting_item_delete(request: HttpRequest, team_meeting_item_id: Id) -> Any:
    """Delete an item recorded by mistake (its author or whoever runs the meeting), while the
    check-in is open."""
    actor = actor_of(request)
    services.item_delete(actor=actor, item=selectors.item_get(actor=actor, item_id=team_meeting_item_id))
    return Status(204, None)
