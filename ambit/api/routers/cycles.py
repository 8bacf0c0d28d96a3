"""Cycles and their sprints, and the alignment tree of a cycle."""

# PATCH bodies declare optional-but-not-null fields as `field: T = None` (pydantic does not validate
# defaults, so an explicit null is refused); mypy cannot see that.
# mypy: disable-error-code="assignment"

from __future__ import annotations

from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ambit.accounts.models import Membership
from ambit.api.common import actor_of, changed, resolve_optional, scale_of
from ambit.api.enums import CycleKindName, CycleStateName
from ambit.api.out import CycleOut, ObjectiveOut, SprintOut, cycle_out, objective_out, sprint_out
from ambit.api.schemas import Day, Id, PageQuery, as_page, page_of, paginate, reads, text, writes
from ambit.core.page_cache import cached
from ambit.okrs import selectors as sel
from ambit.okrs import services
from ambit.okrs.data_version import kept_page_key
from ambit.okrs.models import Cycle, Objective
from ambit.okrs.selectors_tree import TreeNode, alignment_levels, tree_unaligned_count

router = Router(tags=["cycles"])


class CycleFilter(Schema):
    kind: CycleKindName | None = None
    state: CycleStateName | None = None


class CycleIn(Schema):
    name: text(80, 1)  # type: ignore[valid-type]
    start_date: Day
    end_date: Day
    kind: CycleKindName = "quarter"
    parent_id: Id | None = Field(None, description="An annual cycle this one lies in.")
    state: Literal["planning", "active"] = "planning"
    with_sprints: bool | None = Field(None, description="Default: sprints for every kind but annual.")


class CyclePatch(Schema):
    name: text(80, 1) = None  # type: ignore[valid-type]
    start_date: Day = None
    end_date: Day = None


class CycleTransitionIn(Schema):
    state: CycleStateName = Field(
        description="planning → active → review; active may go back to planning, review to active. "
        "Into and out of closed only through `POST /cycles/{cycle_id}/close` (after the close checklist) "
        "and `POST /cycles/{cycle_id}/reopen` (admins)."
    )


class TreeNodeOut(Schema):
    objective: ObjectiveOut
    is_gap: bool = Field(description="A company objective nobody supports, or another objective aligned to nothing.")
    gap_reason: str
    via_key_result_id: int | None = Field(description="Duality: the parent's key result this objective came from.")
    children_progress: float | None = Field(
        description="Mean progress of the children included here (null when none are included)."
    )
    child_count: int = Field(
        description="Live children the caller sees, included or not: ask again with `root_id` for the next levels."
    )
    children: list[TreeNodeOut]


TreeNodeOut.model_rebuild()


class TreeOut(Schema):
    cycle_id: int
    root_id: int | None = Field(description="The objective whose children are the roots here, when asked for.")
    depth: int
    unaligned_count: int | None = Field(
        description="Objectives below the company level with no live parent in the cycle (gaps); list them with "
        "`unaligned=true`. Null below `root_id`."
    )
    roots: list[TreeNodeOut]


class TreeQuery(Schema):
    root_id: Id | None = Field(
        None, description="Start below this objective (its supporting objectives become the roots)."
    )
    depth: int = Field(
        1, ge=1, le=10, description="Levels to include; the last level's nodes say how many children they have."
    )
    unaligned: bool = Field(
        False, description="Instead of the company objectives, the objectives with no live parent (a page of them)."
    )
    offset: int = Field(0, ge=0, le=1_000_000, description="With `unaligned`: how many to skip.")
    limit: int = Field(50, ge=1, le=200, description="With `unaligned`: how many to return.")


def _node_out(node: TreeNode, scale: str) -> dict[str, Any]:
    return {
        "objective": objective_out(node.objective, node.metrics, scale),
        "is_gap": node.is_gap,
        "gap_reason": node.gap_reason,
        "via_key_result_id": node.via_key_result.pk if node.via_key_result is not None else None,
        "children_progress": node.children_progress,
        "child_count": node.child_count,
        "children": [_node_out(child, scale) for child in node.children],
    }


@router.get("/cycles", response=reads(page_of(CycleOut)), operation_id="cycle_list")
def cycle_list(request: HttpRequest, filters: Query[CycleFilter], page: Query[PageQuery]) -> Any:
    """The organisation's cycles, filtered by kind or state."""
    qs = sel.cycle_list(actor=actor_of(request), kind=filters.kind, state=filters.state)
    rows, nxt = paginate(qs, page)
    return as_page([cycle_out(c) for c in rows], nxt)


# Before /cycles/{cycle_id}: "current" is not an id.
@router.get("/cycles/current", response=reads(CycleOut), operation_id="cycle_current")
def cycle_current(request: HttpRequest) -> Any:
    """The cycle people work in today: the active quarter (or custom cycle) covering today, else the
    nearest active one, else the latest. 404 while the organisation has no cycle."""
    cycle = sel.cycle_current(actor=actor_of(request))
    if cycle is None:
        raise Http404("The organisation has no cycle yet: create one with POST /cycles.")
    return cycle_out(cycle)


