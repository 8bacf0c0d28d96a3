"""Check-ins: record one on a key result, and read a key result's history."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ambit.api.common import actor_of, metrics_for, scale_of
from ambit.api.key_result_in import ConfidenceIn, confidence_in
from ambit.api.out import CONFIDENCE_DOC, CheckInCreatedOut, CheckInOut, check_in_out, key_result_out
from ambit.api.schemas import Id, LongText, Number, PageQuery, as_page, page_of, paginate, reads, writes
from ambit.okrs import selectors as sel
from ambit.okrs import services

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
    """Record a check-in: the new value (or ticked milestones), confidence and a note."""
    actor = actor_of(request)
    kr = sel.key_result_get(actor=actor, key_result_id=key_result_id)
    corrects = None
    if payload.corrects_id is not None:
        corrects = sel.check_in_history(actor=actor, key_result=kr).filter(pk=payload.corrects_id).first()
        if corrects is None:
            raise ValidationError({"corrects_id": "That check-in does not belong to this key result."})
    result = services.check_in_record(
        actor=actor,
        key_result=kr,
        value=payload.value,
        milestones_done=payload.milestones_done,
        confidence=confidence_in(actor, payload.confidence),
        note=payload.note,
        corrects=corrects,
    )
    # The key result as it now stands: its objective (already loaded and checked visible with
    # it) gets its key results read afresh, which is all the metrics need.
    objective = kr.objective
    prefetch_related_objects([objective], sel.key_results_prefetch())
    fresh = next(k for k in objective.key_results.all() if k.pk == kr.pk)
    metrics = metrics_for(actor, [objective], with_forecast=True)
    scale = scale_of(actor)
    return Status(
        201,
        {
            "check_in": check_in_out(result.check_in, scale),
            "warnings": result.warnings,
            "key_result": key_result_out(fresh, metrics.kr(fresh), scale),
        },
    )
