"""Writes of initiatives and sprint plans. Pages, the API, the sheet import and the demo all call these.

Who may write an initiative: the key result's owner, the initiative's owner, whoever may edit the
key result's objective (its owner, leads of its team and the teams above, champions and admins);
viewers never. Who may set a team's sprint goal: the team's leads (and leads above it), champions
and admins. Anyone who can see the key result can read its initiatives (``selectors``).

Initiatives count toward a key result's progress only when it says so
(``KeyResult.progress_from_initiatives``): then a write that changes which of them count or are
done schedules the roll-up of its objective (``_moved_progress``), beside the audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership, Team
from ambit.core.audit import audit_record, diff
from ambit.core.models import AuditAction
from ambit.core.permissions import can_edit_objective, require_same_org, require_writer
from ambit.core.validation import MAX_LONG_TEXT, clean_text
from ambit.dashboards.selectors import org_today
from ambit.initiatives.links import clean_link
from ambit.initiatives.models import Initiative, InitiativeStatus, SprintEntry, SprintPlan
from ambit.okrs import rollups
from ambit.okrs.models import KeyResult, Objective, Sprint
from ambit.trash.services import move_to_trash

MAX_INITIATIVE_TITLE = 200
MAX_GOAL = 2_000
WRITE_DENIED = (
    "Only the key result's owner, the initiative's owner, the objective's owner or team lead, "
    "or a champion may change initiatives."
)
GOAL_DENIED = "Only the team's leads, champions and admins may set the sprint goal."
EDITABLE = ("title", "description", "owner", "status", "due_date", "link_url")


def can_write_initiatives(
    actor: Membership, key_result: KeyResult, objective: Objective | None = None, initiative: Initiative | None = None
) -> bool:
    """Whether ``actor`` may add, change or plan initiatives of ``key_result`` (or this one)."""
    if actor.organisation_id != key_result.organisation_id or not actor.can_write:
        return False
    if key_result.owner_id == actor.pk or (initiative is not None and initiative.owner_id == actor.pk):
        return True
    return can_edit_objective(actor, objective or key_result.objective)


def require_can_write(actor: Membership, key_result: KeyResult, initiative: Initiative | None = None) -> None:
    require_same_org(actor, key_result.organisation_id)
    require_writer(actor)
    if not can_write_initiatives(actor, key_result, initiative=initiative):
        raise PermissionDenied(WRITE_DENIED)


def can_set_sprint_goal(actor: Membership, team: Team) -> bool:
    if actor.organisation_id != team.organisation_id or not actor.can_write:
        return False
    return actor.is_org_wide_editor or team.pk in actor.led_team_ids()


def _today(actor: Membership, today: dt.date | None) -> dt.date:
    return today if today is not None else org_today(actor.organisation)


def _clean_fields(actor: Membership, values: dict[str, Any]) -> dict[str, Any]:
    """The editable fields given, validated (one message per field, the same on every surface)."""
    out: dict[str, Any] = {}
    if "title" in values:
        out["title"] = clean_text(
            values["title"], field="title", label="title", max_length=MAX_INITIATIVE_TITLE, required=True
        )
    if "description" in values:
        out["description"] = clean_text(
            values["description"], field="description", label="description", max_length=MAX_LONG_TEXT
        )
    if "owner" in values:
        owner = values["owner"]
        if owner is not None and (
            not isinstance(owner, Membership) or owner.organisation_id != actor.organisation_id or not owner.is_active
        ):
            raise ValidationError({"owner": "Choose an owner from the organisation's people."})
        out["owner"] = owner
    if "status" in values:
        if values["status"] not in InitiativeStatus.values:
            raise ValidationError({"status": "Choose a status: planned, in progress, done or dropped."})
        out["status"] = values["status"]
    if "due_date" in values:
        due = values["due_date"]
        if due is not None and (not isinstance(due, dt.date) or not 2000 <= due.year <= 2199):
            raise ValidationError({"due_date": "Enter the due date as a date (YYYY-MM-DD), or leave it empty."})
        out["due_date"] = due
    if "link_url" in values:
        out["link_url"] = clean_link(values["link_url"])
    return out


def _check_sprint(key_result: KeyResult, sprint: Sprint, today: dt.date) -> None:
    objective = key_result.objective
    if sprint.organisation_id != key_result.organisation_id or sprint.cycle_id != objective.cycle_id:
        raise ValidationError({"sprint": "Plan it into a sprint of the key result's cycle."})
    if sprint.end_date < today:
        ended = f"Sprint {sprint.number} ended on {sprint.end_date:%-d %b}"
        raise ValidationError({"sprint": f"{ended}: plan into this sprint or a later one."})


def _moved_progress(key_result: KeyResult) -> None:
    """The key result counts its initiatives: recompute its objective's roll-up on commit."""
    if key_result.progress_from_initiatives:
        rollups.schedule_key_result(key_result)


