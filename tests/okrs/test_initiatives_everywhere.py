"""One progress for a key result that counts its initiatives, on every surface (issue 17): the
metrics, the API, the objective page's chart, the dashboard's progress line, the weekly digest, the
1:1 agenda, the team check-in and the quarter's wins all read the share of its initiatives done
(``metrics_initiatives``), never its check-in values; and the check-in form says so."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from ambit.dashboards.trends import history_samples, progress_history, readings
from ambit.initiatives import services as initiatives
from ambit.initiatives.models import Initiative
from ambit.notify.digest import build_digest
from ambit.okrs import selectors
from ambit.okrs import services as okrs
from ambit.okrs.metrics import compute_metrics
from ambit.okrs.metrics_initiatives import initiative_histories, progress_then
from ambit.okrs.models import Cycle, KeyResult, Objective
from ambit.oneonones.agenda import build_agenda as one_on_one_agenda
from ambit.present.selectors import quarter_wins
from ambit.teammeetings.agenda import build_agenda as team_agenda
from tests.api.conftest import ApiClient, token_for
from tests.builders import World, backdate, days_ago, objective_with_krs
from tests.okrs.conftest import login
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

TWO_THIRDS = pytest.approx(2 / 3)
ONE_THIRD = pytest.approx(1 / 3)


@dataclass
class Scene:
    objective: Objective
    kr: KeyResult


@pytest.fixture
def scene(world: World) -> Scene:
    """One key result (0 → 100, the member's) counting its initiatives: three made 30 days ago, one
    done 10 days ago, one 2 days ago, one still planned (2 of 3: 67%). Its check-ins (90 eight
    days ago, 30 yesterday) would say 90% then 30%."""
    today = timezone.localdate()
    Cycle.objects.filter(pk=world.cycle.pk).update(
        start_date=today - dt.timedelta(days=50), end_date=today + dt.timedelta(days=50)
    )
    world.cycle.refresh_from_db()
    objective, (kr,) = objective_with_krs(
        actor=world.lead,
        cycle=world.cycle,
        title="Ship the platform",
        team=world.team,
        state="active",
        key_results=[{"title": "Weekly users", "start_value": 0, "target_value": 100, "owner": world.member}],
    )
    backdate(objective, kr)
    okrs.key_result_update(actor=world.lead, key_result=kr, progress_from_initiatives=True)
    made = [
        initiatives.initiative_create(actor=world.lead, key_result=kr, title=f"Step {n}", status=status)
        for n, status in enumerate(["done", "done", "planned"], start=1)
    ]
    for initiative, done_at in zip(made, [days_ago(10), days_ago(2), None], strict=True):
        Initiative.objects.filter(pk=initiative.pk).update(created_at=days_ago(30), done_at=done_at)
    okrs.check_in_record(actor=world.member, key_result=kr, value=90, confidence=7, at=days_ago(8))
    okrs.check_in_record(actor=world.member, key_result=kr, value=30, confidence=6, at=days_ago(1))
    kr.refresh_from_db()
    return Scene(objective, kr)


def test_the_shared_source_reads_the_share_done_then(world: World, scene: Scene) -> None:
    (history,) = initiative_histories([scene.kr]).values()
    assert history.progress_at(days_ago(20)) == 0.0
    assert history.progress_at(days_ago(5)) == ONE_THIRD
    assert history.progress_at(None) == TWO_THIRDS
    series = history.series()
    assert [p for _, p in series] == [ONE_THIRD, TWO_THIRDS]
    assert progress_then([scene.kr], days_ago(5)) == {scene.kr.pk: ONE_THIRD}
    # Without the option: no query, nothing to read.
    plain = KeyResult(pk=scene.kr.pk, progress_from_initiatives=False)
    with count_queries() as queries:
        assert progress_then([plain], days_ago(5)) == {}
    assert len(queries) == 0


def test_every_surface_shows_the_same_progress(world: World, scene: Scene) -> None:
    loaded = selectors.objective_get(actor=world.champion, objective_id=scene.objective.pk)
    km = compute_metrics(organisation=world.org, objectives=[loaded]).kr(scene.kr)
    assert km.progress == TWO_THIRDS  # not 30% (the latest value), nor 90%

    # The API.
    got = ApiClient(token_for(world.lead)).get(f"key-results/{scene.kr.pk}").json()
    assert got["metrics"]["progress"] == TWO_THIRDS

    # The objective page's chart: a point after each one was done, today's the metrics' figure.
    page = login(world.member).get(reverse("okrs:objective-detail", kwargs={"pk": scene.objective.pk}))
    (view,) = page.context["kr_views"]
    assert [p for _, p in view.chart_points] == [ONE_THIRD, TWO_THIRDS]
    assert view.metrics.progress == TWO_THIRDS

    # The dashboard's progress line (one objective, one key result: its progress at each sample).
    tz = timezone.get_current_timezone()
    now = timezone.now()
    samples = history_samples(start=world.cycle.start_date, end=world.cycle.end_date, moment=now, tz=tz)
    objectives = [selectors.objective_get(actor=world.champion, objective_id=scene.objective.pk)]
    read = readings(key_results=KeyResult.objects.filter(pk=scene.kr.pk), samples=samples)
    line = progress_history(organisation=world.org, objectives=objectives, samples=samples, read=read, classic={})
    assert line[-1][0] == now and line[-1][1] == TWO_THIRDS
    # The week between the two done: only the first was done (not the 90% checked in then).
    assert [p for when, p in line if days_ago(10) < when < days_ago(2)] == [ONE_THIRD]
    assert [p for when, p in line if when < days_ago(30)] == [0.0] * len([w for w in samples if w < days_ago(30)])

    # The digest: moved by a third this week (one done two days ago), at 67%.
    digest = build_digest(world.org)
    (moved,) = [i for i in digest["moved"] if i["id"] == scene.kr.pk]
    assert (moved["progress"], moved["gain"]) == pytest.approx((2 / 3, 1 / 3))

    # The 1:1 agenda since five days ago: 33% then, 67% now.
    since = timezone.localdate() - dt.timedelta(days=5)
    (row,) = one_on_one_agenda(report=world.member, organisation=world.org, since=since).rows
    assert (row.progress_then, row.metrics.progress, row.progress_change) == pytest.approx((1 / 3, 2 / 3, 1 / 3))

    # The team check-in since five days ago: the same.
    agenda = team_agenda(actor=world.lead, team=world.team, since=days_ago(5), now=now)
    (team_row,) = [r for r in agenda.rows if r.key_result.pk == scene.kr.pk]
    assert (team_row.progress_then, team_row.metrics.progress) == pytest.approx((1 / 3, 2 / 3))

    # The quarter's wins: gained 67% since the cycle began (0 done then), not 30 - 90.
    wins = quarter_wins(world.cycle)
    (gain,) = [w for w in wins.biggest_gains if w.text.startswith("Weekly users")]
    assert (gain.progress, gain.gain) == pytest.approx((2 / 3, 2 / 3))
    assert wins.key_results_met == []


def test_the_check_in_form_says_where_progress_comes_from(world: World, scene: Scene) -> None:
    html = login(world.member).get(reverse("front:kr-checkin", args=[scene.kr.pk])).content.decode()
    assert "Progress from initiatives: 2 of 3 done" in html
    assert "Value (for the record; progress comes from initiatives)" in html
    # The home page's row says the same instead of the last value typed.
    assert "2 of 3 initiatives done" in login(world.member).get(reverse("front:home")).content.decode()
    # The check-in service still takes a value, and it moves nothing.
    okrs.check_in_record(actor=world.member, key_result=scene.kr, value=100, confidence=8)
    loaded = selectors.objective_get(actor=world.champion, objective_id=scene.objective.pk)
    assert compute_metrics(organisation=world.org, objectives=[loaded]).kr(scene.kr).progress == TWO_THIRDS
