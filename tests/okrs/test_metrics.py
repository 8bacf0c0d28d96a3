"""compute_metrics: the engine fed from the database, in a fixed number of queries."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from ambit.okrs import services
from ambit.okrs.metrics import Metrics, compute_metrics
from ambit.okrs.models import Cycle, KeyResult, Objective
from ambit.okrs.selectors import objective_list
from tests.builders import World
from tests.querycount import Queries, check_count, count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def half_way(world: World) -> World:
    """A 100-day cycle, 50 days in: expected progress is 0.5."""
    today = timezone.localdate()
    Cycle.objects.filter(pk=world.cycle.pk).update(
        start_date=today - dt.timedelta(days=50), end_date=today + dt.timedelta(days=50)
    )
    world.cycle.refresh_from_db()
    return world


def _kr(world: World, objective: Objective, title: str, **kw: Any) -> KeyResult:
    kw.setdefault("start_value", 0)
    kw.setdefault("target_value", 100)
    return services.key_result_create(actor=world.member, objective=objective, title=title, **kw)


def _metrics(world: World) -> Metrics:
    return compute_metrics(organisation=world.org, objectives=objective_list(actor=world.member, cycle=world.cycle))


def test_status_from_pace_and_silence(half_way: World) -> None:
    w = half_way
    obj = services.objective_create(actor=w.member, cycle=w.cycle, title="O", state="active")
    # Planned from the cycle's first day (the pace 0.5 is read against); "new" starts today.
    on_track, at_risk, behind, stale = (
        _kr(w, obj, t, plan_start=w.cycle.start_date) for t in ("on", "risk", "behind", "stale")
    )
    fresh = _kr(w, obj, "new")
    now = timezone.now()
    services.check_in_record(actor=w.member, key_result=on_track, value=45, at=now)  # gap -0.05
    services.check_in_record(actor=w.member, key_result=at_risk, value=30, at=now)  # gap -0.20
    services.check_in_record(actor=w.member, key_result=behind, value=10, at=now)  # gap -0.40
    services.check_in_record(actor=w.member, key_result=stale, value=90, at=now - dt.timedelta(days=11))
    m = _metrics(w)
    assert m.kr(on_track).status == "on_track"
    assert m.kr(at_risk).status == "at_risk"
    assert m.kr(behind).status == "behind"
    assert m.kr(stale).status == "stale"  # silence is never green, even at 90 %
    # Created just now, inside the cadence: not started rather than stale.
    assert m.kr(fresh).status == "not_started"
    assert m.kr(on_track).expected == pytest.approx(0.5, abs=0.01)
    assert m.objective(obj).progress == pytest.approx((0.45 + 0.30 + 0.10 + 0.90 + 0) / 5)


def test_cancelled_key_results_drop_out_of_the_objective(half_way: World) -> None:
    w = half_way
    obj = services.objective_create(actor=w.member, cycle=w.cycle, title="O", state="active")
    a = _kr(w, obj, "a", weight=1)
    b = _kr(w, obj, "b", weight=3)
    services.check_in_record(actor=w.member, key_result=a, value=100)
    services.check_in_record(actor=w.member, key_result=b, value=20)
    assert _metrics(w).objective(obj).progress == pytest.approx((1.0 * 1 + 0.2 * 3) / 4)
    services.key_result_cancel(actor=w.member, key_result=b, reason="Dropped")
    m = _metrics(w)
    assert m.objective(obj).progress == pytest.approx(1.0)
    assert m.kr(b).status == "cancelled"


def test_duality_parent_key_result_takes_progress_from_child(half_way: World) -> None:
    w = half_way
    company = services.objective_create(
        actor=w.champion, cycle=w.cycle, title="Company", team=w.company, state="active"
    )
    parent_kr = services.key_result_create(
        actor=w.champion, objective=company, title="Reach 1,000 teams", start_value=0, target_value=1000
    )
    child = services.objective_create_from_key_result(
        actor=w.champion, key_result=parent_kr, team=w.team, owner=w.lead, state="active"
    )
    child_kr = services.key_result_create(actor=w.lead, objective=child, title="Ship", start_value=0, target_value=10)
    services.check_in_record(actor=w.lead, key_result=child_kr, value=6)
    # Only the company objective is asked for: its child is loaded because the KR feeds from it.
    m = compute_metrics(organisation=w.org, objectives=objective_list(actor=w.champion, cycle=w.cycle, team=w.company))
    assert m.kr(parent_kr).progress == pytest.approx(0.6)
    assert m.objective(company).progress == pytest.approx(0.6)


def test_forecast_projects_the_end_of_cycle(half_way: World) -> None:
    w = half_way
    obj = services.objective_create(actor=w.member, cycle=w.cycle, title="O", state="active")
    kr = _kr(w, obj, "linear")
    now = timezone.now()
    for days_ago, value in ((40, 10), (30, 20), (20, 30), (10, 40)):
        services.check_in_record(actor=w.member, key_result=kr, value=value, at=now - dt.timedelta(days=days_ago))
    m = compute_metrics(
        organisation=w.org, objectives=objective_list(actor=w.member, cycle=w.cycle), with_forecast=True
    )
    fc = m.kr(kr).forecast
    assert fc is not None and fc.method == "linear_fit"
    # 1 unit a day: 40 today-10d → about 100 at the end (51 days after "10 days ago" is ~ +60).
    assert fc.end_value == pytest.approx(100, abs=2)
    assert fc.score == pytest.approx(1.0)


def test_query_count_does_not_grow_with_rows(half_way: World) -> None:
    w = half_way

    def build(n: int) -> None:
        for i in range(n):
            obj = services.objective_create(actor=w.member, cycle=w.cycle, title=f"O{i}", state="active")
            for j in range(3):
                kr = _kr(w, obj, f"k{j}")
                services.check_in_record(actor=w.member, key_result=kr, value=10 * j)

    def count() -> Queries:
        from ambit.accounts.models import Membership

        actor = Membership.objects.get(pk=w.member.pk)  # fresh: no per-request caches
        with count_queries() as queries:
            compute_metrics(
                organisation=w.org, objectives=objective_list(actor=actor, cycle=w.cycle), with_forecast=True
            )
        return queries

    build(1)
    small = count()
    build(15)
    check_count(count(), small, label="metrics of 16 objectives against 1")


def test_forecast_is_too_early_then_anchored_only_when_the_key_result_existed_at_the_start(half_way: World) -> None:
    """Issue 12: readings seconds apart never project; the start value anchors the line only for
    a key result that existed when the cycle started; a correction replaces what it corrects."""
    from ambit.okrs.models import KeyResult

    w = half_way
    obj = services.objective_create(actor=w.member, cycle=w.cycle, title="O", state="active")
    fresh, old = _kr(w, obj, "created today"), _kr(w, obj, "there since the start")
    KeyResult.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=60))
    now = timezone.now()
    for kr in (fresh, old):
        for seconds, value in ((7, 10), (4, 20), (0, 30)):
            services.check_in_record(actor=w.member, key_result=kr, value=value, at=now - dt.timedelta(seconds=seconds))
    m = compute_metrics(
        organisation=w.org, objectives=objective_list(actor=w.member, cycle=w.cycle), with_forecast=True
    )
    too_early = m.kr(fresh).forecast
    assert too_early is not None and too_early.note == "Too early to forecast"
    anchored = m.kr(old).forecast
    assert anchored is not None and anchored.method == "from_start"
    # 0 fifty days ago, 30 today: 0.6 a day to the end of the cycle's last day, 50 to 51 days on.
    assert anchored.end_value is not None and 59 <= anchored.end_value <= 61

    typo = services.check_in_record(
        actor=w.member, key_result=fresh, value=900, at=now - dt.timedelta(days=10)
    ).check_in
    services.check_in_record(actor=w.member, key_result=fresh, value=20, corrects=typo)
    m = compute_metrics(
        organisation=w.org, objectives=objective_list(actor=w.member, cycle=w.cycle), with_forecast=True
    )
    fc = m.kr(fresh).forecast
    # 20 ten days ago (the correction in place of 900), 30 today: 1 a day, about 80 at the end.
    assert fc is not None and fc.method == "linear_fit"
    assert fc.end_value is not None and 79 <= fc.end_value <= 82
