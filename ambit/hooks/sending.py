"""Sending one delivery: claim it, POST the signed event, record the answer, schedule a retry.

Every step is a conditional UPDATE on the row, never a lock in memory: a delivery is claimed only
from *pending* and when due (two workers given the same delivery: one sends, the other does
nothing), and its outcome is recorded only while the claim it made still stands (a worker that
outlived its lease, whose delivery another worker took over, records nothing).

``at`` is the dispatcher's clock (tests move it forward); the real clock is used whenever it is
later, and always for the signature's timestamp, which receivers compare with their own clock.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ambit.core.models import AuditAction
from ambit.core.validation import control_characters
from ambit.hooks.events import encode, event_payload, signature_headers
from ambit.hooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

# Wait before try n + 1 after n failed tries: 1 min, 5 min, 30 min, 2 h, 5 h, then 10 h each.
BACKOFF_SECONDS = (60, 300, 1800, 7200, 18000, 36000)
RESPONSE_EXCERPT = 1000
USER_AGENT = "Ambit-Webhooks/1.0"


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1])


def _clock(at: dt.datetime) -> dt.datetime:
    return max(at, timezone.now())


@dataclass(frozen=True)
class Outcome:
    ok: bool
    code: int | None
    body: str
    duration_ms: int
    error: str


def claim(delivery_id: int, *, at: dt.datetime) -> dt.datetime | None:
    """Move the delivery from pending to sending if it is due and its endpoint is on (a test event
    goes to a disabled endpoint too). Returns the claim's time, None when another worker has it,
    it is not due, or it is settled."""
    row = (
        WebhookDelivery.objects.filter(pk=delivery_id)
        .values("status", "endpoint__enabled", "audit_entry__action")
        .first()
    )
    if row is None or row["status"] != DeliveryStatus.PENDING:
        return None
    if not row["endpoint__enabled"] and row["audit_entry__action"] != AuditAction.WEBHOOK_TEST:
        return None
    now = _clock(at)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    return now if claimed else None


def _excerpt(raw: bytes) -> str:
    text = raw[: RESPONSE_EXCERPT * 4].decode("utf-8", errors="replace")[:RESPONSE_EXCERPT]
    # PostgreSQL cannot store NUL; other controls make no sense in a log either.
    return "".join(" " if control_characters(c) else c for c in text)


def _secrets_in_use(endpoint: WebhookEndpoint, now: dt.datetime) -> list[str]:
    in_use = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        in_use.append(endpoint.previous_secret)
    return in_use


def post(delivery: WebhookDelivery) -> Outcome:
    """POST the delivery's event to its endpoint, signed; never raises for the receiver's faults."""
    endpoint = delivery.endpoint
    body = encode(event_payload(delivery.audit_entry))
    signed_at = timezone.now()
    headers = signature_headers(
        secrets_in_use=_secrets_in_use(endpoint, signed_at), message_id=delivery.webhook_id, body=body, at=signed_at
    )
    headers.update({"content-type": "application/json", "user-agent": USER_AGENT})
    timeout = float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 10))
    started = time.monotonic()
    code: int | None = None
    raw = b""
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False) as client,
            client.stream("POST", endpoint.url, content=body.encode(), headers=headers) as response,
        ):
            code = response.status_code
            for chunk in response.iter_bytes():
                raw += chunk
                if len(raw) >= RESPONSE_EXCERPT * 4:
                    break
    except httpx.TimeoutException:
        error = f"No answer within {timeout:g} s."
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        error = f"Could not connect: {type(exc).__name__}: {exc}"
    except Exception as exc:  # a fault on our side must not leave the delivery claimed for a lease
        logger.exception("Webhook delivery %s: sending failed", delivery.pk)
        error = f"Could not send: {type(exc).__name__}."
    else:
        error = "" if 200 <= code < 300 else f"The receiver answered HTTP {code}; only 2xx counts as delivered."
        if 300 <= code < 400:
            error = f"The receiver answered HTTP {code} (a redirect, not followed): use the final URL."
    duration_ms = int((time.monotonic() - started) * 1000)
    return Outcome(ok=not error, code=code, body=_excerpt(raw), duration_ms=duration_ms, error=error[:500])


def deliver(delivery_id: int, *, at: dt.datetime) -> str | None:
    """Claim, send and record one delivery. Returns its new status, or None when not claimed."""
    claimed_at = claim(delivery_id, at=at)
    if claimed_at is None:
        return None
    delivery = WebhookDelivery.objects.select_related(
        "endpoint", "audit_entry__organisation", "audit_entry__actor"
    ).get(pk=delivery_id)
    outcome = post(delivery)
    return record(delivery, claimed_at=claimed_at, outcome=outcome, at=at)


def record(delivery: WebhookDelivery, *, claimed_at: dt.datetime, outcome: Outcome, at: dt.datetime) -> str | None:
    """Store the outcome of the try that ``claimed_at`` claimed, and what follows from it."""
    now = _clock(at)
    is_test = delivery.audit_entry.action == AuditAction.WEBHOOK_TEST
    max_attempts = int(getattr(settings, "WEBHOOK_MAX_ATTEMPTS", 8))
    fields: dict[str, object] = {
        "response_code": outcome.code,
        "response_body": outcome.body,
        "duration_ms": outcome.duration_ms,
        "last_error": outcome.error,
    }
    if outcome.ok:
        fields.update(status=DeliveryStatus.SENT, sent_at=now)
    elif is_test or delivery.attempts >= max_attempts:
        fields.update(status=DeliveryStatus.FAILED)
    else:
        fields.update(status=DeliveryStatus.PENDING, next_attempt_at=now + backoff(delivery.attempts))
    with transaction.atomic():
        mine = WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_at=claimed_at)
        if not mine.update(**fields):
            logger.warning("Webhook delivery %s was taken over after its lease: outcome not recorded", delivery.pk)
            return None
        if not is_test:
            _count_outcome(delivery.endpoint_id, ok=outcome.ok, now=now)
    return str(fields["status"])


def _count_outcome(endpoint_id: int, *, ok: bool, now: dt.datetime) -> None:
    """Reset the endpoint's failure run on success; on failure lengthen it and, once it is long
    enough in tries and in time, disable the endpoint (services.endpoint_auto_disable)."""
    endpoints = WebhookEndpoint.objects.filter(pk=endpoint_id)
    if ok:
        endpoints.filter(Q(consecutive_failures__gt=0) | Q(failing_since__isnull=False)).update(
            consecutive_failures=0, failing_since=None
        )
        return
    endpoints.update(
        consecutive_failures=F("consecutive_failures") + 1,
        failing_since=Coalesce("failing_since", Value(now, output_field=DateTimeField())),
    )
    state = endpoints.values("enabled", "consecutive_failures", "failing_since").first()
    if state is None or not state["enabled"]:
        return
    limit = int(getattr(settings, "WEBHOOK_DISABLE_AFTER_FAILURES", 15))
    hours = float(getattr(settings, "WEBHOOK_DISABLE_AFTER_HOURS", 24))
    since: dt.datetime | None = state["failing_since"]
    if since is not None and state["consecutive_failures"] >= limit and since <= now - dt.timedelta(hours=hours):
        from ambit.hooks import services

        services.endpoint_auto_disable(
            endpoint_id=endpoint_id,
            reason=(
                f"Disabled automatically: {state['consecutive_failures']} deliveries in a row failed "
                f"since {since:%Y-%m-%d %H:%M} UTC."
            ),
        )
