"""The demo's KPIs (``seed_demo`` sends ``okrs.signals.demo_seeded``): a few company and team health
metrics with twelve weeks of readings, through the services, so the board, the charts and one alert
(Platform's availability dipping into "watch" last week) show what a running Ambit holds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from ambit.accounts.models import Membership, Organisation, Role, Team, TeamMember
from ambit.kpis import services
from ambit.kpis.models import Cadence, Direction, Kpi

WEEKS = 12

# (team name or None for the company, name, unit, direction, healthy, critical, description, weekly values oldest first)
DEMO_KPIS: tuple[tuple[str | None, str, str, str, float, float, str, tuple[float, ...]], ...] = (
    (
        None,
        "Monthly recurring revenue",
        "k€",
        Direction.HIGHER,
        440,
        400,
        "Subscription revenue booked for the month; the board's first number.",
        (452, 458, 461, 470, 474, 481, 486, 492, 499, 505, 511, 518),
    ),
    (
        None,
        "Net revenue retention",
        "%",
        Direction.HIGHER,
        105,
        95,
        "Revenue kept and grown from last year's customers.",
        (106, 107, 107, 106, 108, 108, 109, 108, 109, 110, 109, 110),
    ),
    (
        "Platform",
        "API availability",
        "%",
        Direction.HIGHER,
        99.9,
        99.5,
        "Successful API requests over all requests, per week.",
        (99.95, 99.97, 99.96, 99.94, 99.98, 99.95, 99.96, 99.97, 99.93, 99.95, 99.96, 99.72),
    ),
    (
        "Platform",
        "p95 API latency",
        "ms",
        Direction.LOWER,
        350,
        500,
        "The 95th percentile of API response times.",
        (340, 332, 325, 318, 310, 305, 298, 292, 290, 287, 284, 281),
    ),
    (
        "Sales",
        "Pipeline coverage",
        "×",
        Direction.HIGHER,
        3,
        2,
        "Qualified pipeline over the quarter's remaining target.",
        (3.1, 3.2, 3.1, 3.3, 3.2, 3.4, 3.3, 3.5, 3.6, 3.4, 3.6, 3.5),
    ),
    (
        "Operations",
        "First response time",
        "hours",
        Direction.LOWER,
        4,
        8,
        "Median time to a first human answer on a support ticket.",
        (5.2, 4.9, 4.6, 4.4, 4.1, 3.9, 3.8, 3.7, 3.6, 3.6, 3.5, 3.4),
    ),
)


def _lead(team: Team) -> Membership | None:
    link = TeamMember.objects.filter(team=team, is_lead=True).select_related("membership").first()
    return link.membership if link else None


def seed_kpis(*, organisation: Organisation, now: dt.datetime | None = None) -> int:
    """The demo KPIs of ``organisation`` with their readings, as its admin; returns how many were made.
    Skipped when the organisation already has KPIs (a second run adds nothing)."""
    if Kpi.objects.filter(organisation=organisation).exists():
        return 0
    admin = Membership.objects.filter(organisation=organisation, role=Role.ADMIN, is_active=True).first()
    if admin is None:
        return 0
    end = now or timezone.now()
    teams = {t.name: t for t in Team.objects.filter(organisation=organisation, archived_at__isnull=True)}
    made = 0
    for team_name, name, unit, direction, healthy, critical, description, values in DEMO_KPIS:
        team = teams.get(team_name) if team_name else None
        if team_name and team is None:
            continue
        owner = (_lead(team) if team else None) or admin
        kpi = services.kpi_create(
            actor=admin,
            name=name,
            team=team,
            owner=owner,
            unit=unit,
            direction=direction,
            healthy_threshold=healthy,
            critical_threshold=critical,
            description=description,
            cadence=Cadence.WEEKLY,
        )
        for week, value in enumerate(values):
            at = end - dt.timedelta(weeks=WEEKS - 1 - week, hours=2)
            services.kpi_record_reading(actor=admin, kpi=kpi, value=value, at=at)
        made += 1
    return made


def on_demo_seeded(
    sender: Any, *, organisations: Sequence[Organisation], now: dt.datetime | None, **kwargs: Any
) -> None:
    for organisation in organisations:
        seed_kpis(organisation=organisation, now=now)
