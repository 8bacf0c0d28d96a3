"""Check-ins: append one, or the weekly set all at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.audit import AuditAction, audit_entry, audit_record_all
from ambit.core.errors import Conflict
from ambit.core.permissions import require_can_check_in
from ambit.core.services import to_decimal
from ambit.core.validation import MAX_LONG_TEXT, clean_text
from ambit.okrs import rollups
from ambit.okrs.models import (
    CheckIn,
    Cycle,
    CycleState,
    KeyResult,
    KeyResultKind,
    KeyResultState,
    Objective,
    ObjectiveState,
)


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
        known = {m.pk for m in key_result.milestones.all()}  # prefetched by the pages that list them
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


@dataclass
class _Prepared:
    """One validated check-in, ready to write."""

    key_result: KeyResult
    at: dt.datetime
    number: Decimal | None
    ticked: list[int]
    confidence: int
    note: str
    corrects: CheckIn | None
    warnings: list[str]


def _refuse_if_closed(key_result: KeyResult) -> None:
    objective = key_result.objective
    if key_result.is_cancelled:
        raise Conflict("This key result is cancelled: it takes no more check-ins.", field="key_result")
    if objective.state in (ObjectiveState.CANCELLED, ObjectiveState.CLOSED):
        raise Conflict(f"The objective is {objective.state}: it takes no more check-ins.", field="key_result")
    if objective.cycle.state == CycleState.CLOSED:
        raise Conflict(f"{objective.cycle.name} is closed: it takes no more check-ins.", field="key_result")


def _prepare(
    actor: Membership,
    key_result: KeyResult,
    *,
    value: Any,
    milestones_done: Sequence[int] | None,
    confidence: int | None,
    note: str,
    corrects: CheckIn | None,
    at: dt.datetime | None,
) -> _Prepared:
    """Every rule of a check-in, read from the key result as loaded (with its objective and
    cycle): raises PermissionDenied, Conflict or ValidationError; runs no query unless the key
    result takes its progress from children (their names) or is a checklist loaded without its
    milestones."""
    from ambit.okrs.engine import confidence_warnings

    require_can_check_in(actor, key_result)
    _refuse_if_closed(key_result)
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
    scale = actor.organisation.confidence_scale
    warnings = [w.message for w in confidence_warnings(previous_confidence, confidence, scale)]
    return _Prepared(key_result, at, number, ticked, confidence, note.strip(), corrects, warnings)


_LATEST_FIELDS = ("current_value", "current_milestones_done", "current_confidence", "last_checkin_at", "updated_at")


def _store_latest_sql() -> str:
    kr, objective, cycle = KeyResult._meta.db_table, Objective._meta.db_table, Cycle._meta.db_table
    newer = "last_checkin_at IS NULL OR last_checkin_at <= %s"
    return f"""
        UPDATE {kr} SET
            current_value = CASE WHEN {newer} THEN %s ELSE current_value END,
            current_milestones_done = CASE WHEN {newer} THEN %s ELSE current_milestones_done END,
            current_confidence = CASE WHEN {newer} THEN %s ELSE current_confidence END,
            last_checkin_at = CASE WHEN {newer} THEN %s ELSE last_checkin_at END,
            checkin_count = checkin_count + %s,
            updated_at = %s
        WHERE id = %s AND kind = %s AND state = %s AND EXISTS (
            SELECT 1 FROM {objective} o INNER JOIN {cycle} c ON c.id = o.cycle_id
            WHERE o.id = {kr}.objective_id AND o.state NOT IN (%s, %s) AND c.state <> %s
        )
    """


def _store_latest(prepared: Sequence[_Prepared], now: dt.datetime) -> None:
    """Copy each key result's latest reading onto it with one UPDATE statement (run once per key
    result in a single ``executemany``), without reading it first.

    The statement does what a locked read-modify-write would: ``checkin_count`` grows by the
    check-ins written, and the ``current_*`` fields take a reading only if it is not older than the
    one already stored (a back-dated check-in adds history without moving them). Its WHERE repeats
    the rules that were checked on the loaded row (the key result still active and of the same
    kind, its objective live, its cycle open); a row a concurrent write changed since is not
    matched, and the whole check-in is refused with the reason read afresh."""
    by_kr: dict[int, list[_Prepared]] = {}
    for p in prepared:
        by_kr.setdefault(p.key_result.pk, []).append(p)
    # Each key result's newest reading; of equally dated ones the last given, as in sequence.
    latest = {pk: max(reversed(ps), key=lambda p: p.at) for pk, ps in by_kr.items()}

    # Plain SQL, one statement run for every key result (``executemany``: one round trip): the
    # same UPDATE built from ORM expressions (a Case per field and key result) cost 15 ms of CPU
    # per check-in in Django's expression compiler, more than the whole rest of the write. The
    # objective's check is an EXISTS on its own row: an IN over every live objective made SQLite
    # build that list on every run (12 ms a check-in with 21,000 objectives).
    fields: dict[str, models.Field[Any, Any]] = {}
    for name in _LATEST_FIELDS:
        field = KeyResult._meta.get_field(name)
        assert isinstance(field, models.Field)
        fields[name] = field
    params: list[list[Any]] = []
    for pk, ps in by_kr.items():
        p = latest[pk]
        at = fields["last_checkin_at"].get_db_prep_save(p.at, connection)
        params.append(
            [
                at,
                fields["current_value"].get_db_prep_save(p.number, connection),
                at,
                fields["current_milestones_done"].get_db_prep_save(p.ticked, connection),
                at,
                fields["current_confidence"].get_db_prep_save(p.confidence, connection),
                at,
                at,
                len(ps),
                fields["updated_at"].get_db_prep_save(now, connection),
                pk,
                ps[0].key_result.kind,
                KeyResultState.ACTIVE,
                ObjectiveState.CANCELLED,
                ObjectiveState.CLOSED,
                CycleState.CLOSED,
            ]
        )
    with connection.cursor() as cursor:
        cursor.executemany(_store_latest_sql(), params)
        matched = cursor.rowcount
    if matched != len(by_kr):
        _explain_changed(
            [ps[0].key_result.pk for ps in by_kr.values()], {pk: ps[0].key_result.kind for pk, ps in by_kr.items()}
        )
    for pk, ps in by_kr.items():
        kr = ps[0].key_result
        p = latest[pk]
        if kr.last_checkin_at is None or p.at >= kr.last_checkin_at:
            kr.current_value = p.number
            kr.current_milestones_done = p.ticked
            kr.current_confidence = p.confidence
            kr.last_checkin_at = p.at
        kr.checkin_count += len(ps)
        kr.updated_at = now


class _Changed(Conflict):
    """A key result changed between its load and the write (``key_result_id`` says which)."""

    def __init__(self, message: str, *, key_result_id: int) -> None:
        super().__init__(message, field="key_result")
        self.key_result_id = key_result_id


def _explain_changed(ids: list[int], kinds: dict[int, str]) -> NoReturn:
    """Some key result changed between its load and the write: say why, as read now."""
    for kr in KeyResult.objects.filter(pk__in=ids).select_related("objective__cycle").order_by("pk"):
        try:
            _refuse_if_closed(kr)
        except Conflict as exc:
            raise _Changed(exc.message, key_result_id=kr.pk) from None
        if kr.kind != kinds[kr.pk]:
            raise _Changed(f"“{kr.title}” changed while you were checking in: check in again.", key_result_id=kr.pk)
    raise _Changed("A key result changed while you were checking in: check in again.", key_result_id=ids[0])


def _write(actor: Membership, prepared: Sequence[_Prepared]) -> list[CheckInResult]:
    """Write validated check-ins in a fixed number of statements, however many: one UPDATE of the
    key results, one INSERT of the check-ins, one of their audit entries; one roll-up task for the
    objectives above, queued in the transaction or when it commits (``rollups.schedule_check_ins``)."""
    now = timezone.now()
    _store_latest(prepared, now)
    check_ins = [
        CheckIn(
            organisation_id=p.key_result.organisation_id,
            key_result=p.key_result,
            author=actor,
            value=p.number,
            milestones_done=p.ticked,
            confidence=p.confidence,
            note=p.note,
            is_correction=p.corrects is not None,
            corrects=p.corrects,
            created_at=p.at,
            updated_at=now,
        )
        for p in prepared
    ]
    if len(check_ins) == 1:
        check_ins[0].save()
    else:
        CheckIn.objects.bulk_create(check_ins)
    entries = []
    for p in prepared:
        changes: dict[str, Any] = {"value": str(p.number) if p.number is not None else None, "confidence": p.confidence}
        if p.ticked:
            changes["milestones_done"] = p.ticked
        if p.corrects is not None:
            changes["corrects"] = p.corrects.pk
        if p.warnings:
            changes["warnings"] = p.warnings
        entries.append(
            audit_entry(
                actor=actor,
                organisation=actor.organisation,
                action=AuditAction.CHECK_IN_RECORD,
                obj=p.key_result,
                changes=changes,
            )
        )
    audit_record_all(entries)
    rollups.schedule_check_ins(p.key_result for p in prepared)  # one refresh task for them all
    return [CheckInResult(check_in=c, warnings=p.warnings) for c, p in zip(check_ins, prepared, strict=True)]


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
    internal 0–10 scale (callers convert from the organisation's scale); it defaults to the last.

    The rules read ``key_result`` as the caller loaded it (load it with its objective and cycle:
    ``selectors.key_result_for_check_in``); the write re-checks them in its UPDATE, and leaves
    ``key_result`` as the check-in leaves it. Statements: UPDATE key result, INSERT check-in,
    INSERT audit entry; on commit one roll-up task."""
    prepared = _prepare(
        actor,
        key_result,
        value=value,
        milestones_done=milestones_done,
        confidence=confidence,
        note=note,
        corrects=corrects,
        at=at,
    )
    return _write(actor, [prepared])[0]


