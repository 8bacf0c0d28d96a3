"""Objectives: create, edit, move through their states, cancel, delete, score."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from ambit.accounts.models import Membership, Team
from ambit.core.audit import AuditAction, audit_record, snapshot
from ambit.core.errors import Conflict
from ambit.core.permissions import (
    can_create_objective_for,
    require_can_activate_objective,
    require_can_edit_objective,
    require_same_org,
    require_writer,
)
from ambit.core.services import apply_changes, full_clean_or_raise, lock_and_refresh
from ambit.core.validation import MAX_LONG_TEXT, MAX_REASON, MAX_TITLE, TextRule, clean_text, clean_texts
from ambit.okrs import rollups
from ambit.okrs.approvers import require_can_approve
from ambit.okrs.metrics import compute_metrics
from ambit.okrs.models import CheckIn, Cycle, CycleState, KeyResult, Objective, ObjectiveState
from ambit.okrs.selectors import key_results_prefetch
from ambit.okrs.services.alignment import alignment_add
from ambit.strategy.models import BigMove
from ambit.trash.services import move_to_trash

# The free text each entity stores, cleaned by ambit.core.validation on every surface.
OBJECTIVE_TEXT = {
    "title": TextRule(MAX_TITLE, required=True, single_line=True),
    "description": TextRule(MAX_LONG_TEXT),
}


def _level_for(team: Team | None) -> str:
    return "individual" if team is None else str(team.kind)


def _check_level_in_use(actor: Membership, team: Team | None) -> None:
    """The charter's levels decide which objectives exist: no individual ones without "individual"."""
    level, levels = _level_for(team), list(actor.organisation.levels or [])
    if level not in levels:
        fix = "choose a team" if team is None else "choose a team of a level in use"
        raise ValidationError(
            {"team": f"This organisation does not use {level} objectives (levels: {', '.join(levels)}): {fix}."}
        )


def _check_objective_refs(
    actor: Membership, *, cycle: Cycle | None, owner: Membership | None, team: Team | None, theme: BigMove | None
) -> None:
    errors: dict[str, str] = {}
    for name, ref in (("cycle", cycle), ("owner", owner), ("team", team), ("theme", theme)):
        if ref is not None and ref.organisation_id != actor.organisation_id:
            errors[name] = f"That {name} does not exist in this organisation."
    if owner is not None and not owner.is_active:
        errors["owner"] = "The owner is no longer an active member: pick someone else."
    if cycle is not None and cycle.state == CycleState.CLOSED:
        errors["cycle"] = f"{cycle.name} is closed: add OKRs to an open cycle."
    if errors:
        raise ValidationError(errors)


