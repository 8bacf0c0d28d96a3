"""The scheduler's commentary reminders: two days before the meeting at 9:00 and on its morning at
8:00 (organisation time), to the owners still missing commentary, once each (idempotent by the
notification's key); nothing once the meeting has started or the review is closed."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from ambit.notify.models import Kind, Notification, ProducerMark
from ambit.notify.scheduler import PRODUCERS
from ambit.reviews import services
from ambit.reviews.models import Review
from ambit.reviews.reminders import PRODUCER, produce_review_reminders
from tests.builders import World
from tests.reviews.helpers import build_scene, open_review, write

pytestmark = pytest.mark.django_db


def _at(review: Review, days: int, hour: int, minute: int = 0) -> dt.datetime:
    tz = zoneinfo.ZoneInfo(review.organisation.time_zone or "UTC")
    return dt.datetime.combine(review.meeting_on + dt.timedelta(days=days), dt.time(hour, minute), tzinfo=tz)


def _sent(review: Review, moment: str) -> list[int]:
    rows = Notification.objects.filter(kind=Kind.REVIEW_COMMENTARY, key=f"review:{review.pk}:due:{moment}")
    return sorted(rows.values_list("recipient_id", flat=True))


def test_registered_with_the_scheduler() -> None:
    assert PRODUCERS[PRODUCER] is produce_review_reminders


def test_two_days_before_and_on_the_morning_once_each(world: World) -> None:
    scene = build_scene(world)
    review = open_review(world, days_ahead=5)
    write(world.member, review, scene.behind)
    assert produce_review_reminders(_at(review, -2, 8, 59)) == 0
    assert produce_review_reminders(_at(review, -2, 9, 0)) == 2
    assert _sent(review, "two_days") == sorted([world.lead.pk, world.champion.pk])
    assert produce_review_reminders(_at(review, -2, 9, 1)) == 0  # a second tick
    assert produce_review_reminders(_at(review, -1, 12)) == 0
    write(world.lead, review, scene.at_risk)
    assert produce_review_reminders(_at(review, 0, 8, 5)) == 1
    assert _sent(review, "morning") == [world.champion.pk]
    title = Notification.objects.get(key=f"review:{review.pk}:due:morning").title
    assert title == "Monthly review today at 10:00: your commentary is still missing"
    assert produce_review_reminders(_at(review, 0, 9, 30)) == 0
    assert produce_review_reminders(_at(review, 0, 10, 0)) == 0  # the meeting has started


def test_a_repeat_of_the_same_moment_produces_nothing_twice_even_unmarked(world: World) -> None:
    build_scene(world)
    review = open_review(world, days_ahead=5)
    assert produce_review_reminders(_at(review, 0, 8)) == 3
    ProducerMark.objects.all().delete()  # the marks only make ticks cheap: the keys make them once
    assert produce_review_reminders(_at(review, 0, 8, 30)) == 0
    assert len(_sent(review, "morning")) == 3


def test_no_two_day_reminder_for_a_review_opened_after_that_moment(world: World) -> None:
    build_scene(world)
    review = open_review(world, days_ahead=1)  # opened today: its owners were just asked
    assert produce_review_reminders(timezone.now()) == 0
    assert _sent(review, "two_days") == []


def test_a_closed_review_reminds_nobody(world: World) -> None:
    build_scene(world)
    review = open_review(world, days_ahead=5)
    services.review_close(actor=world.champion, review=review)
    assert produce_review_reminders(_at(review, 0, 8)) == 0
