"""KPI pages: the board (company, or a team with ?team=), a KPI's page with its SVG chart and
history, create / edit / record / link through the services; 404 across organisations; fixed
query counts; nothing inline for the strict CSP."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from ambit.accounts.models import Membership
from ambit.kpis import services
from ambit.kpis.models import Kpi, KpiLink, KpiReading
from tests.builders import OkrData, World
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db


def _as(client: Client, member: Membership) -> Client:
    client.force_login(member.user)
    return client


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


def _csp_safe(html: str) -> None:
    assert "style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_board_shows_each_kpi_with_value_band_and_sparkline(client: Client, world: World) -> None:
    churn = _kpi(world)
    services.kpi_record_reading(actor=world.member, kpi=churn, value=2)
    services.kpi_record_reading(actor=world.member, kpi=churn, value=4)
    revenue = _kpi(world, "Revenue", team=False)
    html = _as(client, world.viewer).get("/kpis/").content.decode()
    assert "Churn" in html and "Revenue" in html
    assert html.index("Churn") < html.index("Revenue")  # watch before never read
    assert 'data-value="4.0000"' in html and ">Watch<" in html and ">No reading<" in html
    assert html.count('class="kpi-spark"') == 1
    assert ">Stale<" in html  # Revenue was never read
    assert "New KPI" not in html  # a viewer creates nothing
    _csp_safe(html)
    team_html = client.get("/kpis/?team=platform").content.decode()
    assert "Churn" in team_html and "Revenue" not in team_html
    company_html = client.get("/kpis/?team=company").content.decode()
    assert "Revenue" in company_html and f"/kpis/{churn.pk}/" not in company_html
    assert client.get("/kpis/?team=nope").status_code == 404
    assert revenue.pk


def test_board_costs_the_same_with_one_or_many_kpis(client: Client, world: World) -> None:
    _as(client, world.lead)
    first = _kpi(world)
    services.kpi_record_reading(actor=world.member, kpi=first, value=2)
    client.get("/kpis/")
    with count_queries() as small:
        assert client.get("/kpis/").status_code == 200
    for i in range(6):
        kpi = _kpi(world, f"KPI {i}", team=bool(i % 2))
        for v in range(3):
            services.kpi_record_reading(actor=world.champion, kpi=kpi, value=v + i)
    with assert_queries(small):
        response = client.get("/kpis/")
    assert response.content.decode().count('class="kpi-spark"') == 7


def test_kpi_page_chart_history_and_query_count(client: Client, world: World) -> None:
    kpi = _kpi(world)
    services.kpi_record_reading(actor=world.member, kpi=kpi, value=2, note="Quiet <b>month</b>")
    _as(client, world.member)
    url = f"/kpis/{kpi.pk}/"
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    for v in range(8):
        services.kpi_record_reading(actor=world.member, kpi=kpi, value=v)
    with assert_queries(small):
        response = client.get(url)
    html = response.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="kpi-chart"' in html
    assert html.count('class="kpi-point') == 9
    assert "Quiet &lt;b&gt;month&lt;/b&gt;" in html
    assert "Record a reading" in html  # the owner records
    assert "Link key result" not in html and ">Edit<" not in html  # …but manages nothing
    _csp_safe(html)


def test_other_organisations_kpis_are_404_everywhere(client: Client, world: World, okr_data: OkrData) -> None:
    kpi = _kpi(world)
    link = services.kpi_link(actor=world.champion, kpi=kpi, key_result=okr_data.kr)
    _as(client, world.outsider)
    assert "Churn" not in client.get("/kpis/").content.decode()
    for method, url in [
        ("get", f"/kpis/{kpi.pk}/"),
        ("get", f"/kpis/{kpi.pk}/edit/"),
        ("post", f"/kpis/{kpi.pk}/edit/"),
        ("post", f"/kpis/{kpi.pk}/readings/"),
        ("post", f"/kpis/{kpi.pk}/archive/"),
        ("post", f"/kpis/{kpi.pk}/links/"),
        ("post", f"/kpis/{kpi.pk}/links/{link.pk}/delete/"),
    ]:
        assert getattr(client, method)(url, {"value": "1"}).status_code == 404, url
    assert not KpiReading.objects.exists() and Kpi.objects.get(pk=kpi.pk).archived_at is None


def test_a_lead_creates_a_team_kpi_and_a_member_cannot_make_a_company_one(client: Client, world: World) -> None:
    form = {
        "name": "Uptime",
        "team": str(world.team.pk),
        "owner": str(world.lead.pk),
        "unit": "%",
        "direction": "higher",
        "healthy_threshold": "99.9",
        "critical_threshold": "99",
        "cadence": "monthly",
        "description": "",
    }
    _as(client, world.lead)
    new_page = client.get("/kpis/new/?team=platform").content.decode()
    assert re.search(rf'<option value="{world.team.pk}" selected>Platform</option>', new_page)
    _csp_safe(new_page)
    response = client.post("/kpis/new/", form)
    kpi = Kpi.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/kpis/{kpi.pk}/"
    assert (kpi.team_id, kpi.cadence, kpi.healthy_threshold) == (world.team.pk, "monthly", Decimal("99.9"))
    bad = client.post("/kpis/new/", {**form, "critical_threshold": "100"})
    assert bad.status_code == 400 and "at least the critical" in bad.content.decode()
    _as(client, world.member)
    assert client.post("/kpis/new/", {**form, "team": ""}).status_code == 403
    assert client.get(f"/kpis/{kpi.pk}/edit/").status_code == 403
    assert Kpi.objects.count() == 1


def test_record_edit_link_and_archive_from_the_pages(client: Client, world: World, okr_data: OkrData) -> None:
    kpi = _kpi(world)
    _as(client, world.member)
    response = client.post(f"/kpis/{kpi.pk}/readings/", {"value": "6", "note": "Price change"})
    assert response.status_code == 302
    kpi.refresh_from_db()
    assert (kpi.current_value, kpi.current_band) == (Decimal(6), "critical")
    bad = client.post(f"/kpis/{kpi.pk}/readings/", {"value": "six"})
    assert bad.status_code == 400 and "not a number" in bad.content.decode()
    assert client.post(f"/kpis/{kpi.pk}/links/", {"key_result": okr_data.kr.pk}).status_code == 403
    _as(client, world.lead)
    page = client.get(f"/kpis/{kpi.pk}/").content.decode()
    assert "Link key result" in page and "Weekly users" in page
    assert client.post(f"/kpis/{kpi.pk}/links/", {"key_result": okr_data.kr.pk}).status_code == 302
    link = KpiLink.objects.get()
    assert link.key_result_id == okr_data.kr.pk
    edit = client.get(f"/kpis/{kpi.pk}/edit/")
    assert edit.status_code == 200 and 'value="Churn"' in edit.content.decode()
    form = {
        "name": "Logo churn",
        "team": str(world.team.pk),
        "owner": str(world.member.pk),
        "unit": "%",
        "direction": "lower",
        "healthy_threshold": "3",
        "critical_threshold": "7",
        "cadence": "weekly",
        "description": "Customers lost",
    }
    assert client.post(f"/kpis/{kpi.pk}/edit/", form).status_code == 302
    kpi.refresh_from_db()
    assert (kpi.name, kpi.current_band) == ("Logo churn", "watch")
    assert client.post(f"/kpis/{kpi.pk}/links/{link.pk}/delete/").status_code == 302
    assert not KpiLink.objects.exists()
    assert client.post(f"/kpis/{kpi.pk}/archive/").status_code == 302
    kpi.refresh_from_db()
    assert kpi.archived_at is not None
    client.get("/kpis/")  # shows the flash message
    assert f"/kpis/{kpi.pk}/" not in client.get("/kpis/").content.decode()
