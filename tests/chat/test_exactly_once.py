"""Two schedulers at once against PostgreSQL: the week's digest and an announcement become one post
per channel and reach each channel once (UNIQUE(webhook, key) and the claim's conditional UPDATE,
not a lock). Run with DATABASE_URL=postgres://… (skipped on SQLite, which has one writer)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from ambit.chat import services
from ambit.chat.models import ChatPost, PostStatus
from ambit.chat.producer import produce_chat
from ambit.okrs import services as okrs
from tests.builders import build_dashboard_scenario, build_world
from tests.chat.receiver import Channel


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_post_each_digest_and_announcement_once(
    channel: Channel, second_channel: Channel
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (run with DATABASE_URL=postgres://…)")
    world = build_world()
    org = world.org
    org.time_zone, org.reminder_weekday, org.reminder_hour = "UTC", timezone.now().weekday(), 0
    org.save()
    build_dashboard_scenario(world)
    services.webhook_create(actor=world.admin, service="slack", url=channel.url)
    services.webhook_create(actor=world.lead, service="teams", url=second_channel.url, team=world.team)
    today = timezone.localdate()
    cycle = okrs.cycle_create(
        actor=world.champion, name="Launch", start_date=today, end_date=today + dt.timedelta(days=30), state="active"
    )
    now = timezone.now()
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            produce_chat(now)
            produce_chat(now)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    keys = sorted(ChatPost.objects.values_list("webhook__service", "key"))
    week = today.isocalendar()
    digest_key = f"digest:{week[0]}-W{week[1]:02d}"
    assert keys == sorted(
        [
            ("slack", digest_key),
            ("slack", f"announce:cycle:{cycle.pk}"),
            ("teams", digest_key),
            ("teams", f"announce:cycle:{cycle.pk}"),
        ]
    )
    assert set(ChatPost.objects.values_list("status", "attempts")) == {(PostStatus.SENT, 1)}
    assert len(channel.bodies) == 2 and len(second_channel.bodies) == 2
    headers = sorted(b["blocks"][0]["text"]["text"] for b in channel.bodies)
    assert headers == ["Launch has started", f"Weekly digest for Acme, week {digest_key[7:]}"]
