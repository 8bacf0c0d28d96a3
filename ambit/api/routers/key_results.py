"""Key results: list per objective, get, create, update, cancel, delete, score, metrics,
milestones, and duality (a key result becomes the next level's objective)."""

# PATCH bodies declare optional-but-not-null fields as `field: T = None` (pydantic does not validate
# defaults, so an explicit null is refused); mypy cannot see that.
# mypy: disable-error-code="assignment"

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ambit.accounts import selectors as acc
from ambit.api.common import actor_of, changed, metrics_for, resolve_optional, scale_of
from ambit.api.enums import AmbitionName, KindName, UnitKindName
from ambit.api.key_result_in import KeyResultIn, MilestoneIn, Unit, key_result_arguments
from ambit.api.out import (
    PROGRESS_FROM_INITIATIVES_DOC,
    KeyResultMetricsOut,
    KeyResultOut,
    MilestoneOut,
    ObjectiveOut,
    key_result_out,
    kr_metrics_out,
    milestone_out,
)
from ambit.api.routers.objectives import ScoreIn, objective_response
from ambit.api.schemas import (
    Id,
    LongText,
    Number,
    PageQuery,
    Reason,
    Title,
    Weight,
    as_page,
    page_of,
    paginate,
    reads,
    writes,
)
from ambit.okrs import selectors as sel
from ambit.okrs import services
from ambit.okrs.models import KeyResult

router = Router(tags=["key results"])


class KeyResultPatch(Schema):
    title: Title = None
    description: LongText = None
    kind: KindName = None
    start_value: Number | None = None
    target_value: Number | None = None
    stretch_target: Number | None = None
    unit: Unit = None
    unit_kind: UnitKindName = None
    weight: Weight = None
    owner_id: Id = None
    position: int = Field(None, ge=0, le=2_147_483_647)
    progress_from_children: bool = None
    progress_from_initiatives: bool = Field(None, description=PROGRESS_FROM_INITIATIVES_DOC)
    plan_start: dt.date | None = Field(
        None,
        description="The day its plan begins, within the cycle: pace and staleness count from here. "
        "Null resets it to the default, the later of the cycle start and the day it is created.",
    )


class KeyResultCancelIn(Schema):
    reason: Reason


class ChildObjectiveIn(Schema):
    title: Title | None = Field(None, description="Default: the key result's title.")
    owner_id: Id | None = Field(None, description="Default: the key result's owner.")
    team_id: Id | None = None
    cycle_id: Id | None = Field(None, description="Default: the parent objective's cycle.")
    progress_from_child: bool = Field(True, description="The key result takes its progress from the new objective.")
    ambition: AmbitionName | None = None
    state: Literal["draft", "proposed", "active"] = "draft"


def _loaded(request: HttpRequest, key_result_id: int) -> tuple[Any, KeyResult]:
    """The key result's objective with its key results loaded (for metrics), and the key result."""
    actor = actor_of(request)
    kr = sel.key_result_get(actor=actor, key_result_id=key_result_id)
    obj = sel.objective_get(actor=actor, objective_id=kr.objective_id)
    loaded = next(k for k in obj.key_results.all() if k.pk == kr.pk)
    return obj, loaded


def key_result_response(request: HttpRequest, key_result_id: int) -> dict[str, Any]:
    """The key result with its metrics, forecast included: one batched history read, as on a list."""
    actor = actor_of(request)
    obj, kr = _loaded(request, key_result_id)
    metrics = metrics_for(actor, [obj], with_forecast=True)
    return key_result_out(kr, metrics.kr(kr), scale_of(actor))


@router.get(
    "/objectives/{objective_id}/key-results", response=reads(page_of(KeyResultOut)), operation_id="key_result_list"
)
def key_result_list(request: HttpRequest, objective_id: Id, page: Query[PageQuery]) -> Any:
    """The key results of an objective, each with its metrics and forecast."""
    actor = actor_of(request)
    obj = sel.objective_get(actor=actor, objective_id=objective_id)
    # One batched metrics call for the page, forecasts included (one history query, not one per row).
    metrics = metrics_for(actor, [obj], with_forecast=True)
    rows, nxt = paginate(list(obj.key_results.all()), page)
    scale = scale_of(actor)
    return as_page([key_result_out(kr, metrics.kr(kr), scale) for kr in rows], nxt)


@router.post(
    "/objectives/{objective_id}/key-results", response=writes(KeyResultOut, 201), operation_id="key_result_create"
)
def key_result_create(request: HttpRequest, objective_id: Id, payload: KeyResultIn) -> Any:
    """Add a key result to an objective."""
    actor = actor_of(request)
    obj = sel.objective_get(actor=actor, objective_id=objective_id)
    kr = services.key_result_create(actor=actor, objective=obj, **key_result_arguments(actor, payload))
    return Status(201, key_result_response(request, kr.pk))


@router.get("/key-results/{key_result_id}", response=reads(KeyResultOut), operation_id="key_result_get")
def key_result_get(request: HttpRequest, key_result_id: Id) -> Any:
    """One key result with its milestones and metrics, forecast included."""
    return key_result_response(request, key_result_id)


