"""Drafts → proposed → approved, and publishing a planned cycle (issue 15, parts 3 and 7).

Every surface (the approval queue, the objective page, the meeting mode, the API and the planning
sheet) calls these services. Who approves is ``ambit.okrs.approvers`` — the same rule the queues
list by and the proposal notifications (``ambit.notify.objective_states``) are addressed by.

Proposing while the charter does not require approval is allowed: it is a "ready for review"
signal that lands in the approvers' queue, while the owner (or anyone who may edit the objective)
may still activate it directly. Every step is audited; the notifications are derived from those
audit entries by the scheduler (``OBJECTIVE_PROPOSED`` reaches the approvers, ``OBJECTIVE_ACTIVE``
and ``OBJECTIVE_SENT_BACK`` the owner), and publishing moves the cycle to *active* through
``cycle_transition``, whose audit entry makes ``notify.announcements`` and ``chat.producer``
announce it; the ``cycle.publish`` entry reaches the webhooks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from ambit.accounts.models import Membership
from ambit.core.audit import AuditAction, audit_record
from ambit.core.errors import Conflict
from ambit.core.permissions import require_can_edit_objective, require_org_editor, require_same_org, require_writer
from ambit.core.services import lock_and_refresh
from ambit.core.validation import MAX_REASON, clean_text
from ambit.okrs import rollups
from ambit.okrs.approvers import approval_refusal, approvers_for, is_council
from ambit.okrs.models import Cycle, CycleState, Objective, ObjectiveState
from ambit.okrs.services.cycles import cycle_transition

MAX_COMMENT = MAX_REASON
MAX_BULK = 200
PENDING = (ObjectiveState.DRAFT, ObjectiveState.PROPOSED)


def _require_open_cycle(objective: Objective) -> None:
    cycle = objective.cycle
    # Read the cycle's state as it is now (the objective may carry a cycle loaded earlier).
    cycle.state = Cycle.objects.values_list("state", flat=True).get(pk=cycle.pk)
    if cycle.state == CycleState.CLOSED:
        raise Conflict(f"{cycle.name} is closed: its objectives no longer change state.", field="cycle")


def _state_refusal(actor: Membership, objective: Objective) -> str | None:
    """Why ``objective`` cannot be approved in its current state (None: it can)."""
    if objective.cycle.state == CycleState.CLOSED:
        return f"{objective.cycle.name} is closed"
    if objective.state == ObjectiveState.PROPOSED:
        return None
    if objective.state == ObjectiveState.DRAFT:
        return None if is_council(actor) else "it is a draft: its owner proposes it first"
    return f"it is {objective.get_state_display().lower()}, not proposed"


def _move(actor: Membership, objective: Objective, state: str, action: AuditAction, extra: dict[str, str]) -> None:
    before = objective.state
    objective.state = state
    objective.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=action,
        obj=objective,
        changes={"state": [before, state], **extra},
    )
    rollups.schedule_objective(objective)


@transaction.atomic
def objective_propose(*, actor: Membership, objective: Objective, note: str = "") -> Objective:
    """Draft → proposed, by whoever may edit the objective (its owner, their lead, a champion)."""
    require_can_edit_objective(actor, objective)
    lock_and_refresh(objective)
    note = clean_text(note, field="note", max_length=MAX_COMMENT)
    _require_open_cycle(objective)
    if objective.state != ObjectiveState.DRAFT:
        raise Conflict(
            f"Only a draft is proposed: this objective is {objective.get_state_display().lower()}.", field="state"
        )
    _move(actor, objective, ObjectiveState.PROPOSED, AuditAction.OBJECTIVE_PROPOSED, {"note": note} if note else {})
    return objective


@transaction.atomic
def objective_approve(*, actor: Membership, objective: Objective, note: str = "") -> Objective:
    """Proposed (or draft, for a council member) → active, by one of its approvers."""
    require_same_org(actor, objective.organisation_id)
    require_writer(actor)
    lock_and_refresh(objective)
    note = clean_text(note, field="note", max_length=MAX_COMMENT)
    reason = approval_refusal(actor, objective)
    if reason is not None:
        raise PermissionDenied(reason)
    _require_open_cycle(objective)
    refused = _state_refusal(actor, objective)
    if refused is not None:
        raise Conflict(f"This objective cannot be approved: {refused}.", field="state")
    _move(actor, objective, ObjectiveState.ACTIVE, AuditAction.OBJECTIVE_ACTIVE, {"note": note} if note else {})
    return objective


def clean_comment(comment: object) -> str:
    text = clean_text(comment, field="comment", max_length=MAX_COMMENT)
    if not text:
        raise ValidationError({"comment": "Say what to change: the owner sees this comment on the objective."})
    return text


@transaction.atomic
def objective_send_back(*, actor: Membership, objective: Objective, comment: str) -> Objective:
    """Proposed → draft with a comment the owner sees on the objective until they propose again."""
    require_same_org(actor, objective.organisation_id)
    require_writer(actor)
    lock_and_refresh(objective)
    text = clean_comment(comment)
    reason = approval_refusal(actor, objective)
    if reason is not None:
        raise PermissionDenied(reason.replace("approve", "send back", 1) if "Only" in reason else reason)
    _require_open_cycle(objective)
    if objective.state != ObjectiveState.PROPOSED:
        raise Conflict(
            f"Only a proposal is sent back: this objective is {objective.get_state_display().lower()}.",
            field="state",
        )
    _move(actor, objective, ObjectiveState.DRAFT, AuditAction.OBJECTIVE_SENT_BACK, {"comment": text})
    return objective


def _bulk_ids(ids: Iterable[object]) -> list[int]:
    out: list[int] = []
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError({"objective_ids": "Give the objectives as a list of ids (whole numbers)."})
        if value not in out:
            out.append(value)
    if not out:
        raise ValidationError({"objective_ids": "Choose at least one objective to approve."})
    if len(out) > MAX_BULK:
        raise ValidationError({"objective_ids": f"Approve at most {MAX_BULK} objectives at a time."})
    return out


@transaction.atomic
def objectives_approve_many(*, actor: Membership, objective_ids: Iterable[object]) -> list[Objective]:
    """Approve several objectives at once: all of them, or none (each refusal named)."""
    require_writer(actor)
    ids = _bulk_ids(objective_ids)
    found = {
        o.pk: o
        for o in Objective.objects.select_for_update(of=("self",))
        .filter(organisation_id=actor.organisation_id, pk__in=ids)
        .select_related("cycle")
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise Http404(f"No such objective: {', '.join(str(i) for i in missing)}.")
    objectives = [found[i] for i in ids]
    approvers = approvers_for(objectives)
    denied: list[str] = []
    conflicts: list[str] = []
    for objective in objectives:
        reason = approval_refusal(actor, objective, approvers.get(objective.pk, []))
        if reason is not None:
            denied.append(f"“{objective.title}”: {reason}")
            continue
        refused = _state_refusal(actor, objective)
        if refused is not None:
            conflicts.append(f"“{objective.title}”: {refused}")
    if denied:
        raise PermissionDenied("Nothing was approved. " + " ".join(denied))
    if conflicts:
        raise Conflict("Nothing was approved. " + "; ".join(conflicts) + ".", field="objective_ids")
    for objective in objectives:
        _move(actor, objective, ObjectiveState.ACTIVE, AuditAction.OBJECTIVE_ACTIVE, {})
    return objectives


# --- Publishing a planned cycle -------------------------------------------------------------------


@dataclass
class PublishSummary:
    cycle: Cycle
    approved: int
    left_behind: list[Objective]

    @property
    def drafts(self) -> list[Objective]:
        return [o for o in self.left_behind if o.state == ObjectiveState.DRAFT]

    @property
    def proposals(self) -> list[Objective]:
        return [o for o in self.left_behind if o.state == ObjectiveState.PROPOSED]


def publish_summary(*, actor: Membership, cycle: Cycle) -> PublishSummary:
    """What publishing ``cycle`` leaves behind (drafts and proposals stay drafts) and how many
    objectives are approved (two queries)."""
    require_same_org(actor, cycle.organisation_id)
    base = Objective.objects.filter(organisation_id=actor.organisation_id, cycle=cycle)
    left = list(
        base.filter(state__in=PENDING)
        .select_related("owner__user", "team")
        .defer("description")
        .order_by("state", "level", "title", "id")
    )
    approved = base.filter(state=ObjectiveState.ACTIVE).count()
    return PublishSummary(cycle=cycle, approved=approved, left_behind=left)


@transaction.atomic
def cycle_publish(*, actor: Membership, cycle: Cycle) -> Cycle:
    """Planning → active (through ``cycle_transition``), audited as ``cycle.publish`` with what it
    left behind. Drafts and proposals stay as they are; the announcement follows from the move."""
    require_same_org(actor, cycle.organisation_id)
    require_org_editor(actor, "publish a cycle")
    lock_and_refresh(cycle)
    if cycle.state != CycleState.PLANNING:
        raise Conflict(
            f"Only a cycle in planning is published: {cycle.name} is {cycle.get_state_display().lower()}.",
            field="state",
        )
    summary = publish_summary(actor=actor, cycle=cycle)
    cycle_transition(actor=actor, cycle=cycle, state=CycleState.ACTIVE)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.CYCLE_PUBLISH,
        obj=cycle,
        changes={
            "state": [CycleState.PLANNING, CycleState.ACTIVE],
            "approved": summary.approved,
            "drafts": len(summary.drafts),
            "proposals": len(summary.proposals),
        },
    )
    return cycle
