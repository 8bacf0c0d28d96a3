"""A team check-in scenario on the world's Platform team: a cycle half over with a key result on
track, one at risk and one behind, check-ins before and since the last meeting."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, KeyResult, Objective
from tests import factories as f
from tests.builders import World, backdate, days_ago


@dataclass
class Scenario:
    cycle: Cycle
    objective: Objective
    on_track: KeyResult
    at_risk: KeyResult
    behind: KeyResult


def build_scenario(world: World) -> Scenario:
    today = timezone.localdate()
    cycle = f.CycleFactory.create(
        organisation=world.org,
        name="Check-in cycle",
        start_date=today - dt.timedelta(days=50),
        end_date=today + dt.timedelta(days=50),
    )
    objective = okrs.objective_create(
        actor=world.lead, cycle=cycle, title="Faster deploys", team=world.team, state="active"
    )

    def kr(title: str, owner: Membership) -> KeyResult:
        return okrs.key_result_create(
            actor=world.lead, objective=objective, title=title, start_value=0, target_value=100, owner=owner
        )

    on_track = kr("Green builds", world.member)
    at_risk = kr("Lead time cut", world.lead)
    behind = kr("Deploys a day", world.lead)
    backdate(objective, on_track, at_risk, behind)
    okrs.check_in_record(actor=world.member, key_result=on_track, value=30, confidence=6, at=days_ago(25))
    okrs.check_in_record(
        actor=world.member, key_result=on_track, value=60, confidence=8, note="Flaky tests fixed", at=days_ago(2)
    )
    okrs.check_in_record(actor=world.lead, key_result=at_risk, value=35, confidence=5, at=days_ago(1))
    okrs.check_in_record(
        actor=world.lead, key_result=behind, value=10, confidence=3, note="Pipeline still slow", at=days_ago(3)
    )
    return Scenario(cycle, objective, on_track, at_risk, behind)
