"""Check-ins: record one on a key result, and read a key result's history."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ambit.api.common import actor_of, scale_of
from ambit.api.key_result_in import ConfidenceIn, confidence_in
from ambit.api.out import CONFIDENCE_DOC, CheckInCreatedOut, CheckInOut, check_in_out, checked_key_result_out
from ambit.api.schemas import Id, LongText, Number, PageQuery, as_page, page_of, paginate, reads, writes
from ambit.core.services import to_decimal
from ambit.okrs import selectors as sel
from ambit.okrs import services
from ambit.okrs.metrics_one import key_result_metrics
from ambit.okrs.models import KeyResult
from ambit.okrs.plausibility import check_in_value_concerns

router = Router(tags=["check-ins"])


class CheckInIn(Schema):
    value: Number | None = Field(
        None, description="The new value; for done / not done 1 or 0; omit for a milestone checklist."
    )
    milestones_done: list[Id] = Field(
        default_factory=list, max_length=200, description="Ids of the ticked milestones (milestone checklists)."
    )
    confidence: ConfidenceIn | None = Field(None, description="Default: the previous one. " + CONFIDENCE_DOC)
    note: LongText = ""
    corrects_id: Id | None = Field(None, description="The check-in this one corrects (history is append-only).")
    confirm: bool = Field(
        False,
        description=(
            "Record a value that looks implausible as sent. A value far outside the key result's range "
            "(further beyond start, target and current value than that range is wide) or of the opposite "
            "sign to every number it has known is likely a slip: without `confirm: true` it is answered "
            "422 with an error on `value` that gives the plausible range, and nothing is recorded."
        ),
    )


def _require_plausible(kr: KeyResult, value: float) -> None:
    """The web's "Save anyway" rule (``check_in_value_concerns``): an implausible value is refused
    on ``value`` until the request confirms it. Reads only ``kr`` as loaded: no query."""
    number = to_decimal(value, field="value")
    concerns = check_in_value_concerns(kr, number) if number is not None else []
    if concerns:
        confirm = 'If it is right, send the check-in again with "confirm": true.'
        raise ValidationError({"value": " ".join([*concerns, confirm])})


@router.get("/key-results/{key_result_id}/check-ins", response=reads(page_of(CheckInOut)), operation_id="check_in_list")
def check_in_list(request: HttpRequest, key_result_id: Id, page: Query[PageQuery]) -> Any:
    """The key result's check-ins, oldest first (by id)."""
    actor = actor_of(request)
    kr = sel.key_result_get(actor=actor, key_result_id=key_result_id)
    rows, nxt = paginate(sel.check_in_history(actor=actor, key_result=kr), page)
    scale = scale_of(actor)
    return as_page([check_in_out(c, scale) for c in rows], nxt)


@router.post(
    "/key-results/{key_result_id}/check-ins", response=writes(CheckInCreatedOut, 201), operation_id="check_in_create"
)
def check_in_create(request: HttpRequest, key_result_id: Id, payload: CheckInIn) -> Any:
    """Record a check-in: the new value (or ticked milestones), confidence and a note. A value that
    looks like a slip (far outside the key result's range, or of the opposite sign) is answered 422
    on `value` with the plausible range until it is sent again with `"confirm": true`."""
    actor = actor_of(request)
    # One query: the key result with its objective and cycle (what the rules and the metrics read).
    kr = sel.key_result_for_check_in(actor=actor, key_result_id=key_result_id)
    corrects = None
    if payload.corrects_id is not None:
        corrects = sel.check_in_history(actor=actor, key_result=kr).filter(pk=payload.corrects_id).first()
        if corrects is None:
            raise ValidationError({"corrects_id": "That check-in does not belong to this key result."})
    if payload.value is not None and not payload.confirm:
        _require_plausible(kr, payload.value)
    result = services.check_in_record(
        actor=actor,
        key_result=kr,
        value=payload.value,
        milestones_done=payload.milestones_done,
        confidence=confidence_in(actor, payload.confidence),
        note=payload.note,
        corrects=corrects,
    )
    # The service left ``kr`` as the check-in leaves it; its metrics read only its check-ins
    # (for the forecast), nothing above it.
    metrics = key_result_metrics(organisation=actor.organisation, key_result=kr, with_forecast=True)
    scale = scale_of(actor)
    return Status(
        201,
        {
            "check_in": check_in_out(result.check_in, scale),
            "warnings": result.warnings,
            "key_result": checked_key_result_out(kr, metrics, scale),
        },
    )
