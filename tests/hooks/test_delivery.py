"""Audited events reach a real receiver signed, once, with retries, back-off and auto-disabling."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks
from pytest_django.fixtures import Settings as SettingsWrapper

from ambit.core.models import AuditAction, AuditEntry
from ambit.hooks import dispatch, sending, services
from ambit.hooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from ambit.notify import scheduler
from ambit.okrs import services as okrs
from ambit.strategy import services as strategy
from tests.builders import World, key_results_for
from tests.hooks.conftest import Tick
from tests.hooks.receiver import TIMEOUT, Receiver

pytestmark = pytest.mark.django_db


def _events(world: World, n: int, prefix: str = "Value") -> None:
    for i in range(n):
        strategy.value_create(actor=world.champion, name=f"{prefix} {i}")


def test_an_audited_event_arrives_signed_and_verifiable(
    world: World, endpoint: WebhookEndpoint, receiver: Receiver, tick: Tick
) -> None:
    strategy.value_create(actor=world.champion, name="Candour", description="Say it early")

    assert tick() == 1

    (got,) = receiver.received
    assert got.verified, "standardwebhooks' Webhook.verify accepts the signature"
    assert got.payload["type"] == "value.create"
    assert got.payload["data"]["object_name"] == "Candour"
    assert got.payload["data"]["organisation"] == {"id": world.org.pk, "slug": "acme", "name": "Acme"}
    assert got.payload["data"]["actor"]["email"] == "champion@acme.test"
    assert got.headers["content-type"] == "application/json"
    delivery = WebhookDelivery.objects.get()
    assert got.webhook_id == delivery.webhook_id
    assert (delivery.status, delivery.response_code, delivery.attempts) == (DeliveryStatus.SENT, 200, 1)
    assert delivery.response_body == '{"ok": true}'
    assert delivery.sent_at is not None
    # Run again: nothing new, nothing sent twice.
    assert tick() == 0
    assert len(receiver.received) == 1


def test_a_wrong_secret_fails_verification(
    world: World, endpoint: WebhookEndpoint, receiver: Receiver, tick: Tick
) -> None:
    receiver.secret = "whsec_" + "A" * 43  # not the endpoint's secret
    _events(world, 1)
    tick()
    assert [r.verified for r in receiver.received] == [False]


def test_the_payload_of_a_real_check_in(
    world: World, endpoint: WebhookEndpoint, receiver: Receiver, tick: Tick
) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1)
    receiver.received.clear()
    services.endpoint_update(actor=world.admin, endpoint=endpoint, event_prefixes=["check_in"])
    okrs.check_in_record(actor=world.member, key_result=kr, value=250, confidence=7, note="Launched")

    tick()

    assert receiver.types == ["check_in.record"], "the filter keeps objective and key result events out"
    payload = receiver.received[0].payload
    entry = AuditEntry.objects.get(action=AuditAction.CHECK_IN_RECORD)
    assert payload == {
        "type": "check_in.record",
        "timestamp": entry.created_at.isoformat().replace("+00:00", "Z"),
        "data": {
            "id": entry.pk,
            "organisation": {"id": world.org.pk, "slug": "acme", "name": "Acme"},
            "object_type": "okrs.keyresult",
            "object_id": str(kr.pk),
            "object_name": kr.title,
            "actor": {"id": world.member.user_id, "name": world.member.user.full_name, "email": "member@acme.test"},
            "changes": {"value": "250.0000", "confidence": 7},  # as the audit log stores them
        },
    }


def test_a_failing_then_slow_receiver_is_retried_with_back_off_until_it_recovers(
    world: World, endpoint: WebhookEndpoint, receiver: Receiver, tick: Tick
) -> None:
    receiver.script = [500, TIMEOUT, 200]
    receiver.body = b"internal error"
    _events(world, 1)
    t0 = timezone.now() + dt.timedelta(hours=1)  # the dispatcher's clock, ahead of the real one

    tick(t0)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.PENDING, 1, 500)
    assert delivery.response_body == "internal error"
    assert "HTTP 500" in delivery.last_error
    assert delivery.next_attempt_at == t0 + dt.timedelta(minutes=1)

    assert tick(t0 + dt.timedelta(seconds=30)) == 0, "not due before its back-off"
    assert len(receiver.received) == 1

    t1 = t0 + dt.timedelta(seconds=61)
    tick(t1)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.PENDING, 2, None)
    assert delivery.last_error == "No answer within 0.5 s."
    assert delivery.next_attempt_at == t1 + dt.timedelta(minutes=5)

    t2 = t1 + dt.timedelta(minutes=5, seconds=1)
    receiver.body = b"thanks"
    tick(t2)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.SENT, 3, 200)
    assert (delivery.last_error, delivery.response_body) == ("", "thanks")

    assert len(receiver.received) == 3
    assert set(receiver.ids) == {delivery.webhook_id}, "every try carries the same webhook-id"
    assert all(r.verified for r in receiver.received)
    tick(t2 + dt.timedelta(days=1))
    assert len(receiver.received) == 3, "delivered once: never sent again"
    endpoint.refresh_from_db()
    assert (endpoint.consecutive_failures, endpoint.failing_since) == (0, None)


def test_a_delivery_gives_up_after_the_maximum_tries(
    world: World, endpoint: WebhookEndpoint, receiver: Receiver, settings: SettingsWrapper, tick: Tick
) -> None:
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.default = 503
    _events(world, 1)
    at = timezone.now()
    for _ in range(5):
        tick(at)
        at += dt.timedelta(days=1)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.FAILED, 3, 503)
    assert len(receiver.received) == 3


def test_the_back_off_schedule() -> None:
    minutes = [sending.backoff(n).total_seconds() / 60 for n in range(1, 9)]
    assert minutes == [1, 5, 30, 120, 300, 600, 600, 600]


def test_repeated_failures_disable_the_endpoint_once_with_an_audit_entry(
    world: World, endpoint: WebhookEndpoint, receiver: Receiver, settings: SettingsWrapper, tick: Tick
) -> None:
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 4
    settings.WEBHOOK_DISABLE_AFTER_HOURS = 24
    receiver.default = 500
    _events(world, 4)
    t0 = timezone.now()

    tick(t0)
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.consecutive_failures) == (True, 4), "four failures in a minute: still on"

    later = t0 + dt.timedelta(hours=25)
    tick(later)
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert endpoint.disabled_reason.startswith("Disabled automatically: 5 deliveries in a row failed since")
    (entry,) = AuditEntry.objects.filter(action=AuditAction.WEBHOOK_DISABLE)
    assert (entry.actor_id, entry.object_id, entry.organisation_id) == (None, str(endpoint.pk), world.org.pk)
    # Once disabled, nothing more is sent: the other three retries stay waiting.
    assert len(receiver.received) == 5
    sent_before = len(receiver.received)
    _events(world, 1, prefix="While off")
    tick(later + dt.timedelta(days=1))
    assert len(receiver.received) == sent_before
    assert not services.endpoint_auto_disable(endpoint_id=endpoint.pk, reason="again"), "only once"

    # An admin turns it back on: the run is forgotten, waiting deliveries resume, events made
    # while it was off are not sent.
    receiver.default = 200
    services.endpoint_update(actor=world.admin, endpoint=endpoint, enabled=True)
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.disabled_reason, endpoint.consecutive_failures) == (True, "", 0)
    tick(later + dt.timedelta(days=2))
    statuses = list(WebhookDelivery.objects.values_list("status", flat=True))
    assert statuses.count(DeliveryStatus.SENT) == 5, "the four waiting, and the enabling itself"
    assert receiver.types[-1] == "webhook.update"
    assert "While off 0" not in [r.payload["data"]["object_name"] for r in receiver.received if r.payload]


def test_a_delivery_whose_worker_died_mid_send_is_sent_again_after_the_lease(
    world: World, endpoint: WebhookEndpoint, receiver: Receiver, settings: SettingsWrapper, tick: Tick
) -> None:
    settings.WEBHOOK_LEASE_SECONDS = 300
    _events(world, 1)
    t0 = timezone.now()
    dispatch.collect(WebhookEndpoint.objects.get(pk=endpoint.pk), now=t0)
    delivery = WebhookDelivery.objects.get()
    # A worker claims it, then dies before its POST (SIGKILL: no outcome is recorded).
    claimed_at = sending.claim(delivery.pk, at=t0)
    assert claimed_at is not None
    assert sending.claim(delivery.pk, at=t0) is None, "a second worker cannot claim it"

    tick(t0 + dt.timedelta(seconds=299))
    assert receiver.received == [], "within the lease it is left alone"

    tick(t0 + dt.timedelta(seconds=301))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert receiver.ids == [delivery.webhook_id]
    # The dead worker's outcome, should it ever arrive, is not recorded over the new one.
    late = sending.Outcome(ok=False, code=500, body="", duration_ms=1, error="late")
    assert sending.record(delivery, claimed_at=claimed_at, outcome=late, at=t0) is None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


def test_an_endpoint_gets_only_its_organisations_events_from_its_creation_on(
    world: World, receiver: Receiver, tick: Tick
) -> None:
    _events(world, 2, prefix="Before")
    endpoint = services.endpoint_create(actor=world.admin, url=receiver.url)
    receiver.secret = endpoint.secret
    strategy.value_create(actor=world.outsider, name="Globex value")
    strategy.value_create(actor=world.champion, name="After")
    tick()
    assert [r.payload["data"]["object_name"] for r in receiver.received] == ["After"]


def test_a_rotated_secret_keeps_the_old_one_signing_for_a_day(
    world: World, endpoint: WebhookEndpoint, receiver: Receiver, tick: Tick
) -> None:
    old = endpoint.secret
    services.endpoint_rotate_secret(actor=world.admin, endpoint=endpoint)
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret.startswith("whsec_")
    _events(world, 1)
    tick()
    assert len(receiver.received[0].headers["webhook-signature"].split(" ")) == 2
    assert receiver.received[0].verified, "a receiver still holding the old secret verifies"
    receiver.secret = endpoint.secret
    ok, _ = receiver.verify(receiver.received[0].body, receiver.received[0].headers)
    assert ok, "and so does one holding the new secret"
    entry = AuditEntry.objects.get(action=AuditAction.WEBHOOK_ROTATE_SECRET)
    assert old not in str(entry.changes) and endpoint.secret not in str(entry.changes)


def test_send_test_event_goes_to_that_endpoint_only_signed_and_logged(
    world: World, endpoint: WebhookEndpoint, receiver: Receiver, tick: Tick
) -> None:
    other = services.endpoint_create(actor=world.admin, url=receiver.url + "/other")
    delivery = services.endpoint_send_test(actor=world.admin, endpoint=endpoint)
    assert (delivery.status, delivery.response_code, delivery.attempts) == (DeliveryStatus.SENT, 200, 1)
    (got,) = receiver.received
    assert got.verified and got.payload["type"] == "webhook.test"
    assert got.payload["data"]["object_id"] == str(endpoint.pk)
    tick()
    # The first endpoint also receives the second one's creation; the test event reaches no one else.
    assert receiver.types == ["webhook.test", "webhook.create"]
    assert not WebhookDelivery.objects.filter(endpoint=other).exists()


def test_a_failed_test_event_is_logged_not_retried_and_does_not_count(
    world: World, endpoint: WebhookEndpoint, receiver: Receiver, tick: Tick
) -> None:
    receiver.default = 404
    delivery = services.endpoint_send_test(actor=world.admin, endpoint=endpoint)
    assert (delivery.status, delivery.response_code) == (DeliveryStatus.FAILED, 404)
    tick(timezone.now() + dt.timedelta(days=1))
    assert len(receiver.received) == 1
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_an_unreachable_endpoint_is_logged_as_a_connection_error(world: World, receiver: Receiver) -> None:
    endpoint = services.endpoint_create(actor=world.admin, url="http://127.0.0.1:9/nothing-listens")
    delivery = services.endpoint_send_test(actor=world.admin, endpoint=endpoint)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.response_code is None
    assert delivery.last_error.startswith("Could not connect: ConnectError")


def test_the_notification_schedulers_tick_sends_webhooks(
    world: World,
    endpoint: WebhookEndpoint,
    receiver: Receiver,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    _events(world, 1)
    with django_capture_on_commit_callbacks(execute=True):
        counts = scheduler.run_due(timezone.now())
    assert counts["webhooks"] == 1
    assert receiver.types == ["value.create"]
