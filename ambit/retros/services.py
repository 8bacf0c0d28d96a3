"""Writes of reflections and dependencies. Pages, the API and the demo call these; each checks the
permission, runs in one transaction, saves only what changed and writes its audit entry.

Who may do what (``rules`` answers the same questions for the pages):

- an objective's reflection: whoever may edit the objective (its owner, the lead of its team or
  of its owner, champions and admins), while its cycle is active or in review;
- a team's reflection for a cycle: the team's leads (and the leads above it), champions and
  admins, on the same cycles;
- a dependency of an objective: whoever may edit the objective, unless its cycle is closed.

A closed cycle's reflections and dependencies are kept as they were: read-only.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from ambit.accounts.models import Membership, Team
from ambit.core.audit import audit_record
from ambit.core.errors import Conflict
from ambit.core.models import AuditAction
from ambit.core.permissions import VIEWER_DENIED, require_can_edit_objective, require_same_org
from ambit.core.validation import TextRule, clean_texts
from ambit.okrs.models import Cycle, CycleState, KeyResult, Objective
from ambit.retros import rules
from ambit.retros.models import ANSWER_FIELDS, REQUIRED_FIELDS, Dependency, ObjectiveReflection, TeamReflection

MAX_ANSWER = 4_000
MAX_NOTE = 1_000
REFLECTION_RULES = {
    "achieved": TextRule(MAX_ANSWER, label="answer to “did we achieve our goals?”"),
    "aligned": TextRule(MAX_ANSWER, label="answer to “were they well aligned?”"),
    "dependencies": TextRule(MAX_ANSWER, label="answer to “did we capture all dependencies?”"),
    "unexpected": TextRule(MAX_ANSWER, label="answer to “what changed unexpectedly, and why?”"),
    "lessons": TextRule(MAX_ANSWER, label="lessons learned"),
}
NOTE_RULE = {"note": TextRule(MAX_NOTE, label="note")}
ANSWER_REQUIRED = "Answer this question: the reflection is saved with all four answered."
TEAM_DENIED = "Only the team's leads, OKR champions and admins write the team's reflection."
DEPENDENCY_TARGET = "Pick exactly one: an objective or a key result of another team."
DEPENDENCY_SAME_TEAM = "Pick another team's objective or key result: work inside the team is part of its own plan."
DEPENDENCY_TAKEN = "This objective already depends on it."
DEPENDENCY_CLOSED = "The cycle is closed: its dependencies are kept as they were."


def _clean_answers(values: dict[str, Any]) -> dict[str, str]:
    """The answers cleaned by the shared text rule, the four questions required: every mistake
    at once, so the form shows them all."""
    errors: dict[str, list[str]] = {}
    try:
        cleaned = clean_texts(values, REFLECTION_RULES)
    except ValidationError as exc:
        errors, cleaned = dict(exc.message_dict), {}
    for name in REQUIRED_FIELDS:
        if name not in errors and not (cleaned.get(name) if cleaned else str(values.get(name) or "").strip()):
            errors[name] = [ANSWER_REQUIRED]
    if errors:
        raise ValidationError(errors)
    return {name: cleaned[name] for name in ANSWER_FIELDS}


def _save(
    reflection: ObjectiveReflection | TeamReflection, values: dict[str, str], actor: Membership, created: bool
) -> dict[str, list[Any]]:
    """Set the answers; save what changed (all of it when new); return the audit diff."""
    if created:
        for name, value in values.items():
            setattr(reflection, name, value)
        reflection.author = actor
        reflection.save()
        return {name: [None, value] for name, value in values.items()}
    changes = {n: [getattr(reflection, n), v] for n, v in values.items() if getattr(reflection, n) != v}
    if changes:
        for name in changes:
            setattr(reflection, name, values[name])
        reflection.author = actor
        reflection.save(update_fields=[*changes, "author", "updated_at"])
    return changes


@transaction.atomic
def objective_reflection_save(
    *,
    actor: Membership,
    objective: Objective,
    achieved: str,
    aligned: str,
    dependencies: str,
    unexpected: str,
    lessons: str = "",
) -> ObjectiveReflection:
    """Write or rewrite the reflection on ``objective`` (the four questions, then lessons)."""
    require_can_edit_objective(actor, objective)
    cycle = Cycle.objects.select_for_update().get(pk=objective.cycle_id)
    rules.require_reflection_open(cycle)
    values = _clean_answers(
        {
            "achieved": achieved,
            "aligned": aligned,
            "dependencies": dependencies,
            "unexpected": unexpected,
            "lessons": lessons,
        }
    )
    existing = ObjectiveReflection.objects.select_for_update().filter(objective=objective).first()
    reflection = existing or ObjectiveReflection(organisation_id=objective.organisation_id, objective=objective)
    changes = _save(reflection, values, actor, created=existing is None)
    if changes:
        audit_record(
            actor=actor,
            organisation=actor.organisation,
            action=AuditAction.OBJECTIVE_REFLECTION_SAVE,
            obj=reflection,
            changes={"objective": [objective.pk, objective.pk], **changes},
        )
    return reflection


@transaction.atomic
def team_reflection_save(
    *,
    actor: Membership,
    cycle: Cycle,
    team: Team,
    achieved: str,
    aligned: str,
    dependencies: str,
    unexpected: str,
    lessons: str = "",
) -> TeamReflection:
    """Write or rewrite ``team``'s reflection on ``cycle``."""
    require_same_org(actor, cycle.organisation_id)
    require_same_org(actor, team.organisation_id)
    if not actor.can_write:
        raise PermissionDenied(VIEWER_DENIED)
    if not rules.may_write_team(actor, team.pk):
        raise PermissionDenied(TEAM_DENIED)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    rules.require_reflection_open(cycle)
    values = _clean_answers(
        {
            "achieved": achieved,
            "aligned": aligned,
            "dependencies": dependencies,
            "unexpected": unexpected,
            "lessons": lessons,
        }
    )
    existing = TeamReflection.objects.select_for_update().filter(cycle=cycle, team=team).first()
    reflection = existing or TeamReflection(organisation_id=cycle.organisation_id, cycle=cycle, team=team)
    try:
        with transaction.atomic():
            changes = _save(reflection, values, actor, created=existing is None)
    except IntegrityError:
        raise Conflict("Someone saved this team's reflection at the same moment: reload and try again.") from None
    if changes:
        audit_record(
            actor=actor,
            organisation=actor.organisation,
            action=AuditAction.TEAM_REFLECTION_SAVE,
            obj=reflection,
            changes={"cycle": [cycle.pk, cycle.pk], "team": [team.pk, team.pk], **changes},
        )
    return reflection


