"""The objective page pages its check-in history, draws its charts from every check-in (one point
per day) and caches them under a key that changes with every write: its cost does not grow with
the history, older check-ins stay reachable (with HTMX and without), and a new check-in shows at
once."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from unittest.mock import patch

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ambit.okrs import charts, services
from ambit.okrs.models import CheckIn, KeyResult
from ambit.okrs.pages import HISTORY_PAGE
from tests.builders import Tree, World
from tests.okrs.conftest import login
from tests.querycount import Queries, check_count, count_queries

pytestmark = pytest.mark.django_db

HX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}
_NOTE = re.compile(r"note (\d+)<")
_OLDER = re.compile(r'href="(/key-results/\d+/history/\?before=\d+)"')


def _uptime(world: World, tree: Tree) -> KeyResult:
    """A key result of Platform's objective checked in by hand (latency follows its child objective)."""
    return services.key_result_create(
        actor=world.lead, objective=tree.team_obj, title="Uptime", start_value=90, target_value=100, unit="%"
    )


def _check_ins(world: World, kr: KeyResult, count: int) -> None:
    for i in range(count):
        services.check_in_record(actor=world.lead, key_result=kr, value=90 + i / 10, confidence=7, note=f"note {i}")


def _page(client: Client, url: str, **extra: Any) -> tuple[Queries, str]:
    client.get(url, **extra)  # the session's first request stores the chosen membership
    with count_queries() as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return queries, response.content.decode()


def test_the_objective_page_costs_the_same_with_few_and_many_check_ins(world: World, tree: Tree) -> None:
    client = login(world.lead)
    url = reverse("okrs:objective-detail", args=[tree.team_obj.pk])
    uptime = _uptime(world, tree)
    _check_ins(world, uptime, 2)
    few, few_html = _page(client, url)
    _check_ins(world, uptime, 3 * HISTORY_PAGE)
    many, many_html = _page(client, url)
    check_count(many, few, label="objective page with 62 check-ins against 2")
    # The page shows a page of the history, not all of it, and says how many there are.
    assert len(_NOTE.findall(many_html)) == HISTORY_PAGE
    assert f"({3 * HISTORY_PAGE + 2})" in many_html
    assert "Older check-ins" in many_html and "Older check-ins" not in few_html


def test_older_check_ins_are_reachable_page_by_page_none_lost_or_repeated(world: World, tree: Tree) -> None:
    total = 2 * HISTORY_PAGE + 5
    uptime = _uptime(world, tree)
    _check_ins(world, uptime, total)
    client = login(world.member)
    html = client.get(reverse("okrs:objective-detail", args=[tree.team_obj.pk])).content.decode()
    seen = [int(n) for n in _NOTE.findall(html)]
    pages = 0
    while (older := _OLDER.search(html)) is not None:
        pages += 1
        response = client.get(older.group(1).replace("&amp;", "&"))  # without JavaScript: a page
        assert response.status_code == 200
        html = response.content.decode()
        assert "<html" in html and "Check-ins on “Uptime”" in html
        seen += [int(n) for n in _NOTE.findall(html)]
    assert pages == 2
    # Newest first, every check-in once.
    assert seen == list(reversed(range(total)))
    assert CheckIn.objects.filter(key_result=uptime).count() == total


def test_with_htmx_the_older_link_brings_rows_that_continue_the_table(world: World, tree: Tree) -> None:
    uptime = _uptime(world, tree)
    _check_ins(world, uptime, HISTORY_PAGE + 3)
    client = login(world.lead)
    html = client.get(reverse("okrs:objective-detail", args=[tree.team_obj.pk])).content.decode()
    older = _OLDER.search(html)
    assert older is not None
    assert 'hx-target="closest tr"' in html
    fragment = client.get(older.group(1), **HX).content.decode()
    assert "<html" not in fragment and fragment.lstrip().startswith("<tr")
    # The 3 oldest check-ins, and no further link.
    assert [int(n) for n in _NOTE.findall(fragment)] == [2, 1, 0]
    assert fragment.count("<tr") == 3
    assert "90 %" in fragment and "Older check-ins" not in fragment


def test_the_history_page_keeps_the_objective_s_visibility_and_its_own_check_ins(world: World, tree: Tree) -> None:
    url = reverse("okrs:kr-history", args=[tree.latency.pk])
    assert login(world.outsider).get(url).status_code == 404
    other = CheckIn.objects.filter(key_result__objective=tree.company_obj).first()
    mine = CheckIn.objects.filter(key_result=tree.latency).latest("created_at")
    client = login(world.member)
    if other is not None:
        assert client.get(f"{url}?before={other.pk}").status_code == 404  # another key result's
    assert client.get(f"{url}?before=abc").status_code == 404
    assert client.get(f"{url}?before={mine.pk}").status_code == 200


def test_a_new_check_in_shows_at_once_although_the_charts_are_cached(world: World, tree: Tree) -> None:
    cache.clear()
    client = login(world.lead)
    url = reverse("okrs:objective-detail", args=[tree.team_obj.pk])
    before = client.get(url).content.decode()
    assert "2 check-ins; latest" in before and "Edge nodes" not in before
    token = re.compile(r'(csrfmiddlewaretoken" value=|CSRFToken": )"[^"]+"')
    with patch.object(charts, "progress_chart", wraps=charts.progress_chart) as drawn:
        again = client.get(url).content.decode()
    assert drawn.call_count == 0  # every chart came from the cache
    assert token.sub("", again) == token.sub("", before)
    launch = KeyResult.objects.get(pk=tree.launch.pk)  # a checklist: its first check-in
    assert launch.kind == "milestones"
    first = launch.milestones.order_by("position", "id").first()
    assert first is not None
    services.check_in_record(actor=world.lead, key_result=launch, milestones_done=[first.pk], note="Edge nodes")
    with patch.object(charts, "progress_chart", wraps=charts.progress_chart) as drawn:
        after = client.get(url).content.decode()
    assert drawn.call_count == 2  # launch's chart and the objective's; latency's did not change
    assert "Edge nodes" in after and f"1 of {launch.milestones.count()} milestones" in after
    assert "1 check-ins; latest" in after  # launch's chart: its first point
    # An edit to what the chart draws from (here the title in its heading) shows at once too.
    services.key_result_update(actor=world.lead, key_result=tree.latency, title="p99 latency")
    assert "p99 latency: progress over time" in client.get(url).content.decode()


def test_the_chart_draws_one_point_per_day_from_every_check_in(world: World, tree: Tree) -> None:
    uptime = _uptime(world, tree)
    yesterday = timezone.now() - dt.timedelta(hours=30)
    services.check_in_record(actor=world.lead, key_result=uptime, value=91, confidence=7, at=yesterday)
    _check_ins(world, uptime, 5)  # all today: the day's last is what the chart shows
    html = login(world.lead).get(reverse("okrs:objective-detail", args=[tree.team_obj.pk])).content.decode()
    chart = html[html.index(f'id="kr-{uptime.pk}-chart-title"') :]
    chart = chart[: chart.index("</svg>")]
    # Yesterday's check-in and today's last: two days, two points; six check-ins counted.
    assert chart.count('class="chart-point"') == 2
    assert "6 check-ins; latest 4% on" in chart  # today's last, 90.4 of 90 → 100
