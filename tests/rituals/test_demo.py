"""The demo's standups, reflection and 1:1 (``seed_demo``'s ``demo_seeded`` signal): through the
services, on the demo team, once."""

from __future__ import annotations

import datetime as dt

import pytest

from ambit.notify.models import Kind, Notification
from ambit.notify.scheduler import PRODUCERS
from ambit.oneonones.demo import TALKING_POINT, seed_one_on_one
from ambit.oneonones.models import Item, OneOnOne
from ambit.rituals.chat_posts import PRODUCER, produce_standup_posts
from ambit.rituals.demo import BLOCKER, IN_MY_WAY, seed_rituals
from ambit.rituals.models import Section, Standup, StandupLine, WeeklyReflection
from ambit.rituals.selectors import monday_of
from tests import factories as f
from tests.builders import World

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)


def test_the_demo_team_posts_a_blocker_writes_a_reflection_and_has_a_1_1(world: World) -> None:
    world.org.time_zone = "UTC"
    world.org.save()
    obj = f.ObjectiveFactory.create(cycle=world.cycle, owner=world.member, title="Grow usage")
    kr = f.KeyResultFactory.create(objective=obj, owner=world.member, title="Weekly active users")
    assert seed_rituals(organisation=world.org, now=NOW) == 2
    assert seed_rituals(organisation=world.org, now=NOW) == 0  # once
    assert set(Standup.objects.values_list("author_id", "day")) == {
        (world.lead.pk, NOW.date()),
        (world.member.pk, NOW.date()),
    }
    blocker = StandupLine.objects.get(section=Section.BLOCKERS)
    assert (blocker.text, blocker.key_result_id, blocker.standup.author_id) == (BLOCKER, kr.pk, world.member.pk)
    assert Notification.objects.filter(kind=Kind.STANDUP_BLOCKER, recipient=world.lead).count() == 1
    reflection = WeeklyReflection.objects.get()
    assert (reflection.author_id, reflection.in_my_way) == (world.member.pk, IN_MY_WAY)
    assert reflection.week_start == monday_of(NOW.date()) - dt.timedelta(days=7)
    one = seed_one_on_one(organisation=world.org, now=NOW)
    assert one is not None and (one.manager_id, one.report_id) == (world.lead.pk, world.member.pk)
    assert one.next_on == NOW.date() + dt.timedelta(days=2)
    assert Item.objects.get(meeting__one_on_one=one).text == TALKING_POINT
    assert seed_one_on_one(organisation=world.org, now=NOW) is None
    assert OneOnOne.objects.count() == 1


def test_the_standup_chat_producer_is_registered() -> None:
    assert PRODUCERS[PRODUCER] is produce_standup_posts
