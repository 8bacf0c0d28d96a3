"""Who may do what. One place for role rules, used by every service and by the pages.

- viewer: reads only;
- member: their own OKRs (objectives they own, key results they own, check-ins on them);
- team lead: OKRs of their teams and every team below them, and their members' individual OKRs;
- champion and admin: everything in their organisation; admin alone changes charter and members.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404

if TYPE_CHECKING:
    from ambit.accounts.models import Membership, Organisation
    from ambit.okrs.models import KeyResult, Objective


def require_same_org(actor: Membership, organisation_id: int | None) -> None:
    """404, never 403, for anything outside the actor's organisation: existence must not leak."""
    if not actor.is_active or organisation_id != actor.organisation_id:
        raise Http404("Not found.")


def require_writer(actor: Membership) -> None:
    if not actor.can_write:
        raise PermissionDenied("Viewers can read but not change anything.")


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
    cached = getattr(actor, "_led_team_ids", None)
    if cached is not None:
        return cached
    from ambit.accounts.models import Team, TeamMember

    roots = set(TeamMember.objects.filter(membership=actor, is_lead=True).values_list("team_id", flat=True))
    result = set(roots)
    if roots:
        edges = list(Team.objects.filter(organisation_id=actor.organisation_id).values_list("id", "parent_id"))
        children: dict[int, list[int]] = {}
        for tid, pid in edges:
            if pid is not None:
                children.setdefault(pid, []).append(tid)
        stack = list(roots)
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in result:
                    result.add(child)
                    stack.append(child)
    actor._led_team_ids = result  # type: ignore[attr-defined]
    return result


def led_member_ids(actor: Membership) -> set[int]:
    """Membership ids of people in the teams the actor leads (for individual OKRs)."""
    cached = getattr(actor, "_led_member_ids", None)
    if cached is not None:
        return cached
    from ambit.accounts.models import TeamMember

    teams = led_team_ids(actor)
    ids = set(TeamMember.objects.filter(team_id__in=teams).values_list("membership_id", flat=True)) if teams else set()
    actor._led_member_ids = ids  # type: ignore[attr-defined]
    return ids


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


def require_can_edit_objective(actor: Membership, objective: Objective) -> None:
    require_same_org(actor, objective.organisation_id)
    require_writer(actor)
    if not can_edit_objective(actor, objective):
        raise PermissionDenied("You may edit your own OKRs, your teams' OKRs if you lead them, or ask a champion.")


def require_can_check_in(actor: Membership, key_result: KeyResult) -> None:
    require_same_org(actor, key_result.organisation_id)
    require_writer(actor)
    if not can_check_in(actor, key_result):
        raise PermissionDenied("Only the key result's owner, the objective's owner or their lead may check in.")


def org_of(actor: Membership) -> Organisation:
    return actor.organisation
