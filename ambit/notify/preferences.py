"""A person's notification preferences and the one-click stop to all email: what the page shows
(``chosen_channels``), what producers and the email channel ask (``channels_for``,
``email_allowed``), the signed unsubscribe token, and the two
writes (``preference_update`` from the preferences page, ``email_stop`` from an unsubscribe link).

Quiet defaults (``DEFAULT_CHANNELS``): a kind the person never chose channels for goes
in-app and by email (the digest too: digests are opt-out). A missing :class:`Preference` row means "all
defaults"; the first write creates it.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.audit import AuditAction, audit_record
from ambit.core.permissions import require_same_org
from ambit.core.services import quoted
from ambit.core.web import site_url
from ambit.notify.models import ChannelName, Kind, Notification, Preference

# Channels a person chooses per kind on the preferences page (webhook-style channels are set per
# team or organisation, not per person).
PERSONAL_CHANNELS: tuple[str, ...] = (ChannelName.IN_APP.value, ChannelName.EMAIL.value)
# The channels a kind uses for a person who chose nothing: the inbox and email for everything the
# weekly loop sends (each person can turn any of it off on their preferences page).
DEFAULT_CHANNELS: dict[str, tuple[str, ...]] = {kind.value: PERSONAL_CHANNELS for kind in Kind}
UNSUBSCRIBE_SALT = "ambit.notify.unsubscribe"
PREFERENCE_FIELDS = ("channels", "reminder_hour", "time_zone", "email_stopped_at")


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone this Python knows, sorted (the preferences page's choices)."""
    return tuple(sorted(zoneinfo.available_timezones()))


# --- Reads --------------------------------------------------------------------------------------


def preference_of(membership: Membership) -> Preference | None:
    """The person's stored preferences, or None while they have kept every default."""
    try:
        return membership.notification_preference
    except Preference.DoesNotExist:
        return None


def chosen_channels(preference: Preference | None, kind: str) -> list[str]:
    """The channels the person ticked for ``kind`` (the defaults when they never chose), whether or
    not email is stopped: what the preferences page shows."""
    chosen = preference.channels.get(kind) if preference is not None and isinstance(preference.channels, dict) else None
    if isinstance(chosen, list):
        return [str(c) for c in chosen]
    return list(DEFAULT_CHANNELS.get(kind, (ChannelName.IN_APP.value,)))


def channels_for(preference: Preference | None, kind: str) -> list[str]:
    """The channel names ``kind`` goes out on for a person (what producers deliver on): their choice
    for that kind when they made one (an empty list: none at all), else the defaults; never email
    once they stopped it."""
    names = list(dict.fromkeys(chosen_channels(preference, kind)))
    if preference is not None and preference.email_stopped_at is not None:
        names = [n for n in names if n != ChannelName.EMAIL]
    return names


def email_allowed(notification: Notification) -> bool:
    """Whether ``notification`` may go out by email: the recipient is active with an address, has
    not stopped all email, and has email among the channels of its kind (``channels_for``, the
    producers' rule; the preference comes from the producer's batch when it set it)."""
    recipient = notification.recipient
    if not recipient.is_active or not recipient.user.email:
        return False
    return ChannelName.EMAIL.value in channels_for(preference_of(recipient), notification.kind)


# --- The unsubscribe link -----------------------------------------------------------------------


def unsubscribe_token(membership: Membership) -> str:
    """A signed token naming the membership (and its organisation), for the one-click link. It does
    not expire (RFC 8058 expects the link in an old email to keep working) and carries no time, so
    every email to the person, and a resend of one, has the same link."""
    return _signer().sign_object({"m": membership.pk, "o": membership.organisation_id})


def _signer() -> signing.Signer:
    return signing.Signer(salt=UNSUBSCRIBE_SALT)


def membership_from_token(token: str) -> Membership | None:
    """The active membership a token was made for, or None for a tampered or unknown token."""
    try:
        payload = _signer().unsign_object(token)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("m"), int) or not isinstance(payload.get("o"), int):
        return None
    return (
        Membership.objects.select_related("user", "organisation")
        .filter(pk=payload["m"], organisation_id=payload["o"], is_active=True)
        .first()
    )


