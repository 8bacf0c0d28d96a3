from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from ambit.accounts.models import CheckInCadence
from ambit.okrs.models import Cycle, CycleKind, CycleState, KeyResult
from tests.builders import World, key_results_for
from tests.notify.helpers import probe  # noqa: F401  (the fixture)


@dataclass
class Season:
    """Acme in Berlin, reminders on Fridays at 10:00, a cycle from September 2026 to April 2027
    (both daylight-saving changes inside it), the member owning two key results and the lead one."""

    world: World
    cycle: Cycle
    member_krs: list[KeyResult]
    lead_krs: list[KeyResult]


def build_season(world: World, *, cadence: str = CheckInCadence.WEEKLY) -> Season:
    org = world.org
    org.time_zone = "Europe/Berlin"
    org.reminder_weekday = 4
    org.reminder_hour = 10
    org.checkin_cadence = cadence
    org.save()
    cycle = Cycle.objects.create(
        organisation=org,
        name="Autumn to spring",
        kind=CycleKind.CUSTOM,
        start_date=dt.date(2026, 9, 1),
        end_date=dt.date(2027, 4, 30),
        state=CycleState.ACTIVE,
    )
    member_krs = key_results_for(world.member, cycle, world.admin, 2, prefix="Grow signups")
    lead_krs = key_results_for(world.lead, cycle, world.admin, 1, prefix="Cut latency")
    return Season(world, cycle, member_krs, lead_krs)


@pytest.fixture
def season(world: World) -> Season:
    return build_season(world)
