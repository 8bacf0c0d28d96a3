"""A small OKR tree in the world's organisation, built through the services (so audit entries
exist), and a logged-in client per persona."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.okrs import services
from ambit.okrs.models import KeyResult, Objective
from ambit.strategy import services as strategy_services
from ambit.strategy.models import BigMove, Value


@dataclass
class Tree:
    big_move: BigMove
    value: Value
    company_obj: Objective
    team_obj: Objective
    member_obj: Objective
    duality_child: Objective
    latency: KeyResult
    launch: KeyResult
    member_kr: KeyResult


def build_tree(world) -> Tree:  # type: ignore[no-untyped-def]
    move = strategy_services.big_move_create(
        actor=world.champion, title="Own the mid-market", horizon_start=2026, horizon_end=2028
    )
    value = strategy_services.value_create(actor=world.champion, name="Candour", description="Say it early")
    company_obj = services.objective_create(
        actor=world.champion,
        cycle=world.cycle,
        title="Win the mid-market",
        team=world.company,
        state="active",
        theme=move,
    )
    team_obj = services.objective_create(
        actor=world.lead,
        cycle=world.cycle,
        title="A platform customers trust",
        team=world.team,
        state="active",
        parents=[(company_obj, 1.0)],
    )
    latency = services.key_result_create(
        actor=world.lead,
        objective=team_obj,
        title="p95 latency",
        kind="decrease",
        start_value=800,
        target_value=200,
        unit="ms",
    )
    launch = services.key_result_create(
        actor=world.lead,
        objective=team_obj,
        title="Launch status page",
        kind="milestones",
        milestones=["Design", "Build"],
    )
    earlier = timezone.now() - dt.timedelta(hours=30)
    services.check_in_record(
        actor=world.lead, key_result=latency, value=650, confidence=6, note="Cache <warm>", at=earlier
    )
    services.check_in_record(actor=world.lead, key_result=latency, value=500, confidence=7, note="CDN on")
    member_obj = services.objective_create(
        actor=world.member, cycle=world.cycle, title="Grow as an engineer", state="active", parents=[(team_obj, 1.0)]
    )
    member_kr = services.key_result_create(
        actor=world.member, objective=member_obj, title="Ship talks", start_value=0, target_value=4, unit="talks"
    )
    duality_child = services.objective_create_from_key_result(
        actor=world.lead, key_result=latency, owner=world.lead, team=world.team, title="Halve latency", state="active"
    )
    return Tree(move, value, company_obj, team_obj, member_obj, duality_child, latency, launch, member_kr)


@pytest.fixture
def tree(world) -> Tree:  # type: ignore[no-untyped-def]
    return build_tree(world)


def login(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def as_member():  # type: ignore[no-untyped-def]
    return login
