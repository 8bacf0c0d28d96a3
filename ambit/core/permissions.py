"""Who may do what. One place for role rules, used by every service and by the pages.

- viewer: reads only;
- member: their own objectives (with the key results under them) and check-ins on the key results
  they own; owning a key result under someone else's objective lets them check in, not edit it;
- team lead: OKRs of their teams and every team below them, and their members' individual OKRs;
- champion and admin: everything in their organisation; admin alone changes charter and members.

The ``can_*`` rules answer a question (for templates and lists: see ``Objective.can_edit`` and
``KeyResult.can_check_in``); the ``require_*`` rules raise with the one message for that rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404

if TYPE_CHECKING:
    from ambit.accounts.models import Membership
    from ambit.okrs.models import KeyResult, Objective

VIEWER_DENIED = "Viewers can read but not change anything."
EDIT_OBJECTIVE_DENIED = "You may edit your own OKRs, your teams' OKRs if you lead them, or ask a champion."
CHECK_IN_DENIED = "Only the key result's owner, the objective's owner or their lead may check in."
CREATE_OBJECTIVE_DENIED = (
    "You may create your own individual OKRs, your teams' OKRs if you lead them; champions create the rest."
)
APPROVAL_DENIED = "Approval is required: your lead or a champion activates your objective."
# The states an objective is activated from (matches ``ObjectiveState``; core imports no app).
_AWAITING_ACTIVATION = ("draft", "proposed")


def require_same_org(actor: Membership, organisation_id: int | None) -> None:
    """404, never 403, for anything outside the actor's organisation: existence must not leak."""
    if not actor.is_active or organisation_id != actor.organisation_id:
        raise Http404("Not found.")


def require_writer(actor: Membership) -> None:
    if not actor.can_write:
        raise PermissionDenied(VIEWER_DENIED)


def require_org_editor(actor: Membership, what: str = "do this") -> None:
    require_writer(actor)
    if not actor.is_org_wide_editor:
        raise PermissionDenied(f"Only OKR champions and admins may {what}.")


def require_admin(actor: Membership, what: str = "do this") -> None:
    require_writer(actor)
    if not actor.is_admin:
        raise PermissionDenied(f"Only admins may {what}.")


def led_team_ids(actor: Membership) -> set[int]:
    """Ids of the teams the actor leads, with every team below them (cached on the membership)."""
    return actor.led_team_ids()


def led_member_ids(actor: Membership) -> set[int]:
    """Membership ids of people in the teams the actor leads (for individual OKRs)."""
    return actor.led_member_ids()


def can_edit_objective(actor: Membership, objective: Objective) -> bool:
    if actor.organisation_id != objective.organisation_id or not actor.can_write:
        return False
    if actor.is_org_wide_editor or objective.owner_id == actor.pk:
        return True
    if objective.team_id is not None:
        return objective.team_id in led_team_ids(actor)
    return objective.owner_id in led_member_ids(actor)


def can_check_in(actor: Membership, key_result: KeyResult, objective: Objective | None = None) -> bool:
    if actor.organisation_id != key_result.organisation_id or not actor.can_write:
        return False
    if key_result.owner_id == actor.pk:
        return True
    return can_edit_objective(actor, objective or key_result.objective)


def can_create_objective_for(actor: Membership, *, team_id: int | None, owner_id: int) -> bool:
    if not actor.can_write:
        return False
    if actor.is_org_wide_editor:
        return True
    if team_id is None:
        return owner_id == actor.pk or owner_id in led_member_ids(actor)
    return team_id in led_team_ids(actor)


def can_activate_objective(actor: Membership, objective: Objective) -> bool:
    """Whether ``actor`` may make ``objective`` active: anyone who may edit it, except that with
    approval required an owner does not approve their own draft or proposal (their lead or a
    champion does). The page offers "Activate" only when this holds, and the service enforces it."""
    if not can_edit_objective(actor, objective):
        return False
    needs_approval = (
        actor.organisation.approval_required
        and not actor.is_org_wide_editor
        and objective.owner_id == actor.pk
        and objective.state in _AWAITING_ACTIVATION
    )
    return not needs_approval


def can_set_objective_state(actor: Membership, objective: Objective, state: str) -> bool:
    """Whether ``actor`` may move ``objective`` to ``state`` (the page lists only these)."""
    return can_activate_objective(actor, objective) if state == "active" else can_edit_objective(actor, objective)


def require_can_activate_objective(actor: Membership, objective: Objective) -> None:
    require_can_edit_objective(actor, objective)
    if not can_activate_objective(actor, objective):
        raise PermissionDenied(APPROVAL_DENIED)


def can_create_objectives(actor: Membership) -> bool:
    """Whether ``actor`` may create any objective at all (at least their own individual one):
    the pages offer "New objective" exactly when this holds."""
    return can_create_objective_for(actor, team_id=None, owner_id=actor.pk)


def require_can_edit_objective(actor: Membership, objective: Objective) -> None:
    require_same_org(actor, objective.organisation_id)
    require_writer(actor)
    if not can_edit_objective(actor, objective):
        raise PermissionDenied(EDIT_OBJECTIVE_DENIED)


def require_can_check_in(actor: Membership, key_result: KeyResult, objective: Objective | None = None) -> None:
    require_same_org(actor, key_result.organisation_id)
    require_writer(actor)
    if not can_check_in(actor, key_result, objective):
        raise PermissionDenied(CHECK_IN_DENIED)


def require_can_create_objective_for(actor: Membership, *, team_id: int | None, owner_id: int) -> None:
    require_writer(actor)
    if not can_create_objective_for(actor, team_id=team_id, owner_id=owner_id):
        raise PermissionDenied(CREATE_OBJECTIVE_DENIED)
