"""Initiatives and sprint planning (issue 16): the work that should move a key result, planned into
the cycle's sprints, and a team's plan for a sprint. The same services and selectors as the pages:
an initiative is visible when its key result is; the key result's owner, the initiative's owner,
whoever may edit the objective (its owner, the team's leads, champions, admins) may write; viewers
read only; another organisation's ids are 404. Initiatives never count toward progress."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ambit.accounts import selectors as acc
from ambit.api.common import actor_of, changed, resolve, resolve_optional
from ambit.api.enums import StatusName
from ambit.api.schemas import Day, Id, LongText, PageQuery, as_page, page_of, paginate, reads, text, writes
from ambit.initiatives import selectors as sel
from ambit.initiatives import services
from ambit.initiatives.links import MAX_LINK
from ambit.initiatives.models import Initiative
from ambit.okrs.selectors import key_result_get

router = Router(tags=["initiatives"])

InitiativeStatusName = Literal["planned", "in_progress", "done", "dropped"]
if TYPE_CHECKING:
    InitiativeTitle = str
else:
    InitiativeTitle = text(services.MAX_INITIATIVE_TITLE, 1)
# Bounded in the document, checked by the service's rule (``links.clean_link``) for its message.
LINK_BOUNDS: Any = {"maxLength": MAX_LINK}


class InitiativeOut(Schema):
    id: int
    key_result_id: int
    title: str
    description: str
    owner_id: int | None
    status: InitiativeStatusName
    due_date: dt.date | None
    link_url: str
    link_key: str = Field(description="The issue's key (`owner/repo#12`, `group/project!3`, `ABC-12`) or the host.")
    sprint_id: int | None = Field(description="The sprint it is planned into; null in the backlog.")
    sprint_number: int | None
    position: int
    done_at: dt.datetime | None = Field(description="When it was marked done; null unless done.")
    counts_toward_progress: bool = Field(
        description="Always false: a key result's progress comes from its check-ins, never from its initiatives."
    )


class InitiativeFilter(Schema):
    key_result_id: Id | None = Field(None, description="Only this key result's initiatives.")
    sprint_id: Id | None = Field(None, description="Only those planned into this sprint.")
    team_id: Id | None = Field(None, description="Only those of this team's objectives.")
    status: InitiativeStatusName | None = None


class InitiativeIn(Schema):
    title: InitiativeTitle
    description: LongText = ""
    owner_id: Id | None = Field(None, description="Default: nobody yet.")
    status: InitiativeStatusName = "planned"
    due_date: Day | None = None
    link_url: str = Field(
        "",
        json_schema_extra=LINK_BOUNDS,
        description="An issue in GitHub, GitLab or Jira (http or https); empty for none. Shown by its key.",
    )
    sprint_id: Id | None = Field(None, description="Plan it straight into this sprint of the key result's cycle.")


class InitiativePatch(Schema):
    title: InitiativeTitle | None = None
    description: LongText | None = None
    owner_id: Id | None = Field(None, description="`null` takes the owner off.")
    status: InitiativeStatusName | None = Field(None, description="`done` records `done_at`.")
    due_date: Day | None = Field(None, description="`null` clears it.")
    link_url: str | None = Field(None, json_schema_extra=LINK_BOUNDS, description="Empty to remove the link.")


class PlanIn(Schema):
    sprint_id: Id | None = Field(description="A sprint of the key result's cycle not yet over; null: the backlog.")


class BlockerOut(Schema):
    text: str
    day: dt.date
    author: str


class SprintRowOut(Schema):
    key_result_id: int
    title: str
    objective_id: int
    status: StatusName
    progress: float
    expected: float
    confidence_trend: list[int] = Field(description="The last check-ins' confidence (stored 0–10), oldest first.")
    blockers: list[BlockerOut] = Field(description="Blockers raised in standups on it in the last 14 days.")
    planned: list[InitiativeOut] = Field(description="Its initiatives in this sprint.")
    backlog: list[InitiativeOut] = Field(description="Its open initiatives in no sprint.")


class LastSprintOut(Schema):
    initiative_id: int
    title: str
    done: bool = Field(description="Done by the last sprint's final day.")


class SprintPlanOut(Schema):
    team_id: int
    sprint_id: int
    sprint_number: int
    start_date: dt.date
    end_date: dt.date
    goal: str
    key_results: list[SprintRowOut] = Field(
        description="Behind pace first, then at risk, stale, not started, on track."
    )
    last_sprint: list[LastSprintOut] = Field(description="What was planned into the sprint before, and what got done.")


class GoalIn(Schema):
    goal: str = Field(max_length=services.MAX_GOAL)


class GoalOut(Schema):
    team_id: int
    sprint_id: int
    goal: str


def initiative_out(i: Initiative) -> dict[str, Any]:
    return {
        "id": i.pk,
        "key_result_id": i.key_result_id,
        "title": i.title,
        "description": i.description,
        "owner_id": i.owner_id,
        "status": i.status,
        "due_date": i.due_date,
        "link_url": i.link_url,
        "link_key": i.link_key,
        "sprint_id": i.sprint_id,
        "sprint_number": i.sprint.number if i.sprint_id and i.sprint else None,
        "position": i.position,
        "done_at": i.done_at,
        "counts_toward_progress": False,
    }


@router.get("/initiatives", response=reads(page_of(InitiativeOut)), operation_id="initiative_list")
def initiative_list(request: HttpRequest, filters: Query[InitiativeFilter], page: Query[PageQuery]) -> Any:
    """The initiatives the caller may see (those of key results they may see), by id."""
    actor = actor_of(request)
    kr = resolve_optional(
        "key_result_id", filters.key_result_id, key_result_get, actor=actor, key_result_id=filters.key_result_id
    )
    sprint = resolve_optional("sprint_id", filters.sprint_id, sel.sprint_get, actor=actor, sprint_id=filters.sprint_id)
    team = resolve_optional("team_id", filters.team_id, acc.team_get, actor=actor, team_id=filters.team_id)
    qs = sel.initiative_list(actor=actor, key_result=kr, sprint=sprint, team=team, status=filters.status)
    rows, nxt = paginate(qs, page)
    return as_page([initiative_out(i) for i in rows], nxt)


@router.get("/initiatives/{initiative_id}", response=reads(InitiativeOut), operation_id="initiative_get")
def initiative_get(request: HttpRequest, initiative_id: Id) -> Any:
    """One initiative."""
    return initiative_out(sel.initiative_get(actor=actor_of(request), initiative_id=initiative_id))


@router.post(
    "/key-results/{key_result_id}/initiatives", response=writes(InitiativeOut, 201), operation_id="initiative_create"
)
def initiative_create(request: HttpRequest, key_result_id: Id, payload: InitiativeIn) -> Any:
    """Add an initiative to a key result (its owner, the objective's owner or team lead, a champion)."""
    actor = actor_of(request)
    kr = key_result_get(actor=actor, key_result_id=key_result_id)
    owner = resolve_optional(
        "owner_id", payload.owner_id, acc.membership_get, actor=actor, membership_id=payload.owner_id
    )
    sprint = resolve_optional("sprint_id", payload.sprint_id, sel.sprint_get, actor=actor, sprint_id=payload.sprint_id)
    initiative = services.initiative_create(
        actor=actor,
        key_result=kr,
        title=payload.title,
        description=payload.description,
        owner=owner,
        status=payload.status,
        due_date=payload.due_date,
        link_url=payload.link_url,
        sprint=sprint,
    )
    return Status(201, initiative_out(initiative))


@router.patch("/initiatives/{initiative_id}", response=writes(InitiativeOut), operation_id="initiative_update")
def initiative_update(request: HttpRequest, initiative_id: Id, payload: InitiativePatch) -> Any:
    """Change an initiative (send only the fields that change)."""
    actor = actor_of(request)
    initiative = sel.initiative_get(actor=actor, initiative_id=initiative_id)
    fields = changed(payload)
    if "owner_id" in fields:
        owner_id = fields.pop("owner_id")
        fields["owner"] = resolve_optional(
            "owner_id", owner_id, acc.membership_get, actor=actor, membership_id=owner_id
        )
    for name in ("title", "status", "description", "link_url"):
        if name in fields and fields[name] is None:
            fields.pop(name)
    return initiative_out(services.initiative_update(actor=actor, initiative=initiative, **fields))


@router.delete("/initiatives/{initiative_id}", response=writes(None, 204), operation_id="initiative_delete")
def initiative_delete(request: HttpRequest, initiative_id: Id) -> Any:
    """Delete an initiative."""
    actor = actor_of(request)
    services.initiative_delete(actor=actor, initiative=sel.initiative_get(actor=actor, initiative_id=initiative_id))
    return Status(204, None)


@router.post("/initiatives/{initiative_id}/plan", response=writes(InitiativeOut), operation_id="initiative_plan")
def initiative_plan(request: HttpRequest, initiative_id: Id, payload: PlanIn) -> Any:
    """Plan an initiative into a sprint of its key result's cycle (not one already over), or take it
    out of its sprint with `sprint_id: null`."""
    actor = actor_of(request)
    initiative = sel.initiative_get(actor=actor, initiative_id=initiative_id)
    sprint = resolve_optional("sprint_id", payload.sprint_id, sel.sprint_get, actor=actor, sprint_id=payload.sprint_id)
    return initiative_out(services.initiative_plan(actor=actor, initiative=initiative, sprint=sprint))


class OrderOut(Schema):
    items: list[InitiativeOut]


class OrderIn(Schema):
    initiative_ids: list[Id] = Field(description="Every initiative of the key result, once each, in the new order.")


@router.put(
    "/key-results/{key_result_id}/initiatives/order",
    response=writes(OrderOut),
    operation_id="initiative_reorder",
)
def initiative_reorder(request: HttpRequest, key_result_id: Id, payload: OrderIn) -> Any:
    """Put a key result's initiatives in a new order (as a sprint plan lists them)."""
    actor = actor_of(request)
    kr = key_result_get(actor=actor, key_result_id=key_result_id)
    services.initiative_reorder(actor=actor, key_result=kr, ordered_ids=payload.initiative_ids)
    rows = sel.initiative_list(actor=actor, key_result=kr).order_by("position", "pk")
    return {"items": [initiative_out(i) for i in rows]}


def _row_out(row: sel.BoardRow) -> dict[str, Any]:
    return {
        "key_result_id": row.key_result.pk,
        "title": row.key_result.title,
        "objective_id": row.objective.pk,
        "status": row.metrics.status,
        "progress": row.metrics.progress,
        "expected": row.metrics.expected,
        "confidence_trend": row.confidence_trend,
        "blockers": [{"text": b.text, "day": b.day, "author": b.author} for b in row.blockers],
        "planned": [initiative_out(i) for i in row.planned],
        "backlog": [initiative_out(i) for i in row.backlog],
    }


@router.get("/teams/{team_id}/sprints/{sprint_id}/plan", response=reads(SprintPlanOut), operation_id="sprint_plan_get")
def sprint_plan_get(request: HttpRequest, team_id: Id, sprint_id: Id) -> Any:
    """A team's plan for a sprint: its key results of the sprint's cycle, behind pace first, each with
    progress, confidence trend, recent blockers and its initiatives in the sprint and in the backlog."""
    actor = actor_of(request)
    team = acc.team_get(actor=actor, team_id=team_id)
    sprint = sel.sprint_get(actor=actor, sprint_id=sprint_id)
    board = sel.sprint_board(actor=actor, team=team, cycle=sprint.cycle, sprint=sprint)
    return {
        "team_id": team.pk,
        "sprint_id": sprint.pk,
        "sprint_number": sprint.number,
        "start_date": sprint.start_date,
        "end_date": sprint.end_date,
        "goal": board.goal,
        "key_results": [_row_out(r) for r in board.rows],
        "last_sprint": [
            {"initiative_id": line.initiative.pk, "title": line.initiative.title, "done": line.done}
            for line in board.last_sprint
        ],
    }


@router.put("/teams/{team_id}/sprints/{sprint_id}/goal", response=writes(GoalOut), operation_id="sprint_goal_set")
def sprint_goal_set(request: HttpRequest, team_id: Id, sprint_id: Id, payload: GoalIn) -> Any:
    """Set the team's goal for a sprint (the team's leads, champions and admins)."""
    actor = actor_of(request)
    team = resolve("team_id", acc.team_get, actor=actor, team_id=team_id)
    sprint = sel.sprint_get(actor=actor, sprint_id=sprint_id)
    plan = services.sprint_goal_set(actor=actor, team=team, sprint=sprint, goal=payload.goal)
    return {"team_id": team.pk, "sprint_id": sprint.pk, "goal": plan.goal}
