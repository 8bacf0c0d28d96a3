"""Who may write reflections and dependencies, and when: one place for the rules the services
enforce and the pages show as forms and buttons."""

from __future__ import annotations

from ambit.accounts.models import Membership
from ambit.core.errors import Conflict
from ambit.core.permissions import can_edit_objective
from ambit.okrs.models import Cycle, CycleState, Objective

# The cycle states in which reflections are written.
WRITABLE_STATES = (CycleState.ACTIVE, CycleState.REVIEW)
CLOSED = "The cycle is closed: its reflections are kept as they were, read-only."
NOT_STARTED = "The cycle has not started yet: reflect once it is running or in review."


def reflection_open(cycle: Cycle) -> bool:
    return cycle.state in WRITABLE_STATES


def require_reflection_open(cycle: Cycle) -> None:
    if cycle.state == CycleState.CLOSED:
        raise Conflict(CLOSED)
    if cycle.state not in WRITABLE_STATES:
        raise Conflict(NOT_STARTED)


def may_write_team(actor: Membership, team_id: int) -> bool:
    """A team's leads (and the leads of the teams above it), champions and admins."""
    if not actor.can_write:
        return False
    return actor.is_org_wide_editor or team_id in actor.led_team_ids()


def can_write_objective_reflection(actor: Membership, objective: Objective, cycle: Cycle) -> bool:
    return reflection_open(cycle) and can_edit_objective(actor, objective)


def can_write_team_reflection(actor: Membership, team_id: int, cycle: Cycle) -> bool:
    return reflection_open(cycle) and may_write_team(actor, team_id)


def can_manage_dependencies(actor: Membership, objective: Objective, cycle: Cycle) -> bool:
    return not cycle.is_closed and can_edit_objective(actor, objective)
