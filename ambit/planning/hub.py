"""The planning page (``/planning/``): one cycle's quarter planning as the seeds run it, step by
step (seed 003 phase 1, seed 002's readiness, seed 000's quarterly meeting), with where each step
stands and the way to it. It only reads: every step's own page does the work."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count

from ambit.accounts.models import Membership
from ambit.okrs.models import Cycle, CycleState, ObjectiveState
from ambit.okrs.selectors import cycle_current, cycle_list, objective_list
from ambit.planning.selectors import approval_queue, my_proposals

# The objective states planning moves through, in order, with how the page names them.
PLANNING_STATES = (
    (ObjectiveState.DRAFT, "Drafts"),
    (ObjectiveState.PROPOSED, "Proposed"),
    (ObjectiveState.ACTIVE, "Approved"),
)


@dataclass
class StateCount:
    state: str
    label: str
    count: int
    share: float


@dataclass
class Hub:
    cycle: Cycle
    today: dt.date
    counts: list[StateCount] = field(default_factory=list)
    total: int = 0
    waiting_for_me: int = 0
    my_open_proposals: int = 0
    set_up_done: bool = True

    @property
    def days_to_start(self) -> int:
        return (self.cycle.start_date - self.today).days

    @property
    def days_since_start(self) -> int:
        return -self.days_to_start

    @property
    def is_planning(self) -> bool:
        return self.cycle.state == CycleState.PLANNING


def planning_cycle(*, actor: Membership) -> Cycle | None:
    """The cycle planning is about when none is chosen: the next one in planning (not an annual
    cycle: quarters are what teams plan), else the current one."""
    planning = cycle_list(actor=actor, state=CycleState.PLANNING).exclude(kind="annual").first()
    return planning or cycle_current(actor=actor)


def planning_hub(*, actor: Membership, cycle: Cycle, today: dt.date) -> Hub:
    """The numbers each step shows: the objectives the actor can see in ``cycle`` by state (one
    query), the proposals waiting for them and their own still open."""
    rows = (
        objective_list(actor=actor, cycle=cycle, with_key_results=False)
        .order_by()
        .values("state")
        .annotate(n=Count("id"))
    )
    by_state = {r["state"]: r["n"] for r in rows}
    total = sum(by_state.get(s, 0) for s, _ in PLANNING_STATES)
    hub = Hub(cycle=cycle, today=today, total=total)
    hub.counts = [
        StateCount(state=s, label=label, count=by_state.get(s, 0), share=(by_state.get(s, 0) / total) if total else 0.0)
        for s, label in PLANNING_STATES
    ]
    hub.waiting_for_me = len(approval_queue(actor=actor))
    hub.my_open_proposals = sum(1 for r in my_proposals(actor=actor) if r.objective.state != ObjectiveState.ACTIVE)
    hub.set_up_done = actor.organisation.setup_completed_at is not None
    return hub
