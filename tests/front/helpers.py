"""Build key results the way people do (through services) for the front-end tests."""

from __future__ import annotations

from ambit.accounts.models import Membership
from ambit.okrs import services
from ambit.okrs.models import Cycle, KeyResult, Objective, ObjectiveState


def objective_for(owner: Membership, cycle: Cycle, admin: Membership, title: str = "Delight customers") -> Objective:
    return services.objective_create(actor=admin, cycle=cycle, title=title, owner=owner, state=ObjectiveState.ACTIVE)


def key_results_for(
    owner: Membership,
    cycle: Cycle,
    admin: Membership,
    n: int = 1,
    *,
    per_objective: int = 3,
    prefix: str = "Grow signups",
) -> list[KeyResult]:
    """``n`` increase-to key results owned by ``owner``, spread over objectives of ``per_objective``."""
    krs: list[KeyResult] = []
    objective = None
    for i in range(n):
        if i % per_objective == 0:
            objective = objective_for(owner, cycle, admin, title=f"{prefix}: objective {i // per_objective + 1}")
        assert objective is not None
        krs.append(
            services.key_result_create(
                actor=admin,
                objective=objective,
                title=f"{prefix} {i + 1}",
                start_value=0,
                target_value=1000,
                unit="users",
                owner=owner,
            )
        )
    return krs
