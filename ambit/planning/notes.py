"""Meeting notes of the quarterly OKR meeting: add, change, delete (audited ``meeting.note_*``).

Who writes them: the people who run the meeting, the council (executive sponsors, champions,
admins) and the team leads. An action item's owner may tick it done. An action item with an owner
notifies them (``notify.Kind.MEETING_ACTION``, in the app and by email as they chose), once per note
and owner: reassigning it notifies the new owner.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.audit import AuditAction, audit_record, snapshot
from ambit.core.errors import Conflict
from ambit.core.permissions import require_same_org, require_writer
from ambit.core.services import apply_changes, lock_and_refresh
from ambit.core.validation import MAX_REASON, clean_text
from ambit.notify.models import Kind
from ambit.notify.produce import Draft, produce
from ambit.okrs.approvers import is_council
from ambit.okrs.models import Cycle, CycleState, Objective
from ambit.planning.models import MeetingNote, NoteKind

MAX_NOTE = MAX_REASON
NOTES_DENIED = "Meeting notes are written by the council (sponsors, champions, admins) and team leads."


def can_take_notes(actor: Membership) -> bool:
    return actor.can_write and (is_council(actor) or bool(actor.led_team_ids()))


def _require_note_taker(actor: Membership) -> None:
    require_writer(actor)
    if not can_take_notes(actor):
        raise PermissionDenied(NOTES_DENIED)


def _due(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError({"due_date": "Enter the due date as a date (YYYY-MM-DD), or leave it empty."})


def _clean(
    actor: Membership, *, kind: str, text: Any, owner: Membership | None, objective: Objective | None, due: Any
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if kind not in NoteKind.values:
        errors["kind"] = "Choose decision, action item or note."
    try:
        cleaned = clean_text(text, field="text", max_length=MAX_NOTE, required=True)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        cleaned = ""
    if owner is not None:
        if owner.organisation_id != actor.organisation_id or not owner.is_active:
            errors["owner"] = "The owner must be an active member of this organisation."
        elif kind != NoteKind.ACTION:
            errors["owner"] = "Only an action item has an owner: choose “action item” or clear the owner."
    try:
        due_date = _due(due)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        due_date = None
    if due_date is not None and kind != NoteKind.ACTION:
        errors["due_date"] = "Only an action item has a due date."
    if objective is not None and objective.organisation_id != actor.organisation_id:
        errors["objective"] = "That objective does not exist in this organisation."
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "text": cleaned, "owner": owner, "due_date": due_date, "objective": objective}


def _notify_owner(actor: Membership, note: MeetingNote) -> None:
    owner = note.owner
    if note.kind != NoteKind.ACTION or owner is None or owner.pk == actor.pk or not owner.is_active:
        return
    due = f" (due {note.due_date:%-d %b %Y})" if note.due_date else ""
    draft = Draft(
        recipient=owner,
        kind=Kind.MEETING_ACTION,
        key=f"meeting-note:{note.pk}:owner:{owner.pk}",
        title=f"Action item from the {note.cycle.name} OKR meeting{due}",
        body=note.text,
        url=reverse("planning:meeting-notes", kwargs={"cycle_id": note.cycle_id}),
        data={"note": note.pk, "cycle": note.cycle_id, "due_date": note.due_date.isoformat() if note.due_date else ""},
    )
    produce([draft], now=timezone.now())


@transaction.atomic
def meeting_note_add(
    *,
    actor: Membership,
    cycle: Cycle,
    text: str,
    kind: str = NoteKind.NOTE,
    objective: Objective | None = None,
    owner: Membership | None = None,
    due_date: Any = None,
) -> MeetingNote:
    require_same_org(actor, cycle.organisation_id)
    _require_note_taker(actor)
    if cycle.state == CycleState.CLOSED:
        raise Conflict(f"{cycle.name} is closed: its meeting notes are kept as they are.", field="cycle")
    fields = _clean(actor, kind=kind, text=text, owner=owner, objective=objective, due=due_date)
    if objective is not None and objective.cycle_id != cycle.pk:
        raise ValidationError({"objective": f"That objective is not in {cycle.name}."})
    note = MeetingNote(organisation_id=actor.organisation_id, cycle=cycle, author=actor, **fields)
    note.save()
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.MEETING_NOTE_ADD,
        obj=note,
        changes=snapshot(note, ("cycle", "objective", "kind", "text", "owner", "due_date")),
    )
    _notify_owner(actor, note)
    return note


def _may_change(actor: Membership, note: MeetingNote) -> bool:
    return actor.can_write and (actor.is_org_wide_editor or note.author_id == actor.pk)


@transaction.atomic
def meeting_note_update(*, actor: Membership, note: MeetingNote, **fields: Any) -> MeetingNote:
    """Change a note (its author or a champion); an action item's owner may only tick ``done``."""
    require_same_org(actor, note.organisation_id)
    require_writer(actor)
    lock_and_refresh(note)
    only_done = set(fields) <= {"done"}
    if not (_may_change(actor, note) or (only_done and note.owner_id == actor.pk)):
        raise PermissionDenied("Only the note's author or a champion changes it; an action item's owner ticks it done.")
    if note.cycle.state == CycleState.CLOSED:
        raise Conflict(f"{note.cycle.name} is closed: its meeting notes are kept as they are.", field="cycle")
    unknown = set(fields) - {"kind", "text", "owner", "due_date", "done"}
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in sorted(unknown)})
    if "done" in fields and not isinstance(fields["done"], bool):
        raise ValidationError({"done": "Done is true or false."})
    if not only_done:
        merged = _clean(
            actor,
            kind=fields.get("kind", note.kind),
            text=fields.get("text", note.text),
            owner=fields.get("owner", note.owner),
            objective=note.objective,
            due=fields.get("due_date", note.due_date),
        )
        merged.pop("objective")
        done = {"done": fields["done"]} if "done" in fields else {}
        fields = {**{k: v for k, v in merged.items() if k in fields}, **done}
    before_owner = note.owner_id
    changes = apply_changes(note, fields, ("kind", "text", "owner", "due_date", "done"))
    if changes:
        note.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            organisation=actor.organisation,
            action=AuditAction.MEETING_NOTE_UPDATE,
            obj=note,
            changes=changes,
        )
        if note.owner_id != before_owner or "kind" in changes:
            _notify_owner(actor, note)
    return note


@transaction.atomic
def meeting_note_delete(*, actor: Membership, note: MeetingNote) -> None:
    require_same_org(actor, note.organisation_id)
    require_writer(actor)
    if not _may_change(actor, note):
        raise PermissionDenied("Only the note's author or a champion deletes it.")
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.MEETING_NOTE_DELETE,
        obj=note,
        changes=snapshot(note, ("cycle", "objective", "kind", "text", "owner")),
    )
    note.delete()