@router.patch("/key-results/{key_result_id}", response=writes(KeyResultOut), operation_id="key_result_update")
def key_result_update(request: HttpRequest, key_result_id: Id, payload: KeyResultPatch) -> Any:
    """Change the fields sent; the others stay as they are."""
    actor = actor_of(request)
    kr = sel.key_result_get(actor=actor, key_result_id=key_result_id)
    fields = changed(payload)
    if "owner_id" in fields:
        oid = fields.pop("owner_id")
        fields["owner"] = resolve_optional("owner_id", oid, acc.membership_get, actor=actor, membership_id=oid)
    services.key_result_update(actor=actor, key_result=kr, **fields)
    return key_result_response(request, key_result_id)


@router.post("/key-results/{key_result_id}/cancel", response=writes(KeyResultOut), operation_id="key_result_cancel")
def key_result_cancel(request: HttpRequest, key_result_id: Id, payload: KeyResultCancelIn) -> Any:
    """Cancel a key result with a reason: it stays in the history and leaves the roll-up."""
    actor = actor_of(request)
    kr = sel.key_result_get(actor=actor, key_result_id=key_result_id)
    services.key_result_cancel(actor=actor, key_result=kr, reason=payload.reason)
    return key_result_response(request, key_result_id)


@router.delete("/key-results/{key_result_id}", response=writes(None, 204), operation_id="key_result_delete")
def key_result_delete(request: HttpRequest, key_result_id: Id) -> Any:
    """Delete a key result without check-ins (with check-ins, cancel it instead)."""
    actor = actor_of(request)
    services.key_result_delete(actor=actor, key_result=sel.key_result_get(actor=actor, key_result_id=key_result_id))
    return Status(204, None)


@router.post("/key-results/{key_result_id}/score", response=writes(KeyResultOut), operation_id="key_result_score")
def key_result_score(request: HttpRequest, key_result_id: Id, payload: ScoreIn) -> Any:
    """Set (or, with null, clear) the end-of-cycle score of a key result."""
    actor = actor_of(request)
    kr = sel.key_result_get(actor=actor, key_result_id=key_result_id)
    services.key_result_score(actor=actor, key_result=kr, score=payload.score, note=payload.note)
    return key_result_response(request, key_result_id)


@router.get(
    "/key-results/{key_result_id}/metrics", response=reads(KeyResultMetricsOut), operation_id="key_result_metrics"
)
def key_result_metrics(request: HttpRequest, key_result_id: Id) -> Any:
    """Progress, expected progress, status, confidence, suggested score and forecast."""
    actor = actor_of(request)
    obj, kr = _loaded(request, key_result_id)
    metrics = metrics_for(actor, [obj], with_forecast=True)
    return kr_metrics_out(kr, metrics.kr(kr), scale_of(actor))


@router.get(
    "/key-results/{key_result_id}/milestones", response=reads(page_of(MilestoneOut)), operation_id="milestone_list"
)
def milestone_list(request: HttpRequest, key_result_id: Id, page: Query[PageQuery]) -> Any:
    """The milestones of a milestone-checklist key result, with whether each is ticked."""
    actor = actor_of(request)
    kr = sel.key_result_get(actor=actor, key_result_id=key_result_id)
    rows, nxt = paginate(sel.milestone_list(actor=actor, key_result=kr), page)
    done = set(kr.current_milestones_done or [])
    return as_page([milestone_out(m, done) for m in rows], nxt)


@router.post(
    "/key-results/{key_result_id}/milestones", response=writes(MilestoneOut, 201), operation_id="milestone_add"
)
def milestone_add(request: HttpRequest, key_result_id: Id, payload: MilestoneIn) -> Any:
    """Add a milestone to a milestone-checklist key result."""
    actor = actor_of(request)
    kr = sel.key_result_get(actor=actor, key_result_id=key_result_id)
    m = services.milestone_add(actor=actor, key_result=kr, title=payload.title, weight=payload.weight)
    return Status(201, milestone_out(m, set(kr.current_milestones_done or [])))


@router.post(
    "/key-results/{key_result_id}/objectives",
    response=writes(ObjectiveOut, 201),
    operation_id="objective_create_from_key_result",
)
def objective_create_from_key_result(request: HttpRequest, key_result_id: Id, payload: ChildObjectiveIn) -> Any:
    """Duality: the key result becomes the next level's objective, linked both ways; by default the
    key result then takes its progress from it."""
    actor = actor_of(request)
    kr = sel.key_result_get(actor=actor, key_result_id=key_result_id)
    owner = resolve_optional(
        "owner_id", payload.owner_id, acc.membership_get, actor=actor, membership_id=payload.owner_id
    )
    team = resolve_optional("team_id", payload.team_id, acc.team_get, actor=actor, team_id=payload.team_id)
    cycle = resolve_optional("cycle_id", payload.cycle_id, sel.cycle_get, actor=actor, cycle_id=payload.cycle_id)
    child = services.objective_create_from_key_result(
        actor=actor,
        key_result=kr,
        owner=owner,
        team=team,
        title=payload.title,
        cycle=cycle,
        progress_from_child=payload.progress_from_child,
        ambition=payload.ambition,
        state=payload.state,
    )
    return Status(201, objective_response(request, child.pk))
