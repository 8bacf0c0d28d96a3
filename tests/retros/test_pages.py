"""The reflection pages: the cycle's retrospective (per team, done and missing, the forms for who
may write, HTMX and plain posts), one objective's reflection beside its final numbers and its
dependencies (declared there, shown on both objectives' pages), the lessons search, the last
lessons on a team's planning grid; visibility, another organisation's 404, pinned query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, CycleState
from ambit.retros import services
from ambit.retros.models import Dependency, ObjectiveReflection, TeamReflection
from tests import factories as f
from tests.builders import World
from tests.helpers import db_digest
from tests.querycount import assert_queries, count_queries
from tests.retros.helpers import ANSWERS, build_scene, reflect, reflect_team

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def _client(member: object) -> Client:
    client = Client()
    client.force_login(member.user)  # type: ignore[attr-defined]
    return client


def _page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status
    return response.content.decode()


def test_the_retrospective_shows_each_team_with_done_and_missing(world: World) -> None:
    scene = build_scene(world)
    reflect(world.member, scene.platform)
    reflect_team(world.lead, world, scene.cycle)
    url = reverse("retros:cycle", args=[scene.cycle.pk])
    html = _page(_client(world.lead), url)
    assert 'id="retro-objectives-done">1 of 2</strong>' in html  # the private one is not the lead's to see
    assert 'id="retro-teams-done">1 of 2</strong>' in html
    assert f'data-objective="{scene.platform.pk}" data-done="yes"' in html
    assert f'data-objective="{scene.sales.pk}" data-done="no"' in html
    assert "Quiet hiring" not in html
    assert ANSWERS["lessons"] in html and "Team reflection missing" in html  # Sales has none
    assert html.count("Edit the team's reflection") == 1 and "Write the team's reflection" not in html
    champion = _page(_client(world.champion), url)
    assert 'id="retro-objectives-done">1 of 3</strong>' in champion and "Quiet hiring" in champion
    assert champion.count("Write the team's reflection") == 1  # Sales; Platform's is written
    _page(_client(world.outsider), url, status=404)


def test_a_lead_writes_the_teams_reflection_inline_and_bad_input_stays_on_the_form(world: World) -> None:
    scene = build_scene(world)
    client = _client(world.lead)
    url = reverse("retros:team-reflection", args=[scene.cycle.pk, world.team.pk])
    fields = {f"{k}": v for k, v in ANSWERS.items()}
    refused = client.post(url, fields | {"achieved": ""}, headers=HX)
    assert refused.status_code == 422
    assert services.ANSWER_REQUIRED in refused.content.decode() and not TeamReflection.objects.exists()
    saved = client.post(url, fields, headers=HX)
    html = saved.content.decode()
    assert saved.status_code == 200 and f'id="team-{world.team.pk}"' in html and "reflection is saved" in html
    assert TeamReflection.objects.get().achieved == ANSWERS["achieved"]
    plain = client.post(url, fields | {"lessons": "Plan less."})
    assert plain.status_code == 302 and plain["Location"].endswith(f"#team-{world.team.pk}")
    assert TeamReflection.objects.get().lessons == "Plan less."
    before = db_digest()
    assert _client(world.member).post(url, fields).status_code == 403
    assert _client(world.outsider).post(url, fields).status_code == 404
    assert db_digest() == before


def test_the_objective_reflection_page_with_its_numbers_and_form(world: World) -> None:
    scene = build_scene(world)
    okrs.check_in_record(actor=world.member, key_result=scene.platform_kr, value=40, confidence=6)
    url = reverse("retros:objective", args=[scene.platform.pk])
    client = _client(world.member)
    html = _page(client, url)
    assert 'aria-valuenow="40"' in html and "40%" in html  # the engine's progress, as a bar
    assert "Score (suggested)" in html and 'name="achieved"' in html
    refused = client.post(url, ANSWERS | {"aligned": ""})
    assert refused.status_code == 422 and services.ANSWER_REQUIRED in refused.content.decode()
    response = client.post(url, ANSWERS)
    assert response.status_code == 302 and response["Location"] == url
    assert ObjectiveReflection.objects.get().unexpected == ANSWERS["unexpected"]
    other = _page(_client(world.admin), reverse("retros:objective", args=[scene.sales.pk]))
    assert 'name="achieved"' in other  # champions and admins write any
    read_only = _page(_client(world.member), reverse("retros:objective", args=[scene.sales.pk]))
    assert 'name="achieved"' not in read_only and "No reflection written yet." in read_only
    _page(_client(world.member), reverse("retros:objective", args=[scene.private.pk]), status=404)
    _page(_client(world.outsider), url, status=404)
    Cycle.objects.filter(pk=scene.cycle.pk).update(state=CycleState.CLOSED)
    closed = _page(client, url)
    assert 'name="achieved"' not in closed and ANSWERS["achieved"] in closed and "kept as it was" in closed


def test_dependencies_are_declared_on_the_reflection_page_and_shown_on_both_objectives(world: World) -> None:
    scene = build_scene(world)
    client = _client(world.member)
    url = reverse("retros:dependency-add", args=[scene.platform.pk])
    form = _page(client, reverse("retros:objective", args=[scene.platform.pk]))
    assert f'value="o{scene.sales.pk}"' in form and f'value="k{scene.sales_kr.pk}"' in form
    assert f'value="o{scene.private.pk}"' not in form  # hidden from the member
    same_team = client.post(url, {"target": f"o{scene.platform.pk}"}, headers=HX)
    assert same_team.status_code == 422 and escape(services.DEPENDENCY_SAME_TEAM) in same_team.content.decode()
    hidden = client.post(url, {"target": f"o{scene.private.pk}"}, headers=HX)
    assert hidden.status_code == 404  # not the member's to see
    response = client.post(url, {"target": f"k{scene.sales_kr.pk}", "note": "Deals data by week 3."}, headers=HX)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="dependencies"' in html and "Dependency added." in html
    dep = Dependency.objects.get()
    assert (dep.objective_id, dep.target_key_result_id, dep.note) == (
        scene.platform.pk,
        scene.sales_kr.pk,
        "Deals data by week 3.",
    )
    mine = _page(client, reverse("okrs:objective-detail", args=[scene.platform.pk]))
    section = mine.split('id="objective-dependencies"', 1)[1].split("</section>", 1)[0]
    assert "New deals" in section and "Deals data by week 3." in section
    theirs = _page(_client(world.champion), reverse("okrs:objective-detail", args=[scene.sales.pk]))
    section = theirs.split('id="objective-dependencies"', 1)[1].split("</section>", 1)[0]
    assert "Ship the platform" in section and "on “New deals”" in section
    assert _client(world.viewer).post(reverse("retros:dependency-remove", args=[dep.pk])).status_code == 403
    assert _client(world.outsider).post(reverse("retros:dependency-remove", args=[dep.pk])).status_code == 404
    removed = client.post(reverse("retros:dependency-remove", args=[dep.pk]), headers=HX)
    assert removed.status_code == 200 and "Dependency removed." in removed.content.decode()
    assert not Dependency.objects.exists()


def test_a_dependency_on_a_private_objective_stays_private(world: World) -> None:
    scene = build_scene(world)
    services.dependency_add(actor=world.champion, objective=scene.private, target_objective=scene.platform)
    lead_view = _page(_client(world.lead), reverse("okrs:objective-detail", args=[scene.platform.pk]))
    assert "Quiet hiring" not in lead_view and "No other team's objective depends on this one." in lead_view
    champion_view = _page(_client(world.champion), reverse("okrs:objective-detail", args=[scene.platform.pk]))
    assert "Quiet hiring" in champion_view


def test_lessons_search_across_cycles_with_filters_and_visibility(world: World) -> None:
    scene = build_scene(world)
    reflect(world.member, scene.platform, lessons="Book the data export early.")
    reflect(world.champion, scene.private, lessons="Hiring takes a quarter; book the data room.")
    reflect_team(world.lead, world, scene.cycle, lessons="Plan 20% less.")
    url = reverse("retros:lessons")
    member = _client(world.member)
    html = _page(member, f"{url}?q=BOOK+THE")
    assert "Book the data export early." in html and "Quiet hiring" not in html and "Plan 20% less." not in html
    champion = _page(_client(world.champion), f"{url}?q=book+the")
    assert "Quiet hiring" in champion and "2 reflections found" in champion
    by_team = _page(member, f"{url}?team={world.other_team.slug}")
    assert "0 reflections found" in by_team
    old = f.CycleFactory.create(
        organisation=world.org, name="Old quarter", start_date=dt.date(2020, 1, 1), end_date=dt.date(2020, 3, 31)
    )
    by_cycle = _page(member, f"{url}?cycle={old.pk}")
    assert "0 reflections found" in by_cycle
    _page(member, f"{url}?cycle=999999", status=404)
    outsider = _page(_client(world.outsider), f"{url}?q=data")
    assert "No reflection matches." in outsider


def test_the_next_quarters_planning_grid_shows_the_teams_last_lessons(world: World) -> None:
    scene = build_scene(world)
    reflect(world.member, scene.platform, lessons="Book the data export early.")
    reflect_team(world.lead, world, scene.cycle, lessons="Plan 20% less.")
    Cycle.objects.filter(pk=scene.cycle.pk).update(state=CycleState.CLOSED)
    start = scene.cycle.end_date + dt.timedelta(days=1)
    upcoming = f.CycleFactory.create(
        organisation=world.org,
        name="Next quarter",
        start_date=start,
        end_date=start + dt.timedelta(days=90),
        state=CycleState.PLANNING,
    )
    grid = reverse("sheets:grid", args=[upcoming.pk])
    html = _page(_client(world.lead), f"{grid}?team={world.team.slug}")
    section = html.split('id="last-lessons"', 1)[1].split("</section>", 1)[0]
    assert "Platform's lessons from Current quarter" in section
    assert "Plan 20% less." in section and "Book the data export early." in section
    assert 'id="last-lessons"' not in _page(_client(world.lead), f"{grid}?team={world.other_team.slug}")
    assert 'id="last-lessons"' not in _page(_client(world.lead), grid)


def _grow(world: World, scene: object, n: int) -> None:
    cycle = scene.cycle  # type: ignore[attr-defined]
    for i in range(n):
        team = f.TeamFactory.create(organisation=world.org, name=f"Extra {i}", slug=f"extra-{i}", parent=world.company)
        f.TeamMemberFactory.create(team=team, membership=world.lead, is_lead=True)
        o = okrs.objective_create(
            actor=world.champion, cycle=cycle, title=f"Extra {i}", team=team, owner=world.member, state="active"
        )
        kr = okrs.key_result_create(actor=world.champion, objective=o, title=f"KR {i}", start_value=0, target_value=5)
        reflect(world.member, o)
        services.team_reflection_save(actor=world.champion, cycle=cycle, team=team, **ANSWERS)
        services.dependency_add(actor=world.champion, objective=scene.platform, target_key_result=kr)  # type: ignore[attr-defined]


@pytest.mark.parametrize("persona", ["lead", "champion"])
def test_the_pages_cost_the_same_with_one_or_many_rows(world: World, persona: str) -> None:
    scene = build_scene(world)
    reflect(world.member, scene.platform)
    reflect_team(world.lead, world, scene.cycle)
    client = _client(getattr(world, persona))
    urls = [
        reverse("retros:cycle", args=[scene.cycle.pk]),
        reverse("retros:objective", args=[scene.platform.pk]),
        reverse("retros:lessons") + "?q=the",
        reverse("okrs:objective-detail", args=[scene.platform.pk]),
    ]
    small = []
    for url in urls:
        client.get(url)
        cache.clear()
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        small.append(queries)
    _grow(world, scene, 4)
    for url, baseline in zip(urls, small, strict=True):
        cache.clear()
        with assert_queries(baseline, label=url):
            client.get(url)
    # The objective page's count includes its dependencies (one query: tests/okrs/test_queries.py).
    pinned = {"lead": [8, 15, 9, 24], "champion": [7, 14, 8, 23]}[persona]
    for url, expected in zip(urls, pinned, strict=True):
        cache.clear()
        with assert_queries(expected, label=url):
            client.get(url)


def test_the_retrospective_pages_its_teams_and_counts_them_all(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from ambit.retros import views

    scene = build_scene(world)
    reflect(world.member, scene.platform)
    monkeypatch.setattr(views, "TEAMS_PER_PAGE", 1)
    url = reverse("retros:cycle", args=[scene.cycle.pk])
    client = _client(world.champion)
    first, second = _page(client, url), _page(client, url + "?page=2")
    for html in (first, second):
        assert 'id="retro-objectives-done">1 of 3</strong>' in html  # the counts cover every team
        assert html.count('class="card retro-team"') == 1
    assert "Teams 1–1 of" in first and 'rel="next"' in first and 'rel="prev"' not in first
    # Above and below the list: two landmarks, each named apart (axe-core's landmark-unique).
    assert 'aria-label="Pages of teams"' in first and 'aria-label="Pages of teams, at the end of the list"' in first
    assert "Teams 2–2 of" in second and 'rel="prev"' in second
    ids = [f'id="team-{t.pk}"' for t in (world.team, world.other_team)]
    assert sum(i in first for i in ids) == 1 and sum(i in second for i in ids) == 1
    assert [i in first for i in ids] != [i in second for i in ids]


def test_a_block_lists_its_first_objectives_and_counts_the_rest(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from ambit.retros import views

    scene = build_scene(world)
    for i in range(3):
        okrs.objective_create(actor=world.lead, cycle=scene.cycle, title=f"Extra {i}", team=world.team, state="active")
    monkeypatch.setattr(views, "ROWS_SHOWN", 2)
    html = _page(_client(world.champion), reverse("retros:cycle", args=[scene.cycle.pk]))
    platform = html.split(f'id="team-{world.team.pk}"', 1)[1].split("</section>", 1)[0]
    assert platform.count('class="retro-objective"') == 2
    assert 'data-rows-more="2"' in platform and "And 2 more objectives" in platform
    assert re.search(r"\d of 4 objectives reflected", platform)  # the count covers them all