def _set_done_at(initiative: Initiative, status: str, fields: list[str]) -> None:
    if status == InitiativeStatus.DONE and initiative.done_at is None:
        initiative.done_at = timezone.now()
        fields.append("done_at")
    elif status != InitiativeStatus.DONE and initiative.done_at is not None:
        initiative.done_at = None
        fields.append("done_at")


@transaction.atomic
def initiative_create(
    *,
    actor: Membership,
    key_result: KeyResult,
    title: str,
    description: str = "",
    owner: Membership | None = None,
    status: str = InitiativeStatus.PLANNED,
    due_date: dt.date | None = None,
    link_url: str = "",
    sprint: Sprint | None = None,
    today: dt.date | None = None,
) -> Initiative:
    """Add an initiative to ``key_result`` (optionally planned straight into ``sprint``)."""
    require_can_write(actor, key_result)
    if key_result.is_cancelled:
        raise ValidationError({"key_result": "This key result is cancelled: add initiatives to a live one."})
    clean = _clean_fields(
        actor,
        {
            "title": title,
            "description": description,
            "owner": owner,
            "status": status,
            "due_date": due_date,
            "link_url": link_url,
        },
    )
    if sprint is not None:
        _check_sprint(key_result, sprint, _today(actor, today))
    last = Initiative.objects.filter(key_result=key_result).order_by("-position").values_list("position", flat=True)
    initiative = Initiative(
        organisation_id=key_result.organisation_id,
        key_result=key_result,
        sprint=sprint,
        position=(last.first() or 0) + 1,
        **clean,
    )
    if initiative.status == InitiativeStatus.DONE:
        initiative.done_at = timezone.now()
    initiative.save()
    if sprint is not None:
        SprintEntry.objects.create(
            organisation_id=initiative.organisation_id, sprint=sprint, initiative=initiative, planned_by=actor
        )
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.INITIATIVE_CREATE,
        obj=initiative,
        changes={
            "key_result": [None, key_result.pk],
            "title": [None, initiative.title],
            "status": [None, initiative.status],
            "owner": [None, initiative.owner_id],
            "sprint": [None, initiative.sprint_id],
        },
    )
    _moved_progress(key_result)
    return initiative


