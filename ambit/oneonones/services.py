"""Writes of 1:1s. Only the two people of a 1:1 may write to it; callers load it through
``selectors`` (a 404 for anyone else), and every service checks again with :func:`_require_party`.

Audit entries record ids, kinds, flags and text lengths, never the text itself: admins read the
audit log, and webhooks and notifications are derived from it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.audit import audit_record
from ambit.core.errors import Conflict
from ambit.core.models import AuditAction
from ambit.core.validation import clean_text
from ambit.oneonones.models import DEFAULT_CADENCE_DAYS, DEFAULT_HOUR, Item, ItemKind, Meeting, OneOnOne

MAX_NOTES = 20_000
MAX_ITEM = 1_000
MAX_CADENCE = 90


def _require_party(actor: Membership, one_on_one: OneOnOne) -> None:
    """Anyone but the two people: the same 404 as an unknown id (existence does not leak)."""
    if not actor.is_active or actor.organisation_id != one_on_one.organisation_id or not one_on_one.involves(actor.pk):
        raise Http404("No such 1:1.")


def _check_schedule(first_on: object, hour: object, cadence_days: object) -> tuple[dt.date, int, int]:
    if not isinstance(first_on, dt.date):
        raise ValidationError({"first_on": "Enter the day of the first meeting as a date (YYYY-MM-DD)."})
    if not isinstance(hour, int) or isinstance(hour, bool) or not 0 <= hour <= 23:
        raise ValidationError({"hour": "Enter the hour as a whole number from 0 to 23."})
    if not isinstance(cadence_days, int) or isinstance(cadence_days, bool) or not 1 <= cadence_days <= MAX_CADENCE:
        raise ValidationError(
            {"cadence_days": f"Enter how many days apart, from 1 to {MAX_CADENCE} (14: every two weeks)."}
        )
    return first_on, hour, cadence_days


@transaction.atomic
def one_on_one_start(
    *,
    actor: Membership,
    other: Membership,
    first_on: dt.date | None = None,
    hour: int = DEFAULT_HOUR,
    cadence_days: int = DEFAULT_CADENCE_DAYS,
) -> OneOnOne:
    """Start the 1:1 of the actor and ``other``, one being the other's manager
    (``Membership.manager``), with its first meeting on ``first_on`` (default: today)."""
    if not actor.is_active:
        raise Http404("No such person.")
    if other.organisation_id != actor.organisation_id or not other.is_active:
        raise Http404("No such person.")
    if other.manager_id == actor.pk:
        manager, report = actor, other
    elif actor.manager_id == other.pk:
        manager, report = other, actor
    else:
        raise ValidationError(
            {"other": "A 1:1 is between a manager and their report: set the manager on the person's profile first."}
        )
    first_on, hour, cadence_days = _check_schedule(first_on or timezone.localdate(), hour, cadence_days)
    if OneOnOne.objects.filter(manager=manager, report=report).exists():
        raise Conflict("You already have a 1:1 with this person: open it from your 1:1s.", field="other")
    try:
        with transaction.atomic():
            one_on_one = OneOnOne.objects.create(
                organisation_id=actor.organisation_id,
                manager=manager,
                report=report,
                cadence_days=cadence_days,
                next_on=first_on,
                hour=hour,
            )
    except IntegrityError:
        raise Conflict("You already have a 1:1 with this person: open it from your 1:1s.", field="other") from None
    Meeting.objects.create(organisation_id=actor.organisation_id, one_on_one=one_on_one, date=first_on)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.ONE_ON_ONE_CREATE,
        obj=one_on_one,
        changes={"manager": [None, manager.pk], "report": [None, report.pk], "next_on": [None, first_on]},
    )
    return one_on_one


@transaction.atomic
def one_on_one_schedule(
    *, actor: Membership, one_on_one: OneOnOne, next_on: dt.date, hour: int, cadence_days: int
) -> OneOnOne:
    """Move the next meeting or change the rhythm (either person)."""
    _require_party(actor, one_on_one)
    next_on, hour, cadence_days = _check_schedule(next_on, hour, cadence_days)
    meeting = Meeting.objects.select_for_update().filter(one_on_one=one_on_one, held=False).first()
    if meeting is not None and meeting.date != next_on:
        if Meeting.objects.filter(one_on_one=one_on_one, date=next_on).exclude(pk=meeting.pk).exists():
            raise ValidationError({"next_on": "There is already a meeting on that day: pick another."})
        meeting.date = next_on
        meeting.save(update_fields=["date", "updated_at"])
    before = {"next_on": one_on_one.next_on, "hour": one_on_one.hour, "cadence_days": one_on_one.cadence_days}
    after = {"next_on": next_on, "hour": hour, "cadence_days": cadence_days}
    changed = [k for k in after if before[k] != after[k]]
    if not changed:
        return one_on_one
    for name in changed:
        setattr(one_on_one, name, after[name])
    one_on_one.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.ONE_ON_ONE_UPDATE,
        obj=one_on_one,
        changes={k: [before[k], after[k]] for k in changed},
    )
    return one_on_one


@transaction.atomic
def meeting_notes_save(*, actor: Membership, meeting: Meeting, notes: str) -> Meeting:
    """Save the shared notes (either person). The audit entry says how long, never what."""
    _require_party(actor, meeting.one_on_one)
    text = clean_text(notes, field="notes", label="text of the notes", max_length=MAX_NOTES)
    if text == meeting.notes:
        return meeting
    before = len(meeting.notes)
    meeting.notes = text
    meeting.save(update_fields=["notes", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.ONE_ON_ONE_UPDATE,
        obj=meeting.one_on_one,
        changes={"meeting": [meeting.pk, meeting.pk], "notes_length": [before, len(text)]},
    )
    return meeting


@transaction.atomic
def meeting_hold(*, actor: Membership, meeting: Meeting, now: dt.datetime | None = None) -> Meeting:
    """Mark the meeting held and create the next one ``cadence_days`` later (or the day after
    today, if that is already past), carrying every action item not done to it."""
    one_on_one = OneOnOne.objects.select_for_update().get(pk=meeting.one_on_one_id)
    _require_party(actor, one_on_one)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.held:
        raise Conflict("This meeting is already held: the next one is open.")
    now = now or timezone.now()
    meeting.held = True
    meeting.held_at = now
    meeting.save(update_fields=["held", "held_at", "updated_at"])
    next_on = meeting.date + dt.timedelta(days=one_on_one.cadence_days)
    today = timezone.localdate(now)
    if next_on <= today:
        next_on = today + dt.timedelta(days=one_on_one.cadence_days)
    following = Meeting.objects.create(organisation_id=one_on_one.organisation_id, one_on_one=one_on_one, date=next_on)
    carried = list(Item.objects.filter(meeting=meeting, kind=ItemKind.ACTION, done=False).order_by("created_at", "pk"))
    Item.objects.bulk_create(
        [
            Item(
                organisation_id=one_on_one.organisation_id,
                meeting=following,
                kind=ItemKind.ACTION,
                text=i.text,
                author_id=i.author_id,
                carried_from=i,
            )
            for i in carried
        ]
    )
    before = one_on_one.next_on
    one_on_one.next_on = next_on
    one_on_one.save(update_fields=["next_on", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.ONE_ON_ONE_UPDATE,
        obj=one_on_one,
        changes={
            "held_meeting": [None, meeting.pk],
            "next_on": [before, next_on],
            "carried_actions": [None, len(carried)],
        },
    )
    return following


@transaction.atomic
def item_add(*, actor: Membership, meeting: Meeting, kind: str, text: str) -> Item:
    """A talking point or an action item on a meeting not yet held (either person)."""
    _require_party(actor, meeting.one_on_one)
    if kind not in ItemKind.values:
        raise ValidationError({"kind": "Choose a talking point or an action item."})
    if meeting.held:
        raise Conflict("This meeting is already held: add it to the next one.")
    clean = clean_text(text, field="text", label="text", max_length=MAX_ITEM, required=True)
    item = Item.objects.create(
        organisation_id=meeting.organisation_id, meeting=meeting, kind=kind, text=clean, author=actor
    )
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.ONE_ON_ONE_ITEM_ADD,
        obj=item,
        changes={"one_on_one": [None, meeting.one_on_one_id], "kind": [None, kind], "text_length": [None, len(clean)]},
    )
    return item


@transaction.atomic
def item_update(*, actor: Membership, item: Item, text: str | None = None, done: bool | None = None) -> Item:
    """Tick an action item done or not (either person); reword an item (its author only)."""
    _require_party(actor, item.meeting.one_on_one)
    changes: dict[str, list[object]] = {}
    fields: list[str] = []
    if done is not None and done != item.done:
        if item.kind != ItemKind.ACTION:
            raise ValidationError({"done": "Only action items are ticked done."})
        changes["done"] = [item.done, done]
        item.done = done
        fields.append("done")
    if text is not None:
        clean = clean_text(text, field="text", label="text", max_length=MAX_ITEM, required=True)
        if clean != item.text:
            if item.author_id != actor.pk:
                raise ValidationError({"text": "Only the person who wrote it can reword it: add a new one instead."})
            changes["text_length"] = [len(item.text), len(clean)]
            item.text = clean
            fields.append("text")
    if not fields:
        return item
    item.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.ONE_ON_ONE_ITEM_UPDATE,
        obj=item,
        changes={"one_on_one": [item.meeting.one_on_one_id, item.meeting.one_on_one_id], **changes},
    )
    return item


@transaction.atomic
def item_delete(*, actor: Membership, item: Item) -> None:
    """Remove an item (its author only)."""
    _require_party(actor, item.meeting.one_on_one)
    if item.author_id != actor.pk:
        raise ValidationError({"item": "Only the person who wrote it can remove it."})
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.ONE_ON_ONE_ITEM_DELETE,
        obj=item,
        changes={"one_on_one": [item.meeting.one_on_one_id, None], "kind": [item.kind, None]},
    )
    item.delete()
