"""KPIs in the API: list (filters), get, create, update, readings list and create, through the
same services as the pages; another organisation's ids 404; lists cost a fixed number of queries
(pinned here, registered in tests/api/test_query_counts.py's PINNED_ELSEWHERE)."""

from __future__ import annotations

import pytest

from ambit.kpis import services
from ambit.kpis.models import Kpi, KpiReading
from ambit.notify.models import Kind, Notification
from tests.api.conftest import ApiClient, token_for
from tests.builders import World
from tests.querycount import assert_queries, check_count, count_queries

pytestmark = pytest.mark.django_db


def _kpi(world: World, name: str = "Churn", team: bool = True) -> Kpi:
    return services.kpi_create(
        actor=world.champion,
        name=name,
        team=world.team if team else None,
        owner=world.member,
        unit="%",
        direction="lower",
        healthy_threshold=3,
        critical_threshold=5,
    )


def test_create_read_update_and_record(world: World) -> None:
    lead = ApiClient(token_for(world.lead))
    body = {
        "name": "Uptime",
        "team_id": world.team.pk,
        "unit": "%",
        "healthy_threshold": 99.9,
        "critical_threshold": 99,
    }
    response = lead.post("kpis", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created | {"id": 0} == {
        "id": 0,
        "name": "Uptime",
        "description": "",
        "team_id": world.team.pk,
        "owner_id": world.lead.pk,
        "unit": "%",
        "direction": "higher",
        "healthy_threshold": 99.9,
        "critical_threshold": 99.0,
        "cadence": "weekly",
        "current_value": None,
        "band": "",
        "last_reading_at": None,
        "archived": False,
    }
    kpi_id = created["id"]
    assert lead.get(f"kpis/{kpi_id}").json()["name"] == "Uptime"
    patched = lead.patch(f"kpis/{kpi_id}", {"cadence": "monthly", "owner_id": world.member.pk})
    assert patched.status_code == 200 and patched.json()["cadence"] == "monthly"
    member = ApiClient(token_for(world.member))
    reading = member.post(f"kpis/{kpi_id}/readings", {"value": 99.5, "note": "Incident"})
    assert reading.status_code == 201, reading.content
    assert reading.json()["band"] == "watch" and reading.json()["check_in_id"] is None
    assert member.get(f"kpis/{kpi_id}").json()["band"] == "watch"
    assert Notification.objects.filter(kind=Kind.KPI_ALERT).count() == 2  # the owner and the lead
    items = member.get(f"kpis/{kpi_id}/readings").json()["items"]
    assert [(r["value"], r["note"]) for r in items] == [(99.5, "Incident")]


def test_refusals(world: World) -> None:
    kpi = _kpi(world)
    member = ApiClient(token_for(world.member))
    company = {"name": "Revenue", "healthy_threshold": 10, "critical_threshold": 5}
    assert member.post("kpis", company).status_code == 403
    assert member.patch(f"kpis/{kpi.pk}", {"name": "Mine"}).status_code == 403
    bad = ApiClient(token_for(world.champion)).post("kpis", {**company, "healthy_threshold": 1})
    assert bad.status_code == 422 and "at least the critical" in bad.content.decode()
    viewer = ApiClient(token_for(world.viewer))
    assert viewer.post(f"kpis/{kpi.pk}/readings", {"value": 1}).status_code == 403
    outsider = ApiClient(token_for(world.outsider))
    for response in (
        outsider.get(f"kpis/{kpi.pk}"),
        outsider.get(f"kpis/{kpi.pk}/readings"),
        outsider.patch(f"kpis/{kpi.pk}", {"name": "Ours"}),
        outsider.post(f"kpis/{kpi.pk}/readings", {"value": 1}),
        outsider.post("kpis", {**company, "team_id": world.team.pk}),
        outsider.get("kpis", team_id=world.team.pk),
    ):
        assert response.status_code == 404, response.content
    assert outsider.get("kpis").json()["items"] == []
    assert not KpiReading.objects.exists() and Kpi.objects.count() == 1


def test_list_filters(world: World) -> None:
    churn, revenue = _kpi(world), _kpi(world, "Revenue", team=False)
    services.kpi_archive(actor=world.champion, kpi=_kpi(world, "Old"))
    client = ApiClient(token_for(world.viewer))

    def names(**q: object) -> list[str]:
        return [k["name"] for k in client.get("kpis", **q).json()["items"]]

    assert names() == ["Churn", "Revenue"]
    assert names(team_id=world.team.pk) == ["Churn"]
    assert names(company=True) == ["Revenue"]
    assert names(archived=True) == ["Old"]
    assert churn.pk < revenue.pk


def test_kpi_lists_cost_the_same_with_one_or_many_rows(world: World) -> None:
    kpi = _kpi(world)
    services.kpi_record_reading(actor=world.member, kpi=kpi, value=2)
    for persona in ("admin", "lead"):
        client = ApiClient(token_for(getattr(world, persona)))
        client.get("organisation")  # the token's first use records last_used_at
        with count_queries() as lists:
            client.get("kpis", limit=200)
        check_count(lists, 2, label=f"kpi_list as {persona}")  # the token, the page
        with count_queries() as readings:
            client.get(f"kpis/{kpi.pk}/readings", limit=200)
        check_count(readings, 3, label=f"kpi_reading_list as {persona}")  # the token, the KPI, the page
    for i in range(8):
        more = _kpi(world, f"KPI {i}", team=bool(i % 2))
        services.kpi_record_reading(actor=world.champion, kpi=more, value=i)
        services.kpi_record_reading(actor=world.member, kpi=kpi, value=i)
    client = ApiClient(token_for(world.lead))
    client.get("organisation")
    with assert_queries(lists):
        assert len(client.get("kpis", limit=200).json()["items"]) == 9
    with assert_queries(readings):
        assert len(client.get(f"kpis/{kpi.pk}/readings", limit=200).json()["items"]) == 9
