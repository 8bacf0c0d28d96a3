"""Writes for webhook endpoints: create, change, enable/disable, rotate the secret, delete, send a
test event, and the automatic disabling after repeated failures. Each checks permission (admins
only: an endpoint receives everything the organisation does), runs in one transaction and writes
an audit entry; the signing secret never goes into the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.audit import AuditAction, audit_record, snapshot
from ambit.core.models import AuditEntry
from ambit.core.permissions import require_admin, require_same_org
from ambit.core.services import apply_changes, lock_and_refresh
from ambit.core.validation import TextRule, clean_text, clean_texts
from ambit.hooks import sending
from ambit.hooks.events import known_prefix, new_secret
from ambit.hooks.models import WebhookDelivery, WebhookEndpoint

MAX_URL = 2000
ENDPOINT_TEXT = {"description": TextRule(300, label="description", single_line=True)}
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# How long the secret before a rotation still signs, beside the new one.
ROTATION_GRACE = dt.timedelta(hours=24)
WHAT = "manage webhooks"
AUDITED = ("url", "description", "event_prefixes", "enabled")


def http_allowed() -> bool:
    return bool(settings.DEBUG or getattr(settings, "WEBHOOKS_ALLOW_HTTP", False))


def clean_url(value: Any) -> str:
    """The endpoint URL, or a ValidationError that says what to change. The one place URLs are checked."""
    url = clean_text(value, field="url", label="URL", max_length=MAX_URL, required=True, single_line=True)
    example = "e.g. https://example.com/ambit-events"
    try:
        URLValidator(schemes=["http", "https"])(url)
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except (ValidationError, ValueError):
        message = f"Enter the full address events go to, starting with https:// ({example})."
        raise ValidationError({"url": message}) from None
    if parts.username or parts.password:
        raise ValidationError({"url": "Leave the user name and password out of the URL: receivers check signatures."})
    if parts.scheme.lower() == "http":
        if host not in LOCAL_HOSTS:
            raise ValidationError({"url": f"Use an https:// address ({example}): events are sent encrypted."})
        if not http_allowed():
            raise ValidationError(
                {"url": "Use an https:// address: http to localhost is accepted only when WEBHOOKS_ALLOW_HTTP is on."}
            )
    return url


def clean_prefixes(values: Iterable[Any] | None) -> list[str]:
    """Action prefixes to filter on (empty: every event), each naming a kind of object or an action."""
    prefixes: list[str] = []
    for value in values or ():
        if not isinstance(value, str) or not known_prefix(value.strip()):
            shown = str(value)[:40]
            raise ValidationError(
                {"event_prefixes": f"“{shown}” is not an event Ambit records: pick from the list (e.g. check_in)."}
            )
        if value.strip() not in prefixes:
            prefixes.append(value.strip())
    return sorted(prefixes)


def _latest_audit_id() -> int:
    return int(AuditEntry.objects.aggregate(last=Max("pk"))["last"] or 0)


@transaction.atomic
def endpoint_create(
    *, actor: Membership, url: str, description: str = "", event_prefixes: Iterable[str] = ()
) -> WebhookEndpoint:
    """A new endpoint, enabled, with a fresh secret; it receives events from now on."""
    require_admin(actor, WHAT)
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    for name, clean in (
        ("url", lambda: clean_url(url)),
        ("description", lambda: clean_texts({"description": description}, ENDPOINT_TEXT)["description"]),
        ("event_prefixes", lambda: clean_prefixes(event_prefixes)),
    ):
        try:
            fields[name] = clean()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    endpoint = WebhookEndpoint.objects.create(
        organisation_id=actor.organisation_id, created_by=actor, secret=new_secret(), **fields
    )
    entry = audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.WEBHOOK_CREATE,
        obj=endpoint,
        changes=snapshot(endpoint, AUDITED),
    )
    # Events from after its creation: not the organisation's history, nor its own creation.
    endpoint.cursor = entry.pk
    endpoint.save(update_fields=["cursor"])
    return endpoint


@transaction.atomic
def endpoint_update(*, actor: Membership, endpoint: WebhookEndpoint, **fields: Any) -> WebhookEndpoint:
    """Change the URL, description, event filter or ``enabled``. Enabling clears the failure count
    and the reason, and starts from the events of now on (those while it was off are not sent;
    deliveries already waiting resume)."""
    require_same_org(actor, endpoint.organisation_id)
    require_admin(actor, WHAT)
    if "url" in fields:
        fields["url"] = clean_url(fields["url"])
    if "event_prefixes" in fields:
        fields["event_prefixes"] = clean_prefixes(fields["event_prefixes"])
    if "enabled" in fields:
        fields["enabled"] = bool(fields["enabled"])
    fields = clean_texts(fields, ENDPOINT_TEXT)
    lock_and_refresh(endpoint)
    changes = apply_changes(endpoint, fields, AUDITED)
    if not changes:
        return endpoint
    saved = list(changes)
    if changes.get("enabled") == [False, True]:
        endpoint.disabled_reason = ""
        endpoint.consecutive_failures = 0
        endpoint.failing_since = None
        endpoint.cursor = max(endpoint.cursor, _latest_audit_id())
        saved += ["disabled_reason", "consecutive_failures", "failing_since", "cursor"]
    elif changes.get("enabled") == [True, False]:
        endpoint.disabled_reason = f"Turned off by {actor.user.get_full_name()}."
        saved.append("disabled_reason")
    endpoint.save(update_fields=[*saved, "updated_at"])
    audit_record(
        actor=actor, organisation=actor.organisation, action=AuditAction.WEBHOOK_UPDATE, obj=endpoint, changes=changes
    )
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, actor: Membership, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new signing secret. For ROTATION_GRACE the old one signs too (a second ``v1,`` signature),
    so receivers can switch to the new one without dropping events."""
    require_same_org(actor, endpoint.organisation_id)
    require_admin(actor, WHAT)
    lock_and_refresh(endpoint)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + ROTATION_GRACE
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.WEBHOOK_ROTATE_SECRET,
        obj=endpoint,
        changes={"previous_secret_until": [None, endpoint.previous_secret_until.isoformat()]},
    )
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor: Membership, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint with its delivery log; waiting deliveries are dropped."""
    require_same_org(actor, endpoint.organisation_id)
    require_admin(actor, WHAT)
    lock_and_refresh(endpoint)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.WEBHOOK_DELETE,
        obj=endpoint,
        changes=snapshot(endpoint, ("url", "description")),
    )
    endpoint.delete()


def endpoint_send_test(*, actor: Membership, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Record a ``webhook.test`` event for this endpoint alone and send it now, through the same
    signing and log as every event (once: a test is not retried). Works on a disabled endpoint,
    to check it before turning it back on; its outcome does not count towards disabling."""
    with transaction.atomic():
        require_same_org(actor, endpoint.organisation_id)
        require_admin(actor, WHAT)
        entry = audit_record(
            actor=actor,
            organisation=actor.organisation,
            action=AuditAction.WEBHOOK_TEST,
            obj=endpoint,
            changes={"url": endpoint.url},
        )
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, audit_entry=entry, next_attempt_at=entry.created_at
        )
    sending.deliver(delivery.pk, at=timezone.now())
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def endpoint_auto_disable(*, endpoint_id: int, reason: str) -> bool:
    """Turn an endpoint off after repeated failures (no actor: Ambit does it). Exactly once: only
    the call that moves it from enabled writes the audit entry. Returns whether it did."""
    if not WebhookEndpoint.objects.filter(pk=endpoint_id, enabled=True).update(
        enabled=False, disabled_reason=reason[:300], updated_at=timezone.now()
    ):
        return False
    endpoint = WebhookEndpoint.objects.select_related("organisation").get(pk=endpoint_id)
    audit_record(
        actor=None,
        organisation=endpoint.organisation,
        action=AuditAction.WEBHOOK_DISABLE,
        obj=endpoint,
        changes={"enabled": [True, False], "disabled_reason": [None, endpoint.disabled_reason]},
    )
    return True
