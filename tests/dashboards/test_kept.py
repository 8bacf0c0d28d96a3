"""Slow dashboard summaries after a write, with a background worker (``dashboards.kept``): the
request shows the previous summary at once and queues one refresh; the worker's run keeps the new
one; nobody computes a slow summary in a request once one exists."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ambit.accounts import services as accounts
from ambit.dashboards import kept, scoped, selectors
from ambit.dashboards.tasks import refresh_dashboard
from ambit.okrs import services
from tests.builders import DashboardScenario, World
from tests.okrs.conftest import login

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
REFRESH = "ambit.dashboards.tasks.refresh_dashboard"


@pytest.fixture
def worker_queue() -> Iterator[None]:
    """Tasks go to the database queue, as with ``run_worker`` in production."""
    with override_settings(TASKS=DATABASE_TASKS):
        yield


def _queued() -> list[DBTaskResult[..., Any]]:
    return list(DBTaskResult.objects.filter(task_path=REFRESH).order_by("enqueued_at"))


def _run(task: DBTaskResult[..., Any]) -> Any:
    """What the worker does with a queued refresh: call the task with its arguments."""
    return refresh_dashboard.call(*task.args_kwargs["args"], **task.args_kwargs["kwargs"])


def _make_slow(summary: Any, seconds: float = 4.0) -> None:
    """As in a large organisation: the kept summary took ``seconds`` to compute."""
    cache.set(summary.cache_key, dataclasses.replace(summary, compute_seconds=seconds), 3600)


def _no_compute(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(**kwargs: Any) -> None:
        raise AssertionError("a slow summary was computed in the request")

    monkeypatch.setattr(selectors, "compute_dashboard_summary", refuse)
    monkeypatch.setattr(scoped, "compute_team_summary", refuse)


def test_after_a_write_the_request_shows_the_last_summary_and_queues_one_refresh(
    world: World, scenario: DashboardScenario, worker_queue: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = login(world.member)
    first = client.get(scenario.url).context["summary"]
    assert not first.behind and _queued() == []
    _make_slow(first)
    services.check_in_record(actor=world.member, key_result=scenario.k4, value=4, confidence=9)

    with monkeypatch.context() as patch:
        _no_compute(patch)
        response = client.get(scenario.url)
        again = client.get(scenario.url)  # a second view while the refresh waits queues nothing more
        login(world.lead).get(scenario.url)  # nor does another member who sees the same objectives
    shown = response.context["summary"]
    assert shown.behind and shown.progress == first.progress and again.context["summary"].behind
    html = response.content.decode()
    assert "data-summary-behind" in html and "worked out again in the background" in html
    [task] = _queued()
    assert task.args_kwargs["args"][1:] == ["organisation", world.member.pk, scenario.cycle.pk, None, None]
    # No sooner than twice its computation after the last one, so a stream of check-ins cannot
    # keep the worker on this page.
    assert task.run_after == first.computed_at + dt.timedelta(seconds=8)

    assert _run(task) is True
    after = client.get(scenario.url)
    summary = after.context["summary"]
    assert not summary.behind and summary.progress > first.progress
    assert "data-summary-behind" not in after.content.decode()
    # The refresh is idempotent: run again (a worker that died after it), it finds it kept.
    assert _run(task) is False
    assert client.get(scenario.url).context["summary"].cache_key == summary.cache_key


def test_the_next_write_after_a_refresh_queues_the_next_one(
    world: World, scenario: DashboardScenario, worker_queue: None
) -> None:
    client = login(world.member)
    _make_slow(client.get(scenario.url).context["summary"])
    services.check_in_record(actor=world.member, key_result=scenario.k4, value=4, confidence=9)
    client.get(scenario.url)
    [first_task] = _queued()
    _run(first_task)
    refreshed = client.get(scenario.url).context["summary"]
    _make_slow(refreshed)
    services.check_in_record(actor=world.member, key_result=scenario.k4, value=5, confidence=8)
    assert client.get(scenario.url).context["summary"].behind
    assert len(_queued()) == 2


def test_a_quick_summary_is_computed_in_the_request_even_with_a_worker(
    world: World, scenario: DashboardScenario, worker_queue: None
) -> None:
    client = login(world.member)
    first = client.get(scenario.url).context["summary"]
    assert first.compute_seconds < kept.SLOW_SUMMARY_SECONDS
    services.check_in_record(actor=world.member, key_result=scenario.k4, value=4, confidence=9)
    after = client.get(scenario.url).context["summary"]
    assert not after.behind and after.progress > first.progress
    assert _queued() == []


def test_a_slow_summary_is_refreshed_when_its_clock_runs_out_without_writes(
    world: World, scenario: DashboardScenario, worker_queue: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Today's figures depend on the clock (pace, staleness): past its ten minutes a slow summary
    is kept to stand in, not served as current."""
    client = login(world.member)
    first = client.get(scenario.url).context["summary"]
    _make_slow(first)
    later = timezone.now() + dt.timedelta(seconds=selectors.TODAY_TTL_SECONDS + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with monkeypatch.context() as patch:
        _no_compute(patch)
        shown = client.get(scenario.url).context["summary"]
    assert shown.behind and shown.cache_key == first.cache_key
    assert len(_queued()) == 1


def test_the_team_dashboard_is_refreshed_the_same_way(
    world: World, scenario: DashboardScenario, worker_queue: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"{reverse('dashboards:team', args=[world.team.slug])}?cycle={scenario.cycle.pk}"
    client = login(world.lead)
    first = client.get(url).context["summary"]
    _make_slow(first)
    services.check_in_record(actor=world.lead, key_result=scenario.k1, value=90, confidence=9)  # Platform's
    with monkeypatch.context() as patch:
        _no_compute(patch)
        response = client.get(url)
    assert response.context["summary"].behind and "data-summary-behind" in response.content.decode()
    [task] = _queued()
    assert task.args_kwargs["args"][1:] == ["team", world.lead.pk, scenario.cycle.pk, world.team.pk, None]
    assert _run(task) is True
    after = client.get(url).context["summary"]
    assert not after.behind and after.progress > first.progress


def test_a_refresh_for_someone_who_left_computes_nothing_and_frees_the_view(
    world: World, scenario: DashboardScenario, worker_queue: None
) -> None:
    client = login(world.member)
    _make_slow(client.get(scenario.url).context["summary"])
    services.check_in_record(actor=world.member, key_result=scenario.k4, value=4, confidence=9)
    client.get(scenario.url)
    [task] = _queued()
    accounts.membership_update(actor=world.admin, membership=world.member, is_active=False)
    assert _run(task) is False
    view = task.args_kwargs["args"][0]
    assert cache.get(f"{view}:refresh-queued") is None  # the next view may ask again


def test_without_a_worker_a_slow_summary_stands_in_then_a_request_computes(
    world: World, scenario: DashboardScenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``TASKS_BACKEND=immediate`` (``make run``): nothing is queued; the stand-in lasts ten
    computations, then the next request computes."""
    client = login(world.member)
    first = client.get(scenario.url).context["summary"]
    _make_slow(first, seconds=3.0)
    services.check_in_record(actor=world.member, key_result=scenario.k4, value=4, confidence=9)
    assert client.get(scenario.url).context["summary"].behind
    later = timezone.now() + dt.timedelta(seconds=31)
    monkeypatch.setattr(timezone, "now", lambda: later)
    after = client.get(scenario.url).context["summary"]
    assert not after.behind and after.progress > first.progress
    assert DBTaskResult.objects.count() == 0
