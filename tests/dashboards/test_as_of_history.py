"""The dashboard as of a past day tells the truth about what changed since: objectives cancelled,
key results re-weighted or cancelled, objectives re-aligned or moved to another team after that
day show as they were on it (the audit log has the history, ``dashboards/rewind.py``), today's
view shows them as they are, and looking back costs the same queries however much changed since."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings

from ambit.accounts import services as accounts
from ambit.accounts.models import Membership
from ambit.core.models import AuditEntry
from ambit.dashboards.rewind import changes_since, rewind
from ambit.dashboards.selectors import DashboardSummary, compute_dashboard_summary, dashboard_as_of
from ambit.dashboards.trends import midnight
from ambit.okrs import charts, services
from ambit.okrs.models import CycleKind, Objective
from tests import factories as f
from tests.builders import DashboardScenario, World, backdate, days_ago
from tests.dashboards.test_dashboard import AS_OF_COLD_QUERIES
from tests.okrs.conftest import login
from tests.querycount import Queries, check_count, count_queries

pytestmark = pytest.mark.django_db

# The scenario's check-ins: k1 20 (40 days ago) then 45 (2 days ago), k5 30 and k2 2 (yesterday),
# k3 0 (30 days ago), k4 none. Five days ago only k1's 20% and k3's 0 were known.
DAYS_BACK = 5


def past_day() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=DAYS_BACK)


def summaries(client: Client, scenario: DashboardScenario) -> tuple[DashboardSummary, DashboardSummary]:
    """(today's summary, the one as of ``past_day()``)."""
    today = client.get(scenario.url)
    past = client.get(f"{scenario.url}&as_of={past_day().isoformat()}")
    assert today.status_code == past.status_code == 200
    return today.context["summary"], past.context["summary"]


def heat(summary: DashboardSummary) -> dict[str, tuple[float | None, int]]:
    """Each department's (progress, objectives) on the heat map, progress to six places."""
    return {g.cell.name: (_six(g.cell.progress), g.cell.objective_count) for g in summary.heatmap}


def _six(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def log_earlier(action: str, days: float) -> None:
    """Date the (only) entry of ``action`` to ``days`` ago, as if the write had happened then."""
    entries = AuditEntry.objects.filter(action=action)
    assert entries.count() == 1
    entries.update(created_at=days_ago(days))


def test_cancelled_re_weighted_and_moved_since_show_as_they_were(world: World, scenario: DashboardScenario) -> None:
    # Today: the member cancels Rust, the lead triples Deploys a day, Deals moves to Platform.
    services.objective_cancel(actor=world.member, objective=scenario.rust, reason="No time")
    services.key_result_update(actor=world.lead, key_result=scenario.k1, weight=3.0)
    services.objective_update(actor=world.champion, objective=scenario.deals, team=world.team)
    today, past = summaries(login(world.member), scenario)

    # Five days ago: Rust ran; Deploys a day weighed 1 (20% and 0%: 10%); Deals was Sales'.
    assert past.objective_count == 3 and past.key_result_count == 5
    assert past.progress == pytest.approx((0.1 + 0.0 + 0.0) / 3)
    assert heat(past) == {"Platform": (0.1, 1), "Sales": (0.0, 1)}
    assert past.history[-1][0] == midnight(past_day() + dt.timedelta(days=1), dt.UTC)
    assert past.history[-1][1] == pytest.approx(past.progress)

    # Today: Rust is gone, Deploys = (45% × 3 + 30%) / 4, Deals = (20% + 0%) / 2, both Platform's.
    deploys = (0.45 * 3 + 0.30) / 4
    assert today.objective_count == 2 and today.key_result_count == 4
    assert today.progress == pytest.approx((deploys + 0.1) / 2)
    assert heat(today) == {"Platform": (_six((deploys + 0.1) / 2), 2), "Sales": (None, 0)}


def test_an_objective_cancelled_before_the_day_stays_out_and_a_key_result_cancelled_since_counts(
    world: World, scenario: DashboardScenario
) -> None:
    services.objective_cancel(actor=world.member, objective=scenario.rust, reason="No time")
    log_earlier("objective.cancel", days=DAYS_BACK + 5)  # cancelled ten days ago
    services.key_result_cancel(actor=world.lead, key_result=scenario.k5, reason="Builds are someone else's")
    today, past = summaries(login(world.member), scenario)

    assert past.objective_count == today.objective_count == 2  # Rust was already cancelled then
    # Green builds ran five days ago: counted (never checked in then: 0%), not cancelled.
    assert past.status_counts["cancelled"] == 0 and today.status_counts["cancelled"] == 1
    assert past.progress == pytest.approx((0.1 + 0.0) / 2)
    assert today.progress == pytest.approx((0.45 + 0.1) / 2)  # Deploys is only Deploys a day now
    # Check-in discipline of the week five days ago counts Green builds as a key result to check in.
    monday = past_day() - dt.timedelta(days=past_day().weekday())
    past_week = next(w for w in past.discipline if w.start == monday)
    today_week = next(w for w in today.discipline if w.start == monday)
    assert past_week.active == today_week.active + 1 == 4  # Deploys a day, Green builds, Deals, Case study


def test_an_objective_re_aligned_since_rolls_up_into_the_parent_it_had(
    world: World, scenario: DashboardScenario
) -> None:
    accounts.organisation_update(actor=world.admin, child_blend=0.5)
    services.alignment_add(actor=world.lead, child=scenario.deploys, parent=scenario.deals)
    log_earlier("alignment.add", days=60)  # aligned when it was written
    # Today Deploys leaves Deals for Rust, weighing twice.
    services.alignment_remove(actor=world.lead, child=scenario.deploys, parent=scenario.deals)
    services.alignment_add(actor=world.lead, child=scenario.deploys, parent=scenario.rust, weight=2.0)
    today, past = summaries(login(world.member), scenario)

    # Five days ago: Deploys 10% blended half into Deals (0% of its own): 5%; Rust had no child.
    assert heat(past)["Sales"] == (0.05, 1)
    assert past.progress == pytest.approx((0.1 + 0.05 + 0.0) / 3)
    assert past.history[-1][1] == pytest.approx(past.progress)  # the line rolls up the same links
    # Today: Deals is its own 10%; Rust takes half of Deploys' 37.5%.
    assert heat(today)["Sales"] == (0.1, 1)
    assert today.progress == pytest.approx((0.375 + 0.1 + 0.1875) / 3)
    removal = AuditEntry.objects.get(action="alignment.remove")
    assert removal.changes == {"parent": [scenario.deals.pk, None], "weight": [1.0, None]}


def _count(client: Client, url: str) -> Queries:
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return queries


def test_looking_back_costs_the_same_however_much_changed_since(world: World, scenario: DashboardScenario) -> None:
    client = login(world.member)
    client.get(reverse("okrs:company"))  # the first request of a session stores the chosen membership
    url = f"{scenario.url}&as_of={past_day().isoformat()}"
    services.key_result_update(actor=world.lead, key_result=scenario.k1, weight=2.0)
    client.get(scenario.url)  # today first, as test_dashboard counts it
    few = _count(client, url)
    cache.clear()
    for i in range(10):
        services.key_result_update(actor=world.lead, key_result=scenario.k5, weight=1.0 + i)
        services.objective_update(actor=world.champion, objective=scenario.deals, title=f"More deals {i}")
        services.check_in_record(actor=world.lead, key_result=scenario.k1, value=50 + i, confidence=7)
    services.objective_cancel(actor=world.member, objective=scenario.rust, reason="No time")
    services.alignment_add(actor=world.lead, child=scenario.deploys, parent=scenario.deals)
    services.alignment_remove(actor=world.lead, child=scenario.deploys, parent=scenario.deals)
    client.get(scenario.url)
    many = _count(client, url)
    # test_dashboard's pin, less the at-risk page: nobody was behind five days ago, nothing to fetch.
    check_count(few, AS_OF_COLD_QUERIES - 1, label="dashboard as of a past day, one change since")
    check_count(many, few, label="dashboard as of a past day, 33 changes since against one")
    # The data version, and the changes since (for the summary and for discipline by team).
    assert len(many.matching('FROM "core_auditentry"')) == 3


def test_the_marker_for_a_past_day_is_labelled_with_its_date_not_today(
    world: World, scenario: DashboardScenario
) -> None:
    client = login(world.member)
    past_html = client.get(f"{scenario.url}&as_of={past_day().isoformat()}").content.decode()
    today_html = client.get(scenario.url).content.decode()
    marker = past_html.split('class="chart-today"', 1)[1].split("</g>", 1)[0]
    assert ">Today<" not in marker and f">As of {past_day().day} {past_day():%b}<" in marker
    assert f"Expected by the end of {past_day().day} {past_day():%B %Y}: 45%." in past_html
    assert ">Today</text>" in today_html.split('class="chart-today"', 1)[1]
    assert "Expected by today: 50%." in today_html
    # The chart on its own: the default is today.
    spec = charts.ChartSpec(
        chart_id="c", title="t", start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31), today=dt.date(2026, 2, 1)
    )
    assert ">Today</text>" in charts.progress_chart(spec)
    # A past day near the cycle's end: the label reads leftwards from the line, inside the chart.
    late = charts.progress_chart(replace(spec, today=dt.date(2026, 3, 30), past=True))
    assert 'text-anchor="end" font-size="11" fill="#c2410c">As of 30 Mar</text>' in late
    assert "Expected by the end of 30 March 2026: 98%." in late


def test_the_demo_dates_its_history_so_looking_back_tells_its_story(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AMBIT_DEMO_PASSWORD = "demo-pass-for-tests"
    call_command("seed_demo", "--if-empty", "--as-of", "2026-05-21", stdout=StringIO())
    admin = Membership.objects.select_related("organisation").get(
        user__email="admin@northwind.test", organisation__slug="northwind"
    )
    org = admin.organisation
    podcast = Objective.objects.select_related("cycle").get(title="Launch the Northwind fleet podcast")
    assert podcast.state == "cancelled" and podcast.parent_links.exists()

    def as_of(day: dt.date) -> DashboardSummary:
        return compute_dashboard_summary(
            actor=admin, cycle=podcast.cycle, as_of=dashboard_as_of(organisation=org, day=day)
        )

    # The podcast was cancelled at the mid-quarter review (16 May), after its two check-ins.
    before, after = as_of(dt.date(2026, 4, 20)), as_of(dt.date(2026, 5, 18))
    assert before.objective_count == after.objective_count + 1
    cancelled = AuditEntry.objects.get(action="objective.cancel", object_id=str(podcast.pk))
    assert cancelled.created_at == dt.datetime(2026, 5, 16, 11, tzinfo=dt.UTC)
    # Written in the planning week, links and all: nothing logged since 20 April unmakes them.
    moment = dashboard_as_of(organisation=org, day=dt.date(2026, 4, 20)).moment
    assert rewind(changes_since(org.pk, moment)).links == {}


def test_another_cycles_child_feeds_a_past_day_with_its_check_ins_then_not_todays_roll_up(
    world: World, scenario: DashboardScenario
) -> None:
    year = f.CycleFactory.create(
        organisation=world.org,
        name="Year",
        kind=CycleKind.ANNUAL,
        start_date=scenario.cycle.start_date - dt.timedelta(days=30),
        end_date=scenario.cycle.end_date + dt.timedelta(days=200),
    )
    annual = services.objective_create(
        actor=world.champion, cycle=year, title="Win the year", team=world.company, state="active"
    )
    source = services.key_result_create(
        actor=world.champion, objective=annual, title="Ship it", start_value=0, target_value=10
    )
    child = services.objective_create_from_key_result(
        actor=world.champion, key_result=source, owner=world.lead, cycle=scenario.cycle, state="active"
    )
    shipped = services.key_result_create(
        actor=world.champion, objective=child, title="Shipped", start_value=0, target_value=100
    )
    backdate(annual, source, child, shipped)
    services.check_in_record(actor=world.lead, key_result=shipped, value=80, confidence=7, at=days_ago(1))
    client = login(world.champion)
    url = f"{reverse('dashboards:organisation')}?cycle={year.pk}"
    today = client.get(url).context["summary"]
    past = client.get(f"{url}&as_of={past_day().isoformat()}").context["summary"]
    # The quarterly child reached 80% yesterday: the annual objective follows it today, and five
    # days ago, when nothing was shipped, it stood at 0% (not at the child's roll-up of today).
    assert today.progress == pytest.approx(0.8)
    assert past.progress == pytest.approx(0.0)
