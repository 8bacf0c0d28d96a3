"""Key results: create, edit, cancel, delete, score, their milestones, and cascading one into
the next level's objective (duality)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from ambit.accounts.models import Membership, Team
from ambit.core.audit import AuditAction, audit_record, snapshot
from ambit.core.errors import Conflict
from ambit.core.permissions import can_check_in, require_can_edit_objective, require_same_org, require_writer
from ambit.core.services import apply_changes, full_clean_or_raise, lock_and_refresh, plain_number, to_decimal
from ambit.core.validation import MAX_REASON, MAX_TITLE, MAX_UNIT, TextRule, check_weight, clean_text, clean_texts
from ambit.okrs import rollups
from ambit.okrs.metrics_initiatives import check_option
from ambit.okrs.metrics_one import key_result_metrics
from ambit.okrs.models import (
    VALUE_KINDS,
    CheckIn,
    Cycle,
    KeyResult,
    KeyResultKind,
    KeyResultState,
    Milestone,
    Objective,
    ObjectiveState,
)
from ambit.okrs.services.objectives import (
    OBJECTIVE_TEXT,
    check_plan_start,
    check_score_note,
    check_scores_open,
    objective_create,
)
from ambit.trash.services import move_to_trash

# The free text each entity stores, cleaned by ambit.core.validation on every surface.
KR_TEXT = {**OBJECTIVE_TEXT, "unit": TextRule(MAX_UNIT, single_line=True)}
SCORE_DENIED = "Only the key result's owner, the objective's owner or their lead may score it."


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
    plan_start: Any = None,
    progress_from_initiatives: bool = False,
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
    check_option(on=bool(progress_from_initiatives), from_children=False, kind=kind)
    texts = clean_texts({"title": title, "description": description, "unit": unit}, KR_TEXT)
    specs = _milestone_specs(milestones)
    if kind == KeyResultKind.MILESTONES and not specs:
        raise ValidationError({"milestones": "A milestone checklist needs at least one milestone."})
    if kind != KeyResultKind.MILESTONES and specs:
        raise ValidationError({"milestones": "Only a milestone checklist has milestones."})
    weight = check_weight(weight)
    starts = check_plan_start(plan_start, objective.cycle)
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
        plan_start=starts,
        progress_from_initiatives=bool(progress_from_initiatives),
    )
    full_clean_or_raise(kr, exclude=["organisation"])
    kr.save()
    Milestone.objects.bulk_create(
        Milestone(key_result=kr, title=t, weight=w, position=i) for i, (t, w) in enumerate(specs)
    )
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.KEY_RESULT_CREATE,
        obj=kr,
        changes=snapshot(kr, ("title", "objective", "kind", "start_value", "target_value", "unit", "weight", "owner")),
    )
    rollups.schedule_key_result(kr)
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
    "progress_from_initiatives",
    "plan_start",
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
    if "plan_start" in fields:
        fields["plan_start"] = check_plan_start(fields["plan_start"], objective.cycle)
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
    check_option(
        on=bool(fields.get("progress_from_initiatives", key_result.progress_from_initiatives)),
        from_children=bool(fields.get("progress_from_children", key_result.progress_from_children)),
        kind=kind,
    )
    changes = apply_changes(key_result, fields, KR_FIELDS)
    if changes:
        full_clean_or_raise(key_result, exclude=["organisation"])
        key_result.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            organisation=actor.organisation,
            action=AuditAction.KEY_RESULT_UPDATE,
            obj=key_result,
            changes=changes,
        )
        rollups.schedule_key_result(key_result)
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
        action=AuditAction.KEY_RESULT_CANCEL,
        obj=key_result,
        changes={"state": ["active", "cancelled"], "cancel_reason": ["", reason]},
    )
    rollups.schedule_key_result(key_result)
    return key_result


@transaction.atomic
def key_result_delete(*, actor: Membership, key_result: KeyResult) -> None:
    """Delete a key result with its check-ins, milestones and links into the trash (``ambit.trash``):
    its owner or an admin restores them all within 30 days."""
    require_can_edit_objective(actor, key_result.objective)
    url = reverse("okrs:objective-detail", args=[key_result.objective_id])
    move_to_trash(actor=actor, obj=key_result, label=key_result.title, url=url)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.KEY_RESULT_DELETE,
        obj=key_result,
        changes=snapshot(key_result, ("title", "objective")),
    )
    rollups.schedule_key_result(key_result)
    # A correction PROTECTs the check-in it corrects; both go, so unlink them (the trash keeps the
    # link). The base manager: the default one refuses updates, check-ins being append-only.
    CheckIn._base_manager.filter(key_result=key_result, corrects__isnull=False).update(corrects=None)
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
        action=AuditAction.KEY_RESULT_MILESTONE_ADD,
        obj=key_result,
        changes={"milestone": [None, title]},
    )
    rollups.schedule_key_result(key_result)
    return m


@transaction.atomic
def key_result_score(*, actor: Membership, key_result: KeyResult, score: float | None, note: str = "") -> KeyResult:
    """Set (or clear, with None) the end-of-cycle score that overrides the suggestion: its owner,
    or whoever may edit its objective. Refused once the cycle is closed; a score more than 0.1
    from the suggestion (the engine's, from final progress) needs a note."""
    require_same_org(actor, key_result.organisation_id)
    require_writer(actor)
    if not can_check_in(actor, key_result):
        raise PermissionDenied(SCORE_DENIED)
    if score is not None and not (0 <= score <= 1):
        raise ValidationError({"score": "A score is between 0.0 and 1.0."})
    note = clean_text(note, field="note", max_length=MAX_REASON)
    check_scores_open(key_result.objective.cycle_id)
    if score is not None and not note:
        metrics = key_result_metrics(organisation=actor.organisation, key_result=key_result, with_forecast=False)
        check_score_note(score, metrics.suggested_score, note)
    changes = apply_changes(key_result, {"score": score, "score_note": note}, ("score", "score_note"))
    if changes:
        key_result.save(update_fields=["score", "score_note", "updated_at"])
        audit_record(
            actor=actor,
            organisation=actor.organisation,
            action=AuditAction.KEY_RESULT_SCORE,
            obj=key_result,
            changes=changes,
        )
    return key_result


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
    if actor.organisation.cascade_method == "classic":
        raise Conflict(
            "This organisation cascades the classic way: create the child objective and align it to this one, "
            "or ask an admin to allow duality in the charter.",
            field="key_result",
        )
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
        # Its progress comes from one place: the child now, no longer its initiatives.
        key_result.progress_from_children, key_result.progress_from_initiatives = True, False
        key_result.save(update_fields=["progress_from_children", "progress_from_initiatives", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.KEY_RESULT_CASCADE,
        obj=key_result,
        changes={"child_objective": [None, child.pk], "progress_from_children": progress_from_child},
    )
    rollups.schedule_key_result(key_result)
    return child


# How a key-result row's error is keyed when an objective is created with its key results.
KR_ROW_KEY = "key_results.{index}.{field}"


@transaction.atomic
def objective_create_with_key_results(
    *, actor: Membership, key_results: Sequence[dict[str, Any]], **objective_fields: Any
) -> tuple[Objective, list[KeyResult]]:
    """Create an objective (``objective_fields`` go to ``objective_create``) and its key results
    (each the keyword arguments of ``key_result_create``) all or nothing, so a newcomer writes a
    whole OKR at once. Each service checks and audits as usual; a key result's refusal is raised
    as a ``ValidationError`` keyed ``key_results.<index>.<field>`` (``KR_ROW_KEY``) so the surface
    can show it on that row, and nothing is saved."""
    objective = objective_create(actor=actor, **objective_fields)
    created: list[KeyResult] = []
    for index, fields in enumerate(key_results):
        try:
            created.append(key_result_create(actor=actor, objective=objective, **fields))
        except Conflict as exc:
            raise ValidationError({KR_ROW_KEY.format(index=index, field=exc.field or "title"): [exc.message]}) from exc
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"title": exc.messages}
            raise ValidationError(
                {KR_ROW_KEY.format(index=index, field=name): messages for name, messages in errors.items()}
            ) from exc
    return objective, created
