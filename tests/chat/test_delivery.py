"""The chat producer and the sending path against a real HTTP server standing in for the channel:
the weekly digest and announcements posted once per channel (twice run, still once), retries with
back-off, a worker killed mid-send, automatic disabling, and a cheap tick when nothing is due."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from ambit.chat import sending, services
from ambit.chat.models import ChatPost, ChatWebhook, PostKind, PostStatus
from ambit.chat.producer import produce_chat
from ambit.core.models import AuditAction, AuditEntry
from ambit.notify.digest import iso_week
from ambit.okrs import services as okrs
from tests.builders import DashboardScenario, World
from tests.chat.conftest import Tick
from tests.chat.receiver import TIMEOUT, Channel
from tests.querycount import assert_queries

pytestmark = pytest.mark.django_db


def _slack(world: World, channel: Channel, **options: object) -> ChatWebhook:
    return services.webhook_create(actor=world.admin, service="slack", url=channel.url, **options)  # type: ignore[arg-type]


def _header(body: dict[str, object]) -> str:
    return body["blocks"][0]["text"]["text"]  # type: ignore[index,no-any-return]


def test_digest_reaches_each_channel_once_even_when_the_producer_runs_twice(
    world: World, scenario: DashboardScenario, channel: Channel, second_channel: Channel, tick: Tick
) -> None:
    org_hook = _slack(world, channel)
    team_hook = services.webhook_create(actor=world.lead, service="teams", url=second_channel.url, team=world.team)
    services.webhook_create(actor=world.admin, service="slack", url=channel.url + "/quiet", posts_digest=False)
    off = _slack(world, channel, name="off")
    services.webhook_update(actor=world.admin, webhook=off, enabled=False)

    assert tick() == 2
    assert tick() == 0
    assert tick(timezone.now() + dt.timedelta(hours=3)) == 0

    week = iso_week(timezone.localdate())
    assert [_header(b) for b in channel.bodies] == [f"Weekly digest for Acme, week {week}"]
    assert channel.content_types == ["application/json; charset=utf-8"]
    sections = [b["text"]["text"] for b in channel.bodies[0]["blocks"] if b["type"] == "section"]
    assert sections[0].startswith("*Progress against expected*\n• Dash cycle: 16% against 50% expected (Behind)")
    assert "• Green builds (Faster deploys, " in sections[1]
    (card_message,) = second_channel.bodies
    card = card_message["attachments"][0]["content"]
    assert card["body"][0]["text"] == f"Weekly digest for Platform, week {week}"
    texts = " ".join(e.get("text", "") for e in card["body"])
    assert "Green builds" in texts and "Deals" not in texts  # the team's digest: Sales' key result is not in it
    assert card["actions"][0]["url"].startswith("https://okr.example.com/teams/platform/digest/?week=")

    posts = ChatPost.objects.order_by("webhook_id")
    assert [(p.webhook_id, p.key, p.kind, p.status, p.attempts, p.response_code) for p in posts] == [
        (org_hook.pk, f"digest:{week}", PostKind.DIGEST, PostStatus.SENT, 1, 200),
        (team_hook.pk, f"digest:{week}", PostKind.DIGEST, PostStatus.SENT, 1, 200),
    ]
    assert posts[0].payload == channel.bodies[0]  # the exact body sent is kept


def test_nothing_is_posted_before_the_digest_moment_and_such_a_tick_is_cheap(
    world: World, scenario: DashboardScenario, channel: Channel, tick: Tick
) -> None:
    world.org.reminder_hour = 23
    world.org.save()
    _slack(world, channel)
    early = timezone.now().replace(hour=0, minute=30)
    assert tick(early) == 0
    # Organisations with a channel; active cycles and their marks; the sweep's release and queue.
    with assert_queries(6):
        assert tick(early) == 0
    assert channel.bodies == [] and not ChatPost.objects.exists()


def test_a_cycle_becoming_active_is_announced_once_per_channel_that_wants_it(
    world: World, channel: Channel, second_channel: Channel, tick: Tick
) -> None:
    _slack(world, channel, posts_digest=False)
    services.webhook_create(actor=world.lead, service="teams", url=second_channel.url, team=world.team)
    _slack(world, channel, posts_announcements=False, name="digest only")
    today = timezone.localdate()
    cycle = okrs.cycle_create(
        actor=world.champion, name="Next quarter", start_date=today, end_date=today + dt.timedelta(days=90)
    )
    tick()
    assert channel.bodies == [] and second_channel.bodies == []  # still planning
    okrs.cycle_transition(actor=world.champion, cycle=cycle, state="active")
    assert tick() == 2
    assert tick() == 0
    assert [_header(b) for b in channel.bodies] == ["Next quarter has started"]
    card = second_channel.bodies[0]["attachments"][0]["content"]
    assert card["body"][0]["text"] == "Next quarter has started"
    assert card["actions"][0]["url"] == f"https://okr.example.com/?cycle={cycle.pk}"
    assert set(ChatPost.objects.values_list("key", flat=True)) == {f"announce:cycle:{cycle.pk}"}


def test_a_failing_channel_is_retried_with_back_off_until_it_recovers(
    world: World, scenario: DashboardScenario, channel: Channel, tick: Tick
) -> None:
    hook = _slack(world, channel)
    channel.fail(500, TIMEOUT)
    now = timezone.now()
    tick(now)
    post = ChatPost.objects.get()
    assert (post.status, post.attempts, post.response_code) == (PostStatus.PENDING, 1, 500)
    assert post.last_error == "HTTP 500: invalid_payload"
    assert post.next_attempt_at >= now + dt.timedelta(minutes=1)
    tick(now + dt.timedelta(seconds=30))  # back-off not over: not tried
    assert len(channel.bodies) == 1

    tick(now + dt.timedelta(minutes=2))
    post.refresh_from_db()
    assert (post.status, post.attempts, post.response_code) == (PostStatus.PENDING, 2, None)
    assert post.last_error == "No answer within 0.5 s."
    assert post.next_attempt_at >= now + dt.timedelta(minutes=2 + 4)
    hook.refresh_from_db()
    assert hook.consecutive_failures == 2 and hook.enabled

    tick(now + dt.timedelta(minutes=7))
    post.refresh_from_db()
    hook.refresh_from_db()
    assert (post.status, post.attempts, post.response_code, post.last_error) == (PostStatus.SENT, 3, 200, "")
    assert hook.consecutive_failures == 0
    assert len(channel.bodies) == 3 and channel.bodies[0] == channel.bodies[2]  # the same body every try


def test_repeated_failures_fail_the_post_and_disable_the_channel_once(
    world: World, scenario: DashboardScenario, channel: Channel, tick: Tick, settings: SettingsWrapper
) -> None:
    settings.CHAT_MAX_ATTEMPTS = 2
    settings.CHAT_DISABLE_AFTER_FAILURES = 3
    hook = _slack(world, channel)
    channel.default = 404
    now = timezone.now()
    tick(now)
    tick(now + dt.timedelta(minutes=2))
    post = ChatPost.objects.get()
    assert (post.status, post.attempts) == (PostStatus.FAILED, 2)
    hook.refresh_from_db()
    assert hook.enabled and hook.consecutive_failures == 2

    cycle = okrs.cycle_create(
        actor=world.champion, name="Q next", start_date=now.date(), end_date=now.date() + dt.timedelta(days=60)
    )
    okrs.cycle_transition(actor=world.champion, cycle=cycle, state="active")
    tick(now + dt.timedelta(minutes=3))
    hook.refresh_from_db()
    assert not hook.enabled and hook.consecutive_failures == 3
    assert hook.disabled_reason == "Disabled automatically: 3 posts in a row failed."
    (entry,) = AuditEntry.objects.filter(action=AuditAction.CHAT_WEBHOOK_DISABLE)
    assert (entry.actor_id, entry.object_id, entry.organisation_id) == (None, str(hook.pk), world.org.pk)

    sent_before = len(channel.bodies)
    tick(now + dt.timedelta(hours=2))  # the announcement's retry waits: the channel is off
    assert len(channel.bodies) == sent_before == 3
    assert ChatPost.objects.get(kind=PostKind.ANNOUNCEMENT).status == PostStatus.PENDING

    services.webhook_update(actor=world.admin, webhook=hook, enabled=True)  # turned back on: it resumes
    channel.default = 200
    tick(now + dt.timedelta(hours=2, minutes=1))
    assert ChatPost.objects.get(kind=PostKind.ANNOUNCEMENT).status == PostStatus.SENT
    hook.refresh_from_db()
    assert (hook.enabled, hook.consecutive_failures, hook.disabled_reason) == (True, 0, "")


def test_a_worker_killed_mid_send_is_retried_after_the_lease_and_posts_once(
    world: World, scenario: DashboardScenario, channel: Channel, tick: Tick, settings: SettingsWrapper
) -> None:
    _slack(world, channel)
    now = timezone.now()
    produce_chat(now)  # the queued task never runs (the transaction does not commit): as if lost
    post = ChatPost.objects.get()
    assert sending.claim(post.pk, at=now) is not None  # a worker claimed it, then was killed
    assert sending.claim(post.pk, at=now) is None  # nobody else may take it meanwhile
    tick(now + dt.timedelta(seconds=settings.CHAT_LEASE_SECONDS - 10))
    assert channel.bodies == []
    tick(now + dt.timedelta(seconds=settings.CHAT_LEASE_SECONDS + 60))
    post.refresh_from_db()
    assert (post.status, post.attempts) == (PostStatus.SENT, 2)
    assert len(channel.bodies) == 1
    tick(now + dt.timedelta(hours=1))
    assert len(channel.bodies) == 1


def test_a_task_run_twice_sends_once(world: World, scenario: DashboardScenario, channel: Channel) -> None:
    _slack(world, channel)
    now = timezone.now()
    produce_chat(now)
    post = ChatPost.objects.get()
    assert sending.deliver(post.pk, at=now) == PostStatus.SENT
    assert sending.deliver(post.pk, at=now) is None
    assert len(channel.bodies) == 1
