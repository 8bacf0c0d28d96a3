"""Objectives: list (with filters), get, create, update, state changes, cancel, delete, score,
computed metrics, and classic alignment (parents and children)."""

# PATCH bodies declare optional-but-not-null fields as `field: T = None` (pydantic does not validate
# defaults, so an explicit null is refused); mypy cannot see that.
# mypy: disable-error-code="assignment"

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal, get_args

from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field, ValidationError, ValidatorFunctionWrapHandler, WithJsonSchema, WrapValidator
from pydantic_core import PydanticCustomError

from ambit.accounts import selectors as acc
from ambit.accounts.models import Membership, Team
from ambit.api.common import actor_of, changed, metrics_for, resolve, resolve_optional, scale_of
from ambit.api.enums import (
    AmbitionName,
    LevelName,
    ObjectiveExpandName,
    ObjectiveStateName,
    StatusName,
    VisibilityName,
)
from ambit.api.key_result_in import KeyResultIn, errors_under, key_result_arguments
from ambit.api.out import (
    AlignmentOut,
    KeyResultMetricsOut,
    ObjectiveMetricsOut,
    ObjectiveOut,
    key_result_out,
    kr_metrics_out,
    objective_metrics_out,
    objective_out,
)
from ambit.api.quality_out import quality_out
from ambit.api.schemas import (
    Id,
    LongText,
    PageQuery,
    Score,
    Title,
    Weight,
    as_page,
    page_of,
    paginate,
    reads,
    writes,
)
from ambit.core.page_cache import cached
from ambit.okrs import selectors as sel
from ambit.okrs import services
from ambit.okrs.data_version import kept_page_key
from ambit.okrs.metrics import Metrics
from ambit.okrs.models import Cycle, Objective
from ambit.okrs.quality import Assessment, assess_loaded, assess_objectives
from ambit.strategy import selectors as strategy_sel
from ambit.strategy.models import BigMove

router = Router(tags=["objectives"])


class ObjectiveFilter(Schema):
    cycle_id: Id | None = None
    team_id: Id | None = None
    owner_id: Id | None = None
    state: ObjectiveStateName | None = None
    level: LevelName | None = None
    status: StatusName | None = Field(None, description="Computed status (on_track, at_risk, behind, …).")


EXPANSIONS: list[str] = list(get_args(ObjectiveExpandName))


