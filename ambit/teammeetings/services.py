"""Writes of the bi-weekly team check-in: start and end the meeting, add, change, tick and delete
its decisions, action items and owners' notes (audited ``team_meeting.*``).

Who may do what (one rule each, also read by the pages through the ``can_*`` functions):

- start and end the meeting, change or delete any item: the team's leads (of it or of a team above
  it), OKR champions and admins;
- add items while the meeting is open: those, and the team's members;
- change or delete an item while the meeting is open: its author too;
- tick an action item done (or not), at any time: whoever runs the meeting, and the action's owner
  (its author when it has none);
- an owner's note is about one of the team's key results: its owner writes it (or whoever runs
  the meeting), one per key result and meeting;
- viewers read only.

An action item assigned to someone notifies them once (``notify.Kind.TEAM_MEETING``, keyed by the
item and the owner: reassigning it notifies the new owner).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership, Team
from ambit.core.audit import AuditAction, audit_record, snapshot
from ambit.core.errors import Conflict
from ambit.core.permissions import require_same_org, require_writer
from ambit.core.services import apply_changes, lock_and_refresh
from ambit.core.validation import MAX_REASON, clean_text
from ambit.notify.models import Kind
from ambit.notify.produce import Draft, produce
from ambit.notify.schedule import zone
from ambit.okrs.models import KeyResult
from ambit.teammeetings.cadence import FIRST_LOOK_BACK_DAYS
from ambit.teammeetings.models import ItemKind, TeamMeeting, TeamMeetingItem

MAX_ITEM = MAX_REASON
RUN_DENIED = "Only the team's leads, OKR champions and admins start and end its check-in."
TAKE_PART_DENIED = "Only the team's members, its leads, OKR champions and admins add to its check-in."
CHANGE_DENIED = "Only the item's author, the team's leads, OKR champions and admins change or delete it."
TICK_DENIED = "Only the action's owner, the team's leads, OKR champions and admins tick it done."
NOTE_DENIED = "Only the key result's owner, the team's leads, OKR champions and admins write its note."
ALREADY_OPEN = "This team's check-in is already open: join it."
NOT_OPEN = "This check-in has ended: its record is kept as it is. Add it in the next one."
ALREADY_ENDED = "This check-in has already ended."
OWNER_INVALID = "The owner must be an active member of this organisation."
KEY_RESULT_INVALID = "Pick one of this team's key results."
DUE_INVALID = "Enter the due date as a date (YYYY-MM-DD), or leave it empty."
NOTE_EXISTS = "This key result already has a note in this check-in: edit that one."


# --- Who may do what --------------------------------------------------------------------------


def can_run(actor: Membership, team: Team) -> bool:
    """Start and end the check-in, change or delete any of its items."""
    if actor.organisation_id != team.organisation_id or not actor.can_write:
        return False
    return actor.is_org_wide_editor or team.pk in actor.led_team_ids()


def can_take_part(actor: Membership, team: Team) -> bool:
    """Add decisions, action items and notes while the check-in is open."""
    return can_run(actor, team) or (
        actor.organisation_id == team.organisation_id and actor.can_write and team.pk in actor.member_team_ids()
    )


def can_change(actor: Membership, item: TeamMeetingItem, team: Team) -> bool:
    return can_run(actor, team) or (actor.can_write and item.author_id == actor.pk)


def can_tick(actor: Membership, item: TeamMeetingItem, team: Team) -> bool:
    if item.kind != ItemKind.ACTION:
        return False
    responsible = item.owner_id if item.owner_id is not None else item.author_id
    return can_run(actor, team) or (actor.can_write and responsible == actor.pk)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- Validation -------------------------------------------------------------------------------


def _due(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        raise ValidationError({"due_on": DUE_INVALID})
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError({"due_on": DUE_INVALID})


def _clean(
    actor: Membership,
    team: Team,
    *,
    kind: Any,
    text: Any,
    owner: Membership | None,
    due_on: Any,
    key_result: KeyResult | None,
) -> dict[str, Any]:
    """The item's fields, or one ValidationError naming every field at fault."""
    errors: dict[str, str] = {}
    if kind not in ItemKind.values:
        errors["kind"] = "Choose a decision, an action item or an owner's note."
    try:
        cleaned = clean_text(text, field="text", label="text", max_length=MAX_ITEM, required=True)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        cleaned = ""
    if owner is not None:
        if owner.organisation_id != actor.organisation_id or not owner.is_active:
            errors["owner"] = OWNER_INVALID
        elif kind != ItemKind.ACTION:
            errors["owner"] = "Only an action item has an owner: choose “action item” or clear the owner."
    try:
        due = _due(due_on)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        due = None
    if due is not None and kind != ItemKind.ACTION:
        errors["due_on"] = "Only an action item has a due date."
    if key_result is not None and (
        key_result.organisation_id != actor.organisation_id or key_result.objective.team_id != team.pk
    ):
        errors["key_result"] = KEY_RESULT_INVALID
    if kind == ItemKind.NOTE and key_result is None and "key_result" not in errors:
        errors["key_result"] = "An owner's note is about one key result: pick it."
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "text": cleaned, "owner": owner, "due_on": due, "key_result": key_result}


