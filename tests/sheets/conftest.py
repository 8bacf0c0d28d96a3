"""A small planned cycle to export and import: two team objectives aligned to a company one,
key results of several kinds, one objective without key results."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from openpyxl import load_workbook

from ambit.core.models import AuditEntry
from ambit.okrs import services as okrs
from ambit.okrs.models import Alignment, KeyResult, Objective
from ambit.sheets.layout import COLUMNS, OKR_SHEET


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    # The personas' argon2 hashes cost seconds per test here and nothing in these tests logs in
    # with a password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _uploads_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path


@dataclass
class Plan:
    company: Objective
    platform: Objective
    sales: Objective
    empty: Objective
    kr_users: KeyResult
    kr_latency: KeyResult
    kr_launch: KeyResult
    kr_revenue: KeyResult


@pytest.fixture
def plan(world) -> Plan:  # type: ignore[no-untyped-def]
    ch = world.champion
    company = okrs.objective_create(
        actor=ch, cycle=world.cycle, title="Win the mid-market", team=world.company, owner=world.admin
    )
    kr_revenue = okrs.key_result_create(
        actor=ch,
        objective=company,
        title="Grow ARR",
        start_value=1000000,
        target_value=1500000,
        unit="€",
        unit_kind="currency",
        stretch_target=1800000,
    )
    platform = okrs.objective_create(
        actor=ch,
        cycle=world.cycle,
        title="Make the platform fast",
        team=world.team,
        owner=world.lead,
        description="Latency hurts conversion.",
        parents=[(company, 1.0)],
    )
    kr_users = okrs.key_result_create(
        actor=ch,
        objective=platform,
        title="Weekly active users",
        start_value=200,
        target_value=137,
        kind="decrease",
        owner=world.member,
    )
    kr_latency = okrs.key_result_create(
        actor=ch,
        objective=platform,
        title="p95 latency under 300 ms",
        kind="stay_below",
        target_value=300,
        unit="ms",
        weight=2,
    )
    kr_launch = okrs.key_result_create(actor=ch, objective=platform, title="Launch the new cache", kind="binary")
    sales = okrs.objective_create(
        actor=ch,
        cycle=world.cycle,
        title="Sell to bigger customers",
        team=world.other_team,
        owner=world.champion,
        ambition="aspirational",
        visibility="team",
        parents=[(company, 1.0)],
    )
    empty = okrs.objective_create(actor=world.member, cycle=world.cycle, title="Learn Rust", owner=world.member)
    return Plan(company, platform, sales, empty, kr_users, kr_latency, kr_launch, kr_revenue)


def db_state() -> dict[str, object]:
    """Everything an import could touch, to assert nothing changed."""
    return {
        "objectives": list(Objective.objects.order_by("id").values()),
        "key_results": list(KeyResult.objects.order_by("id").values()),
        "alignments": list(Alignment.objects.order_by("id").values_list("child_id", "parent_id", "weight")),
        "audit": AuditEntry.objects.count(),
    }


def read_okr_rows(data: bytes) -> list[dict[str, object]]:
    wb = load_workbook(io.BytesIO(data))
    ws = wb[OKR_SHEET]
    headers = [c.value for c in ws[1]]
    assert headers == [c.header for c in COLUMNS]
    keys = [c.key for c in COLUMNS]
    return [dict(zip(keys, [c.value for c in row], strict=True)) for row in ws.iter_rows(min_row=2)]
