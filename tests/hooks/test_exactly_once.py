"""Two dispatchers at once against PostgreSQL: each event becomes one delivery per endpoint and
reaches the receiver once (the UNIQUE constraint and the claim's conditional UPDATE, not a lock)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from ambit.hooks import dispatch, services
from ambit.hooks.models import DeliveryStatus, WebhookDelivery
from ambit.strategy import services as strategy
from tests.builders import build_world
from tests.hooks.receiver import Receiver

EVENTS = 30


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_deliver_every_event_exactly_once(receiver: Receiver) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (run with DATABASE_URL=postgres://…)")
    world = build_world()
    endpoint = services.endpoint_create(actor=world.admin, url=receiver.url)
    second = services.endpoint_create(actor=world.admin, url=receiver.url + "/second")
    receiver.secret = endpoint.secret
    for i in range(EVENTS):
        strategy.value_create(actor=world.champion, name=f"Value {i}")
    now = timezone.now()
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            dispatch.enqueue_due(now)
            dispatch.enqueue_due(now)
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
    # The second endpoint was created after the first: its own creation is the first's event too.
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == EVENTS + 1
    assert WebhookDelivery.objects.filter(endpoint=second).count() == EVENTS
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}
    assert len(receiver.received) == 2 * EVENTS + 1
    assert len(set(receiver.ids)) == len(receiver.ids), "no event reached the receiver twice"
