"""The team dashboard (a team's subtree) and the person dashboard, their CSV and XLSX downloads,
as-of a past day, visibility, other organisations, navigation to them and their query counts.
Built on ``build_dashboard_scenario``: Platform's "Faster deploys" (lead: Deploys a day 45%, Green
builds 30%), Sales' "More deals" (champion), the member's own "Learn Rust"; 49.5% expected."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ambit.accounts.models import Team
from ambit.okrs import services
from tests import factories as f
from tests.builders import DashboardScenario, World
from tests.dashboards.test_dashboard import grow
from tests.helpers import ClientResponse
from tests.okrs.conftest import login
from tests.querycount import Queries, check_count, count_queries

pytestmark = pytest.mark.django_db

# Pinned for a member. Warm: session, user, membership, the team (or the person), cycle, cycle
# switcher, the member's teams and led teams, the visible objectives' fingerprint, the data
# version, one page of each list (at risk, stale), the organisation menu. Cold adds, for a team,
# the team tree, the subtree's objectives, key results, milestones, checkpoints, duality children,
# two reading queries for progress over time and discipline by person (key results, one aggregate
# of their check-ins); for a person, the same loading less the tree and the readings, plus their
# confidence readings.
TEAM_COLD_QUERIES = 22
TEAM_WARM_QUERIES = 12
PERSON_COLD_QUERIES = 20
PERSON_WARM_QUERIES = 12


def team_url(team: Team, scenario: DashboardScenario, extra: str = "") -> str:
    return f"{reverse('dashboards:team', args=[team.slug])}?cycle={scenario.cycle.pk}{extra}"


def person_url(pk: int, scenario: DashboardScenario, extra: str = "") -> str:
    return f"{reverse('dashboards:person', args=[pk])}?cycle={scenario.cycle.pk}{extra}"


def csv_rows(response: ClientResponse) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def xlsx_rows(response: ClientResponse) -> list[tuple[object, ...]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_team_dashboard_shows_the_subtree_heat_map_lists_and_discipline(
    world: World, scenario: DashboardScenario
) -> None:
    squad = f.TeamFactory.create(organisation=world.org, name="Squad", slug="squad", parent=world.team)
    deep = f.TeamFactory.create(organisation=world.org, name="Deep", slug="deep", parent=squad)
    o = services.objective_create(
        actor=world.champion, cycle=scenario.cycle, title="Deep work", team=deep, state="active"
    )
    kr = services.key_result_create(actor=world.champion, objective=o, title="Depth", start_value=0, target_value=10)
    services.check_in_record(actor=world.champion, key_result=kr, value=9, confidence=7)
    response = login(world.member).get(team_url(world.team, scenario))
    assert response.status_code == 200
    summary = response.context["summary"]
    # Platform: its own objective (37.5%) and Deep's two levels down (90%); Sales is not in it.
    assert summary.objective_count == 2 and summary.key_result_count == 3
    assert summary.progress == pytest.approx((0.375 + 0.9) / 2)
    assert [(r.name, r.depth, r.objective_count) for r in summary.heat] == [
        ("Platform", 0, 2),
        ("Squad", 1, 1),
        ("Deep", 2, 1),
    ]
    assert summary.heat[2].progress == pytest.approx(0.9) and summary.heat[2].status == "on_track"
    assert summary.status_counts["on_track"] == 2 and summary.status_counts["at_risk"] == 1
    html = response.content.decode()
    assert 'class="heat-row heat-depth-2"' in html
    assert f'href="/teams/deep/dashboard/?cycle={scenario.cycle.pk}">Deep</a>' in html
    at_risk = html.split('id="at_risk-rows"', 1)[1].split("</tbody>", 1)[0]
    assert "Green builds" in at_risk and "Deals" not in at_risk  # Sales' behind key result is elsewhere
    assert [r.name for r in summary.discipline] == sorted(
        [world.lead.user.get_full_name(), world.champion.user.get_full_name()], key=str.lower
    )
    assert 'href="/kpis/?team=platform"' in html  # the team's KPI board
    assert f'href="/teams/platform/?cycle={scenario.cycle.pk}"' in html


def test_team_dashboard_as_of_a_past_day(world: World, scenario: DashboardScenario) -> None:
    day = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    response = login(world.member).get(team_url(world.team, scenario, f"&as_of={day}"))
    summary = response.context["summary"]
    # Ten days ago: Deploys a day read 20% (its check-in 40 days ago), Green builds had none yet.
    assert not summary.is_today and summary.day.isoformat() == day
    assert summary.progress == pytest.approx(0.1)
    assert summary.status_counts["stale"] == 2  # both silent for more than ten days by then
    assert "as it stood at the end of" in response.content.decode()
    bad = login(world.member).get(team_url(world.team, scenario, "&as_of=2999-01-01&export=at_risk.csv"))
    assert bad.status_code == 400 and "cannot show the future" in bad.content.decode()


def test_team_exports_read_back_as_csv_and_xlsx_safe_from_formulas(world: World, scenario: DashboardScenario) -> None:
    scenario.k5.refresh_from_db()
    services.key_result_update(actor=world.lead, key_result=scenario.k5, title='=HYPERLINK("x")')
    client = login(world.member)
    rows = csv_rows(client.get(team_url(world.team, scenario, "&export=at_risk.csv")))
    assert rows[0][:5] == ["Key result", "Status", "Progress (%)", "Expected (%)", "Gap (points)"]
    assert rows[1][:5] == ['\'=HYPERLINK("x")', "At risk", "30.0", "49.5", "-19.5"]
    response = client.get(team_url(world.team, scenario, "&export=at_risk&format=xlsx"))
    assert (
        'filename="acme-dash-cycle-' in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    )
    sheet = xlsx_rows(response)
    assert sheet[0][0] == "Key result"
    assert sheet[1][:5] == ('\'=HYPERLINK("x")', "At risk", 30, 49.5, -19.5)  # numbers stay numbers
    teams = xlsx_rows(client.get(team_url(world.team, scenario, "&export=teams.xlsx")))
    assert teams[0] == ("Team", "Level", "Parent", "Progress (%)", "Expected (%)", "Status", "Objectives")
    assert teams[1] == ("Platform", 0, None, 37.5, 49.5, "At risk", 1)
    people = csv_rows(client.get(team_url(world.team, scenario, "&export=discipline_people.csv")))
    assert people[0] == ["Person", "Periods due", "On time", "Late", "Missed", "On time (%)"]
    assert [r[0] for r in people[1:]] == [world.lead.user.get_full_name()]
    stale = csv_rows(client.get(team_url(world.team, scenario, "&export=stale.csv")))
    assert stale == [stale[0]]  # nothing is stale in Platform: the header alone
    assert client.get(team_url(world.team, scenario, "&export=secrets.csv")).status_code == 404
    assert client.get(team_url(world.team, scenario, "&export=at_risk.pdf")).status_code == 404


def test_person_dashboard_shows_key_results_confidence_trend_and_discipline(
    world: World, scenario: DashboardScenario
) -> None:
    response = login(world.member).get(person_url(world.lead.pk, scenario))
    assert response.status_code == 200
    summary = response.context["summary"]
    assert [(k.title, k.status) for k in summary.key_results] == [
        ("Deploys a day", "on_track"),
        ("Green builds", "at_risk"),
    ]
    deploys = summary.key_results[0]
    assert deploys.progress == pytest.approx(0.45) and deploys.confidence == 7
    assert [c for _w, c in deploys.trend] == [6, 7]
    assert summary.status_counts["on_track"] == 1 and summary.status_counts["at_risk"] == 1
    # One check-in 40 days ago, then the two of the last two days: the weeks between were missed.
    d = summary.discipline
    assert d.on_time >= 2 and d.missed >= 4 and d.due == len([p for p in summary.periods if p.outcome])
    html = response.content.decode()
    assert "<svg" in html and "Readings on the 0–10 scale, oldest first: 6, 7" in html
    mine = login(world.lead).get(person_url(world.lead.pk, scenario))
    assert "My dashboard" in mine.content.decode()
    krs = xlsx_rows(login(world.member).get(person_url(world.lead.pk, scenario, "&export=key_results.xlsx")))
    assert krs[0][:4] == ("Key result", "Objective", "Status", "Progress (%)")
    assert krs[1][:6] == ("Deploys a day", "Faster deploys", "On track", 45, 49.5, 7)
    assert isinstance(krs[1][6], dt.datetime)  # the last check-in as a date cell
    periods = csv_rows(login(world.member).get(person_url(world.lead.pk, scenario, "&export=discipline.csv")))
    assert periods[0] == ["Period starting", "Period ending", "Check-in"]
    assert {r[2] for r in periods[1:]} <= {"On time", "Late", "Missed", "Open"}


def test_private_objectives_stay_private_on_the_person_dashboard(world: World, scenario: DashboardScenario) -> None:
    services.objective_update(actor=world.member, objective=scenario.rust, visibility="private")
    seen_by_viewer = login(world.viewer).get(person_url(world.member.pk, scenario))
    assert seen_by_viewer.status_code == 200
    assert seen_by_viewer.context["summary"].key_results == []
    assert "Chapters read" not in seen_by_viewer.content.decode()
    exported = login(world.viewer).get(person_url(world.member.pk, scenario, "&export=key_results.csv"))
    assert "Chapters read" not in exported.content.decode()
    seen_by_manager = login(world.lead).get(person_url(world.member.pk, scenario))
    assert [k.title for k in seen_by_manager.context["summary"].key_results] == ["Chapters read"]


def test_another_organisations_team_and_person_are_404(world: World, scenario: DashboardScenario) -> None:
    outsider = login(world.outsider)
    assert outsider.get(reverse("dashboards:team", args=[world.team.slug])).status_code == 404
    assert outsider.get(reverse("dashboards:person", args=[world.member.pk])).status_code == 404
    assert outsider.get(reverse("dashboards:person", args=[world.member.pk]) + "?export=at_risk.csv").status_code == 404
    member = login(world.member)
    assert member.get(reverse("dashboards:person", args=[world.outsider.pk])).status_code == 404
    assert member.get(team_url(world.team, scenario).replace(str(scenario.cycle.pk), "999999")).status_code == 404


def test_team_and_people_pages_link_to_the_dashboards(world: World, scenario: DashboardScenario) -> None:
    client = login(world.admin)
    team_page = client.get(reverse("okrs:team-detail", args=[world.team.slug])).content.decode()
    assert 'href="/teams/platform/dashboard/' in team_page
    assert f'href="/people/{world.member.pk}/dashboard/' in team_page  # the members list
    people = client.get(reverse("setup:people")).content.decode()
    assert f'href="/people/{world.member.pk}/dashboard/"' in people
    home = login(world.member).get(reverse("front:home")).content.decode()
    assert f'href="/people/{world.member.pk}/dashboard/' in home and "My dashboard" in home


def test_organisation_dashboard_gains_every_team_and_discipline_by_team(
    world: World, scenario: DashboardScenario
) -> None:
    squad = f.TeamFactory.create(organisation=world.org, name="Squad", slug="squad", parent=world.team)
    f.TeamFactory.create(organisation=world.org, name="Deep", slug="deep", parent=squad)
    client = login(world.member)
    url = f"{reverse('dashboards:organisation')}?cycle={scenario.cycle.pk}"
    response = client.get(url)
    heat = response.context["summary"].heat
    assert [(r.name, r.depth) for r in heat] == [("Platform", 0), ("Squad", 1), ("Deep", 2), ("Sales", 0)]
    html = response.content.decode()
    assert "Every team, at any depth" in html and 'class="heat-row heat-depth-2"' in html
    table = html[html.index('class="table dash-list discipline-rows"') :]
    table = table[: table.index("</table>")]
    assert re.findall(r'<th scope="row">([^<]+)</th>', table) == ["Platform", "Sales"]
    teams = csv_rows(client.get(url + "&export=teams_all.csv"))
    assert teams[1:4] == [
        ["Platform", "0", "", "37.5", "49.5", "At risk", "1"],
        ["Squad", "1", "Platform", "", "49.5", "", "0"],
        ["Deep", "2", "Squad", "", "49.5", "", "0"],
    ]
    discipline = xlsx_rows(client.get(url + "&export=discipline_teams.xlsx"))
    assert discipline[0] == ("Team", "Periods due", "On time", "Late", "Missed", "On time (%)")
    assert [r[0] for r in discipline[1:]] == ["Platform", "Sales"]
    assert all(isinstance(v, int) for r in discipline[1:] for v in r[1:5])


def _count(client: Client, url: str) -> Queries:
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return queries


def test_query_counts_are_fixed_with_little_and_much_data(world: World, scenario: DashboardScenario) -> None:
    client = login(world.member)
    client.get(reverse("okrs:company"))  # the first request of a session stores the chosen membership
    team, person = team_url(world.team, scenario), person_url(world.champion.pk, scenario)
    grow(world, scenario.cycle, 1)
    cache.clear()
    small = (_count(client, team), _count(client, team), _count(client, person), _count(client, person))
    cache.clear()
    grow(world, scenario.cycle, 12)
    big = (_count(client, team), _count(client, team), _count(client, person), _count(client, person))
    pinned = (TEAM_COLD_QUERIES, TEAM_WARM_QUERIES, PERSON_COLD_QUERIES, PERSON_WARM_QUERIES)
    names = ("team cold", "team warm", "person cold", "person warm")
    for name, few, many, expected in zip(names, small, big, pinned, strict=True):
        check_count(few, expected, label=f"{name}, 1 squad")
        check_count(many, few, label=f"{name}, 13 squads against 1")
    html = client.get(team).content.decode()
    assert len(re.findall(r'class="heat-row heat-depth-1"', html)) == 13
