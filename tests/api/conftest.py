"""API test helpers: tokens per persona, an authenticated client, a small OKR data set."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from ambit.accounts import invitations
from ambit.accounts.models import Invitation, Membership
from ambit.api.services import api_token_create
from ambit.okrs import services as okrs
from ambit.okrs.models import KeyResult, Objective, Sprint
from ambit.strategy import selectors as strategy_sel
from ambit.strategy import services as strategy
from ambit.strategy.models import BigMove, Value

BASE = "/api/v1"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # Rate-limit counters live in the (process-wide) cache; each test starts with none.
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    # The personas' passwords are hashed per test; Argon2 would dominate these many-world tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def token_for(membership: Membership, *, read_only: bool = False) -> str:
    return api_token_create(actor=membership, name="tests", read_only=read_only).secret


class ApiClient:
    """Django's test client speaking JSON with a bearer token."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def call(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        url = path if path.startswith("/") else f"{BASE}/{path}"
        fn = getattr(self.client, method.lower())
        if method.upper() in ("GET", "HEAD"):
            return fn(url, query, headers=self._headers())
        data = json.dumps(body) if body is not None else ""
        return fn(url, data, content_type="application/json", headers=self._headers())

    def get(self, path: str, **query: Any) -> Any:
        return self.call("GET", path, **query)

    def post(self, path: str, body: Any = None) -> Any:
        return self.call("POST", path, body)

    def patch(self, path: str, body: Any = None) -> Any:
        return self.call("PATCH", path, body)

    def put(self, path: str, body: Any = None) -> Any:
        return self.call("PUT", path, body)

    def delete(self, path: str) -> Any:
        return self.call("DELETE", path)


@pytest.fixture
def api_as(world):  # type: ignore[no-untyped-def]
    """``api_as("admin")`` (or "champion", "lead", "member", "viewer", "outsider"), optionally read-only."""

    def make(persona: str, *, read_only: bool = False) -> ApiClient:
        return ApiClient(token_for(getattr(world, persona), read_only=read_only))

    return make


@dataclass
class OkrData:
    company_obj: Objective
    team_obj: Objective
    kr: KeyResult
    milestone_kr: KeyResult
    child_obj: Objective
    value: Value
    big_move: BigMove
    spare_move: BigMove
    spare_obj: Objective
    sprint: Sprint
    invitation: Invitation


def build_okr_data(world) -> OkrData:  # type: ignore[no-untyped-def]
    # Reading a strategy creates its row on first read; create both now so reads change nothing.
    strategy_sel.strategy_get(actor=world.admin)
    strategy_sel.strategy_get(actor=world.outsider)
    value = strategy.value_create(actor=world.champion, name="Customers first")
    move = strategy.big_move_create(
        actor=world.champion, title="Own the mid-market", horizon_start=2026, horizon_end=2028
    )
    company_obj = okrs.objective_create(
        actor=world.champion, cycle=world.cycle, title="Grow revenue", team=world.company, state="active", theme=move
    )
    okrs.key_result_create(
        actor=world.champion, objective=company_obj, title="ARR", start_value=10, target_value=20, unit="M€"
    )
    team_obj = okrs.objective_create(
        actor=world.lead,
        cycle=world.cycle,
        title="Ship the platform",
        team=world.team,
        state="active",
        parents=[(company_obj, 1.0)],
    )
    kr = okrs.key_result_create(
        actor=world.lead, objective=team_obj, title="Weekly users", start_value=0, target_value=200, owner=world.member
    )
    okrs.check_in_record(actor=world.member, key_result=kr, value=50, confidence=7, note="steady")
    milestone_kr = okrs.key_result_create(
        actor=world.lead,
        objective=team_obj,
        title="Launch",
        kind="milestones",
        milestones=["Beta", ("GA", 2.0)],
    )
    child_obj = okrs.objective_create_from_key_result(actor=world.lead, key_result=kr, team=world.team)
    spare_move = strategy.big_move_create(
        actor=world.champion, title="Enter Japan", horizon_start=2027, horizon_end=2029
    )
    cycle = world.cycle
    sprint = Sprint.objects.create(
        organisation=world.org, cycle=cycle, number=1, start_date=cycle.start_date, end_date=cycle.end_date
    )
    spare_obj = okrs.objective_create(actor=world.champion, cycle=cycle, title="Keep costs flat", team=world.company)
    invitation = invitations.invitation_create(actor=world.admin, email="pending@acme.test", send=False).invitation
    return OkrData(
        company_obj, team_obj, kr, milestone_kr, child_obj, value, move, spare_move, spare_obj, sprint, invitation
    )


@pytest.fixture
def okr_data(world) -> OkrData:  # type: ignore[no-untyped-def]
    return build_okr_data(world)
