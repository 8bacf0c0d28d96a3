"""A quarter to celebrate: a company objective whose key result met its target, a department
objective that moved, a Platform team-only objective with a scored key result, a champion's
private objective (met, but hidden), Friday wins of the member (in the cycle and before it), and
another organisation's met key result."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ambit.accounts.models import Membership, Team, TeamKind
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, KeyResult, Objective
from ambit.rituals.models import ItemKind, WeekItem, WeekPlan
from tests import factories as f
from tests.builders import World, backdate


@dataclass
class Scene:
    cycle: Cycle
    department: Team
    company_obj: Objective
    activation: KeyResult  # 40 → 42 → 61 %, target 60: met, gain 0.1 → 1.0
    dept_obj: Objective
    deploys: KeyResult  # 0 → 2 → 7, target 10: gain 0.2 → 0.7
    team_obj: Objective  # Platform, team-only
    uptime: KeyResult  # stay above 99.5, now 99.9: met and scored 0.8
    private_obj: Objective
    secret: KeyResult  # the champion's private "done"
    outside: KeyResult  # Globex's, met


def _hours_ago(n: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=n)


def share_wins(member: Membership, monday: dt.date, texts: list[str]) -> WeekPlan:
    plan = WeekPlan.objects.create(
        organisation=member.organisation,
        author=member,
        week_start=monday,
        wins_shared_at=timezone.now(),
    )
    WeekItem.objects.bulk_create(
        [WeekItem(plan=plan, kind=ItemKind.WIN, position=i, text=t) for i, t in enumerate(texts)]
    )
    return plan


def build_scene(world: World) -> Scene:
    cycle = world.cycle
    department = f.TeamFactory.create(
        organisation=world.org, name="Engineering", slug="engineering", kind=TeamKind.DEPARTMENT, parent=world.company
    )
    company_obj = okrs.objective_create(
        actor=world.champion, cycle=cycle, title="Customers love onboarding", team=world.company, state="active"
    )
    activation = okrs.key_result_create(
        actor=world.champion,
        objective=company_obj,
        title="Activation rate",
        start_value=40,
        target_value=60,
        unit="%",
        owner=world.lead,
    )
    okrs.check_in_record(actor=world.lead, key_result=activation, value=42, confidence=6, at=_hours_ago(50))
    okrs.check_in_record(actor=world.lead, key_result=activation, value=61, confidence=8)
    dept_obj = okrs.objective_create(
        actor=world.champion, cycle=cycle, title="Ship faster", team=department, state="active", owner=world.lead
    )
    deploys = okrs.key_result_create(
        actor=world.champion, objective=dept_obj, title="Deploys a day", start_value=0, target_value=10
    )
    okrs.check_in_record(actor=world.champion, key_result=deploys, value=2, confidence=5, at=_hours_ago(40))
    okrs.check_in_record(actor=world.champion, key_result=deploys, value=7, confidence=6)
    team_obj = okrs.objective_create(
        actor=world.lead, cycle=cycle, title="Stay up", team=world.team, state="active", visibility="team"
    )
    uptime = okrs.key_result_create(
        actor=world.lead, objective=team_obj, title="Uptime", kind="stay_above", target_value=99.5, unit="%"
    )
    okrs.check_in_record(actor=world.lead, key_result=uptime, value=99.9, confidence=8)
    okrs.key_result_score(actor=world.lead, key_result=uptime, score=0.8, note="Two short outages")
    private_obj = okrs.objective_create(
        actor=world.champion, cycle=cycle, title="Quiet reorg", visibility="private", state="active"
    )
    secret = okrs.key_result_create(actor=world.champion, objective=private_obj, title="Secret plan", kind="binary")
    okrs.check_in_record(actor=world.champion, key_result=secret, value=1, confidence=9)
    backdate(company_obj, dept_obj, team_obj, private_obj, activation, deploys, uptime, secret, days=30)
    other_cycle = f.CycleFactory.create(organisation=world.other_org, name="Globex quarter")
    other_obj = okrs.objective_create(actor=world.outsider, cycle=other_cycle, title="Globex wins", state="active")
    outside = okrs.key_result_create(
        actor=world.outsider, objective=other_obj, title="Globex deals", start_value=0, target_value=1
    )
    okrs.check_in_record(actor=world.outsider, key_result=outside, value=1, confidence=9)
    monday = cycle.start_date - dt.timedelta(days=cycle.start_date.weekday())
    if monday + dt.timedelta(days=4) < cycle.start_date:
        monday += dt.timedelta(days=7)
    share_wins(world.member, monday, ["Closed the Initech deal", "Fixed the flaky build"])
    share_wins(world.member, monday - dt.timedelta(days=7 * 3), ["Last quarter's win"])
    return Scene(
        cycle, department, company_obj, activation, dept_obj, deploys, team_obj, uptime, private_obj, secret, outside
    )
