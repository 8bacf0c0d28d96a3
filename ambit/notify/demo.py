"""The demo's past week of notifications (``seed_demo`` sends ``okrs.signals.demo_seeded``).

Every producer runs at moments through the week before the demo's "now", as a scheduler would
have, so the inbox holds what a running Ambit would have produced: the week's check-in reminder,
escalations, early warnings, announcements and digests. It is history, not news: nothing of it is
emailed (those deliveries are marked not sent), and what is older than three days is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from ambit.accounts.models import Organisation
from ambit.notify.models import ChannelName, Delivery, DeliveryStatus, Notification
from ambit.notify.scheduler import PRODUCERS, run_producer

TICK = dt.timedelta(hours=4)
WEEK = dt.timedelta(days=7)


def seed_week(*, organisations: Sequence[Organisation], now: dt.datetime | None = None) -> int:
    """Produce the week before ``now`` (default: now) and settle its deliveries; returns how many
    notifications the demo organisations got."""
    end = now or timezone.now()
    moment = end - WEEK
    while moment <= end:
        for name, produce in list(PRODUCERS.items()):
            run_producer(name, produce, moment)
        moment += TICK
    mine = Notification.objects.filter(organisation__in=organisations)
    waiting = Delivery.objects.filter(notification__in=mine, status=DeliveryStatus.PENDING)
    waiting.filter(channel=ChannelName.IN_APP).update(status=DeliveryStatus.SENT, sent_at=end)
    waiting.exclude(channel=ChannelName.IN_APP).update(
        status=DeliveryStatus.SKIPPED, last_error="Demo history: not sent."
    )
    mine.filter(created_at__lt=end - dt.timedelta(days=3), read_at__isnull=True).update(read_at=end)
    return mine.count()


def on_demo_seeded(
    sender: Any, *, organisations: Sequence[Organisation], now: dt.datetime | None, **kwargs: Any
) -> None:
    seed_week(organisations=organisations, now=now)
