"""Shared pieces of the OKR templates' tests: an objective to save, a saved template, a client."""

from __future__ import annotations

from typing import Any

from django.test import Client

from ambit.accounts.models import Membership
from ambit.library import services
from ambit.library.models import OkrTemplate
from ambit.okrs.models import Objective
from tests.builders import World, objective_with_krs

KRS: list[dict[str, Any]] = [
    {"title": "p95 checkout latency", "kind": "decrease", "start_value": 900, "target_value": 300, "unit": "ms"},
    {"title": "Checkout conversion", "kind": "increase", "start_value": 2.5, "target_value": 3.4, "unit": "%"},
    {"title": "Payment provider switched", "kind": "binary"},
]


def login(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def team_objective(world: World, **fields: Any) -> Objective:
    objective, _ = objective_with_krs(
        actor=world.lead,
        cycle=world.cycle,
        title="A checkout customers love",
        description="Fast and trustworthy.",
        team=world.team,
        key_results=KRS,
        **fields,
    )
    return objective


def saved_template(member: Membership, *, title: str = "Delight every buyer at checkout", **fields: Any) -> OkrTemplate:
    data: dict[str, Any] = {
        "function": "product",
        "title": title,
        "description": "Checkout is where trust is won.",
        "key_results": [
            {"title": "Checkout conversion", "kind": "increase", "start": "2.5", "target": "3.4", "unit": "%"},
            {"title": "Abandoned carts", "kind": "decrease", "start": 40, "target": 25, "unit": "%"},
        ],
    } | fields
    return services.template_create(actor=member, **data)