@dataclass
class CheckInEntry:
    key_result: KeyResult
    value: Any = None
    milestones_done: Sequence[int] | None = None
    confidence: int | None = None
    note: str = ""
    corrects: CheckIn | None = None  # the earlier check-in of the same key result this one corrects


def check_in_many(*, actor: Membership, entries: Sequence[CheckInEntry]) -> list[CheckInResult]:
    """The weekly check-in: all entries or none. Errors are keyed ``"<key result id>.<field>"``.

    Every entry is validated before anything is written, then all are written together in the
    same fixed number of statements as one (see ``_write``)."""
    errors: dict[str, list[str]] = {}
    prepared: list[_Prepared] = []
    for entry in entries:
        try:
            prepared.append(
                _prepare(
                    actor,
                    entry.key_result,
                    value=entry.value,
                    milestones_done=entry.milestones_done,
                    confidence=entry.confidence,
                    note=entry.note,
                    corrects=entry.corrects,
                    at=None,
                )
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(f"{entry.key_result.pk}.{field}", []).extend(messages)
        except Conflict as exc:
            errors.setdefault(f"{entry.key_result.pk}.{exc.field or 'key_result'}", []).append(exc.message)
    if errors:
        raise ValidationError(errors)
    if not prepared:
        return []
    with transaction.atomic():
        try:
            return _write(actor, prepared)
        except _Changed as exc:
            # A key result changed under the submit: nothing is written, the reason is shown on it.
            raise ValidationError({f"{exc.key_result_id}.key_result": [exc.message]}) from exc