@transaction.atomic
def initiative_update(*, actor: Membership, initiative: Initiative, **values: Any) -> Initiative:
    """Change any of title, description, owner, status, due_date, link_url (only those given).
    Marking it done records when (``done_at``); moving it out of done clears that."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be changed here."})
    key_result = initiative.key_result
    require_can_write(actor, key_result, initiative)
    clean = _clean_fields(actor, values)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    fields: list[str] = []
    for name, value in clean.items():
        current = getattr(initiative, name)
        if current != value:
            before[name] = current.pk if isinstance(current, Membership) else current
            after[name] = value.pk if isinstance(value, Membership) else value
            setattr(initiative, name, value)
            fields.append(name)
    if "status" in fields:
        _set_done_at(initiative, initiative.status, fields)
    if not fields:
        return initiative
    initiative.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.INITIATIVE_UPDATE,
        obj=initiative,
        changes=diff(before, after),
    )
    if "status" in fields:
        _moved_progress(key_result)
    return initiative


def initiative_set_status(*, actor: Membership, initiative: Initiative, status: str) -> Initiative:
    """Move an initiative along (planned → in progress → done, or dropped)."""
    return initiative_update(actor=actor, initiative=initiative, status=status)


@transaction.atomic
def initiative_delete(*, actor: Membership, initiative: Initiative) -> None:
    require_can_write(actor, initiative.key_result, initiative)
    # Into the trash, with its sprint record: its owner or an admin restores it within 30 days.
    url = reverse("okrs:objective-detail", args=[initiative.key_result.objective_id])
    move_to_trash(actor=actor, obj=initiative, label=initiative.title, url=url)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.INITIATIVE_DELETE,
        obj=initiative,
        changes={"key_result": [initiative.key_result_id, None], "title": [initiative.title, None]},
    )
    _moved_progress(initiative.key_result)
    initiative.delete()


@transaction.atomic
def initiative_plan(
    *, actor: Membership, initiative: Initiative, sprint: Sprint | None, today: dt.date | None = None
) -> Initiative:
    """Plan ``initiative`` into ``sprint`` (a sprint of its key result's cycle, not yet over), or
    take it out of its sprint (``sprint=None``: back to the backlog).

    The sprint it leaves keeps its record (``SprintEntry``) once that sprint has ended, so the
    next planning still reads what was planned and what got done; leaving a sprint still running
    takes it out of that sprint's plan."""
    key_result = initiative.key_result
    require_can_write(actor, key_result, initiative)
    day = _today(actor, today)
    if sprint is not None:
        _check_sprint(key_result, sprint, day)
    previous: Sprint | None = initiative.sprint
    if (previous.pk if previous else None) == (sprint.pk if sprint else None):
        return initiative
    if previous is not None and previous.end_date >= day:
        SprintEntry.objects.filter(sprint=previous, initiative=initiative).delete()
    if sprint is not None:
        SprintEntry.objects.get_or_create(
            sprint=sprint,
            initiative=initiative,
            defaults={"organisation_id": initiative.organisation_id, "planned_by": actor},
        )
    initiative.sprint = sprint
    initiative.save(update_fields=["sprint", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.SPRINT_PLAN,
        obj=initiative,
        changes={
            "sprint": [previous.pk if previous else None, sprint.pk if sprint else None],
            "sprint_number": [previous.number if previous else None, sprint.number if sprint else None],
        },
    )
    return initiative


@transaction.atomic
def initiative_reorder(*, actor: Membership, key_result: KeyResult, ordered_ids: Sequence[int]) -> list[Initiative]:
    """Put the key result's initiatives in this order (every one of them, each once)."""
    require_can_write(actor, key_result)
    current = list(Initiative.objects.select_for_update().filter(key_result=key_result).order_by("position", "pk"))
    if sorted(ordered_ids) != sorted(i.pk for i in current) or len(set(ordered_ids)) != len(ordered_ids):
        raise ValidationError({"order": "List every initiative of this key result once, in the new order."})
    before = [i.pk for i in current]
    if before == list(ordered_ids):
        return current
    by_id = {i.pk: i for i in current}
    now = timezone.now()
    ordered = [by_id[pk] for pk in ordered_ids]
    for position, initiative in enumerate(ordered, start=1):
        initiative.position = position
        initiative.updated_at = now
    Initiative.objects.bulk_update(ordered, ["position", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.INITIATIVE_UPDATE,
        obj=key_result,
        changes={"initiative_order": [before, list(ordered_ids)]},
    )
    return ordered


@transaction.atomic
def sprint_goal_set(*, actor: Membership, team: Team, sprint: Sprint, goal: str) -> SprintPlan:
    """Set the team's goal for ``sprint`` (its leads, champions and admins)."""
    require_same_org(actor, team.organisation_id)
    require_same_org(actor, sprint.organisation_id)
    require_writer(actor)
    if not can_set_sprint_goal(actor, team):
        raise PermissionDenied(GOAL_DENIED)
    text = clean_text(goal, field="goal", label="sprint goal", max_length=MAX_GOAL)
    plan, _ = SprintPlan.objects.select_for_update().get_or_create(
        team=team, sprint=sprint, defaults={"organisation_id": team.organisation_id}
    )
    if plan.goal == text:
        return plan
    before = plan.goal
    plan.goal = text
    plan.save(update_fields=["goal", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.SPRINT_UPDATE,
        obj=plan,
        changes={"team": [team.pk, team.pk], "sprint": [sprint.pk, sprint.pk], "goal": [before, text]},
    )
    return plan
