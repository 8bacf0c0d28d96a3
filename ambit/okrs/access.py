"""Loading an OKR object together with the acting member's rights on it.

The rules themselves live in ``ambit.core.permissions``; here they are applied once per object so
views state a permission once (``objective_for_edit``, healthchecks' ``_get_rw_check_for_user``)
and templates read ``objective.can_edit`` / ``objective.can_cancel`` instead of re-deriving them
from states.
"""

from __future__ import annotations

from collections.abc import Iterable

from ambit.accounts.models import Membership
from ambit.core.permissions import can_edit_objective, require_can_edit_objective
from ambit.okrs.models import Objective
from ambit.okrs.selectors import objective_get


def with_access(actor: Membership, objectives: Iterable[Objective]) -> None:
    """Record the actor's edit right on each objective (``Objective.editor``)."""
    for objective in objectives:
        objective.editor = can_edit_objective(actor, objective)


def objective_for_edit(actor: Membership, objective_id: int) -> Objective:
    """The objective (404 outside the organisation), or 403 when the actor may not edit it."""
    objective = objective_get(actor=actor, objective_id=objective_id)
    require_can_edit_objective(actor, objective)
    objective.editor = True
    return objective
