"""No suggested score or verdict before a cycle's first day (a draft in a quarter still being
planned is not "missed"); a score set by hand still shows; from the first day, as before."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from ambit.okrs import services as okrs
from ambit.okrs.engine import scoring_started
from ambit.okrs.metrics import compute_metrics
from ambit.okrs.models import Cycle, CycleState
from tests.builders import World, objective_with_krs

pytestmark = pytest.mark.django_db

KRS = [{"title": "Weekly active users", "start_value": 100, "target_value": 400, "unit": "users"}]


def test_the_rule() -> None:
    start = dt.date(2027, 1, 1)
    assert not scoring_started(today=dt.date(2026, 12, 31), cycle_start=start)
    assert scoring_started(today=start, cycle_start=start)
    assert scoring_started(today=dt.date(2027, 3, 1), cycle_start=start)


def _future_cycle(world: World) -> Cycle:
    today = dt.date.today()
    return okrs.cycle_create(
        actor=world.champion,
        name="Next quarter",
        start_date=today + dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=120),
        state=CycleState.PLANNING,
        with_sprints=False,
    )


def test_a_draft_in_a_cycle_not_started_has_no_score_or_verdict(client: Client, world: World) -> None:
    objective, _ = objective_with_krs(actor=world.member, cycle=_future_cycle(world), title="Grow", key_results=KRS)
    numbers = compute_metrics(organisation=world.org, objectives=[objective]).objectives[objective.pk]
    assert (numbers.suggested_score, numbers.band, numbers.verdict) == (None, None, None)
    client.force_login(world.member.user)
    html = client.get(reverse("okrs:objective-detail", args=[objective.pk])).content.decode()
    assert "Verdict" not in html and "Score (suggested)" not in html


def test_a_score_set_by_hand_still_shows_and_a_started_cycle_suggests(world: World) -> None:
    objective, _ = objective_with_krs(actor=world.member, cycle=_future_cycle(world), title="Grow", key_results=KRS)
    okrs.objective_score(actor=world.member, objective=objective, score=0.7, note="Agreed early")
    numbers = compute_metrics(organisation=world.org, objectives=[objective]).objectives[objective.pk]
    assert numbers.band is not None and numbers.verdict is not None and numbers.suggested_score is None
    current, _ = objective_with_krs(actor=world.member, cycle=world.cycle, title="Now", key_results=KRS)
    assert compute_metrics(organisation=world.org, objectives=[current]).objectives[current.pk].suggested_score == 0.0
