"""Approval: propose, approve, send back with a comment, approve many at once, and the queue of
proposals waiting for the caller (issue 15, part 3). The same services and rules as the web's
approval queue and meeting mode (``ambit.planning``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from ambit.api.common import actor_of, metrics_for, scale_of
from ambit.api.enums import LevelName, ObjectiveStateName
from ambit.api.out import ObjectiveOut
from ambit.api.routers.objectives import _out as objective_out
from ambit.api.schemas import Id, PageQuery, as_page, page_of, reads, writes
from ambit.okrs.models import Objective
from ambit.planning import selectors, services

router = Router(tags=["approvals"])


class SendBackIn(Schema):
    comment: str = Field(
        min_length=1,
        max_length=services.MAX_COMMENT,
        description="What the owner should change: shown on the objective until they propose again.",
    )


class ApproveManyIn(Schema):
    objective_ids: list[Id] = Field(
        min_length=1, max_length=services.MAX_BULK, description="The proposals to approve: all of them, or none."
    )


class ApprovedOut(Schema):
    objective_ids: list[int]


class ApprovalOut(Schema):
    objective_id: int
    title: str
    state: ObjectiveStateName
    level: LevelName
    cycle_id: int
    owner_id: int
    owner_name: str
    team_id: int | None
    key_result_count: int
    quality_score: int | None = Field(description="0–100 from the quality check; null when unknown.")
    finding_count: int
    proposed_at: dt.datetime | None


def _respond(request: HttpRequest, objective: Objective) -> dict[str, Any]:
    actor = actor_of(request)
    objective.refresh_from_db()
    return objective_out(objective, metrics_for(actor, [objective]), scale_of(actor), expand=False)


@router.post("/objectives/{objective_id}/propose", response=writes(ObjectiveOut), operation_id="objective_propose")
def objective_propose(request: HttpRequest, objective_id: Id) -> Any:
    """Draft → proposed: it lands in its approvers' queue (the owner, their lead or a champion)."""
    actor = actor_of(request)
    objective = selectors.objective_for_approval(actor=actor, objective_id=objective_id)
    services.objective_propose(actor=actor, objective=objective)
    return _respond(request, objective)


@router.post("/objectives/{objective_id}/approve", response=writes(ObjectiveOut), operation_id="objective_approve")
def objective_approve(request: HttpRequest, objective_id: Id) -> Any:
    """Proposed (or draft, for the council) → active, by one of the objective's approvers: the
    leads of the owner's team for an individual objective, the council for the others."""
    actor = actor_of(request)
    objective = selectors.objective_for_approval(actor=actor, objective_id=objective_id)
    services.objective_approve(actor=actor, objective=objective)
    return _respond(request, objective)


@router.post("/objectives/{objective_id}/send-back", response=writes(ObjectiveOut), operation_id="objective_send_back")
def objective_send_back(request: HttpRequest, objective_id: Id, payload: SendBackIn) -> Any:
    """Proposed → draft with a comment the owner sees."""
    actor = actor_of(request)
    objective = selectors.objective_for_approval(actor=actor, objective_id=objective_id)
    services.objective_send_back(actor=actor, objective=objective, comment=payload.comment)
    return _respond(request, objective)


@router.post("/approvals/approve", response=writes(ApprovedOut), operation_id="approvals_approve")
def approvals_approve(request: HttpRequest, payload: ApproveManyIn) -> Any:
    """Approve several proposals at once: all or nothing; a refusal names each objective at fault."""
    done = services.objectives_approve_many(actor=actor_of(request), objective_ids=payload.objective_ids)
    return {"objective_ids": [o.pk for o in done]}


@router.get("/approvals", response=reads(page_of(ApprovalOut)), operation_id="approval_list")
def approval_list(request: HttpRequest, page: Query[PageQuery]) -> Any:
    """The proposals waiting for the caller (by id)."""
    rows = sorted(selectors.approval_queue(actor=actor_of(request)), key=lambda r: r.objective.pk)
    if page.cursor is not None:
        rows = [r for r in rows if r.objective.pk > page.cursor]
    chunk = rows[: page.limit]
    next_cursor = chunk[-1].objective.pk if len(rows) > page.limit else None
    items = [
        {
            "objective_id": r.objective.pk,
            "title": r.objective.title,
            "state": r.objective.state,
            "level": r.objective.level,
            "cycle_id": r.objective.cycle_id,
            "owner_id": r.objective.owner_id,
            "owner_name": r.objective.owner.user.get_full_name(),
            "team_id": r.objective.team_id,
            "key_result_count": r.kr_count,
            "quality_score": r.score,
            "finding_count": r.finding_count,
            "proposed_at": r.proposed_at,
        }
        for r in chunk
    ]
    return as_page(items, next_cursor)
