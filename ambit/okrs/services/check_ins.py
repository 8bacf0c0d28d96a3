"""Check-ins: append one, or the weekly set all at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.audit import AuditAction, audit_record
from ambit.core.errors import Conflict
from ambit.core.permissions import require_can_check_in
from ambit.core.services import to_decimal
from ambit.core.validation import MAX_LONG_TEXT, clean_text
from ambit.okrs import rollups
from ambit.okrs.models import CheckIn, CycleState, KeyResult, KeyResultKind, ObjectiveState


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


def _refuse_if_linked(key_result: KeyResult) -> None:
    """A key result that takes its progress from child objectives has no readings of its own:
    a new manual one would contradict what it shows, so it is refused, naming where to check in.
    (Correcting a reading made before it was linked stays possible: that fixes the history.)"""
    if not key_result.progress_from_children:
        return
    children = list(
        key_result.child_objectives.exclude(state=ObjectiveState.CANCELLED)
        .order_by("pk")
        .values_list("title", flat=True)
    )
    if not children:
        return
    names = ", ".join(f"“{title}”" for title in children)
    noun = "objective" if len(children) == 1 else "objectives"
    raise Conflict(
        f"“{key_result.title}” takes its progress from its child {noun} {names}: "
        f"check in on the key results of {'that objective' if len(children) == 1 else 'those objectives'} instead.",
        field="key_result",
    )


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
    if corrects is None:
        _refuse_if_linked(key_result)
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
    scale = actor.organisation.confidence_scale
    warnings = [w.message for w in confidence_warnings(previous_confidence, confidence, scale)]
    changes: dict[str, Any] = {"value": str(number) if number is not None else None, "confidence": confidence}
    if ticked:
        changes["milestones_done"] = ticked
    if corrects is not None:
        changes["corrects"] = corrects.pk
    if warnings:
        changes["warnings"] = warnings
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.CHECK_IN_RECORD,
        obj=key_result,
        changes=changes,
    )
    rollups.schedule_key_result(key_result)
    return CheckInResult(check_in=checkin, warnings=warnings)


@dataclass
class CheckInEntry:
    key_result: KeyResult
    value: Any = None
    milestones_done: Sequence[int] | None = None
    confidence: int | None = None
    note: str = ""
    corrects: CheckIn | None = None  # the earlier check-in of the same key result this one corrects


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
                            corrects=entry.corrects,
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
