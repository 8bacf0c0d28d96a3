"""A team's sprint: the Platform team's objective with two key results in a cycle half over, three
sprints around today (the first ended yesterday), and the organisation's local day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ambit.dashboards.selectors import org_today
from ambit.okrs.models import Cycle, KeyResult, Objective, Sprint
from tests.builders import World, backdate, objective_with_krs


@dataclass
class Board:
    objective: Objective
    kr: KeyResult  # the member's
    other_kr: KeyResult  # the lead's
    last: Sprint  # ended yesterday
    current: Sprint  # runs today
    following: Sprint
    today: dt.date


def build_board(world: World) -> Board:
    today = org_today(world.org)
    # Half over: pace expects 50% of every key result (they are backdated to the cycle's start).
    Cycle.objects.filter(pk=world.cycle.pk).update(
        start_date=today - dt.timedelta(days=50), end_date=today + dt.timedelta(days=50)
    )
    world.cycle.refresh_from_db()
    objective, (kr, other_kr) = objective_with_krs(
        actor=world.lead,
        cycle=world.cycle,
        title="Make the platform fast",
        team=world.team,
        state="active",
        key_results=[
            {"title": "Weekly users", "start_value": 0, "target_value": 100, "owner": world.member},
            {"title": "Latency p95", "kind": "decrease", "start_value": 400, "target_value": 200},
        ],
    )
    backdate(objective, kr, other_kr)
    sprints = [
        Sprint.objects.create(
            organisation=world.org,
            cycle=world.cycle,
            number=n,
            start_date=today + dt.timedelta(days=14 * (n - 2)),
            end_date=today + dt.timedelta(days=14 * (n - 1) - 1),
        )
        for n in (1, 2, 3)
    ]
    return Board(objective, kr, other_kr, sprints[0], sprints[1], sprints[2], today)
