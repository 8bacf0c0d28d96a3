"""Which key results a review asks commentary on: the active ones of running cycles that are behind
or at risk by the dashboards' own status, frozen when the review opens; and the default day."""

from __future__ import annotations

import datetime as dt

import pytest

from ambit.dashboards.selectors import dashboard_as_of, dashboard_summary
from ambit.okrs import services as okrs
from ambit.reviews.models import ReviewItem
from ambit.reviews.scope import default_meeting_on, key_results_in_scope
from tests.builders import World
from tests.reviews.helpers import build_scene, open_review

pytestmark = pytest.mark.django_db


def test_behind_and_at_risk_only_largest_shortfall_first(world: World) -> None:
    scene = build_scene(world)
    rows = key_results_in_scope(organisation=world.org)
    assert [(r.key_result.pk, r.status) for r in rows] == [
        (scene.private.pk, "behind"),
        (scene.behind.pk, "behind"),
        (scene.at_risk.pk, "at_risk"),
    ]
    assert scene.on_track.pk not in {r.key_result.pk for r in rows}
    assert scene.outside.pk not in {r.key_result.pk for r in rows}  # Globex's stays Globex's


def test_the_status_is_the_dashboards(world: World) -> None:
    scene = build_scene(world)
    summary = dashboard_summary(
        actor=world.champion, cycle=scene.cycle, as_of=dashboard_as_of(organisation=world.org, day=None)
    )
    on_dashboard = {(e.kr_id, e.status, round(e.progress, 6)) for e in summary.at_risk}
    in_scope = {(r.key_result.pk, r.status, round(r.progress, 6)) for r in key_results_in_scope(organisation=world.org)}
    assert in_scope == on_dashboard


def test_drafts_cancelled_key_results_and_cycles_not_running_stay_out(world: World) -> None:
    scene = build_scene(world)
    okrs.key_result_cancel(actor=world.lead, key_result=scene.at_risk, reason="Wrong metric")
    draft = okrs.objective_create(actor=world.lead, cycle=scene.cycle, title="Draft", team=world.team)
    okrs.key_result_create(actor=world.lead, objective=draft, title="Never checked", start_value=0, target_value=9)
    ids = [r.key_result.pk for r in key_results_in_scope(organisation=world.org)]
    assert ids == [scene.private.pk, scene.behind.pk]
    scene.cycle.state = "review"
    scene.cycle.save(update_fields=["state"])
    assert key_results_in_scope(organisation=world.org) == []


def test_the_agenda_is_frozen_when_the_review_opens(world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    okrs.check_in_record(actor=world.member, key_result=scene.behind, value=90, confidence=9)
    item = ReviewItem.objects.get(review=review, key_result=scene.behind)
    assert (item.status, round(item.progress, 2), item.confidence, item.position) == ("behind", 0.2, 4, 1)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 12, 1), dt.date(2026, 12, 1)),  # the first Tuesday itself
        (dt.date(2026, 11, 2), dt.date(2026, 11, 3)),
        (dt.date(2026, 11, 30), dt.date(2026, 12, 1)),  # this month's has passed: next month's
        (dt.date(2026, 12, 2), dt.date(2027, 1, 5)),
    ],
)
def test_the_default_meeting_is_the_first_tuesday(today: dt.date, expected: dt.date) -> None:
    assert default_meeting_on(today) == expected
