"""Deliveries: claimed by a conditional UPDATE, retried with back-off, failed after the last try,
and one whose worker died mid-send retried after the lease and delivered once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from ambit.notify.delivery import backoff, claim, deliver_now, release_expired
from ambit.notify.models import Delivery, DeliveryStatus, Kind
from ambit.notify.produce import Draft, produce
from ambit.notify.scheduler import sweep_deliveries
from tests.builders import World
from tests.notify.helpers import Probe, use_probe

pytestmark = pytest.mark.django_db


def _probe_delivery(world: World, probe: Probe) -> Delivery:
    use_probe(world.member)
    probe.fail = True  # nothing goes out while the test sets up
    produce(
        [Draft(recipient=world.member, kind=Kind.ANNOUNCEMENT, key="cycle:1", title="Q1 has started")],
        now=timezone.now(),
    )
    probe.fail = False
    return Delivery.objects.get(channel="probe")


def test_a_failing_channel_is_retried_with_back_off_then_failed(world: World, probe: Probe) -> None:
    delivery = _probe_delivery(world, probe)
    probe.fail = True
    start = timezone.now()
    with override_settings(NOTIFY_MAX_ATTEMPTS=3):
        assert deliver_now(delivery.pk, now=start) == DeliveryStatus.PENDING
        delivery.refresh_from_db()
        assert delivery.attempts == 1 and "ConnectionError: the far end is down" in delivery.last_error
        assert delivery.next_attempt_at >= start + dt.timedelta(seconds=60)
        # Not before its back-off is over.
        assert deliver_now(delivery.pk, now=start + dt.timedelta(seconds=30)) == ""
        assert deliver_now(delivery.pk, now=delivery.next_attempt_at) == DeliveryStatus.PENDING
        delivery.refresh_from_db()
        assert delivery.attempts == 2
        assert deliver_now(delivery.pk, now=delivery.next_attempt_at) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert probe.sent[delivery.pk] == 0
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]


def test_a_claim_is_taken_once(world: World, probe: Probe) -> None:
    delivery = _probe_delivery(world, probe)
    now = timezone.now()
    assert claim(delivery.pk, now=now) is not None
    assert claim(delivery.pk, now=now) is None  # another worker's claim finds it taken
    assert deliver_now(delivery.pk) == ""
    assert probe.sent[delivery.pk] == 0


def test_a_delivery_whose_worker_died_mid_send_is_retried_after_the_lease_and_sent_once(
    world: World, probe: Probe, django_capture_on_commit_callbacks: Any
) -> None:
    delivery = _probe_delivery(world, probe)
    probe.die = True
    with pytest.raises(SystemExit):
        deliver_now(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sending", 1)  # what a killed worker leaves

    # Within the lease it may still be sending somewhere: left alone.
    assert release_expired() == []
    assert deliver_now(delivery.pk) == ""
    later = timezone.now() + dt.timedelta(seconds=301)
    with django_capture_on_commit_callbacks(execute=True):
        counts = sweep_deliveries(now=later)
    # Put back and enqueued again (the immediate backend runs it). The in-app delivery of the same
    # notification was written as sent: the inbox reads the notification itself.
    assert counts == {"released": 1, "requeued": 1}
    assert Delivery.objects.get(channel="in_app").status == "sent"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert probe.sent[delivery.pk] == 1
    assert sweep_deliveries(now=later + dt.timedelta(seconds=301)) == {"released": 0, "requeued": 0}
    assert probe.sent[delivery.pk] == 1


def test_a_late_worker_records_nothing_over_its_successor(world: World, probe: Probe) -> None:
    delivery = _probe_delivery(world, probe)
    assert claim(delivery.pk, now=timezone.now()) is not None
    first_claim = timezone.now() - dt.timedelta(seconds=400)
    Delivery.objects.filter(pk=delivery.pk).update(claimed_at=first_claim)  # its worker went quiet
    assert release_expired() == [delivery.pk]
    assert deliver_now(delivery.pk) == DeliveryStatus.SENT
    # The first worker wakes up and tries to record a failure: its claim no longer holds.
    assert (
        Delivery.objects.filter(pk=delivery.pk, status="sending", claimed_at=first_claim).update(status="pending") == 0
    )
    delivery.refresh_from_db()
    assert delivery.status == "sent"
