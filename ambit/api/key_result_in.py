"""The body that creates a key result, shared by ``POST /objectives/{id}/key-results`` and by
``POST /objectives`` (an objective created with its key results in one call)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from ninja import Schema
from pydantic import Field

from ambit.accounts import selectors as acc
from ambit.accounts.models import Membership
from ambit.api.common import resolve_optional
from ambit.api.enums import KindName, UnitKindName
from ambit.api.out import CONFIDENCE_DOC, PROGRESS_FROM_INITIATIVES_DOC
from ambit.api.problems import FIELD_ALIASES, NotFoundIn
from ambit.api.schemas import Id, LongText, Number, Title, Weight, text
from ambit.core.errors import Conflict
from ambit.okrs import engine

ConfidenceIn = Annotated[float, Field(ge=0, le=10)] | Literal["red", "yellow", "green"]
Unit = text(24)


def confidence_in(actor: Membership, raw: float | str | None) -> int | None:
    """The organisation-scale confidence the client sent, as the stored 0–10 int."""
    if raw is None:
        return None
    try:
        return engine.from_scale(raw, str(actor.organisation.confidence_scale))
    except ValueError as exc:
        raise ValidationError({"confidence": str(exc)}) from None


class MilestoneIn(Schema):
    title: Title
    weight: Weight = 1.0


class KeyResultIn(Schema):
    title: Title
    kind: KindName = "increase"
    start_value: Number | None = Field(None, description="Where you are today (increase / decrease).")
    target_value: Number | None = None
    stretch_target: Number | None = None
    unit: Unit = ""  # type: ignore[valid-type]
    unit_kind: UnitKindName = "number"
    weight: Weight = 1.0
    owner_id: Id | None = Field(None, description="Default: the objective's owner.")
    description: LongText = ""
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=50)
    confidence: ConfidenceIn | None = Field(None, description="Starting confidence. " + CONFIDENCE_DOC)
    plan_start: dt.date | None = Field(
        None,
        description="The day its plan begins, within the cycle: pace and staleness count from here. "
        "Null for the default, the later of the cycle start and the day it is created.",
    )
    progress_from_initiatives: bool = Field(False, description=PROGRESS_FROM_INITIATIVES_DOC)


def key_result_arguments(actor: Membership, payload: KeyResultIn) -> dict[str, Any]:
    """``services.key_result_create``'s arguments (but the objective) from the body: the owner
    looked up in the caller's organisation, the confidence read on its scale."""
    owner = resolve_optional(
        "owner_id", payload.owner_id, acc.membership_get, actor=actor, membership_id=payload.owner_id
    )
    confidence = confidence_in(actor, payload.confidence)
    return {
        "title": payload.title,
        "kind": payload.kind,
        "start_value": payload.start_value,
        "target_value": payload.target_value,
        "stretch_target": payload.stretch_target,
        "unit": payload.unit,
        "unit_kind": payload.unit_kind,
        "weight": payload.weight,
        "owner": owner,
        "description": payload.description,
        "milestones": [(m.title, m.weight) for m in payload.milestones],
        "plan_start": payload.plan_start,
        "progress_from_initiatives": payload.progress_from_initiatives,
        **({"confidence": confidence} if confidence is not None else {}),
    }


def _nested(prefix: str, field: str | None) -> str:
    name = FIELD_ALIASES.get(field or "__all__", field or "")
    return prefix if name == "non_field_errors" else f"{prefix}.{name}"


@contextmanager
def errors_under(prefix: str) -> Iterator[None]:
    """Name the fields of errors raised inside as ``<prefix>.<field>`` (e.g. ``key_results.1.target_value``),
    so a nested body's problem points at the item at fault."""
    try:
        yield
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise ValidationError(
                {_nested(prefix, field): messages for field, messages in exc.message_dict.items()}
            ) from None
        raise ValidationError({prefix: exc.messages}) from None
    except NotFoundIn as exc:
        raise NotFoundIn(_nested(prefix, exc.field), str(exc)) from None
    except Conflict as exc:
        raise Conflict(exc.message, field=_nested(prefix, exc.field)) from None
