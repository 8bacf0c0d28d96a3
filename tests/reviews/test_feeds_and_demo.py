"""The review in every member's calendar feed (a fixed cost: one query), and the demo's review."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from ambit.calendars import services as calendars
from ambit.notify.schedule import zone
from ambit.reviews.demo import seed_review
from ambit.reviews.feeds import review_events
from ambit.reviews.models import Commentary, Review, ReviewItem
from tests.builders import World
from tests.querycount import assert_queries
from tests.reviews.helpers import build_scene, open_review

pytestmark = pytest.mark.django_db


def test_the_review_is_in_each_members_feed(client: Client, world: World) -> None:
    build_scene(world)
    review = open_review(world)
    issued = calendars.calendar_feed_create_own(actor=world.viewer)
    response = client.get(reverse("calendars:feed", kwargs={"token": issued.token}))
    events = {str(e["uid"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}
    event = events[f"review-{review.pk}@ambit.calendar"]
    assert str(event["summary"]) == f"Monthly OKR review ({review.month:%B %Y})"
    expected = dt.datetime.combine(review.meeting_on, dt.time(10), tzinfo=zone(world.org.time_zone))
    assert event.decoded("dtstart") == expected
    assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(hours=1)
    assert str(event["url"]) == f"http://testserver{reverse('reviews:detail', args=[review.pk])}"
    assert "Weekly users" not in response.content.decode()  # no key result leaves through a feed


def test_the_feed_provider_costs_one_query_however_many_reviews(world: World) -> None:
    build_scene(world)
    open_review(world)
    with assert_queries(1, label="reviews in a feed"):
        assert len(review_events(world.member.pk, world.org, "http://x")) == 1
    month = Review.objects.get().month
    for months in range(1, 4):
        first = (month + dt.timedelta(days=32 * months)).replace(day=1)
        Review.objects.create(organisation=world.org, month=first, meeting_on=first.replace(day=3))
    with assert_queries(1, label="reviews in a feed"):
        assert len(review_events(world.member.pk, world.org, "http://x")) == 4


def test_the_demo_opens_a_review_with_some_commentary_written_and_some_missing(world: World) -> None:
    scene = build_scene(world)
    review = seed_review(organisation=world.org)
    assert review is not None and review.opened_by_id == world.champion.pk
    items = list(ReviewItem.objects.filter(review=review).order_by("position"))
    written = set(Commentary.objects.filter(item__review=review).values_list("item__key_result_id", flat=True))
    assert written == {items[0].key_result_id, items[2].key_result_id} == {scene.private.pk, scene.at_risk.pk}
    assert scene.behind.pk not in written  # the member's is left for them (the e2e journey writes it)
    globex = seed_review(organisation=world.other_org)
    assert globex is not None
    assert list(ReviewItem.objects.filter(review=globex).values_list("key_result_id", flat=True)) == [scene.outside.pk]
