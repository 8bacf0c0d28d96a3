"""In a large organisation the two tables with a row per team load when opened, not with the page
(1,250 teams were about a megabyte of the dashboard's 1.5)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ambit.dashboards import views
from tests.builders import DashboardScenario, World
from tests.okrs.conftest import login

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}  # a header, as HTMX sends it


def _rows(html: str, table_class: str) -> list[str]:
    table = html[html.index(f'class="table dash-list {table_class}"') :]
    table = table[: table.index("</table>")]
    return re.findall(r'<th scope="row">(?:<a [^>]*>)?([^<]+)', table)


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the organisation had more teams than a page shows inline."""
    monkeypatch.setattr(views, "INLINE_ROWS", 1)


def test_a_small_organisation_gets_every_table_with_the_page(world: World, scenario: DashboardScenario) -> None:
    html = login(world.member).get(f"{reverse('dashboards:organisation')}?cycle={scenario.cycle.pk}").content.decode()
    assert "lazy-part" not in html
    assert _rows(html, "heat-tree") == ["Platform", "Sales"]
    assert _rows(html, "discipline-rows") == ["Platform", "Sales"]


def test_a_large_one_loads_each_table_when_its_section_opens(
    world: World, scenario: DashboardScenario, large: None
) -> None:
    client = login(world.member)
    url = f"{reverse('dashboards:organisation')}?cycle={scenario.cycle.pk}"
    html = client.get(url).content.decode()
    assert "heat-tree" not in html and "discipline-rows" not in html
    lazy = re.findall(r'hx-get="([^"]+)" hx-trigger="toggle from:closest details once"', html)
    assert [u.replace("&amp;", "&") for u in lazy] == [f"{url}&part=heat_tree", f"{url}&part=discipline_teams"]

    tree = client.get(f"{url}&part=heat_tree", headers=HTMX)
    assert tree.status_code == 200 and "HX-Request" in tree["Vary"]
    fragment = tree.content.decode()
    assert "<html" not in fragment and _rows(fragment, "heat-tree") == ["Platform", "Sales"]
    discipline = client.get(f"{url}&part=discipline_teams", headers=HTMX).content.decode()
    assert "<html" not in discipline and _rows(discipline, "discipline-rows") == ["Platform", "Sales"]


def test_without_javascript_the_link_opens_the_page_with_that_table(
    world: World, scenario: DashboardScenario, large: None
) -> None:
    client = login(world.member)
    url = f"{reverse('dashboards:organisation')}?cycle={scenario.cycle.pk}"
    html = client.get(f"{url}&part=heat_tree").content.decode()
    assert "<html" in html and '<details class="heat-all" open>' in html
    assert _rows(html, "heat-tree") == ["Platform", "Sales"]
    assert "discipline-rows" not in html  # the other one still waits to be opened
    html = client.get(f"{url}&part=discipline_teams").content.decode()
    assert '<details class="discipline-all" open>' in html and _rows(html, "discipline-rows") == ["Platform", "Sales"]


def test_the_team_dashboard_of_a_large_subtree_loads_its_long_tables_when_opened(
    world: World, scenario: DashboardScenario, large: None
) -> None:
    client = login(world.lead)
    url = f"{reverse('dashboards:team', args=[world.company.slug])}?cycle={scenario.cycle.pk}"
    html = client.get(url).content.decode()
    assert "heat-tree" not in html and "discipline-rows" not in html
    lazy = re.findall(r'hx-get="([^"]+)" hx-trigger="toggle from:closest details once"', html)
    assert [u.replace("&amp;", "&") for u in lazy] == [f"{url}&part=heat_tree", f"{url}&part=discipline_people"]
    tree = client.get(f"{url}&part=heat_tree", headers=HTMX).content.decode()
    assert "<html" not in tree and _rows(tree, "heat-tree") == ["Acme", "Platform", "Sales"]
    people = client.get(f"{url}&part=discipline_people", headers=HTMX).content.decode()
    assert "<html" not in people and len(_rows(people, "discipline-rows")) >= 2
    page = client.get(f"{url}&part=discipline_people").content.decode()
    assert '<details class="discipline-all" open>' in page and _rows(page, "discipline-rows") == _rows(
        people, "discipline-rows"
    )


def test_a_large_organisations_heat_map_loads_each_departments_teams_when_opened(
    world: World, scenario: DashboardScenario, large: None
) -> None:
    from tests import factories as f

    f.TeamFactory.create(organisation=world.org, name="Squad", slug="squad", parent=world.team)
    f.TeamFactory.create(organisation=world.org, name="Crew", slug="crew", parent=world.team)
    client = login(world.member)
    url = f"{reverse('dashboards:organisation')}?cycle={scenario.cycle.pk}"
    html = client.get(url).content.decode()
    heatmap = html[html.index('<div class="heatmap">') : html.index('class="heat-all"')]
    assert "Squad" not in heatmap and "Platform" in heatmap  # the department, not yet its teams
    assert '<summary>2 teams<span class="sr-only"> in Platform</span></summary>' in heatmap
    group = f"{url}&part=heat_group&group={world.team.pk}"
    assert f'hx-get="{group.replace("&", "&amp;")}"' in heatmap

    teams = client.get(group, headers=HTMX)
    fragment = teams.content.decode()
    assert teams.status_code == 200 and "HX-Request" in teams["Vary"] and "<html" not in fragment
    assert '<ul class="heat-cells" aria-label="Teams in Platform">' in fragment
    assert fragment.index("Crew") < fragment.index("Squad")  # by name
    assert client.get(f"{url}&part=heat_group&group=999999", headers=HTMX).status_code == 404

    page = client.get(group).content.decode()  # without JavaScript: the page, that department open
    assert '<details class="heat-group-teams" open>' in page and "Squad" in page
