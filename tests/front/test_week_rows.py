"""My week draws each key result row once per page and keeps it across views while nothing it
prints changes; the weekly check-in page computes no forecast it does not draw."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.template import engines
from django.test import Client, RequestFactory
from django.urls import reverse

from ambit.front.templatetags.front_rows import ROWS_KEPT, forget_rows
from ambit.front.week import my_week
from ambit.okrs import services
from ambit.okrs.models import KeyResult
from tests.builders import World, key_results_for
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

ROW = "front/partials/kr_row.html"
_ROWS = re.compile(r'<li class="kr-row.*?</li>', re.S)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    forget_rows()  # rows are kept in the process across requests


def _rows(html: str) -> list[str]:
    return _ROWS.findall(html)


def _row_renders(response: object) -> int:
    return [t.name for t in response.templates].count(ROW)  # type: ignore[attr-defined]


def test_a_due_row_is_drawn_once_and_reads_exactly_as_the_shared_partial(client: Client, world: World) -> None:
    krs = key_results_for(world.member, world.cycle, world.admin, 4, per_objective=2)
    services.check_in_record(actor=world.member, key_result=krs[0], value=10)  # not due any more
    client.force_login(world.member.user)
    response = client.get(reverse("front:home"))
    html = response.content.decode()
    # Three due rows twice ("Due now" and under their objective), one once; each drawn once.
    assert [html.count(f'id="kr-{kr.pk}"') for kr in krs] == [1, 2, 2, 2]
    assert _row_renders(response) == 4

    # What the tag prints is what ``{% include %}`` of the shared row prints, with and without
    # the objective line.
    request = RequestFactory().get(reverse("front:home"))
    request.user = world.member.user
    week = my_week(actor=world.member, cycle=world.cycle)
    engine = engines["django"]
    include = (
        '{% for i in week.items %}{% include "' + ROW + '" with kr=i.kr km=i.km can_check_in=i.can_check_in '
        "show_objective=flag %}{% endfor %}"
    )
    tag = "{% load front_rows %}{% for i in week.items %}{% kr_row i show_objective=flag %}{% endfor %}"
    for flag in (True, False):
        expected = engine.from_string(include).render({"week": week, "flag": flag}, request)
        assert engine.from_string(tag).render({"week": week, "flag": flag}, request) == expected
        assert len(_rows(expected)) == 4
        assert expected.count("Grow signups: objective 1</p>") == (2 if flag else 0)
    page_rows = _rows(html)
    due_now = page_rows[:3]
    assert all("Grow signups: objective" in row for row in due_now)
    assert not any("Grow signups: objective" in row for row in page_rows[3:])


def test_rows_are_kept_across_views_until_what_they_print_changes(client: Client, world: World) -> None:
    krs = key_results_for(world.member, world.cycle, world.admin, 3)
    client.force_login(world.member.user)
    url = reverse("front:home")
    first = client.get(url)
    assert _row_renders(first) == 3

    again = client.get(url)  # the whole body is kept until the next write (core.page_cache)
    assert _row_renders(again) == 0
    assert _rows(again.content.decode()) == _rows(first.content.decode())
    cache.clear()  # below it, each row is kept too: the body drawn again draws no row
    again = client.get(url)
    assert _row_renders(again) == 0
    assert _rows(again.content.decode()) == _rows(first.content.decode())

    services.check_in_record(actor=world.member, key_result=krs[1], value=420)
    after = client.get(url)
    assert _row_renders(after) == 1  # only the key result that changed
    html = after.content.decode()
    changed = next(row for row in _rows(html) if f'id="kr-{krs[1].pk}"' in row)
    assert "420 → 1,000 users" in changed
    assert "Check-in due" not in changed
    assert html.count(f'id="kr-{krs[1].pk}"') == 1  # not due now: only under its objective

    # A write that skips the services moves no data version, so the body cached before it stays;
    # once that is drawn again, the row keyed on what it prints is drawn again too.
    KeyResult.objects.filter(pk=krs[2].pk).update(title="Renamed without a service")
    assert "Renamed without a service" not in client.get(url).content.decode()
    cache.clear()
    renamed = client.get(url)
    assert _row_renders(renamed) == 1
    assert "Renamed without a service" in renamed.content.decode()

    # Another page linking back elsewhere gets its own rows (the "next" link differs).
    other = client.get(url + f"?cycle={world.cycle.pk}")
    assert _row_renders(other) == 3
    assert f"next=/%3Fcycle%3D{world.cycle.pk}" in other.content.decode()


def test_the_weekly_check_in_page_reads_no_check_in_history(client: Client, world: World) -> None:
    krs = key_results_for(world.member, world.cycle, world.admin, 2)
    services.check_in_record(actor=world.member, key_result=krs[0], value=5)
    client.force_login(world.member.user)
    url = reverse("front:checkin") + "?all=1"
    client.get(url)
    cache.clear()  # the form drawn afresh, as after a write (core.page_cache)
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert krs[0].title in response.content.decode() and krs[1].title in response.content.decode()
    # The data version reads the newest check-in's id, one row; no check-in history is read.
    history = [q for q in queries.matching('FROM "okrs_checkin"') if "rollup_version" not in q]
    assert history == []
    assert len(queries.matching('FROM "okrs_checkin"')) == 1


def test_the_rows_kept_are_bounded(client: Client, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from ambit.front.templatetags import front_rows

    assert ROWS_KEPT >= 1000
    monkeypatch.setattr(front_rows, "ROWS_KEPT", 2)
    key_results_for(world.member, world.cycle, world.admin, 3)
    client.force_login(world.member.user)
    url = reverse("front:home")
    assert _row_renders(client.get(url)) == 3
    assert len(front_rows._kept) == 2  # the oldest row was let go
    cache.clear()  # the body is drawn again (as after a write), not served whole
    assert _row_renders(client.get(url)) == 3  # each miss pushes out the next one needed
