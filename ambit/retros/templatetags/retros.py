"""Reflections and dependencies shown on other apps' pages, which cannot import this app:

- ``{% objective_dependencies objective viewer %}`` on the objective page: what it depends on and
  what depends on it (one query; each side only where the viewer may see the other end);
- ``{% team_last_lessons team cycle viewer %}`` on a team's planning grid: the lessons of the
  team's most recent earlier cycle with any (two queries; nothing shown when none).
"""

from __future__ import annotations

from typing import Any

from django import template

from ambit.accounts.models import Membership, Team
from ambit.core.permissions import can_edit_objective
from ambit.okrs.models import Cycle, Objective
from ambit.retros.selectors import dependencies_of
from ambit.retros.selectors import team_last_lessons as last_lessons

register = template.Library()


def _member(viewer: Any) -> Membership | None:
    # The context's ``membership`` is a lazy proxy: its wrapped instance keeps the permission caches.
    member = getattr(viewer, "_wrapped", viewer)
    return member if isinstance(member, Membership) else None


@register.inclusion_tag("retros/partials/objective_dependencies.html")
def objective_dependencies(objective: Objective, viewer: Any) -> dict[str, Any]:
    member = _member(viewer)
    if member is None or objective.organisation_id != member.organisation_id:
        return {"deps": None}
    return {
        "objective": objective,
        "deps": dependencies_of(actor=member, objective=objective),
        "can_manage": not objective.cycle.is_closed and can_edit_objective(member, objective),
    }


@register.inclusion_tag("retros/partials/last_lessons.html")
def team_last_lessons(team: Team | None, cycle: Cycle, viewer: Any) -> dict[str, Any]:
    member = _member(viewer)
    if member is None or team is None:
        return {"lessons": None}
    return {"lessons": last_lessons(actor=member, team=team, cycle=cycle)}