@router.get("/cycles/{cycle_id}", response=reads(CycleOut), operation_id="cycle_get")
def cycle_get(request: HttpRequest, cycle_id: Id) -> Any:
    """One cycle: its dates (the end date is its last day, inclusive) and state."""
    return cycle_out(sel.cycle_get(actor=actor_of(request), cycle_id=cycle_id))


@router.post("/cycles", response=writes(CycleOut, 201), operation_id="cycle_create")
def cycle_create(request: HttpRequest, payload: CycleIn) -> Any:
    """Create a cycle (champions and admins); quarters and custom periods get sprints."""
    actor = actor_of(request)
    parent = resolve_optional("parent_id", payload.parent_id, sel.cycle_get, actor=actor, cycle_id=payload.parent_id)
    cycle = services.cycle_create(
        actor=actor,
        name=payload.name,
        start_date=payload.start_date,
        end_date=payload.end_date,
        kind=payload.kind,
        parent=parent,
        state=payload.state,
        with_sprints=payload.with_sprints,
    )
    return Status(201, cycle_out(cycle))


@router.patch("/cycles/{cycle_id}", response=writes(CycleOut), operation_id="cycle_update")
def cycle_update(request: HttpRequest, cycle_id: Id, payload: CyclePatch) -> Any:
    """Rename a cycle or move its dates (champions and admins)."""
    actor = actor_of(request)
    cycle = sel.cycle_get(actor=actor, cycle_id=cycle_id)
    return cycle_out(services.cycle_update(actor=actor, cycle=cycle, **changed(payload)))


@router.post("/cycles/{cycle_id}/transition", response=writes(CycleOut), operation_id="cycle_transition")
def cycle_transition(request: HttpRequest, cycle_id: Id, payload: CycleTransitionIn) -> Any:
    """Move a cycle through planning → active → review (or one step back); closing and reopening go
    through the close checklist (`POST /cycles/{cycle_id}/close`, `/reopen`)."""
    actor = actor_of(request)
    cycle = sel.cycle_get(actor=actor, cycle_id=cycle_id)
    return cycle_out(services.cycle_transition(actor=actor, cycle=cycle, state=payload.state))


@router.get("/cycles/{cycle_id}/sprints", response=reads(page_of(SprintOut)), operation_id="sprint_list")
def sprint_list(request: HttpRequest, cycle_id: Id, page: Query[PageQuery]) -> Any:
    """The sprints of a cycle, in order."""
    actor = actor_of(request)
    rows, nxt = paginate(sel.sprint_list(actor=actor, cycle=sel.cycle_get(actor=actor, cycle_id=cycle_id)), page)
    return as_page([sprint_out(s) for s in rows], nxt)


@router.get("/cycles/{cycle_id}/sprints/{sprint_id}", response=reads(SprintOut), operation_id="sprint_get")
def sprint_get(request: HttpRequest, cycle_id: Id, sprint_id: Id) -> Any:
    """One sprint of a cycle."""
    actor = actor_of(request)
    sprint = sel.sprint_list(actor=actor, cycle=sel.cycle_get(actor=actor, cycle_id=cycle_id)).filter(pk=sprint_id)
    found = sprint.first()
    if found is None:
        raise Http404("No such sprint.")
    return sprint_out(found)


@router.get("/cycles/{cycle_id}/tree", response=reads(TreeOut), operation_id="cycle_tree")
def cycle_tree(request: HttpRequest, cycle_id: Id, query: Query[TreeQuery]) -> Any:
    """The alignment tree: objectives the caller sees in the cycle (and its annual cycle), classic
    children under their parents, duality children under the objective whose key result they
    came from, with gaps flagged and metrics on every node. The roots are the company objectives;
    `depth` levels from them (or from below `root_id`); every node gives its `child_count`, so a
    client walks a large tree a few levels at a time. Objectives with no live parent are listed
    with `unaligned=true`."""
    actor = actor_of(request)
    cycle = sel.cycle_get(actor=actor, cycle_id=cycle_id)
    under = resolve_optional("root_id", query.root_id, sel.objective_get, actor=actor, objective_id=query.root_id)
    # Kept between writes, like the web pages (core.page_cache): the version is read first.
    key = kept_page_key(request, member=actor, view="api-cycle-tree")
    return cached(key, lambda: _tree_out(actor, cycle, under, query))


def _tree_out(actor: Membership, cycle: Cycle, under: Objective | None, query: TreeQuery) -> dict[str, Any]:
    roots = alignment_levels(
        actor=actor,
        cycle=cycle,
        under=under,
        depth=query.depth,
        unaligned=query.unaligned and under is None,
        offset=query.offset,
        limit=query.limit,
    )
    scale = scale_of(actor)
    return {
        "cycle_id": cycle.pk,
        "root_id": under.pk if under is not None else None,
        "depth": query.depth,
        "unaligned_count": tree_unaligned_count(actor=actor, cycle=cycle) if under is None else None,
        "roots": [_node_out(n, scale) for n in roots],
    }
