"""Mission and vision, values, big moves (read: everyone; write: champions and admins)."""

# PATCH bodies declare optional-but-not-null fields as `field: T = None` (pydantic does not validate
# defaults, so an explicit null is refused); mypy cannot see that.
# mypy: disable-error-code="assignment"

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ambit.accounts import selectors as acc
from ambit.api.common import actor_of, changed, resolve_optional
from ambit.api.out import BigMoveOut, StrategyOut, ValueOut, big_move_out, strategy_out, value_out
from ambit.api.schemas import Id, LongText, PageQuery, as_page, page_of, paginate, reads, text, writes
from ambit.strategy import selectors as sel
from ambit.strategy import services

router = Router(tags=["strategy"])


class StrategyPatch(Schema):
    mission: LongText = None
    vision: LongText = None


class ValueIn(Schema):
    name: text(120, 1)  # type: ignore[valid-type]
    description: LongText = ""
    position: int | None = Field(None, ge=0, le=32767)


class ValuePatch(Schema):
    name: text(120, 1) = None  # type: ignore[valid-type]
    description: LongText = None
    position: int = Field(None, ge=0, le=32767)


class BigMoveIn(Schema):
    title: text(200, 1)  # type: ignore[valid-type]
    horizon_start: int = Field(ge=2000, le=2199, description="First year, e.g. 2026.")
    horizon_end: int = Field(ge=2000, le=2199, description="Last year, e.g. 2028.")
    description: LongText = ""
    owner_id: Id | None = None
    position: int | None = Field(None, ge=0, le=32767)


class BigMovePatch(Schema):
    title: text(200, 1) = None  # type: ignore[valid-type]
    horizon_start: int = Field(None, ge=2000, le=2199)
    horizon_end: int = Field(None, ge=2000, le=2199)
    description: LongText = None
    owner_id: Id | None = None
    position: int = Field(None, ge=0, le=32767)
    is_archived: bool = None


class BigMoveFilter(Schema):
    include_archived: bool = False


@router.get("/strategy", response=reads(StrategyOut), operation_id="strategy_get")
def strategy_get(request: HttpRequest) -> Any:
    """Mission and vision."""
    return strategy_out(sel.strategy_get(actor=actor_of(request)))


@router.patch("/strategy", response=writes(StrategyOut), operation_id="strategy_update")
def strategy_update(request: HttpRequest, payload: StrategyPatch) -> Any:
    """Change the organisation's mission and vision."""
    return strategy_out(services.strategy_update(actor=actor_of(request), **changed(payload)))


# --- Values ----------------------------------------------------------------------------------------


@router.get("/values", response=reads(page_of(ValueOut)), operation_id="value_list")
def value_list(request: HttpRequest, page: Query[PageQuery]) -> Any:
    """The organisation's values, in order."""
    rows, nxt = paginate(sel.value_list(actor=actor_of(request)), page)
    return as_page([value_out(v) for v in rows], nxt)


@router.get("/values/{value_id}", response=reads(ValueOut), operation_id="value_get")
def value_get(request: HttpRequest, value_id: Id) -> Any:
    """One value of the organisation."""
    return value_out(sel.value_get(actor=actor_of(request), value_id=value_id))


@router.post("/values", response=writes(ValueOut, 201), operation_id="value_create")
def value_create(request: HttpRequest, payload: ValueIn) -> Any:
    """Add a value to the organisation's strategy."""
    value = services.value_create(actor=actor_of(request), **payload.model_dump())
    return Status(201, value_out(value))


@router.patch("/values/{value_id}", response=writes(ValueOut), operation_id="value_update")
def value_update(request: HttpRequest, value_id: Id, payload: ValuePatch) -> Any:
    """Change a value's name, description or position."""
    actor = actor_of(request)
    value = sel.value_get(actor=actor, value_id=value_id)
    return value_out(services.value_update(actor=actor, value=value, **changed(payload)))


@router.delete("/values/{value_id}", response=writes(None, 204), operation_id="value_delete")
def value_delete(request: HttpRequest, value_id: Id) -> Any:
    """Delete a value."""
    actor = actor_of(request)
    services.value_delete(actor=actor, value=sel.value_get(actor=actor, value_id=value_id))
    return Status(204, None)


# --- Big moves -----------------------------------------------------------------------------------


@router.get("/big-moves", response=reads(page_of(BigMoveOut)), operation_id="big_move_list")
def big_move_list(request: HttpRequest, filters: Query[BigMoveFilter], page: Query[PageQuery]) -> Any:
    """Big moves (multi-year strategic themes) of the organisation, archived ones included."""
    qs = sel.big_move_list(actor=actor_of(request), include_archived=filters.include_archived)
    rows, nxt = paginate(qs, page)
    return as_page([big_move_out(b) for b in rows], nxt)


@router.get("/big-moves/{big_move_id}", response=reads(BigMoveOut), operation_id="big_move_get")
def big_move_get(request: HttpRequest, big_move_id: Id) -> Any:
    """One big move of the organisation."""
    return big_move_out(sel.big_move_get(actor=actor_of(request), big_move_id=big_move_id))


@router.post("/big-moves", response=writes(BigMoveOut, 201), operation_id="big_move_create")
def big_move_create(request: HttpRequest, payload: BigMoveIn) -> Any:
    """Add a big move (champions and admins); objectives name it as their `theme_id`."""
    actor = actor_of(request)
    fields = payload.model_dump()
    oid = fields.pop("owner_id")
    owner = resolve_optional("owner_id", oid, acc.membership_get, actor=actor, membership_id=oid)
    return Status(201, big_move_out(services.big_move_create(actor=actor, owner=owner, **fields)))


@router.patch("/big-moves/{big_move_id}", response=writes(BigMoveOut), operation_id="big_move_update")
def big_move_update(request: HttpRequest, big_move_id: Id, payload: BigMovePatch) -> Any:
    """Change a big move's title, description, horizon, owner, position or archived flag."""
    actor = actor_of(request)
    move = sel.big_move_get(actor=actor, big_move_id=big_move_id)
    fields = changed(payload)
    if "owner_id" in fields:
        oid = fields.pop("owner_id")
        fields["owner"] = resolve_optional("owner_id", oid, acc.membership_get, actor=actor, membership_id=oid)
    return big_move_out(services.big_move_update(actor=actor, big_move=move, **fields))


@router.delete("/big-moves/{big_move_id}", response=writes(None, 204), operation_id="big_move_delete")
def big_move_delete(request: HttpRequest, big_move_id: Id) -> Any:
    """Delete a big move no objective serves (archive it instead when some do)."""
    actor = actor_of(request)
    services.big_move_delete(actor=actor, big_move=sel.big_move_get(actor=actor, big_move_id=big_move_id))
    return Status(204, None)
