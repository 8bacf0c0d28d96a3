"""Outgoing webhooks: an organisation's endpoints and the log of what was sent to each.

The audit log is the outbox. Every audited event of an organisation is offered to each of its
enabled endpoints (``dispatch.enqueue_due``); ``delivery_once`` makes sure an event becomes at most
one :class:`WebhookDelivery` per endpoint however many dispatchers run at once (INSERT … ON
CONFLICT DO NOTHING). A delivery is claimed by a conditional UPDATE (pending → sending, with
``claimed_at``); one left in *sending* by a worker that died is put back after a lease and sent
again with the same ``webhook-id``, which receivers use to drop the duplicate.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from ambit.core.models import OrgScoped


class WebhookEndpoint(OrgScoped):
    """A URL an organisation's admins want every (or some) audited event POSTed to, signed."""

    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=300, blank=True)
    # Standard Webhooks format: "whsec_" + base64 of 32 random bytes. Needed in clear to sign.
    secret = models.CharField(max_length=100)
    # After a rotation the old secret also signs for a day, so receivers can switch without a gap.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    # Action prefixes ("check_in", "objective.create"); empty: every audited event.
    event_prefixes = models.JSONField(default=list, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    # Audit entries up to this id have been offered to the endpoint (later ones are looked at
    # again until they are old enough that no transaction can still be writing one below them).
    cursor = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organisation", "enabled"], name="webhook_endpoint_org")]

    def __str__(self) -> str:
        return self.url

    @property
    def receives_all(self) -> bool:
        return not self.event_prefixes


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One audited event on its way to one endpoint: its state, tries and last answer (the log)."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    audit_entry = models.ForeignKey("core.AuditEntry", on_delete=models.CASCADE, related_name="+")
    # The ``webhook-id`` header: the same on every try, so a receiver can drop a repeat.
    message_id = models.UUIDField(default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)  # the first RESPONSE_EXCERPT characters
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "audit_entry"], name="webhook_delivery_once")]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["endpoint", "-id"], name="webhook_delivery_log"),
        ]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.audit_entry_id} → {self.endpoint_id} ({self.status})"

    @property
    def webhook_id(self) -> str:
        return f"msg_{self.message_id.hex}"