def _url(team: Team) -> str:
    return reverse("teammeetings:meeting", kwargs={"slug": team.slug})


def _notify_owner(actor: Membership, item: TeamMeetingItem, team: Team) -> None:
    owner = item.owner
    if item.kind != ItemKind.ACTION or owner is None or owner.pk == actor.pk or not owner.is_active:
        return
    due = f" (due {item.due_on:%-d %b %Y})" if item.due_on else ""
    produce(
        [
            Draft(
                recipient=owner,
                kind=Kind.TEAM_MEETING,
                key=f"team-meeting-action:{item.pk}:owner:{owner.pk}",
                title=f"Action item for you from the {team.name} check-in{due}",
                body=item.text,
                url=_url(team) + f"#item-{item.pk}",
                data={"team": team.slug, "meeting": item.meeting_id, "item": item.pk},
            )
        ],
        now=timezone.now(),
    )


# --- The meeting ------------------------------------------------------------------------------


def look_back_from(organisation_zone: str, now: dt.datetime) -> dt.datetime:
    """A team's first check-in looks back two weeks, from local midnight."""
    tz = zone(organisation_zone)
    day = now.astimezone(tz).date() - dt.timedelta(days=FIRST_LOOK_BACK_DAYS)
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)


def previous_end(team: Team, before: dt.datetime | None = None) -> dt.datetime | None:
    """When the team's last ended check-in ended (before ``before``), or None."""
    qs = TeamMeeting.objects.filter(team=team, ended_at__isnull=False)
    if before is not None:
        qs = qs.filter(started_at__lt=before)
    return qs.order_by("-ended_at", "-pk").values_list("ended_at", flat=True).first()


@transaction.atomic
def meeting_start(*, actor: Membership, team: Team, now: dt.datetime | None = None) -> TeamMeeting:
    """Open the team's check-in. It looks back to the end of the previous one (two weeks for the
    first); the open action items of earlier ones are carried to it."""
    require_same_org(actor, team.organisation_id)
    require_writer(actor)
    _require(can_run(actor, team), RUN_DENIED)
    now = now or timezone.now()
    if TeamMeeting.objects.filter(team=team, ended_at__isnull=True).exists():
        raise Conflict(ALREADY_OPEN)
    organisation = actor.organisation
    since = previous_end(team) or look_back_from(organisation.time_zone, now)
    try:
        with transaction.atomic():
            meeting = TeamMeeting.objects.create(
                organisation_id=team.organisation_id,
                team=team,
                held_on=now.astimezone(zone(organisation.time_zone)).date(),
                started_at=now,
                since=since,
                started_by=actor,
            )
    except IntegrityError:
        # Two leads pressed "Start" at once: the unique open-meeting constraint kept one.
        raise Conflict(ALREADY_OPEN) from None
    carried = TeamMeetingItem.objects.filter(team=team, kind=ItemKind.ACTION, done=False).count()
    audit_record(
        actor=actor,
        organisation=organisation,
        action=AuditAction.TEAM_MEETING_START,
        obj=meeting,
        changes={
            "team": [None, team.pk],
            "held_on": [None, meeting.held_on],
            "since": [None, since],
            "carried_actions": [None, carried],
        },
    )
    return meeting


@transaction.atomic
def meeting_end(*, actor: Membership, meeting: TeamMeeting, now: dt.datetime | None = None) -> TeamMeeting:
    """Close the check-in; its open action items carry over to the next one until done."""
    require_same_org(actor, meeting.organisation_id)
    require_writer(actor)
    team = meeting.team
    _require(can_run(actor, team), RUN_DENIED)
    lock_and_refresh(meeting)
    if meeting.ended_at is not None:
        raise Conflict(ALREADY_ENDED)
    meeting.ended_at = max(now or timezone.now(), meeting.started_at)
    meeting.ended_by = actor
    meeting.save(update_fields=["ended_at", "ended_by", "updated_at"])
    kinds = list(TeamMeetingItem.objects.filter(meeting=meeting).values_list("kind", "done"))
    open_actions = TeamMeetingItem.objects.filter(team=team, kind=ItemKind.ACTION, done=False).count()
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.TEAM_MEETING_END,
        obj=meeting,
        changes={
            "ended_at": [None, meeting.ended_at],
            "decisions": [None, sum(1 for k, _ in kinds if k == ItemKind.DECISION)],
            "actions": [None, sum(1 for k, _ in kinds if k == ItemKind.ACTION)],
            "open_actions": [None, open_actions],
        },
    )
    return meeting


