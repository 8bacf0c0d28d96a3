"""The demo's KPIs: built through the services with their history, once, with one alert."""

from __future__ import annotations

import pytest

from ambit.kpis.demo import DEMO_KPIS, WEEKS, seed_kpis
from ambit.kpis.models import Kpi, KpiReading
from ambit.notify.models import Kind, Notification
from tests.builders import World

pytestmark = pytest.mark.django_db


def test_the_demo_kpis_have_twelve_weeks_and_platforms_dip_alerts_once(world: World) -> None:
    # world has the company, Platform and Sales, not Operations: that one is skipped.
    made = seed_kpis(organisation=world.org)
    expected = [d for d in DEMO_KPIS if d[0] in (None, "Platform", "Sales")]
    assert made == len(expected) == 5
    assert KpiReading.objects.filter(kpi__organisation=world.org).count() == 5 * WEEKS
    bands = dict(Kpi.objects.filter(organisation=world.org).values_list("name", "current_band"))
    assert bands == {
        "Monthly recurring revenue": "healthy",
        "Net revenue retention": "healthy",
        "API availability": "watch",
        "p95 API latency": "healthy",
        "Pipeline coverage": "healthy",
    }
    availability = Kpi.objects.get(organisation=world.org, name="API availability")
    assert availability.team == world.team and availability.current_value is not None
    assert float(availability.current_value) == 99.72
    alerts = Notification.objects.filter(kind=Kind.KPI_ALERT, organisation=world.org)
    assert alerts.exists() and all("API availability is watch: 99.72" in n.title for n in alerts), list(alerts)
    # A second run adds nothing.
    assert seed_kpis(organisation=world.org) == 0
    assert Kpi.objects.filter(organisation=world.org).count() == 5
