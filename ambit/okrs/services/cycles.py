"""Cycles and their sprints: create, rename, move dates, and move through the cycle states (into
and out of closed only through ``cycle_set_closed``, which ``ambit.closeout`` calls)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.audit import AuditAction, audit_entry, audit_record, audit_record_all, snapshot
from ambit.core.errors import Conflict
from ambit.core.permissions import require_admin, require_org_editor, require_same_org
from ambit.core.services import apply_changes, full_clean_or_raise, lock_and_refresh
from ambit.core.validation import MAX_CYCLE_NAME, MAX_REASON, TextRule, clean_texts
from ambit.okrs import rollups
from ambit.okrs.models import CYCLE_TRANSITIONS, Cycle, CycleKind, CycleState, Objective, ObjectiveState, Sprint
from ambit.okrs.signals import cycle_state_changed

# The free text each entity stores, cleaned by ambit.core.validation on every surface.
CYCLE_TEXT = {"name": TextRule(MAX_CYCLE_NAME, label="cycle name", required=True, single_line=True)}


def sprint_dates(start: dt.date, end: dt.date, length_days: int) -> list[tuple[dt.date, dt.date]]:
    """Sprint boundaries for a period: back-to-back sprints of the charter's length."""
    out, cursor = [], start
    while cursor <= end:
        stop = min(cursor + dt.timedelta(days=length_days - 1), end)
        out.append((cursor, stop))
        cursor = stop + dt.timedelta(days=1)
    # A last sliver shorter than half a sprint joins the one before it.
    if len(out) > 1 and (out[-1][1] - out[-1][0]).days + 1 < length_days / 2:
        last = out.pop()
        out[-1] = (out[-1][0], last[1])
    return out


def cycle_list_named(organisation_id: int, name: str) -> QuerySet[Cycle]:
    return Cycle.objects.filter(organisation_id=organisation_id, name__iexact=name.strip())


@transaction.atomic
def cycle_create(
    *,
    actor: Membership,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    kind: str = CycleKind.QUARTER,
    parent: Cycle | None = None,
    state: str = CycleState.PLANNING,
    with_sprints: bool | None = None,
) -> Cycle:
    """Create a cycle; quarters and custom periods get sprints of the charter's length."""
    require_org_editor(actor, "create cycles")
    name = clean_texts({"name": name}, CYCLE_TEXT)["name"]
    errors: dict[str, str] = {}
    if end_date <= start_date:
        errors["end_date"] = "The end date must be after the start date."
    if parent is not None:
        require_same_org(actor, parent.organisation_id)
        if parent.kind != CycleKind.ANNUAL:
            errors["parent"] = "Only an annual cycle can contain other cycles."
        elif start_date < parent.start_date or end_date > parent.end_date:
            errors["parent"] = f"The period must lie inside {parent.name} ({parent.start_date} – {parent.end_date})."
    if cycle_list_named(actor.organisation_id, name).exists():
        errors["name"] = f"A cycle named “{name.strip()}” already exists: choose another name."
    if errors:
        raise ValidationError(errors)
    cycle = Cycle(
        organisation_id=actor.organisation_id,
        name=name.strip(),
        kind=kind,
        parent=parent,
        start_date=start_date,
        end_date=end_date,
        state=state,
    )
    full_clean_or_raise(cycle, exclude=["organisation"])
    cycle.save()
    if with_sprints is None:
        with_sprints = kind != CycleKind.ANNUAL
    if with_sprints:
        length = actor.organisation.sprint_length_days
        Sprint.objects.bulk_create(
            Sprint(organisation_id=cycle.organisation_id, cycle=cycle, number=i, start_date=s, end_date=e)
            for i, (s, e) in enumerate(sprint_dates(start_date, end_date, length), start=1)
        )
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.CYCLE_CREATE,
        obj=cycle,
        changes=snapshot(cycle, ("name", "kind", "start_date", "end_date", "state", "parent")),
    )
    return cycle


@transaction.atomic
def cycle_update(*, actor: Membership, cycle: Cycle, **fields: Any) -> Cycle:
    require_same_org(actor, cycle.organisation_id)
    require_org_editor(actor, "change cycles")
    lock_and_refresh(cycle)
    new_state = fields.get("state")
    if new_state is not None and new_state != cycle.state:
        allowed = CYCLE_TRANSITIONS.get(cycle.state, ())
        if new_state not in allowed:
            raise Conflict(
                f"A {cycle.state} cycle can move to {', '.join(allowed) or 'nothing'}, not {new_state}.", field="state"
            )
        if CycleState.CLOSED in (new_state, cycle.state):
            raise Conflict(closing_refused(cycle, new_state), field="state")
    before_state = cycle.state
    fields = clean_texts(fields, CYCLE_TEXT)
    name = fields.get("name") or ""
    if name and cycle_list_named(cycle.organisation_id, name).exclude(pk=cycle.pk).exists():
        raise ValidationError({"name": f"A cycle named “{name}” already exists: choose another name."})
    changes = apply_changes(cycle, fields, ("name", "start_date", "end_date", "state"))
    if changes:
        if cycle.end_date <= cycle.start_date:
            raise ValidationError({"end_date": "The end date must be after the start date."})
        full_clean_or_raise(cycle, exclude=["organisation"], unique=True)
        cycle.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor, organisation=actor.organisation, action=AuditAction.CYCLE_UPDATE, obj=cycle, changes=changes
        )
        if "state" in changes:
            _announce_state(cycle, before_state, actor)
    return cycle