# --- Dependencies ------------------------------------------------------------------------------


def _target_team_id(target_objective: Objective | None, target_key_result: KeyResult | None) -> int | None:
    if target_objective is not None:
        return target_objective.team_id
    assert target_key_result is not None
    return target_key_result.objective.team_id


@transaction.atomic
def dependency_add(
    *,
    actor: Membership,
    objective: Objective,
    target_objective: Objective | None = None,
    target_key_result: KeyResult | None = None,
    note: str = "",
) -> Dependency:
    """Declare that ``objective`` depends on another team's objective or key result. The caller
    resolves the target through a selector, so an unseen or foreign target is already a 404."""
    require_can_edit_objective(actor, objective)
    if (target_objective is None) == (target_key_result is None):
        raise ValidationError({"target": DEPENDENCY_TARGET})
    target = target_objective or target_key_result
    assert target is not None
    require_same_org(actor, target.organisation_id)
    cycle = Cycle.objects.select_for_update().get(pk=objective.cycle_id)
    if cycle.is_closed:
        raise Conflict(DEPENDENCY_CLOSED)
    field = "target_objective" if target_objective is not None else "target_key_result"
    team_id = _target_team_id(target_objective, target_key_result)
    if team_id is None or team_id == objective.team_id:
        raise ValidationError({field: DEPENDENCY_SAME_TEAM})
    values = clean_texts({"note": note}, NOTE_RULE)
    taken = Dependency.objects.filter(objective=objective, **{field: target}).exists()
    if taken:
        raise Conflict(DEPENDENCY_TAKEN, field=field)
    try:
        with transaction.atomic():
            dependency = Dependency.objects.create(
                organisation_id=objective.organisation_id,
                objective=objective,
                target_objective=target_objective,
                target_key_result=target_key_result,
                note=values["note"],
                author=actor,
            )
    except IntegrityError:
        raise Conflict(DEPENDENCY_TAKEN, field=field) from None
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.DEPENDENCY_ADD,
        obj=dependency,
        changes={
            "objective": [None, objective.pk],
            "target_objective": [None, dependency.target_objective_id],
            "target_key_result": [None, dependency.target_key_result_id],
            "note": [None, dependency.note],
        },
    )
    return dependency


@transaction.atomic
def dependency_remove(*, actor: Membership, dependency: Dependency) -> None:
    """Remove a dependency (whoever may edit the objective that declared it)."""
    objective = dependency.objective
    require_can_edit_objective(actor, objective)
    if Cycle.objects.filter(pk=objective.cycle_id, state=CycleState.CLOSED).exists():
        raise Conflict(DEPENDENCY_CLOSED)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.DEPENDENCY_REMOVE,
        obj=dependency,
        changes={
            "objective": [objective.pk, None],
            "target_objective": [dependency.target_objective_id, None],
            "target_key_result": [dependency.target_key_result_id, None],
        },
    )
    dependency.delete()