def _expansions(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """The ``expand`` values, or one error on the parameter naming what cannot be expanded."""
    try:
        return handler(value)
    except ValidationError:
        unknown = [str(v)[:40] for v in (value if isinstance(value, list) else [value]) if v not in EXPANSIONS]
        if not unknown:
            raise
        raise PydanticCustomError(
            "expand",
            "{unknown} cannot be expanded: use {allowed}.",
            {"unknown": ", ".join(f"“{v}”" for v in unknown), "allowed": ", ".join(EXPANSIONS)},
        ) from None


# An enum in the document: pydantic writes a one-value Literal as `const`.
Expansion = Annotated[ObjectiveExpandName, WithJsonSchema({"type": "string", "enum": EXPANSIONS})]


class ExpandQuery(Schema):
    expand: Annotated[list[Expansion], WrapValidator(_expansions)] = Field(
        default_factory=list,
        max_length=5,
        description="Nest more in each objective: `key_results` fills its `key_results` (null otherwise) with "
        "every key result, its milestones and metrics, forecast included, at a fixed cost for the whole page; "
        "`quality` fills its `quality` on the list (one objective's answer always has it).",
    )


class ParentLinkIn(Schema):
    parent_id: Id
    weight: Weight = 1.0


class ObjectiveIn(Schema):
    cycle_id: Id
    title: Title
    description: LongText = ""
    owner_id: Id | None = Field(None, description="Default: the caller.")
    team_id: Id | None = Field(None, description="Empty for an individual objective.")
    theme_id: Id | None = Field(None, description="The big move this objective serves.")
    ambition: AmbitionName = "committed"
    visibility: VisibilityName = "public"
    state: Literal["draft", "proposed", "active"] = "draft"
    parents: list[ParentLinkIn] = Field(default_factory=list, max_length=20)
    contributor_ids: list[Id] = Field(default_factory=list, max_length=50)
    plan_start: dt.date | None = Field(
        None,
        description="The day its plan begins, within the cycle: pace and staleness count from here. "
        "Null for the default, the later of the cycle start and the day it is created.",
    )
    key_results: list[KeyResultIn] = Field(
        default_factory=list,
        max_length=20,
        description="Key results created with the objective, in this order: all of them with it, or nothing.",
    )


class ObjectivePatch(Schema):
    title: Title = None
    description: LongText = None
    owner_id: Id = None
    team_id: Id | None = None
    theme_id: Id | None = None
    ambition: AmbitionName = None
    visibility: VisibilityName = None
    position: int = Field(None, ge=0, le=2_147_483_647)
    plan_start: dt.date | None = Field(
        None,
        description="The day its plan begins, within the cycle: pace and staleness count from here. "
        "Null resets it to the default, the later of the cycle start and the day it is created.",
    )


class CancelIn(Schema):
    reason: LongText = Field(description="Why: it stays in the history.")


class StateIn(Schema):
    state: Literal["draft", "proposed", "active", "closed"]
    note: LongText = ""


class ScoreIn(Schema):
    score: Score | None = Field(description="0.0–1.0; null clears it (the suggested score shows again).")
    note: LongText = ""


class KeyResultMetricsItem(Schema):
    key_result_id: int
    title: str
    metrics: KeyResultMetricsOut


class ObjectiveMetricsDetailOut(Schema):
    objective_id: int
    metrics: ObjectiveMetricsOut
    key_results: list[KeyResultMetricsItem]


def objective_response(request: HttpRequest, objective_id: int, *, expand: bool = False) -> dict[str, Any]:
    actor = actor_of(request)
    obj = sel.objective_get(actor=actor, objective_id=objective_id)
    # One objective's answer always carries its quality check (one query: its key results are loaded).
    quality = quality_out(assess_loaded(obj, actor.organisation))
    return _out(obj, metrics_for(actor, [obj], with_forecast=expand), scale_of(actor), expand=expand, quality=quality)


def _out(
    obj: Objective, metrics: Metrics, scale: str, *, expand: bool, quality: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The objective, with its key results (prefetched by the selector, in their order) when expanded;
    ``metrics`` then hold theirs, forecasts included."""
    key_results = [key_result_out(kr, metrics.kr(kr), scale) for kr in obj.key_results.all()] if expand else None
    return objective_out(obj, metrics.objective(obj), scale, key_results, quality)


@router.get("/objectives", response=reads(page_of(ObjectiveOut)), operation_id="objective_list")
def objective_list(
    request: HttpRequest, filters: Query[ObjectiveFilter], page: Query[PageQuery], expand: Query[ExpandQuery]
) -> Any:
    """Objectives the caller may see. With `status`, metrics are computed for the whole filtered
    set before paging (status is computed, not stored); otherwise only for the page. With
    `expand=key_results`, each objective carries its key results: one call for a page, not one per objective;
    with `expand=quality`, its quality check (score and findings)."""
    actor = actor_of(request)
    cycle = resolve_optional("cycle_id", filters.cycle_id, sel.cycle_get, actor=actor, cycle_id=filters.cycle_id)
    team = resolve_optional("team_id", filters.team_id, acc.team_get, actor=actor, team_id=filters.team_id)
    owner = resolve_optional(
        "owner_id", filters.owner_id, acc.membership_get, actor=actor, membership_id=filters.owner_id
    )
    # Kept between writes, like the web pages (core.page_cache): the version is read first.
    key = kept_page_key(request, member=actor, view="api-objective-list")

    def build() -> dict[str, Any]:
        qs = sel.objective_list(
            actor=actor, cycle=cycle, team=team, owner=owner, state=filters.state, level=filters.level
        )
        return _objective_page(
            actor, qs, filters.status, page, "key_results" in expand.expand, "quality" in expand.expand
        )

    return cached(key, build)


def _objective_page(
    actor: Membership,
    qs: QuerySet[Objective],
    status: str | None,
    page: PageQuery,
    nested: bool,
    with_quality: bool = False,
) -> dict[str, Any]:
    if status:
        everything = list(qs)
        metrics = metrics_for(actor, everything)
        matching = [o for o in everything if metrics.objective(o).status == status]
        rows, nxt = paginate(matching, page)
        if nested:  # forecasts for the page only: one history read for its key results
            metrics = metrics_for(actor, rows, with_forecast=True)
    else:
        rows, nxt = paginate(qs, page)
        metrics = metrics_for(actor, rows, with_forecast=nested)
    scale = scale_of(actor)
    checked = assess_objectives(rows) if with_quality else {}  # three queries for the page
    return as_page(
        [_out(o, metrics, scale, expand=nested, quality=_quality(checked, o)) for o in rows],
        nxt,
    )


def _quality(checked: dict[int, Assessment], obj: Objective) -> dict[str, Any] | None:
    assessment = checked.get(obj.pk)
    return quality_out(assessment) if assessment is not None else None


@router.get("/objectives/{objective_id}", response=reads(ObjectiveOut), operation_id="objective_get")
def objective_get(request: HttpRequest, objective_id: Id, expand: Query[ExpandQuery]) -> Any:
    """One objective with its computed metrics and its quality check (a score 0–100 and findings, each
    with a stable code, severity, reason and suggested fix); with `expand=key_results`, its key results too."""
    return objective_response(request, objective_id, expand="key_results" in expand.expand)


@router.post("/objectives", response=writes(ObjectiveOut, 201), operation_id="objective_create")
def objective_create(request: HttpRequest, payload: ObjectiveIn) -> Any:
    """Create an objective, optionally with its key results in the same call: all are created or none."""
    actor = actor_of(request)
    cycle = resolve("cycle_id", sel.cycle_get, actor=actor, cycle_id=payload.cycle_id)
    owner = resolve_optional(
        "owner_id", payload.owner_id, acc.membership_get, actor=actor, membership_id=payload.owner_id
    )
    team = resolve_optional("team_id", payload.team_id, acc.team_get, actor=actor, team_id=payload.team_id)
    theme = resolve_optional(
        "theme_id", payload.theme_id, strategy_sel.big_move_get, actor=actor, big_move_id=payload.theme_id
    )
    parents = [
        (resolve(f"parents.{i}.parent_id", sel.objective_get, actor=actor, objective_id=p.parent_id), p.weight)
        for i, p in enumerate(payload.parents)
    ]
    contributors = [
        resolve(f"contributor_ids.{i}", acc.membership_get, actor=actor, membership_id=mid)
        for i, mid in enumerate(payload.contributor_ids)
    ]
    with transaction.atomic():
        obj = _objective_create(actor, payload, cycle, owner, team, theme, parents, contributors)
    return Status(201, objective_response(request, obj.pk))


def _objective_create(
    actor: Membership,
    payload: ObjectiveIn,
    cycle: Cycle,
    owner: Membership | None,
    team: Team | None,
    theme: BigMove | None,
    parents: list[tuple[Objective, float]],
    contributors: list[Membership],
) -> Objective:
    """The objective, then each of its key results, through the services (each checks and audits);
    the caller's transaction undoes them all when one fails, whose fields are named
    ``key_results.<i>.<field>``."""
    obj = services.objective_create(
        actor=actor,
        cycle=cycle,
        title=payload.title,
        owner=owner,
        team=team,
        description=payload.description,
        theme=theme,
        ambition=payload.ambition,
        visibility=payload.visibility,
        state=payload.state,
        parents=parents,
        contributors=contributors,
        plan_start=payload.plan_start,
    )
    for i, item in enumerate(payload.key_results):
        with errors_under(f"key_results.{i}"):
            services.key_result_create(actor=actor, objective=obj, **key_result_arguments(actor, item))
    return obj


@router.patch("/objectives/{objective_id}", response=writes(ObjectiveOut), operation_id="objective_update")
def objective_update(request: HttpRequest, objective_id: Id, payload: ObjectivePatch) -> Any:
    """Change the fields sent; the others stay as they are."""
    actor = actor_of(request)
    obj = sel.objective_get(actor=actor, objective_id=objective_id)
    fields = changed(payload)
    # body field -> (service argument, scoped getter, the getter's id argument)
    refs: dict[str, tuple[str, Callable[..., Model], str]] = {
        "owner_id": ("owner", acc.membership_get, "membership_id"),
        "team_id": ("team", acc.team_get, "team_id"),
        "theme_id": ("theme", strategy_sel.big_move_get, "big_move_id"),
    }
    for key, (name, getter, kwarg) in refs.items():
        if key in fields:
            value = fields.pop(key)
            fields[name] = resolve_optional(key, value, getter, actor=actor, **{kwarg: value})
    services.objective_update(actor=actor, objective=obj, **fields)
    return objective_response(request, objective_id)


@router.post("/objectives/{objective_id}/state", response=writes(ObjectiveOut), operation_id="objective_set_state")
def objective_set_state(request: HttpRequest, objective_id: Id, payload: StateIn) -> Any:
    """Propose, activate (approve), send back to draft, close or reopen."""
    actor = actor_of(request)
    obj = sel.objective_get(actor=actor, objective_id=objective_id)
    services.objective_set_state(actor=actor, objective=obj, state=payload.state, note=payload.note)
    return objective_response(request, objective_id)


@router.post("/objectives/{objective_id}/cancel", response=writes(ObjectiveOut), operation_id="objective_cancel")
def objective_cancel(request: HttpRequest, objective_id: Id, payload: CancelIn) -> Any:
    """Cancel an objective with a reason: it stays in the history and leaves the roll-up."""
    actor = actor_of(request)
    obj = sel.objective_get(actor=actor, objective_id=objective_id)
    services.objective_cancel(actor=actor, objective=obj, reason=payload.reason)
    return objective_response(request, objective_id)


@router.delete("/objectives/{objective_id}", response=writes(None, 204), operation_id="objective_delete")
def objective_delete(request: HttpRequest, objective_id: Id) -> Any:
    """Delete an objective without check-ins (with check-ins, cancel it instead)."""
    actor = actor_of(request)
    services.objective_delete(actor=actor, objective=sel.objective_get(actor=actor, objective_id=objective_id))
    return Status(204, None)


@router.post("/objectives/{objective_id}/score", response=writes(ObjectiveOut), operation_id="objective_score")
def objective_score(request: HttpRequest, objective_id: Id, payload: ScoreIn) -> Any:
    """Set (or, with null, clear) the end-of-cycle score of an objective."""
    actor = actor_of(request)
    obj = sel.objective_get(actor=actor, objective_id=objective_id)
    services.objective_score(actor=actor, objective=obj, score=payload.score, note=payload.note)
    return objective_response(request, objective_id)


@router.get(
    "/objectives/{objective_id}/metrics", response=reads(ObjectiveMetricsDetailOut), operation_id="objective_metrics"
)
def objective_metrics(request: HttpRequest, objective_id: Id) -> Any:
    """Progress, status, score and confidence of the objective, and of each key result with its forecast."""
    actor = actor_of(request)
    obj = sel.objective_get(actor=actor, objective_id=objective_id)
    metrics = metrics_for(actor, [obj], with_forecast=True)
    scale = scale_of(actor)
    return {
        "objective_id": obj.pk,
        "metrics": objective_metrics_out(obj, metrics.objective(obj), scale),
        "key_results": [
            {"key_result_id": kr.pk, "title": kr.title, "metrics": kr_metrics_out(kr, metrics.kr(kr), scale)}
            for kr in obj.key_results.all()
        ],
    }


# --- Alignment ----------------------------------------------------------------------------------


class AlignIn(Schema):
    parent_id: Id
    weight: Weight = 1.0


class _Link:
    """A parent link as a row the paginator can order (by the parent's id)."""

    def __init__(self, child: Objective, parent: Objective, weight: float) -> None:
        self.pk, self.child_id, self.parent_id, self.weight = parent.pk, child.pk, parent.pk, weight

    def out(self) -> dict[str, Any]:
        return {"child_id": self.child_id, "parent_id": self.parent_id, "weight": self.weight}


@router.get("/objectives/{objective_id}/parents", response=reads(page_of(AlignmentOut)), operation_id="alignment_list")
def alignment_list(request: HttpRequest, objective_id: Id, page: Query[PageQuery]) -> Any:
    """The objectives this one is aligned to (classic cascade) that the caller may see."""
    actor = actor_of(request)
    obj = sel.objective_get(actor=actor, objective_id=objective_id)
    links = [_Link(obj, p, w) for p, w in sel.objective_parents(actor=actor, objective=obj)]
    rows, nxt = paginate(links, page)
    return as_page([link.out() for link in rows], nxt)


@router.post("/objectives/{objective_id}/parents", response=writes(AlignmentOut, 201), operation_id="alignment_add")
def alignment_add(request: HttpRequest, objective_id: Id, payload: AlignIn) -> Any:
    """Align this objective to a parent objective (409 when it would make a loop)."""
    actor = actor_of(request)
    child = sel.objective_get(actor=actor, objective_id=objective_id)
    parent = resolve("parent_id", sel.objective_get, actor=actor, objective_id=payload.parent_id)
    link = services.alignment_add(actor=actor, child=child, parent=parent, weight=payload.weight)
    return Status(201, {"child_id": link.child_id, "parent_id": link.parent_id, "weight": link.weight})


@router.delete(
    "/objectives/{objective_id}/parents/{parent_id}", response=writes(None, 204), operation_id="alignment_remove"
)
def alignment_remove(request: HttpRequest, objective_id: Id, parent_id: Id) -> Any:
    """Stop aligning this objective to that parent."""
    actor = actor_of(request)
    child = sel.objective_get(actor=actor, objective_id=objective_id)
    parent = sel.objective_get(actor=actor, objective_id=parent_id)
    services.alignment_remove(actor=actor, child=child, parent=parent)
    return Status(204, None)


@router.get(
    "/objectives/{objective_id}/children", response=reads(page_of(ObjectiveOut)), operation_id="objective_children"
)
def objective_children(request: HttpRequest, objective_id: Id, page: Query[PageQuery]) -> Any:
    """Objectives aligned to this one, or created from its key results (duality)."""
    actor = actor_of(request)
    obj = sel.objective_get(actor=actor, objective_id=objective_id)
    rows, nxt = paginate(sel.objective_children(actor=actor, objective=obj), page)
    metrics = metrics_for(actor, rows)
    scale = scale_of(actor)
    return as_page([objective_out(o, metrics.objective(o), scale) for o in rows], nxt)