def closing_refused(cycle: Cycle, new_state: str) -> str:
    """Why ``cycle_update`` does not move a cycle into or out of closed: the close checklist does."""
    where = f"/cycles/{cycle.pk}/close/"
    if new_state == CycleState.CLOSED:
        return (
            f"Close the cycle from its close checklist ({where}): every key result scored, reflections "
            "written and rollover decided first."
        )
    return f"A closed cycle is reopened by an admin from its close checklist ({where})."


def _announce_state(cycle: Cycle, before: str, actor: Membership) -> None:
    """Tell the apps above (``okrs.signals.cycle_state_changed``) once the move is committed."""
    cycle_id, after, actor_id = cycle.pk, cycle.state, actor.pk
    transaction.on_commit(
        lambda: cycle_state_changed.send(sender=Cycle, cycle_id=cycle_id, before=before, after=after, actor_id=actor_id)
    )


@transaction.atomic
def cycle_set_closed(*, actor: Membership, cycle: Cycle, closed: bool) -> Cycle:
    """The one way into and out of closed (review → closed, closed → review), for ``ambit.closeout``,
    which checks the close checklist, closes the objectives, writes ``cycle.close`` /
    ``cycle.reopen`` and notifies; ``cycle_update`` refuses these moves. Audited ``cycle.update``
    like every state change, so the dashboards' time travel reads the state history as before."""
    require_same_org(actor, cycle.organisation_id)
    if closed:
        require_org_editor(actor, "close cycles")
    else:
        require_admin(actor, "reopen a closed cycle")
    lock_and_refresh(cycle)
    before, after = (CycleState.REVIEW, CycleState.CLOSED) if closed else (CycleState.CLOSED, CycleState.REVIEW)
    if cycle.state != before:
        what = "already closed" if closed and cycle.is_closed else f"{cycle.state}, not {before}"
        raise Conflict(f"{cycle.name} is {what}: it cannot be {'closed' if closed else 'reopened'}.", field="state")
    cycle.state = after
    cycle.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.CYCLE_UPDATE,
        obj=cycle,
        changes={"state": [before, after]},
    )
    _announce_state(cycle, before, actor)
    return cycle


def cycle_transition(*, actor: Membership, cycle: Cycle, state: str) -> Cycle:
    return cycle_update(actor=actor, cycle=cycle, state=state)


# Rows per UPDATE when closing a cycle's objectives (SQLite caps a statement's parameters).
CLOSE_CHUNK = 500


@transaction.atomic
def cycle_objectives_close(*, actor: Membership, cycle: Cycle, note: str = "Cycle closed.") -> int:
    """Close every active objective of ``cycle`` (closing the cycle, ``ambit.closeout``): the same
    transition and the same audit entry, note included, as ``objective_set_state`` to closed, for
    each, but written in bulk: an UPDATE per 500 objectives, the audit entries in one INSERT, one
    roll-up task for them all. A 10,000-person organisation closes 20,000 objectives in seconds,
    not minutes of a statement per objective. Returns how many closed."""
    require_same_org(actor, cycle.organisation_id)
    require_org_editor(actor, "close a cycle's objectives")
    note = clean_texts({"note": note}, {"note": TextRule(max_length=MAX_REASON, label="note")})["note"]
    rows = list(
        Objective.objects.select_for_update()
        .filter(organisation_id=cycle.organisation_id, cycle_id=cycle.pk, state=ObjectiveState.ACTIVE)
        .only("pk", "title", "organisation_id")
        .order_by("pk")
    )
    if not rows:
        return 0
    now = timezone.now()
    ids = [o.pk for o in rows]
    for start in range(0, len(ids), CLOSE_CHUNK):
        Objective.objects.filter(pk__in=ids[start : start + CLOSE_CHUNK]).update(
            state=ObjectiveState.CLOSED, cancel_reason="", updated_at=now
        )
    changes = {"state": [ObjectiveState.ACTIVE, ObjectiveState.CLOSED], **({"note": note} if note else {})}
    audit_record_all(
        [
            audit_entry(
                actor=actor,
                organisation=actor.organisation,
                action=AuditAction.OBJECTIVE_CLOSED,
                obj=o,
                changes=changes,
            )
            for o in rows
        ]
    )
    rollups.schedule_objective_ids(cycle.organisation_id, ids)
    return len(ids)
