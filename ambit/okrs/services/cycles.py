"""Cycles and their sprints: create, rename, move dates, and move through the cycle states."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from ambit.accounts.models import Membership
from ambit.core.audit import AuditAction, audit_record, snapshot
from ambit.core.errors import Conflict
from ambit.core.permissions import require_org_editor, require_same_org
from ambit.core.services import apply_changes, full_clean_or_raise, lock_and_refresh
from ambit.core.validation import MAX_CYCLE_NAME, TextRule, clean_texts
from ambit.okrs.models import CYCLE_TRANSITIONS, Cycle, CycleKind, CycleState, Sprint

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
    return cycle


def cycle_transition(*, actor: Membership, cycle: Cycle, state: str) -> Cycle:
    return cycle_update(actor=actor, cycle=cycle, state=state)
