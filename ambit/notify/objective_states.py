"""Objectives' state changes reach the people concerned (issue 14, item 5): a proposal reaches
those who approve it, an approval or a send-back reaches its owner (with the note said).

The objective services are not touched: each tick reads the state moves the audit log recorded
since the last scan (``ScanCursor``, started a few minutes early so an entry committed late is still
seen) and keys each notification by its audit entry, so reading one twice produces it once. The
approval workflow (proposal queues, bulk approval) adds its own events to the same log.

Who approves a proposal is ``ambit.okrs.approvers.approvers_for``, the rule the approval queues and
services use too: for an individual objective the leads of the owner's teams (else their manager),
for a team, department or company objective the council; when there is nobody, the council. A
send-back with a comment (``OBJECTIVE_SENT_BACK``) reaches the owner with the comment. The person who
made the move is never told about it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from ambit.accounts.models import Membership
from ambit.core.models import AuditAction, AuditEntry
from ambit.notify.models import Kind, ScanCursor
from ambit.notify.produce import Draft, produce
from ambit.notify.scheduler import register_producer
from ambit.okrs.approvers import approvers_for
from ambit.okrs.models import Objective, ObjectiveState

PRODUCER = "objective_state"
OVERLAP = dt.timedelta(minutes=10)
FIRST_LOOKBACK = dt.timedelta(days=1)
MOVES = (
    AuditAction.OBJECTIVE_CREATE,
    AuditAction.OBJECTIVE_PROPOSED,
    AuditAction.OBJECTIVE_ACTIVE,
    AuditAction.OBJECTIVE_DRAFT,
    AuditAction.OBJECTIVE_SENT_BACK,
)


def _window(now: dt.datetime) -> dt.datetime:
    cursor = ScanCursor.objects.filter(name=PRODUCER).values_list("position", flat=True).first()
    if cursor is None or cursor > now:
        return now - FIRST_LOOKBACK
    return cursor - OVERLAP


def _advance(now: dt.datetime) -> None:
    ScanCursor.objects.bulk_create([ScanCursor(name=PRODUCER, position=now)], ignore_conflicts=True)
    ScanCursor.objects.filter(name=PRODUCER, position__lt=now).update(position=now)


def _move(entry: AuditEntry) -> tuple[str, str] | None:
    """(from, to) of an objective's state in ``entry``: proposed, approved or sent back; else None.
    A creation records a snapshot (``state`` is the new state), a move ``[before, after]``."""
    state: Any = (entry.changes or {}).get("state")
    if entry.action == AuditAction.OBJECTIVE_CREATE:
        return ("", ObjectiveState.PROPOSED) if state == ObjectiveState.PROPOSED else None
    if not (isinstance(state, list) and len(state) == 2):
        return None
    before, after = str(state[0]), str(state[1])
    if after == ObjectiveState.PROPOSED:
        return before, after
    if before == ObjectiveState.PROPOSED and after in (ObjectiveState.ACTIVE, ObjectiveState.DRAFT):
        return before, after
    return None


def _draft(entry: AuditEntry, objective: Objective, move: tuple[str, str], recipient: Membership) -> Draft:
    who = entry.actor.get_full_name() if entry.actor is not None else "Ambit"
    changes = entry.changes or {}
    note = str(changes.get("comment") or changes.get("note") or "")
    title = {
        ObjectiveState.PROPOSED: f"“{objective.title}” was proposed by {who}: review it",
        ObjectiveState.ACTIVE: f"“{objective.title}” was approved by {who}",
        ObjectiveState.DRAFT: f"“{objective.title}” was sent back to draft by {who}",
    }[ObjectiveState(move[1])]
    return Draft(
        recipient=recipient,
        kind=Kind.OBJECTIVE_STATE,
        key=f"audit:{entry.pk}",
        title=title,
        body=f"Their note: {note}" if note else "",
        url=reverse("okrs:objective-detail", kwargs={"pk": objective.pk}),
        data={"objective": objective.pk, "from": move[0], "to": move[1], "note": note},
    )


def produce_objective_states(now: dt.datetime) -> int:
    entries = list(
        AuditEntry.objects.filter(
            action__in=MOVES,
            object_type=Objective._meta.label_lower,
            created_at__gt=_window(now),
            created_at__lte=now,
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )
    moves = [(e, m) for e in entries if (m := _move(e)) is not None]
    if not moves:
        _advance(now)
        return 0
    objectives = {
        o.pk: o
        for o in Objective.objects.filter(pk__in={int(e.object_id) for e, _ in moves})
        .select_related("owner__user", "owner__organisation", "owner__manager__user", "owner__manager__organisation")
        .defer("description")
    }
    proposals = [
        objectives[int(e.object_id)]
        for e, m in moves
        if m[1] == ObjectiveState.PROPOSED and int(e.object_id) in objectives
    ]
    approvers = approvers_for(list({o.pk: o for o in proposals}.values()))
    drafts: list[Draft] = []
    for entry, move in moves:
        objective = objectives.get(int(entry.object_id))
        if objective is None or objective.organisation_id != entry.organisation_id:
            continue  # deleted since
        proposal = move[1] == ObjectiveState.PROPOSED
        recipients = approvers.get(objective.pk, []) if proposal else [objective.owner]
        actor_id = entry.actor_id
        drafts += [
            _draft(entry, objective, move, r)
            for r in recipients
            if r.user_id != actor_id and r.is_active and r.organisation_id == objective.organisation_id
        ]
    produced = produce(drafts, now=now)
    _advance(now)
    return produced


register_producer(PRODUCER, produce_objective_states)
