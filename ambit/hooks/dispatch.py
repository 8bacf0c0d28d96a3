"""The dispatcher: turns audited events into deliveries and queues what is due.

The audit log is the outbox. For each enabled endpoint, :func:`enqueue_due` reads its
organisation's audit entries past the endpoint's cursor that have no delivery for it yet, writes
one delivery each (``bulk_create(ignore_conflicts=True)`` against the UNIQUE(endpoint, audit
entry) constraint: two dispatchers running at once create each delivery once), moves the cursor,
puts back deliveries whose worker died mid-send, and queues a ``send_webhook`` task for every
delivery that is due. Queuing one twice is harmless: the task claims before it sends.

Audit ids are given out before their transactions commit, so an entry can appear below one already
seen. The cursor therefore only passes entries older than ``SETTLE``; newer ones are looked at again
at each run (the NOT EXISTS keeps them from being delivered twice).
"""

from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, Min, OuterRef, Q
from django.utils import timezone

from ambit.core.models import AuditAction, AuditEntry
from ambit.hooks.events import PRIVATE_PREFIXES, prefixes_filter
from ambit.hooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from ambit.hooks.tasks import send_webhook

SETTLE = dt.timedelta(minutes=5)
BATCH = 500  # entries per endpoint and run; the rest wait for the next run
QUEUE_LIMIT = 1000  # tasks queued per run


def collect(endpoint: WebhookEndpoint, *, now: dt.datetime) -> int:
    """Create the endpoint's deliveries for new audit entries; returns how many were offered."""
    entries = AuditEntry.objects.filter(organisation_id=endpoint.organisation_id, pk__gt=endpoint.cursor)
    bounds = entries.aggregate(last=Max("pk"), unsettled=Min("pk", filter=Q(created_at__gt=now - SETTLE)))
    if bounds["last"] is None:
        return 0
    wanted = entries.exclude(action=AuditAction.WEBHOOK_TEST).exclude(prefixes_filter(list(PRIVATE_PREFIXES)))
    if endpoint.event_prefixes:
        wanted = wanted.filter(prefixes_filter(list(endpoint.event_prefixes)))
    delivered = WebhookDelivery.objects.filter(endpoint_id=endpoint.pk, audit_entry_id=OuterRef("pk"))
    ids = list(wanted.filter(~Exists(delivered)).order_by("pk").values_list("pk", flat=True)[:BATCH])
    if ids:
        WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(endpoint_id=endpoint.pk, audit_entry_id=pk, next_attempt_at=now) for pk in ids],
            ignore_conflicts=True,
        )
    cursor = bounds["last"] if bounds["unsettled"] is None else bounds["unsettled"] - 1
    if len(ids) == BATCH:
        cursor = min(cursor, ids[-1])
    if cursor > endpoint.cursor:
        WebhookEndpoint.objects.filter(pk=endpoint.pk, cursor__lt=cursor).update(cursor=cursor)
    return len(ids)


def release_stale(*, now: dt.datetime) -> int:
    """Deliveries left *sending* past the lease (their worker died): tried again now, or failed
    when they have had all their tries. Returns how many were put back."""
    lease = dt.timedelta(seconds=int(getattr(settings, "WEBHOOK_LEASE_SECONDS", 300)))
    max_attempts = int(getattr(settings, "WEBHOOK_MAX_ATTEMPTS", 8))
    stale = WebhookDelivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - lease)
    note = "The worker sending it stopped before it finished."
    stale.filter(attempts__gte=max_attempts).update(status=DeliveryStatus.FAILED, last_error=note)
    return stale.filter(attempts__lt=max_attempts).update(
        status=DeliveryStatus.PENDING, next_attempt_at=now, last_error=note
    )


def enqueue_due(now: dt.datetime | None = None) -> int:
    """Offer new audited events to every enabled endpoint and queue each delivery that is due
    (new ones, retries whose back-off is over, ones whose worker died). Returns how many were
    queued. Safe to run from several processes at once, and again straight after."""
    now = now or timezone.now()
    release_stale(now=now)
    for endpoint in WebhookEndpoint.objects.filter(enabled=True).only(
        "pk", "organisation_id", "cursor", "event_prefixes"
    ):
        collect(endpoint, now=now)
    due = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now, endpoint__enabled=True)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:QUEUE_LIMIT]
    )
    at = now.isoformat()
    for pk in due:
        transaction.on_commit(functools.partial(send_webhook.enqueue, pk, at))
    return len(due)
