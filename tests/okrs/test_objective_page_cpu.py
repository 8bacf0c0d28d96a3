"""The objective page's cheaper paths give the same output (issue 13): the forecasts worked out
only for the objective shown, its history and audit dates formatted without the ``date`` filter,
and its neighbours' key results attached by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import timezone

from ambit.okrs import services
from ambit.okrs.history import CheckInRow, compact_history
from ambit.okrs.metrics import compute_metrics
from ambit.okrs.metrics_feeders import forecast_key_results, load_feeders
from ambit.okrs.models import Cycle, KeyResult, Objective
from ambit.okrs.pages import when_texts
from ambit.okrs.prefetch import attach_key_results
from ambit.okrs.selectors import objective_list
from tests.builders import World
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def half_way(world: World) -> World:
    """A 100-day cycle, 50 days in."""
    today = timezone.localdate()
    Cycle.objects.filter(pk=world.cycle.pk).update(
        start_date=today - dt.timedelta(days=50), end_date=today + dt.timedelta(days=50)
    )
    world.cycle.refresh_from_db()
    return world


@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "Asia/Kolkata", "America/St_Johns"])
@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 1, 5, 3, 7, 9, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 29, 23, 59, 59, 123456, tzinfo=dt.UTC),
        dt.datetime(2026, 6, 30, 12, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),
    ],
)
def test_when_texts_print_what_the_date_filter_prints(moment: dt.datetime, zone: str) -> None:
    # Through a template: it puts the moment in the current time zone before the filter runs.
    printed = Template("{{ m|date:'c' }}|{{ m|date:'j M Y, H:i' }}")
    with timezone.override(zone):
        assert when_texts(moment) == tuple(printed.render(Context({"m": moment})).split("|"))


def _kr(actor: Any, objective: Objective, title: str) -> KeyResult:
    return services.key_result_create(actor=actor, objective=objective, title=title, start_value=0, target_value=100)


def _climb(w: World, kr: KeyResult, step: int) -> None:
    now = timezone.now()
    for days_ago, value in ((40, step), (30, 2 * step), (20, 3 * step), (10, 4 * step)):
        services.check_in_record(actor=w.champion, key_result=kr, value=value, at=now - dt.timedelta(days=days_ago))


def _linked_child(w: World, kr: KeyResult, title: str) -> Objective:
    return services.objective_create_from_key_result(
        actor=w.champion, key_result=kr, owner=w.champion, title=title, state="active"
    )


def test_only_the_shown_objectives_forecasts_load_their_children_in_full(half_way: World) -> None:
    """Page of M: M's linked key result follows C, whose linked key result follows G (so G must be
    loaded to forecast M's); M's parent P has a linked key result following Q, whose forecast the
    page never shows: Q is read from its stored roll-up. Every number shown stays the same."""
    w = half_way
    parent = services.objective_create(actor=w.champion, cycle=w.cycle, title="P", team=w.company, state="active")
    p_linked = _kr(w.champion, parent, "P linked")
    q = _linked_child(w, p_linked, "Q")
    _climb(w, _kr(w.champion, q, "Q own"), 5)
    main = services.objective_create(
        actor=w.champion, cycle=w.cycle, title="M", team=w.company, state="active", parents=[(parent, 1.0)]
    )
    m_linked = _kr(w.champion, main, "M linked")
    m_own = _kr(w.champion, main, "M own")
    _climb(w, m_own, 10)
    c = _linked_child(w, m_linked, "C")
    c_linked = _kr(w.champion, c, "C linked")
    g = _linked_child(w, c_linked, "G")
    _climb(w, _kr(w.champion, g, "G own"), 8)
    stored = compute_metrics(organisation=w.org, objectives=objective_list(actor=w.champion).filter(pk=q.pk))
    Objective.objects.filter(pk=q.pk).update(rolled_progress=stored.objective(q).progress)

    def asked() -> list[Objective]:
        # C first: a linked key result reads its children's forecasts as worked out so far.
        found = {o.pk: o for o in objective_list(actor=w.champion).filter(pk__in=[main.pk, parent.pk, c.pk])}
        return [found[c.pk], found[main.pk], found[parent.pk]]

    history: dict[int, list[CheckInRow]] = {pk: [] for pk in (m_linked.pk, m_own.pk)} | compact_history(
        [m_linked.pk, m_own.pk]
    )
    every = compute_metrics(organisation=w.org, objectives=asked(), with_forecast=True, history=dict(history))
    shown = compute_metrics(
        organisation=w.org, objectives=asked(), with_forecast=True, history=dict(history), forecasts_of={main.pk}
    )

    for kr in (m_linked, m_own):
        assert shown.kr(kr) == every.kr(kr)
    forecast = shown.kr(m_linked).forecast
    assert forecast is not None and forecast.progress is not None  # projected from G, not "too early"
    assert shown.kr(m_linked).linked
    for o in (main, parent, c):
        assert shown.objective(o) == every.objective(o)

    objectives = asked()
    wanted = forecast_key_results(objectives, {main.pk})
    assert wanted == {m_linked.pk, c_linked.pk}
    extra, frozen, _ = load_feeders(w.org, objectives, forecasts=True, wanted=wanted)
    assert [o.pk for o in extra] == [g.pk]
    assert frozen == {q.pk: pytest.approx(stored.objective(q).progress)}
    extra, frozen, _ = load_feeders(w.org, asked(), forecasts=True)  # every forecast: Q in full
    assert sorted(o.pk for o in extra) == sorted([g.pk, q.pk]) and frozen == {}


def test_key_results_attached_by_hand_read_like_prefetched_ones(half_way: World) -> None:
    w = half_way
    a = services.objective_create(actor=w.champion, cycle=w.cycle, title="A", state="active")
    b = services.objective_create(actor=w.champion, cycle=w.cycle, title="B", state="active")
    empty = services.objective_create(actor=w.champion, cycle=w.cycle, title="Empty", state="active")
    for i in range(3):
        _kr(w.champion, a, f"A{i}")
    checklist = services.key_result_create(
        actor=w.champion,
        objective=b,
        title="Checklist",
        kind="milestones",
        milestones=[("one", 1.0), ("two", 3.0)],
    )
    expected = {
        o.pk: [
            (kr.pk, [m.pk for m in kr.milestones.all()], [cp.pk for cp in kr.checkpoints.all()])
            for kr in o.key_results.all()
        ]
        for o in objective_list(actor=w.champion).filter(pk__in=[a.pk, b.pk, empty.pk])
    }
    plain = list(Objective.objects.filter(pk__in=[a.pk, b.pk, empty.pk]))
    with count_queries() as loading:
        attach_key_results(plain)
    with count_queries() as reading:
        got = {
            o.pk: [
                (kr.pk, [m.pk for m in kr.milestones.all()], [cp.pk for cp in kr.checkpoints.all()])
                for kr in o.key_results.all()
            ]
            for o in plain
        }
    assert got == expected
    assert len(got[a.pk]) == 3 and len(got[b.pk][0][1]) == 2 and got[empty.pk] == []
    assert checklist.pk == got[b.pk][0][0]
    assert len(loading) == 3 and len(reading) == 0


@pytest.mark.parametrize("order", ["main first", "child first", "main alone"])
def test_a_linked_key_result_is_projected_through_a_linked_child_whatever_the_order(
    half_way: World, order: str
) -> None:
    """M's linked key result follows C, whose own linked key result follows G (which has readings).
    M's forecast comes from C's, which comes from G's: it is projected however the objectives are
    passed in, and also when only M is asked for (C and G are then loaded as its feeders)."""
    w = half_way
    main = services.objective_create(actor=w.champion, cycle=w.cycle, title="M", team=w.company, state="active")
    m_linked = _kr(w.champion, main, "M linked")
    c = _linked_child(w, m_linked, "C")
    c_linked = _kr(w.champion, c, "C linked")
    g = _linked_child(w, c_linked, "G")
    _climb(w, _kr(w.champion, g, "G own"), 8)
    found = {o.pk: o for o in objective_list(actor=w.champion).filter(pk__in=[main.pk, c.pk])}
    objectives = {
        "main first": [found[main.pk], found[c.pk]],
        "child first": [found[c.pk], found[main.pk]],
        "main alone": [found[main.pk]],
    }[order]
    metrics = compute_metrics(organisation=w.org, objectives=objectives, with_forecast=True)
    forecast = metrics.kr(m_linked).forecast
    assert metrics.kr(m_linked).linked
    assert forecast is not None and forecast.progress is not None and forecast.progress > 0
    if order != "main alone":
        c_forecast = metrics.kr(c_linked).forecast
        assert c_forecast is not None and c_forecast.progress == pytest.approx(forecast.progress)
