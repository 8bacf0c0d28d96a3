"""Check-in discipline by team and by person (``dashboards.discipline``) on a small world with a
fixed clock: weekly periods Monday–Sunday, three grace days, Wednesday 4 February 2026 at noon.

    period  P0 5–11 Jan   P1 12–18 Jan   P2 19–25 Jan   P3 26 Jan–1 Feb (grace open)   P4 (open)
    lead    a1 7 Jan      a1 20 Jan (late for P1, on time for P2)
    member  b1 8 Jan      b2 14 Jan (on time for P1, late for P0 in Sales alone)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine

from ambit.accounts.models import Membership
from ambit.dashboards.discipline import (
    ON_TIME,
    DisciplineRow,
    Period,
    discipline_by_person,
    discipline_by_team,
    discipline_timeline,
)
from ambit.okrs import services
from ambit.okrs.models import Cycle, KeyResult, Objective, Visibility
from tests import factories as f
from tests.builders import World
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2026, 2, 4, 12, 0, tzinfo=UTC)


def at(day: int, month: int = 1, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=UTC)


@dataclass
class Disciplined:
    cycle: Cycle
    platform: Objective
    sales: Objective
    a1: KeyResult
    b1: KeyResult
    b2: KeyResult
    c1: KeyResult


def check_in(world: World, kr: KeyResult, when: dt.datetime, value: int) -> None:
    with time_machine.travel(when, tick=False):
        kr.refresh_from_db()
        services.check_in_record(actor=kr.owner, key_result=kr, value=value, confidence=6)


@pytest.fixture
def disciplined(world: World) -> Disciplined:
    cycle = f.CycleFactory.create(
        organisation=world.org, name="Q1 2026", start_date=dt.date(2026, 1, 5), end_date=dt.date(2026, 3, 29)
    )
    with time_machine.travel(at(2), tick=False):
        platform = services.objective_create(
            actor=world.champion, cycle=cycle, title="Ship it", team=world.team, state="active"
        )
        sales = services.objective_create(
            actor=world.champion, cycle=cycle, title="Sell it", team=world.other_team, state="active"
        )
        a1 = services.key_result_create(
            actor=world.champion, objective=platform, title="A1", owner=world.lead, start_value=0, target_value=10
        )
        b1 = services.key_result_create(
            actor=world.champion, objective=platform, title="B1", owner=world.member, start_value=0, target_value=10
        )
        b2 = services.key_result_create(
            actor=world.champion, objective=sales, title="B2", owner=world.member, start_value=0, target_value=10
        )
    with time_machine.travel(at(21), tick=False):  # mid P2: not due before P3
        c1 = services.key_result_create(
            actor=world.champion, objective=sales, title="C1", owner=world.champion, start_value=0, target_value=10
        )
    check_in(world, a1, at(7), 1)
    check_in(world, b1, at(8), 1)
    check_in(world, b2, at(14), 1)
    check_in(world, a1, at(20), 2)
    world.org.refresh_from_db()
    cycle.refresh_from_db()
    return Disciplined(cycle, platform, sales, a1, b1, b2, c1)


def row(name: str, key: int, on: int, late: int, missed: int) -> DisciplineRow:
    total = on + late + missed
    return DisciplineRow(name, key, on, late, missed, on / total if total else None)


def name(world: World, who: str) -> str:
    m: Membership = getattr(world, who)
    return m.user.get_full_name()


def test_by_person_counts_on_time_late_and_missed_periods(world: World, disciplined: Disciplined) -> None:
    with time_machine.travel(NOW, tick=False):
        rows = discipline_by_person(disciplined.cycle)
    by_key = {r.key: r for r in rows}
    # lead: P0 on time, P1 late (20 Jan, in its grace), P2 on time; P3 and P4 still open.
    assert by_key[world.lead.pk] == row(name(world, "lead"), world.lead.pk, 2, 1, 0)
    # member: P0 (B1) and P1 (B2) on time, P2 missed (its grace ended 29 Jan).
    assert by_key[world.member.pk] == row(name(world, "member"), world.member.pk, 2, 0, 1)
    # champion's C1 came mid P2: nothing final yet.
    assert by_key[world.champion.pk].due == 0 and by_key[world.champion.pk].rate is None
    assert [r.name for r in rows] == sorted((r.name for r in rows), key=str.lower)


def test_by_team_sums_owners_over_the_teams_own_key_results(world: World, disciplined: Disciplined) -> None:
    with time_machine.travel(NOW, tick=False):
        rows = discipline_by_team(disciplined.cycle)
        only_sales = discipline_by_team(disciplined.cycle, team_ids={world.other_team.pk})
    # Platform: lead (2 on time, 1 late) + member over B1 alone (P0 on time, P1 and P2 missed).
    # Sales: member over B2 alone: P0 late (14 Jan is in P0's grace), P1 on time, P2 missed.
    assert rows == [
        row("Platform", world.team.pk, 3, 1, 2),
        row("Sales", world.other_team.pk, 1, 1, 1),
    ]
    assert only_sales == [row("Sales", world.other_team.pk, 1, 1, 1)]


def test_as_of_counts_only_periods_and_check_ins_up_to_that_day(world: World, disciplined: Disciplined) -> None:
    with time_machine.travel(NOW, tick=False):
        services.key_result_cancel(actor=world.champion, key_result=disciplined.b2, reason="Dropped")
        today = {r.key: r for r in discipline_by_person(disciplined.cycle)}
        then = {r.key: r for r in discipline_by_person(disciplined.cycle, as_of=dt.date(2026, 1, 18))}
        timeline = discipline_timeline(disciplined.cycle, owner_id=world.member.pk, as_of=dt.date(2026, 1, 18))
    # Today B2 is cancelled: the member answers for B1 alone (P0 on time, P1 and P2 missed).
    assert today[world.member.pk] == row(name(world, "member"), world.member.pk, 1, 0, 2)
    # At the end of 18 January B2 was running: P0 and P1 on time. The lead's P1 is still open.
    assert then[world.member.pk] == row(name(world, "member"), world.member.pk, 2, 0, 0)
    assert then[world.lead.pk] == row(name(world, "lead"), world.lead.pk, 1, 0, 0)
    assert world.champion.pk not in then  # C1 did not exist yet
    assert timeline == [
        Period(dt.date(2026, 1, 5), dt.date(2026, 1, 11), ON_TIME),
        Period(dt.date(2026, 1, 12), dt.date(2026, 1, 18), ON_TIME),
    ]


def test_private_objectives_count_only_for_those_who_may_see_them(world: World, disciplined: Disciplined) -> None:
    services.objective_update(actor=world.champion, objective=disciplined.sales, visibility=Visibility.PRIVATE)
    with time_machine.travel(NOW, tick=False):
        seen_by_viewer = discipline_by_team(disciplined.cycle, actor=world.viewer)
        seen_by_admin = discipline_by_team(disciplined.cycle, actor=world.admin)
    assert [r.name for r in seen_by_viewer] == ["Platform"]
    assert [r.name for r in seen_by_admin] == ["Platform", "Sales"]


def test_query_count_does_not_grow_with_people_or_periods(world: World, disciplined: Disciplined) -> None:
    with time_machine.travel(NOW, tick=False), count_queries() as few:
        discipline_by_person(disciplined.cycle, actor=world.admin)
    for i in range(5):
        extra = f.MembershipFactory.create(organisation=world.org)
        f.KeyResultFactory.create(objective=disciplined.platform, owner=extra, title=f"Extra {i}")
    with time_machine.travel(NOW + dt.timedelta(weeks=4), tick=False), count_queries() as many:
        rows = discipline_by_person(disciplined.cycle, actor=world.admin)
    assert len(rows) == 8
    assert len(few) == len(many) == 2
