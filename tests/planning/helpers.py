"""What the planning tests share: approval switched on, and proposals built through the services."""

from __future__ import annotations

from ambit.accounts.models import Membership, Organisation
from ambit.okrs import services as okrs
from ambit.okrs.models import Objective
from ambit.planning import services
from tests.builders import World, objective_with_krs

KRS = [
    {"title": "Weekly active users", "start_value": 100, "target_value": 400, "unit": "users"},
    {"title": "p95 latency", "kind": "decrease", "start_value": 900, "target_value": 300, "unit": "ms"},
]


def approval_on(world: World) -> None:
    Organisation.objects.filter(pk=world.org.pk).update(approval_required=True)
    for persona in (world.admin, world.champion, world.lead, world.member, world.viewer):
        persona.organisation.approval_required = True


def member_proposal(world: World, title: str = "Grow as an engineer") -> Objective:
    """The member's own individual objective, proposed by them (approved by their lead)."""
    objective, _ = objective_with_krs(actor=world.member, cycle=world.cycle, title=title, key_results=KRS)
    return services.objective_propose(actor=world.member, objective=objective)


def team_proposal(
    world: World, title: str = "A platform customers trust", owner: Membership | None = None
) -> Objective:
    """Platform's objective, owned by the member, proposed by the lead (approved by the council)."""
    objective, _ = objective_with_krs(
        actor=world.lead, cycle=world.cycle, title=title, team=world.team, owner=owner or world.member, key_results=KRS
    )
    return services.objective_propose(actor=world.lead, objective=objective)


def state_of(objective: Objective) -> str:
    return str(Objective.objects.values_list("state", flat=True).get(pk=objective.pk))


def close(world: World) -> None:
    from ambit.okrs.models import Cycle

    Cycle.objects.filter(pk=world.cycle.pk).update(state="closed")
    world.cycle.state = "closed"


__all__ = ["approval_on", "close", "member_proposal", "okrs", "state_of", "team_proposal"]
