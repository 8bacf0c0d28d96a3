"""The calendar tests' organisation: Acme (the ``world``) moved to Berlin, with check-ins on
Mondays at 9:00, and 2026 as an annual cycle over two quarters, each with its sprints. Monday
check-ins in Q1 2026 fall on both sides of the change to summer time (Sunday 29 March)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from ambit.accounts import services as accounts
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, CycleKind, CycleState
from tests.builders import World

# The feed keeps cycles that ended within a year of "today"; the tests pass this day.
TODAY = dt.date(2026, 3, 1)


@dataclass
class Year:
    annual: Cycle
    q1: Cycle
    q2: Cycle


@pytest.fixture
def berlin(world: World) -> World:
    world.org = accounts.organisation_update(
        actor=world.admin, time_zone="Europe/Berlin", reminder_weekday=0, reminder_hour=9, checkin_cadence="weekly"
    )
    for persona in (world.admin, world.champion, world.lead, world.member, world.viewer):
        persona.organisation = world.org
    return world


@pytest.fixture
def year(berlin: World) -> Year:
    champion = berlin.champion
    annual = okrs.cycle_create(
        actor=champion,
        name="2026",
        kind=CycleKind.ANNUAL,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        state=CycleState.ACTIVE,
    )
    q1 = okrs.cycle_create(
        actor=champion,
        name="Q1 2026",
        parent=annual,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 31),
        state=CycleState.ACTIVE,
    )
    q2 = okrs.cycle_create(
        actor=champion, name="Q2 2026", parent=annual, start_date=dt.date(2026, 4, 1), end_date=dt.date(2026, 6, 30)
    )
    return Year(annual=annual, q1=q1, q2=q2)