def check_plan_start(value: Any, cycle: Cycle) -> dt.date | None:
    """A plan start (a date or ``YYYY-MM-DD``; empty for the default) that lies within ``cycle``.

    Empty means "the later of the cycle start and the creation day", computed when read, so it
    stays right if the cycle's dates move.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    day: dt.date | None = None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            day = None
    if day is None:
        raise ValidationError({"plan_start": f"Enter the plan start as a date (YYYY-MM-DD), not “{value}”."})
    if not cycle.start_date <= day <= cycle.end_date:
        raise ValidationError(
            {
                "plan_start": (
                    f"The plan start must be a day of {cycle.name} "
                    f"({cycle.start_date.isoformat()} to {cycle.end_date.isoformat()}), not {day.isoformat()}."
                )
            }
        )
    return day


OBJECTIVE_FIELDS = (
    "title",
    "description",
    "owner",
    "team",
    "theme",
    "ambition",
    "visibility",
    "position",
    "plan_start",
)


@transaction.atomic
def objective_create(
    *,
    actor: Membership,
    cycle: Cycle,
    title: str,
    owner: Membership | None = None,
    team: Team | None = None,
    description: str = "",
    theme: BigMove | None = None,
    ambition: str = "committed",
    visibility: str = "public",
    state: str = ObjectiveState.DRAFT,
    parents: Sequence[tuple[Objective, float]] = (),
    contributors: Iterable[Membership] = (),
    source_key_result: KeyResult | None = None,
    plan_start: Any = None,
) -> Objective:
    owner = owner or actor
    require_writer(actor)
    require_same_org(actor, cycle.organisation_id)
    _check_objective_refs(actor, cycle=cycle, owner=owner, team=team, theme=theme)
    if not can_create_objective_for(actor, team_id=team.pk if team else None, owner_id=owner.pk):
        raise PermissionDenied(
            "You may create your own individual OKRs, your teams' OKRs if you lead them; champions create the rest."
        )
    _check_level_in_use(actor, team)
    if state not in (ObjectiveState.DRAFT, ObjectiveState.PROPOSED, ObjectiveState.ACTIVE):
        raise ValidationError({"state": "A new objective starts as draft, proposed or active."})
    if state == ObjectiveState.ACTIVE and actor.organisation.approval_required and not actor.is_org_wide_editor:
        state = ObjectiveState.PROPOSED
    texts = clean_texts({"title": title, "description": description}, OBJECTIVE_TEXT)
    starts = check_plan_start(plan_start, cycle)
    position = Objective.objects.filter(cycle=cycle).count()
    objective = Objective(
        organisation_id=actor.organisation_id,
        cycle=cycle,
        title=texts["title"],
        description=texts["description"],
        owner=owner,
        team=team,
        level=_level_for(team),
        theme=theme,
        ambition=ambition,
        visibility=visibility,
        state=state,
        source_key_result=source_key_result,
        position=position,
        plan_start=starts,
    )
    full_clean_or_raise(objective, exclude=["organisation"])
    objective.save()
    if contributors:
        contributors = list(contributors)
        for c in contributors:
            require_same_org(actor, c.organisation_id)
        objective.contributors.set(contributors)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.OBJECTIVE_CREATE,
        obj=objective,
        changes=snapshot(objective, ("title", "cycle", "owner", "team", "ambition", "state")),
    )
    rollups.schedule_objective(objective)
    for parent, weight in parents:
        alignment_add(actor=actor, child=objective, parent=parent, weight=weight)
    return objective


@transaction.atomic
def objective_update(*, actor: Membership, objective: Objective, **fields: Any) -> Objective:
    require_same_org(actor, objective.organisation_id)
    # Check and diff against the row as it is now: a state change or roll-up since the caller read it stays.
    lock_and_refresh(objective)
    require_can_edit_objective(actor, objective)
    if objective.state in (ObjectiveState.CLOSED, ObjectiveState.CANCELLED):
        raise Conflict(f"This objective is {objective.state}: reopen it before editing.", field="state")
    _check_objective_refs(
        actor, cycle=None, owner=fields.get("owner"), team=fields.get("team"), theme=fields.get("theme")
    )
    fields = clean_texts(fields, OBJECTIVE_TEXT)
    if "plan_start" in fields:
        fields["plan_start"] = check_plan_start(fields["plan_start"], objective.cycle)
    if "team" in fields or "owner" in fields:
        team = fields.get("team", objective.team)
        owner = fields.get("owner", objective.owner)
        if not can_create_objective_for(actor, team_id=team.pk if team else None, owner_id=owner.pk):
            raise PermissionDenied("You may not move this objective to that team or owner.")
        fields["level"] = _level_for(team)
        if (team.pk if team else None) != objective.team_id:
            _check_level_in_use(actor, team)
    changes = apply_changes(objective, fields, (*OBJECTIVE_FIELDS, "level"))
    if changes:
        full_clean_or_raise(objective, exclude=["organisation"])
        objective.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            organisation=actor.organisation,
            action=AuditAction.OBJECTIVE_UPDATE,
            obj=objective,
            changes=changes,
        )
        rollups.schedule_objective(objective)
    return objective


OBJECTIVE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ObjectiveState.DRAFT: (ObjectiveState.PROPOSED, ObjectiveState.ACTIVE),
    ObjectiveState.PROPOSED: (ObjectiveState.ACTIVE, ObjectiveState.DRAFT),
    ObjectiveState.ACTIVE: (ObjectiveState.CLOSED, ObjectiveState.DRAFT),
    ObjectiveState.CLOSED: (ObjectiveState.ACTIVE,),
    ObjectiveState.CANCELLED: (ObjectiveState.DRAFT,),
}

# What the audit log calls each move of ``objective_set_state`` (cancelling has its own service).
STATE_ACTIONS: dict[str, AuditAction] = {
    ObjectiveState.DRAFT: AuditAction.OBJECTIVE_DRAFT,
    ObjectiveState.PROPOSED: AuditAction.OBJECTIVE_PROPOSED,
    ObjectiveState.ACTIVE: AuditAction.OBJECTIVE_ACTIVE,
    ObjectiveState.CLOSED: AuditAction.OBJECTIVE_CLOSED,
}


@transaction.atomic
def objective_set_state(*, actor: Membership, objective: Objective, state: str, note: str = "") -> Objective:
    """Propose, approve (activate), send back to draft, close or reopen. Cancelling has its own service."""
    require_can_edit_objective(actor, objective)
    note = clean_text(note, field="note", max_length=MAX_REASON)
    if state == ObjectiveState.CANCELLED:
        raise ValidationError({"state": "Use cancel, with a reason, to cancel an objective."})
    allowed = OBJECTIVE_TRANSITIONS.get(objective.state, ())
    if state not in allowed:
        raise Conflict(f"A {objective.state} objective can become {', '.join(allowed)}, not {state}.", field="state")
    if state == ObjectiveState.ACTIVE:
        require_can_activate_objective(actor, objective)
        if objective.state in (ObjectiveState.DRAFT, ObjectiveState.PROPOSED) and actor.organisation.approval_required:
            # With approval required, activating a draft or a proposal is approving it: the same
            # rule as the approval services and queues (``okrs.approvers``).
            require_can_approve(actor, objective)
    before = objective.state
    objective.state = state
    if state != ObjectiveState.CANCELLED:
        objective.cancel_reason = ""
    objective.save(update_fields=["state", "cancel_reason", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=STATE_ACTIONS[state],
        obj=objective,
        changes={"state": [before, state], **({"note": note} if note else {})},
    )
    rollups.schedule_objective(objective)
    return objective


@transaction.atomic
def objective_cancel(*, actor: Membership, objective: Objective, reason: str) -> Objective:
    require_can_edit_objective(actor, objective)
    reason = clean_text(reason, field="reason", max_length=MAX_REASON)
    if not reason:
        raise ValidationError({"reason": "Say why the objective is cancelled: the reason stays in its history."})
    if objective.state == ObjectiveState.CANCELLED:
        raise Conflict("This objective is already cancelled.", field="state")
    before = objective.state
    objective.state, objective.cancel_reason = ObjectiveState.CANCELLED, reason
    objective.save(update_fields=["state", "cancel_reason", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.OBJECTIVE_CANCEL,
        obj=objective,
        changes={"state": [before, "cancelled"], "cancel_reason": ["", reason]},
    )
    rollups.schedule_objective(objective)
    return objective


@transaction.atomic
def objective_delete(*, actor: Membership, objective: Objective) -> None:
    """Delete an objective with its key results, check-ins and links into the trash
    (``ambit.trash``): its owner or an admin restores them all within 30 days."""
    require_can_edit_objective(actor, objective)
    url = reverse("okrs:objective-detail", args=[objective.pk])
    move_to_trash(actor=actor, obj=objective, label=objective.title, url=url)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.OBJECTIVE_DELETE,
        obj=objective,
        changes=snapshot(objective, ("title", "cycle", "owner", "team")),
    )
    rollups.schedule_objective(objective)  # before the delete, while its links still exist
    # A correction PROTECTs the check-in it corrects; both go, so unlink them (the trash keeps the
    # link). The base manager: the default one refuses updates, check-ins being append-only.
    CheckIn._base_manager.filter(key_result__objective=objective, corrects__isnull=False).update(corrects=None)
    Objective.objects.filter(source_key_result__objective=objective).update(source_key_result=None)
    objective.delete()


@transaction.atomic
def objective_score(*, actor: Membership, objective: Objective, score: float | None, note: str = "") -> Objective:
    """Set (or clear, with None) the end-of-cycle score that overrides the suggestion (the weighted
    mean of its key results' scores); refused once the cycle is closed, and a score more than 0.1
    from the suggestion needs a note."""
    require_can_edit_objective(actor, objective)
    if score is not None and not (0 <= score <= 1):
        raise ValidationError({"score": "A score is between 0.0 and 1.0."})
    note = clean_text(note, field="note", max_length=MAX_REASON)
    check_scores_open(objective.cycle_id)
    if score is not None and not note:
        check_score_note(score, suggested_objective_score(actor, objective), note)
    changes = apply_changes(objective, {"score": score, "score_note": note}, ("score", "score_note"))
    if changes:
        objective.save(update_fields=["score", "score_note", "updated_at"])
        audit_record(
            actor=actor,
            organisation=actor.organisation,
            action=AuditAction.OBJECTIVE_SCORE,
            obj=objective,
            changes=changes,
        )
    return objective


# --- Scoring rules shared by objectives and key results (every surface calls these services) ---

SCORES_LOCKED = "This cycle is closed: its scores are locked. An admin can reopen it from the close checklist."
SCORE_NOTE_GAP = 0.1


def score_text(value: float) -> str:
    """0.7 → "0.7", 0.75 → "0.75", 1 → "1.0": a score as people read it."""
    text = f"{value:.2f}"
    return text[:-1] if text.endswith("0") else text


def check_scores_open(cycle_id: int) -> None:
    """Scores are locked once the cycle is closed (reopening is an admin's audited action)."""
    if Cycle.objects.filter(pk=cycle_id, state=CycleState.CLOSED).exists():
        raise Conflict(SCORES_LOCKED, field="score")


def check_score_note(score: float, suggested: float | None, note: str) -> None:
    """A score further than 0.1 from the suggestion needs a note saying why."""
    if note or suggested is None or round(abs(score - suggested), 6) <= SCORE_NOTE_GAP:
        return
    raise ValidationError(
        {
            "note": f"This score is more than {SCORE_NOTE_GAP} away from the suggested {score_text(suggested)}: "
            "add a note saying why."
        }
    )


def suggested_objective_score(actor: Membership, objective: Objective) -> float | None:
    """The engine's suggestion for the objective (``metrics``: the weighted mean of its key
    results' scores, recorded or suggested); None before the cycle starts."""
    fresh = Objective.objects.select_related("cycle").prefetch_related(key_results_prefetch()).get(pk=objective.pk)
    return compute_metrics(organisation=actor.organisation, objectives=[fresh]).objective(fresh).suggested_score
