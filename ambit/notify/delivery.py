"""Sending one delivery: claim it, send it, record the outcome, each step a conditional UPDATE.

The claim moves a due *pending* delivery to *sending* (``claimed_at`` = the claim's moment,
``attempts`` + 1); only the worker whose UPDATE matched sends. The outcome is recorded only while
that claim still holds (``status = sending AND claimed_at = <my claim>``): a worker that outlived
its lease (its delivery was put back and claimed again) records nothing over its successor.
A failure goes back to *pending* with an exponential back-off, or to *failed* after
``NOTIFY_MAX_ATTEMPTS`` tries. A worker killed while sending leaves the delivery in *sending*;
:func:`release_expired` (the scheduler's tick) puts it back after ``NOTIFY_LEASE_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from ambit.notify.channels import CHANNELS
from ambit.notify.models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 6 * 3600


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFY_MAX_ATTEMPTS", 6))


def lease_seconds() -> int:
    return int(getattr(settings, "NOTIFY_LEASE_SECONDS", 300))


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next try after ``attempts`` tries: 1, 2, 4 … minutes, at most 6 hours."""
    return dt.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


def claim(delivery_id: int, *, now: dt.datetime) -> Delivery | None:
    """Take a due pending delivery for this worker, or None when it is not ours to send (sent,
    being sent by another worker, failed, or waiting for its back-off)."""
    won = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).update(
        status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not won:
        return None
    return Delivery.objects.select_related("notification__recipient__user", "notification__organisation").get(
        pk=delivery_id
    )


def deliver_now(delivery_id: int, *, now: dt.datetime | None = None) -> str:
    """Claim, send and record one delivery; returns its status afterwards ("" when not claimed)."""
    now = now or timezone.now()
    delivery = claim(delivery_id, now=now)
    if delivery is None:
        return ""
    mine = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING, claimed_at=now)
    channel = CHANNELS.get(delivery.channel)
    try:
        if channel is None:
            raise LookupError(f"No channel called {delivery.channel!r} is installed.")
        channel.send(delivery)
    except Exception as exc:  # any failure of a channel is recorded and retried, never lost
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts >= max_attempts():
            mine.update(status=DeliveryStatus.FAILED, last_error=error)
            logger.error("Delivery %s failed for good after %d tries: %s", delivery_id, delivery.attempts, error)
            return DeliveryStatus.FAILED
        later = timezone.now() + backoff(delivery.attempts)
        mine.update(status=DeliveryStatus.PENDING, next_attempt_at=later, last_error=error)
        logger.warning(
            "Delivery %s failed (try %d), retried after %s: %s", delivery_id, delivery.attempts, later, error
        )
        return DeliveryStatus.PENDING
    mine.update(status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
    return DeliveryStatus.SENT


def release_expired(*, now: dt.datetime | None = None) -> list[int]:
    """Put back to pending every delivery left *sending* past the lease (its worker died), or fail
    it when it has used up its tries. Each row moves only if its claim is still the one read.
    Returns the ids put back (to be enqueued again)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=lease_seconds())
    released: list[int] = []
    failed = 0
    stuck = Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=cutoff)
    for pk, claimed_at, attempts in stuck.values_list("pk", "claimed_at", "attempts"):
        row = Delivery.objects.filter(pk=pk, status=DeliveryStatus.SENDING, claimed_at=claimed_at)
        if attempts >= max_attempts():
            failed += row.update(status=DeliveryStatus.FAILED, last_error="Its worker stopped on every try.")
        elif row.update(
            status=DeliveryStatus.PENDING,
            next_attempt_at=timezone.now(),  # due at once on the workers' clock
            last_error="Its worker stopped while sending; tried again.",
        ):
            released.append(pk)
    if released or failed:
        logger.warning("Deliveries whose worker stopped while sending: %d put back, %d failed", len(released), failed)
    return released