def unsubscribe_url(membership: Membership) -> str:
    """The absolute one-click unsubscribe address (``SITE_URL`` or the local default)."""
    path = reverse("notify_email:unsubscribe", kwargs={"token": unsubscribe_token(membership)})
    return site_url() + path


# --- Writes -------------------------------------------------------------------------------------


def _preference_for_update(membership: Membership) -> Preference:
    """The person's row, locked; created with the defaults when there is none yet (a concurrent
    first write loses the race on the one-to-one constraint and reads the winner's row)."""
    existing = Preference.objects.select_for_update().filter(membership=membership).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            Preference.objects.create(membership=membership, organisation_id=membership.organisation_id)
    except IntegrityError:
        pass
    return Preference.objects.select_for_update().get(membership=membership)


def _clean_channels(channels: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    cleaned: dict[str, list[str]] = {}
    for kind, chosen in channels.items():
        if kind not in Kind.values:
            raise ValidationError({"channels": f"Unknown kind of notification {quoted(kind)}."})
        names = list(dict.fromkeys(str(c) for c in chosen))
        unknown = [c for c in names if c not in PERSONAL_CHANNELS]
        if unknown:
            raise ValidationError(
                {f"channels_{kind}": f"{quoted(unknown[0])} is not a channel: choose from in-app and email."}
            )
        cleaned[kind] = [c for c in PERSONAL_CHANNELS if c in names]
    return cleaned


def _clean_hour(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        hour = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"reminder_hour": f"{quoted(value)} is not an hour: choose 0 to 23."}) from None
    if not 0 <= hour <= 23:
        raise ValidationError({"reminder_hour": "The reminder hour is from 0 (midnight) to 23."})
    return hour


def _clean_time_zone(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if value not in time_zone_names():
        raise ValidationError(
            {"time_zone": f"{quoted(value)} is not a time zone: choose an IANA name such as Europe/Berlin."}
        )
    return value


@transaction.atomic
def preference_update(
    *,
    actor: Membership,
    membership: Membership,
    channels: Mapping[str, Iterable[str]],
    reminder_hour: int | str | None,
    time_zone: str,
    email_enabled: bool,
) -> Preference:
    """Save a person's own preferences (nobody else may): channels per kind, reminder hour and
    time zone (blank: the organisation's), and whether they get email at all."""
    require_same_org(actor, membership.organisation_id)
    if actor.pk != membership.pk:
        raise PermissionDenied("You can only change your own notification preferences.")
    values: dict[str, Any] = {
        "channels": _clean_channels(channels),
        "reminder_hour": _clean_hour(reminder_hour),
        "time_zone": _clean_time_zone(time_zone),
    }
    preference = _preference_for_update(membership)
    if email_enabled:
        values["email_stopped_at"] = None
    elif preference.email_stopped_at is None:
        values["email_stopped_at"] = timezone.now()
    changes = {
        name: [_plain(getattr(preference, name)), _plain(value)]
        for name, value in values.items()
        if getattr(preference, name) != value
    }
    if changes:
        for name in changes:
            setattr(preference, name, values[name])
        preference.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            organisation=membership.organisation,
            action=AuditAction.NOTIFICATION_PREFERENCES_UPDATE,
            obj=preference,
            changes=changes,
        )
    membership.notification_preference = preference
    return preference


@transaction.atomic
def email_stop(*, membership: Membership) -> Preference:
    """Stop all email to ``membership`` (the one-click unsubscribe: the signed token stands for the
    person). Repeating it changes nothing and writes no second audit entry."""
    preference = _preference_for_update(membership)
    if preference.email_stopped_at is None:
        stopped = timezone.now()
        preference.email_stopped_at = stopped
        preference.save(update_fields=["email_stopped_at", "updated_at"])
        audit_record(
            actor=membership,
            organisation=membership.organisation,
            action=AuditAction.NOTIFICATION_EMAIL_STOP,
            obj=preference,
            changes={"email_stopped_at": [None, stopped.isoformat()]},
        )
    membership.notification_preference = preference
    return preference


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