# --- Its items --------------------------------------------------------------------------------


@transaction.atomic
def item_add(
    *,
    actor: Membership,
    meeting: TeamMeeting,
    kind: str,
    text: str,
    owner: Membership | None = None,
    due_on: Any = None,
    key_result: KeyResult | None = None,
) -> TeamMeetingItem:
    """A decision, an action item or an owner's note, recorded in the open check-in."""
    require_same_org(actor, meeting.organisation_id)
    require_writer(actor)
    team = meeting.team
    # A key result's owner writes its note even from outside the team.
    own_note = kind == ItemKind.NOTE and key_result is not None and key_result.owner_id == actor.pk
    _require(own_note or can_take_part(actor, team), TAKE_PART_DENIED)
    if kind == ItemKind.NOTE:
        _require(own_note or can_run(actor, team), NOTE_DENIED)
    if not meeting.is_open:
        raise Conflict(NOT_OPEN)
    fields = _clean(actor, team, kind=kind, text=text, owner=owner, due_on=due_on, key_result=key_result)
    if (
        kind == ItemKind.NOTE
        and TeamMeetingItem.objects.filter(meeting=meeting, kind=ItemKind.NOTE, key_result=key_result).exists()
    ):
        raise Conflict(NOTE_EXISTS, field="text")
    item = TeamMeetingItem.objects.create(
        organisation_id=meeting.organisation_id, meeting=meeting, team=team, author=actor, **fields
    )
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.TEAM_MEETING_ITEM_ADD,
        obj=item,
        changes=snapshot(item, ("meeting", "team", "kind", "text", "owner", "due_on", "key_result")),
    )
    _notify_owner(actor, item, team)
    return item


UPDATABLE = ("text", "owner", "due_on", "done")


@transaction.atomic
def item_update(
    *, actor: Membership, item: TeamMeetingItem, now: dt.datetime | None = None, **fields: Any
) -> TeamMeetingItem:
    """Tick an action done or not (its owner, or whoever runs the meeting, at any time); change
    the text, owner or due date (its author or whoever runs the meeting, while the check-in is
    open). Only what changed is saved."""
    require_same_org(actor, item.organisation_id)
    require_writer(actor)
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in sorted(unknown)})
    lock_and_refresh(item)
    team = item.team
    meeting = item.meeting
    if "done" in fields:
        if not isinstance(fields["done"], bool):
            raise ValidationError({"done": "Done is true or false."})
        if item.kind != ItemKind.ACTION:
            raise ValidationError({"done": "Only action items are ticked done."})
        _require(can_tick(actor, item, team), TICK_DENIED)
    edits = {k: v for k, v in fields.items() if k != "done"}
    if edits:
        _require(can_change(actor, item, team), CHANGE_DENIED)
        if not meeting.is_open:
            raise Conflict(NOT_OPEN)
        merged = _clean(
            actor,
            team,
            kind=item.kind,
            text=edits.get("text", item.text),
            owner=edits.get("owner", item.owner),
            due_on=edits.get("due_on", item.due_on),
            key_result=item.key_result,
        )
        edits = {k: merged[k] for k in edits}
    before_owner = item.owner_id
    values = dict(edits)
    if "done" in fields and fields["done"] != item.done:
        values["done"] = fields["done"]
        values["done_at"] = (now or timezone.now()) if fields["done"] else None
    changes = apply_changes(item, values, (*UPDATABLE, "done_at"))
    if not changes:
        return item
    item.save(update_fields=[*changes, "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.TEAM_MEETING_ITEM_UPDATE,
        obj=item,
        changes={"meeting": [item.meeting_id, item.meeting_id], **changes},
    )
    if item.owner_id != before_owner:
        _notify_owner(actor, item, team)
    return item


@transaction.atomic
def item_delete(*, actor: Membership, item: TeamMeetingItem) -> None:
    """Remove an item recorded by mistake (its author or whoever runs the meeting), while the
    check-in is open."""
    require_same_org(actor, item.organisation_id)
    require_writer(actor)
    _require(can_change(actor, item, item.team), CHANGE_DENIED)
    if not item.meeting.is_open:
        raise Conflict(NOT_OPEN)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.TEAM_MEETING_ITEM_DELETE,
        obj=item,
        changes=snapshot(item, ("meeting", "team", "kind", "text", "owner", "due_on", "key_result")),
    )
    item.delete()
