"""The day's standup posted to the team's Slack and Teams channels (issue 16, part 4): once per team
and day at the standup hour + 2 h, blockers first, each line linked to its key result, through the
chat app's delivery (a live stand-in channel answers), never twice."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks
from pytest_django.fixtures import Settings as SettingsWrapper

from ambit.chat import services as chat
from ambit.chat.models import ChatPost, PostKind, PostStatus
from ambit.okrs.models import KeyResult
from ambit.rituals import services
from ambit.rituals.chat_posts import (
    MAX_PEOPLE_PARTS,
    build_summary,
    produce_standup_posts,
    slack_payload,
    teams_payload,
)
from ambit.rituals.models import RitualSettings
from ambit.rituals.services import LineIn
from tests import factories as f
from tests.builders import World
from tests.chat.receiver import Channel, running_channel

pytestmark = pytest.mark.django_db

WEDNESDAY = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)
SITE = "https://okr.example.com"


@pytest.fixture(autouse=True)
def _local_http(settings: SettingsWrapper) -> None:
    settings.CHAT_ALLOW_HTTP = True
    settings.CHAT_TIMEOUT_SECONDS = 0.5
    settings.SITE_URL = SITE


@pytest.fixture
def slack() -> Iterator[Channel]:
    with running_channel() as c:
        yield c


@pytest.fixture
def teams() -> Iterator[Channel]:
    with running_channel() as c:
        yield c


Tick = Callable[[dt.datetime], int]


@pytest.fixture
def tick(django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> Tick:
    def run(now: dt.datetime) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return produce_standup_posts(now)

    return run


def _utc(world: World) -> None:
    world.org.time_zone = "UTC"
    world.org.save()


def _kr(world: World) -> KeyResult:
    obj = f.ObjectiveFactory.create(cycle=world.cycle, owner=world.member, title="Grow usage")
    return f.KeyResultFactory.create(objective=obj, owner=world.member, title="Weekly active users")


def _standup(world: World, kr: KeyResult) -> None:
    services.standup_post(
        actor=world.member,
        yesterday=[LineIn("Shipped <search> & filters", kr.pk)],
        today=[LineIn("Pair on onboarding")],
        blockers=[LineIn("No access to the [analytics] data", kr.pk)],
        now=WEDNESDAY,
    )


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            out.append(element.get("text") if isinstance(element.get("text"), str) else element["text"]["text"])
    return out


def test_each_team_channel_gets_the_days_standup_once_at_the_hour_plus_two(
    world: World, slack: Channel, teams: Channel, tick: Tick
) -> None:
    _utc(world)
    kr = _kr(world)
    chat.webhook_create(actor=world.lead, service="slack", url=slack.url, team=world.team)
    chat.webhook_create(actor=world.lead, service="teams", url=teams.url, team=world.team)
    with running_channel() as org_channel:
        chat.webhook_create(actor=world.admin, service="slack", url=org_channel.url)
        _standup(world, kr)
        assert tick(WEDNESDAY.replace(hour=10, minute=59)) == 0
        assert tick(WEDNESDAY.replace(hour=11)) == 2
        assert tick(WEDNESDAY.replace(hour=12)) == 0  # once per team and day
        assert org_channel.bodies == []  # the organisation's channel gets no team's standup
    assert ChatPost.objects.filter(key="standup:2026-12-02", status=PostStatus.SENT).count() == 2
    link = f"{SITE}/objectives/{kr.objective_id}/#kr-{kr.pk}"
    (body,) = slack.bodies
    texts = _texts(body["blocks"])
    assert texts[0] == "Platform standup, Wed 2 Dec"
    assert texts[1] == "1 of 2 posted · 1 blocker"
    assert texts[2].startswith("*Blockers*\n• No access to the [analytics] data (")
    assert f"<{link}|Weekly active users>" in texts[2]
    assert "Shipped &lt;search&gt; &amp; filters" in texts[3]  # Slack's control characters escaped
    assert "Not posted yet: " in texts[4]
    assert body["blocks"][-1]["elements"][0]["url"] == f"{SITE}/standups/platform/?day=2026-12-02"
    (card_body,) = teams.bodies
    card = card_body["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    lines = [b["text"] for b in card["body"]]
    assert lines.index("Blockers") < lines.index(world.member.user.get_full_name())
    assert (
        f"• No access to the (analytics) data ({world.member.user.get_full_name()}) · [Weekly active users]({link})"
        in lines
    )


def test_it_follows_the_teams_standup_hour_and_skips_weekends(world: World, slack: Channel, tick: Tick) -> None:
    _utc(world)
    RitualSettings.objects.create(organisation=world.org, team=world.team, standup_hour=7)
    chat.webhook_create(actor=world.lead, service="slack", url=slack.url, team=world.team)
    _standup(world, _kr(world))
    assert tick(WEDNESDAY.replace(hour=8, minute=59)) == 0
    assert tick(WEDNESDAY.replace(hour=9)) == 1
    saturday = WEDNESDAY + dt.timedelta(days=3)
    assert tick(saturday.replace(hour=12)) == 0


def test_a_day_nobody_posted_is_not_posted(world: World, slack: Channel, tick: Tick) -> None:
    _utc(world)
    chat.webhook_create(actor=world.lead, service="slack", url=slack.url, team=world.team)
    assert tick(WEDNESDAY.replace(hour=11)) == 0
    _standup(world, _kr(world))  # too late for the day's post: handled once
    assert tick(WEDNESDAY.replace(hour=12)) == 0
    assert not ChatPost.objects.exists() and slack.bodies == []


def test_channels_that_do_not_post_standups_or_are_off_get_nothing(world: World, slack: Channel, tick: Tick) -> None:
    _utc(world)
    quiet = chat.webhook_create(actor=world.lead, service="slack", url=slack.url, team=world.team, posts_standups=False)
    digest_only = chat.webhook_create(
        actor=world.lead, service="slack", url=slack.url + "/d", team=world.team, posts_digest=True
    )
    chat.webhook_update(actor=world.lead, webhook=digest_only, enabled=False)
    _standup(world, _kr(world))
    assert tick(WEDNESDAY.replace(hour=11)) == 0
    assert not ChatPost.objects.filter(webhook__in=[quiet, digest_only]).exists()
    # Standups on, the digest off: the standup is posted, logged as a standup.
    chat.webhook_update(actor=world.lead, webhook=quiet, posts_standups=True, posts_digest=False)
    assert tick(WEDNESDAY.replace(hour=11, minute=5)) == 1
    assert list(ChatPost.objects.values_list("webhook_id", "kind")) == [(quiet.pk, PostKind.STANDUP)]


def test_a_failed_post_is_retried_by_the_chat_delivery(world: World, slack: Channel, tick: Tick) -> None:
    _utc(world)
    slack.fail(500)
    chat.webhook_create(actor=world.lead, service="slack", url=slack.url, team=world.team)
    _standup(world, _kr(world))
    assert tick(WEDNESDAY.replace(hour=11)) == 1
    post = ChatPost.objects.get(key="standup:2026-12-02")
    assert (post.status, post.attempts, post.response_code) == (PostStatus.PENDING, 1, 500)
    assert post.next_attempt_at > WEDNESDAY.replace(hour=11)


def test_a_large_team_stays_within_the_limits(world: World) -> None:
    _utc(world)
    for i in range(MAX_PEOPLE_PARTS + 5):
        m = f.MembershipFactory.create(organisation=world.org, user=f.UserFactory.create(email=f"p{i}@acme.test"))
        f.TeamMemberFactory.create(team=world.team, membership=m)
        services.standup_post(
            actor=m, yesterday=[LineIn("y" * 290)] * 20, today=[LineIn("t" * 290)] * 20, now=WEDNESDAY
        )
    summary = build_summary(world.team, WEDNESDAY.date(), base=SITE)
    assert len(summary.posted) == MAX_PEOPLE_PARTS + 5
    slack_body = slack_payload(summary)
    assert len(slack_body["blocks"]) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in slack_body["blocks"] if b["type"] == "section")
    card = teams_payload(summary)
    assert len(json.dumps(card, ensure_ascii=False).encode()) <= 27_000
    assert "more people posted: see the page." in json.dumps(card)
