"""Every write to cycles, objectives, key results, alignment and check-ins.

Each service: checks permission (``ambit.core.permissions``), validates with messages that name
the field and the fix, runs in one transaction, and writes an audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ambit.accounts.models import Membership, Team
from ambit.core.audit import audit_record, snapshot
from ambit.core.errors import Conflict
from ambit.core.permissions import (
    can_create_objective_for,
    require_can_check_in,
    require_can_edit_objective,
    require_org_editor,
    require_same_org,
    require_writer,
)
from ambit.core.services import apply_changes, full_clean_or_raise, lock_and_refresh, plain_number, to_decimal
from ambit.core.validation import (
    MAX_CYCLE_NAME,
    MAX_LONG_TEXT,
    MAX_REASON,
    MAX_TITLE,
    MAX_UNIT,
    TextRule,
    check_weight,
    clean_text,
    clean_texts,
)
from ambit.okrs.models import (
    CYCLE_TRANSITIONS,
    VALUE_KINDS,
    Alignment,
    CheckIn,
    Cycle,
    CycleKind,
    CycleState,
    KeyResult,
    KeyResultKind,
    KeyResultState,
    Milestone,
    Objective,
    ObjectiveState,
    Sprint,
)
from ambit.okrs.selectors import objective_descendant_ids
from ambit.strategy.models import BigMove

# The free text each entity stores, cleaned by ambit.core.validation on every surface.
CYCLE_TEXT = {"name": TextRule(MAX_CYCLE_NAME, label="cycle name", required=True, single_line=True)}
OBJECTIVE_TEXT = {
    "title": TextRule(MAX_TITLE, required=True, single_line=True),
    "description": TextRule(MAX_LONG_TEXT),
}
KR_TEXT = {**OBJECTIVE_TEXT, "unit": TextRule(MAX_UNIT, single_line=True)}

# --- Cycles and sprints -----------------------------------------------------------------------


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
        action="cycle.create",
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
        audit_record(actor=actor, organisation=actor.organisation, action="cycle.update", obj=cycle, changes=changes)
    return cycle


def cycle_transition(*, actor: Membership, cycle: Cycle, state: str) -> Cycle:
    return cycle_update(actor=actor, cycle=cycle, state=state)


# --- Objectives -------------------------------------------------------------------------------


def _level_for(team: Team | None) -> str:
    return "individual" if team is None else str(team.kind)


def _check_objective_refs(
    actor: Membership, *, cycle: Cycle | None, owner: Membership | None, team: Team | None, theme: BigMove | None
) -> None:
    errors: dict[str, str] = {}
    for name, ref in (("cycle", cycle), ("owner", owner), ("team", team), ("theme", theme)):
        if ref is not None and ref.organisation_id != actor.organisation_id:
            errors[name] = f"That {name} does not exist in this organisation."
    if owner is not None and not owner.is_active:
        errors["owner"] = "The owner is no longer an active member: pick someone else."
    if cycle is not None and cycle.state == CycleState.CLOSED:
        errors["cycle"] = f"{cycle.name} is closed: add OKRs to an open cycle."
    if errors:
        raise ValidationError(errors)


OBJECTIVE_FIELDS = ("title", "description", "owner", "team", "theme", "ambition", "visibility", "position")


@transaction.atomic
def objective_create(
    *,
    actor: Membership,
    cycle: Cycle,
    title: str,
    owner: Membership | None = None,
    team: Team | None = None,
    description: str = "",
    theme: BigMove | None = None,
    ambition: str = "committed",
    visibility: str = "public",
    state: str = ObjectiveState.DRAFT,
    parents: Sequence[tuple[Objective, float]] = (),
    contributors: Iterable[Membership] = (),
    source_key_result: KeyResult | None = None,
) -> Objective:
    owner = owner or actor
    require_writer(actor)
    require_same_org(actor, cycle.organisation_id)
    _check_objective_refs(actor, cycle=cycle, owner=owner, team=team, theme=theme)
    if not can_create_objective_for(actor, team_id=team.pk if team else None, owner_id=owner.pk):
        raise PermissionDenied(
            "You may create your own individual OKRs, your teams' OKRs if you lead them; champions create the rest."
        )
    if state not in (ObjectiveState.DRAFT, ObjectiveState.PROPOSED, ObjectiveState.ACTIVE):
        raise ValidationError({"state": "A new objective starts as draft, proposed or active."})
    if state == ObjectiveState.ACTIVE and actor.organisation.approval_required and not actor.is_org_wide_editor:
        state = ObjectiveState.PROPOSED
    texts = clean_texts({"title": title, "description": description}, OBJECTIVE_TEXT)
    position = Objective.objects.filter(cycle=cycle).count()
    objective = Objective(
        organisation_id=actor.organisation_id,
        cycle=cycle,
        title=texts["title"],
        description=texts["description"],
        owner=owner,
        team=team,
        level=_level_for(team),
        theme=theme,
        ambition=ambition,
        visibility=visibility,
        state=state,
        source_key_result=source_key_result,
        position=position,
    )
    full_clean_or_raise(objective, exclude=["organisation"])
    objective.save()
    if contributors:
        contributors = list(contributors)
        for c in contributors:
            require_same_org(actor, c.organisation_id)
        objective.contributors.set(contributors)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action="objective.create",
        obj=objective,
        changes=snapshot(objective, ("title", "cycle", "owner", "team", "ambition", "state")),
    )
    for parent, weight in parents:
        alignment_add(actor=actor, child=objective, parent=parent, weight=weight)
    return objective


@transaction.atomic
def objective_update(*, actor: Membership, objective: Objective, **fields: Any) -> Objective:
    require_same_org(actor, objective.organisation_id)
    # Check and diff against the row as it is now: a state change or roll-up since the caller read it stays.
    lock_and_refresh(objective)
    require_can_edit_objective(actor, objective)
    if objective.state in (ObjectiveState.CLOSED, ObjectiveState.CANCELLED):
        raise Conflict(f"This objective is {objective.state}: reopen it before editing.", field="state")
    _check_objective_refs(
        actor, cycle=None, owner=fields.get("owner"), team=fields.get("team"), theme=fields.get("theme")
    )
    fields = clean_texts(fields, OBJECTIVE_TEXT)
    if "team" in fields or "owner" in fields:
        team = fields.get("team", objective.team)
        owner = fields.get("owner", objective.owner)
        if not can_create_objective_for(actor, team_id=team.pk if team else None, owner_id=owner.pk):
            raise PermissionDenied("You may not move this objective to that team or owner.")
        fields["level"] = _level_for(team)
    changes = apply_changes(objective, fields, (*OBJECTIVE_FIELDS, "level"))
    if changes:
        full_clean_or_raise(objective, exclude=["organisation"])
        objective.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor, organisation=actor.organisation, action="objective.update", obj=objective, changes=changes
        )
    return objective


OBJECTIVE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ObjectiveState.DRAFT: (ObjectiveState.PROPOSED, ObjectiveState.ACTIVE),
    ObjectiveState.PROPOSED: (ObjectiveState.ACTIVE, ObjectiveState.DRAFT),
    ObjectiveState.ACTIVE: (ObjectiveState.CLOSED, ObjectiveState.DRAFT),
    ObjectiveState.CLOSED: (ObjectiveState.ACTIVE,),
    ObjectiveState.CANCELLED: (ObjectiveState.DRAFT,),
}


@transaction.atomic
def objective_set_state(*, actor: Membership, objective: Objective, state: str, note: str = "") -> Objective:
    """Propose, approve (activate), send back to draft, close or reopen. Cancelling has its own service."""
    require_can_edit_objective(actor, objective)
    note = clean_text(note, field="note", max_length=MAX_REASON)
    if state == ObjectiveState.CANCELLED:
        raise ValidationError({"state": "Use cancel, with a reason, to cancel an objective."})
    allowed = OBJECTIVE_TRANSITIONS.get(objective.state, ())
    if state not in allowed:
        raise Conflict(f"A {objective.state} objective can become {', '.join(allowed)}, not {state}.", field="state")
    needs_approval = objective.organisation.approval_required if hasattr(objective, "organisation") else False
    if (
        state == ObjectiveState.ACTIVE
        and objective.state in (ObjectiveState.DRAFT, ObjectiveState.PROPOSED)
        and needs_approval
        and not actor.is_org_wide_editor
        and objective.owner_id == actor.pk
    ):
        raise PermissionDenied("Approval is required: your lead or a champion activates your objective.")
    before = objective.state
    objective.state = state
    if state != ObjectiveState.CANCELLED:
        objective.cancel_reason = ""
    objective.save(update_fields=["state", "cancel_reason", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=f"objective.{state}",
        obj=objective,
        changes={"state": [before, state], **({"note": note} if note else {})},
    )
    return objective


@transaction.atomic
def objective_cancel(*, actor: Membership, objective: Objective, reason: str) -> Objective:
    require_can_edit_objective(actor, objective)
    reason = clean_text(reason, field="reason", max_length=MAX_REASON)
    if not reason:
        raise ValidationError({"reason": "Say why the objective is cancelled: the reason stays in its history."})
    if objective.state == ObjectiveState.CANCELLED:
        raise Conflict("This objective is already cancelled.", field="state")
    before = objective.state
    objective.state, objective.cancel_reason = ObjectiveState.CANCELLED, reason
    objective.save(update_fields=["state", "cancel_reason", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action="objective.cancel",
        obj=objective,
        changes={"state": [before, "cancelled"], "cancel_reason": ["", reason]},
    )
    return objective


@transaction.atomic
def objective_delete(*, actor: Membership, objective: Objective) -> None:
    """Delete an objective with its key results and check-ins. Refused once it has history:
    cancel it instead so the record stays."""
    require_can_edit_objective(actor, objective)
    if CheckIn.objects.filter(key_result__objective=objective).exists():
        raise Conflict("This objective has check-ins: cancel it instead, so its history is kept.", field="objective")
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action="objective.delete",
        obj=objective,
        changes=snapshot(objective, ("title", "cycle", "owner", "team")),
    )
    Objective.objects.filter(source_key_result__objective=objective).update(source_key_result=None)
    objective.delete()


@transaction.atomic
def objective_score(*, actor: Membership, objective: Objective, score: float | None, note: str = "") -> Objective:
    require_can_edit_objective(actor, objective)
    if score is not None and not (0 <= score <= 1):
        raise ValidationError({"score": "A score is between 0.0 and 1.0."})
    note = clean_text(note, field="note", max_length=MAX_REASON)
    changes = apply_changes(objective, {"score": score, "score_note": note}, ("score", "score_note"))
    if changes:
        objective.save(update_fields=["score", "score_note", "updated_at"])
        audit_record(
            actor=actor, organisation=actor.organisation, action="objective.score", obj=objective, changes=changes
        )
    return objective


# --- Alignment --------------------------------------------------------------------------------


def _would_cycle(child: Objective, parent_id: int) -> bool:
    """True when ``parent`` already sits below ``child`` (classic links or duality links)."""
    return parent_id in objective_descendant_ids(objective=child, stop_at=parent_id)


@transaction.atomic
def alignment_add(*, actor: Membership, child: Objective, parent: Objective, weight: float = 1.0) -> Alignment:
    require_can_edit_objective(actor, child)
    require_same_org(actor, parent.organisation_id)
    if child.pk == parent.pk:
        raise ValidationError({"parent": "An objective cannot align to itself."})
    weight = check_weight(weight)
    if Alignment.objects.filter(child=child, parent=parent).exists():
        raise Conflict(f"“{child.title}” is already aligned to “{parent.title}”.", field="parent")
    if _would_cycle(child, parent.pk):
        raise Conflict(
            f"Aligning to “{parent.title}” would make a loop: it already supports “{child.title}”.", field="parent"
        )
    link = Alignment.objects.create(organisation_id=actor.organisation_id, child=child, parent=parent, weight=weight)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action="alignment.add",
        obj=child,
        changes={"parent": [None, parent.pk], "weight": [None, weight]},
    )
    return link


@transaction.atomic
def alignment_remove(*, actor: Membership, child: Objective, parent: Objective) -> None:
    require_can_edit_objective(actor, child)
    deleted, _ = Alignment.objects.filter(child=child, parent=parent).delete()
    if not deleted:
        raise ValidationError({"parent": "These objectives are not aligned."})
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action="alignment.remove",
        obj=child,
        changes={"parent": [parent.pk, None]},
    )


@transaction.atomic
def objective_create_from_key_result(
    *,
    actor: Membership,
    key_result: KeyResult,
    owner: Membership | None = None,
    team: Team | None = None,
    title: str | None = None,
    cycle: Cycle | None = None,
    progress_from_child: bool = True,
    ambition: str | None = None,
    state: str = ObjectiveState.DRAFT,
) -> Objective:
    """Duality: the parent key result becomes the next level's objective, linked both ways.

    Cascading can switch the key result to take its progress from the new objective, whose owner
    then drives it with their check-ins: so it needs edit rights on the key result's objective, not
    only the right to create the child.
    """
    require_same_org(actor, key_result.organisation_id)
    lock_and_refresh(key_result)
    parent = key_result.objective
    require_can_edit_objective(actor, parent)
    if key_result.is_cancelled:
        raise Conflict("This key result is cancelled: it cannot be cascaded.", field="key_result")
    child = objective_create(
        actor=actor,
        cycle=cycle or parent.cycle,
        title=title or key_result.title,
        owner=owner or key_result.owner,
        team=team,
        ambition=ambition or parent.ambition,
        state=state,
        source_key_result=key_result,
        theme=parent.theme,
    )
    if progress_from_child and not key_result.progress_from_children:
        key_result.progress_from_children = True
        key_result.save(update_fields=["progress_from_children", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action="key_result.cascade",
        obj=key_result,
        changes={"child_objective": [None, child.pk], "progress_from_children": progress_from_child},
    )
    return child


# --- Key results ------------------------------------------------------------------------------


def _validate_kr_numbers(
    kind: str, start: Decimal | None, target: Decimal | None, stretch: Decimal | None
) -> tuple[Decimal | None, Decimal | None]:
    """Check the numbers fit the kind; return (start, target) normalised for it."""
    label = dict(KeyResultKind.choices).get(kind)
    if label is None:
        raise ValidationError({"kind": f"Unknown kind “{kind}”: choose one of {', '.join(KeyResultKind.values)}."})
    errors: dict[str, str] = {}
    if kind in VALUE_KINDS and target is None:
        errors["target_value"] = f"A “{label}” key result needs a target value."
    if kind in (KeyResultKind.INCREASE, KeyResultKind.DECREASE):
        if start is None:
            errors["start_value"] = f"A “{label}” key result needs a start value (where you are today)."
        elif target is not None:
            if target == start:
                errors["target_value"] = (
                    f"The target equals the start ({plain_number(start)}): a key result must move something. "
                    "Use “stay above” or “stay below” to hold a level."
                )
            elif kind == KeyResultKind.INCREASE and target < start:
                errors["target_value"] = (
                    f"The target ({plain_number(target)}) is below the start ({plain_number(start)}): "
                    "use “decrease to” for a number that should go down."
                )
            elif kind == KeyResultKind.DECREASE and target > start:
                errors["target_value"] = (
                    f"The target ({plain_number(target)}) is above the start ({plain_number(start)}): "
                    "use “increase to” for a number that should go up."
                )
        if stretch is not None and target is not None and not errors:
            beyond = stretch > target if kind == KeyResultKind.INCREASE else stretch < target
            if not beyond:
                errors["stretch_target"] = "The stretch target must lie beyond the target, in the same direction."
    elif kind in (KeyResultKind.MILESTONES, KeyResultKind.BINARY):
        if stretch is not None:
            errors["stretch_target"] = f"A “{label}” key result has no stretch target."
        start, target = (None, None) if kind == KeyResultKind.MILESTONES else (Decimal(0), Decimal(1))
    if errors:
        raise ValidationError(errors)
    return start, target


def _milestone_specs(milestones: Sequence[str | tuple[str, float]]) -> list[tuple[str, float]]:
    specs: list[tuple[str, float]] = []
    for i, m in enumerate(milestones, start=1):
        raw_title, raw_weight = (m, 1.0) if isinstance(m, str) else (m[0], m[1])
        title = clean_text(
            raw_title, field="milestones", label=f"title of milestone {i}", max_length=MAX_TITLE, single_line=True
        )
        if not title:
            raise ValidationError({"milestones": f"Milestone {i} has no title."})
        weight = check_weight(raw_weight, field="milestones", label=f"weight of milestone {i}")
        specs.append((title, weight))
    return specs


@transaction.atomic
def key_result_create(
    *,
    actor: Membership,
    objective: Objective,
    title: str,
    kind: str = KeyResultKind.INCREASE,
    start_value: Any = None,
    target_value: Any = None,
    stretch_target: Any = None,
    unit: str = "",
    unit_kind: str = "number",
    weight: float = 1.0,
    owner: Membership | None = None,
    description: str = "",
    milestones: Sequence[str | tuple[str, float]] = (),
    confidence: int = 5,
) -> KeyResult:
    require_can_edit_objective(actor, objective)
    if objective.state in (ObjectiveState.CLOSED, ObjectiveState.CANCELLED):
        raise Conflict(f"This objective is {objective.state}: key results cannot be added.", field="objective")
    owner = owner or objective.owner
    require_same_org(actor, owner.organisation_id)
    start = to_decimal(start_value, field="start_value", label="start value")
    target = to_decimal(target_value, field="target_value", label="target value")
    stretch = to_decimal(stretch_target, field="stretch_target", label="stretch target")
    start, target = _validate_kr_numbers(kind, start, target, stretch)
    texts = clean_texts({"title": title, "description": description, "unit": unit}, KR_TEXT)
    specs = _milestone_specs(milestones)
    if kind == KeyResultKind.MILESTONES and not specs:
        raise ValidationError({"milestones": "A milestone checklist needs at least one milestone."})
    if kind != KeyResultKind.MILESTONES and specs:
        raise ValidationError({"milestones": "Only a milestone checklist has milestones."})
    weight = check_weight(weight)
    if not (0 <= confidence <= 10):
        raise ValidationError({"confidence": "Confidence is stored on a 0–10 scale."})
    kr = KeyResult(
        organisation_id=actor.organisation_id,
        objective=objective,
        title=texts["title"],
        description=texts["description"],
        kind=kind,
        start_value=start,
        target_value=target,
        stretch_target=stretch,
        unit=texts["unit"],
        unit_kind=unit_kind,
        weight=weight,
        owner=owner,
        current_confidence=confidence,
        position=objective.key_results.count(),
    )
    full_clean_or_raise(kr, exclude=["organisation"])
    kr.save()
    Milestone.objects.bulk_create(
        Milestone(key_result=kr, title=t, weight=w, position=i) for i, (t, w) in enumerate(specs)
    )
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action="key_result.create",
        obj=kr,
        changes=snapshot(kr, ("title", "objective", "kind", "start_value", "target_value", "unit", "weight", "owner")),
    )
    return kr


KR_FIELDS = (
    "title",
    "description",
    "kind",
    "start_value",
    "target_value",
    "stretch_target",
    "unit",
    "unit_kind",
    "weight",
    "owner",
    "position",
    "progress_from_children",
)


@transaction.atomic
def key_result_update(*, actor: Membership, key_result: KeyResult, **fields: Any) -> KeyResult:
    require_same_org(actor, key_result.organisation_id)
    # The caller's copy may predate a check-in: check and diff against the locked current row, and
    # save only what changes, so the check-in's value and count are never written back stale.
    lock_and_refresh(key_result)
    objective = key_result.objective
    require_can_edit_objective(actor, objective)
    if key_result.is_cancelled:
        raise Conflict("This key result is cancelled and cannot be edited.", field="state")
    if "kind" in fields and fields["kind"] != key_result.kind and key_result.checkin_count:
        raise Conflict("The kind cannot change once there are check-ins: add a new key result instead.", field="kind")
    if fields.get("owner") is not None:
        require_same_org(actor, fields["owner"].organisation_id)
    for name, label in (
        ("start_value", "start value"),
        ("target_value", "target value"),
        ("stretch_target", "stretch target"),
    ):
        if name in fields:
            fields[name] = to_decimal(fields[name], field=name, label=label)
    if "weight" in fields:
        fields["weight"] = check_weight(fields["weight"])
    fields = clean_texts(fields, KR_TEXT)
    kind = fields.get("kind", key_result.kind)
    start, target = _validate_kr_numbers(
        kind,
        fields.get("start_value", key_result.start_value),
        fields.get("target_value", key_result.target_value),
        fields.get("stretch_target", key_result.stretch_target),
    )
    if kind in (KeyResultKind.MILESTONES, KeyResultKind.BINARY):
        fields["start_value"], fields["target_value"] = start, target
    changes = apply_changes(key_result, fields, KR_FIELDS)
    if changes:
        full_clean_or_raise(key_result, exclude=["organisation"])
        key_result.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor, organisation=actor.organisation, action="key_result.update", obj=key_result, changes=changes
        )
    return key_result


@transaction.atomic
def key_result_cancel(*, actor: Membership, key_result: KeyResult, reason: str) -> KeyResult:
    require_can_edit_objective(actor, key_result.objective)
    reason = clean_text(reason, field="reason", max_length=MAX_REASON)
    if not reason:
        raise ValidationError({"reason": "Say why the key result is cancelled."})
    if key_result.is_cancelled:
        raise Conflict("This key result is already cancelled.", field="state")
    key_result.state, key_result.cancel_reason = KeyResultState.CANCELLED, reason
    key_result.save(update_fields=["state", "cancel_reason", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action="key_result.cancel",
        obj=key_result,
        changes={"state": ["active", "cancelled"], "cancel_reason": ["", reason]},
    )
    return key_result


@transaction.atomic
def key_result_delete(*, actor: Membership, key_result: KeyResult) -> None:
    require_can_edit_objective(actor, key_result.objective)
    if key_result.checkin_count or key_result.checkins.exists():
        raise Conflict("This key result has check-ins: cancel it instead, so its history is kept.", field="key_result")
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action="key_result.delete",
        obj=key_result,
        changes=snapshot(key_result, ("title", "objective")),
    )
    Objective.objects.filter(source_key_result=key_result).update(source_key_result=None)
    key_result.delete()


@transaction.atomic
def milestone_add(*, actor: Membership, key_result: KeyResult, title: str, weight: float = 1.0) -> Milestone:
    require_can_edit_objective(actor, key_result.objective)
    if key_result.kind != KeyResultKind.MILESTONES:
        raise ValidationError({"kind": "Only a milestone checklist has milestones."})
    ((title, weight),) = _milestone_specs([(title, weight)])
    m = Milestone.objects.create(
        key_result=key_result, title=title, weight=weight, position=key_result.milestones.count()
    )
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action="key_result.milestone_add",
        obj=key_result,
        changes={"milestone": [None, title]},
    )
    return m


@transaction.atomic
def key_result_score(*, actor: Membership, key_result: KeyResult, score: float | None, note: str = "") -> KeyResult:
    """Set (or clear, with None) the end-of-cycle score that overrides the suggestion."""
    require_can_edit_objective(actor, key_result.objective)
    if score is not None and not (0 <= score <= 1):
        raise ValidationError({"score": "A score is between 0.0 and 1.0."})
    note = clean_text(note, field="note", max_length=MAX_REASON)
    changes = apply_changes(key_result, {"score": score, "score_note": note}, ("score", "score_note"))
    if changes:
        key_result.save(update_fields=["score", "score_note", "updated_at"])
        audit_record(
            actor=actor, organisation=actor.organisation, action="key_result.score", obj=key_result, changes=changes
        )
    return key_result


# --- Check-ins --------------------------------------------------------------------------------


@dataclass
class CheckInResult:
    check_in: CheckIn
    warnings: list[str]


def _checkin_values(
    key_result: KeyResult, value: Any, milestones_done: Sequence[int] | None
) -> tuple[Decimal | None, list[int]]:
    if key_result.kind == KeyResultKind.MILESTONES:
        if value not in (None, ""):
            raise ValidationError({"value": "A milestone checklist is updated by ticking milestones, not a value."})
        try:
            ids = sorted({int(i) for i in (milestones_done or [])})
        except (TypeError, ValueError):
            raise ValidationError({"milestones_done": "Tick milestones by their ids (whole numbers)."}) from None
        known = set(key_result.milestones.values_list("id", flat=True))
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise ValidationError({"milestones_done": f"Milestones {unknown} do not belong to this key result."})
        return None, ids
    if milestones_done:
        raise ValidationError({"milestones_done": "Only a milestone checklist takes ticked milestones."})
    if key_result.kind == KeyResultKind.BINARY:
        if isinstance(value, bool):
            return Decimal(int(value)), []
        number = to_decimal(value, field="value", label="value", required=True)
        if number not in (Decimal(0), Decimal(1)):
            raise ValidationError({"value": "A done / not done key result takes 1 (done) or 0 (not done)."})
        return number, []
    return to_decimal(value, field="value", label="new value", required=True), []


@transaction.atomic
def check_in_record(
    *,
    actor: Membership,
    key_result: KeyResult,
    value: Any = None,
    milestones_done: Sequence[int] | None = None,
    confidence: int | None = None,
    note: str = "",
    corrects: CheckIn | None = None,
    at: dt.datetime | None = None,
) -> CheckInResult:
    """Append a check-in and refresh the key result's latest value. ``confidence`` is on the
    internal 0–10 scale (callers convert from the organisation's scale); it defaults to the last."""
    from ambit.okrs.engine import confidence_warnings

    require_can_check_in(actor, key_result)
    key_result = KeyResult.objects.select_for_update().select_related("objective__cycle").get(pk=key_result.pk)
    objective = key_result.objective
    if key_result.is_cancelled:
        raise Conflict("This key result is cancelled: it takes no more check-ins.", field="key_result")
    if objective.state in (ObjectiveState.CANCELLED, ObjectiveState.CLOSED):
        raise Conflict(f"The objective is {objective.state}: it takes no more check-ins.", field="key_result")
    if objective.cycle.state == CycleState.CLOSED:
        raise Conflict(f"{objective.cycle.name} is closed: it takes no more check-ins.", field="key_result")
    now = timezone.now()
    at = at or now
    if at > now + dt.timedelta(minutes=5):
        raise ValidationError({"at": "A check-in cannot be dated in the future."})
    number, ticked = _checkin_values(key_result, value, milestones_done)
    if confidence is None:
        confidence = key_result.current_confidence
    if isinstance(confidence, bool) or not isinstance(confidence, int) or not (0 <= confidence <= 10):
        raise ValidationError({"confidence": "Confidence must be a whole number from 0 to 10."})
    if corrects is not None and corrects.key_result_id != key_result.pk:
        raise ValidationError({"corrects": "A correction must refer to a check-in of the same key result."})
    note = clean_text(note, field="note", max_length=MAX_LONG_TEXT)
    previous_confidence = key_result.current_confidence if key_result.checkin_count else None
    checkin = CheckIn(
        organisation_id=key_result.organisation_id,
        key_result=key_result,
        author=actor,
        value=number,
        milestones_done=ticked,
        confidence=confidence,
        note=note.strip(),
        is_correction=corrects is not None,
        corrects=corrects,
        created_at=at,
    )
    checkin.save()
    if key_result.last_checkin_at is None or at >= key_result.last_checkin_at:
        key_result.current_value = number
        key_result.current_milestones_done = ticked
        key_result.current_confidence = confidence
        key_result.last_checkin_at = at
    key_result.checkin_count += 1
    key_result.save(
        update_fields=[
            "current_value",
            "current_milestones_done",
            "current_confidence",
            "last_checkin_at",
            "checkin_count",
            "updated_at",
        ]
    )
    warnings = [w.message for w in confidence_warnings(previous_confidence, confidence)]
    changes: dict[str, Any] = {"value": str(number) if number is not None else None, "confidence": confidence}
    if ticked:
        changes["milestones_done"] = ticked
    if corrects is not None:
        changes["corrects"] = corrects.pk
    if warnings:
        changes["warnings"] = warnings
    audit_record(
        actor=actor, organisation=actor.organisation, action="check_in.record", obj=key_result, changes=changes
    )
    return CheckInResult(check_in=checkin, warnings=warnings)


@dataclass
class CheckInEntry:
    key_result: KeyResult
    value: Any = None
    milestones_done: Sequence[int] | None = None
    confidence: int | None = None
    note: str = ""


def check_in_many(*, actor: Membership, entries: Sequence[CheckInEntry]) -> list[CheckInResult]:
    """The weekly check-in: all entries or none. Errors are keyed ``"<key result id>.<field>"``."""
    errors: dict[str, list[str]] = {}
    results: list[CheckInResult] = []
    with transaction.atomic():
        for entry in entries:
            try:
                with transaction.atomic():
                    results.append(
                        check_in_record(
                            actor=actor,
                            key_result=entry.key_result,
                            value=entry.value,
                            milestones_done=entry.milestones_done,
                            confidence=entry.confidence,
                            note=entry.note,
                        )
                    )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    errors.setdefault(f"{entry.key_result.pk}.{field}", []).extend(messages)
            except Conflict as exc:
                errors.setdefault(f"{entry.key_result.pk}.{exc.field or 'key_result'}", []).append(exc.message)
        if errors:
            # Raising inside the outer atomic block rolls back every check-in already written.
            raise ValidationError(errors)
    return results
