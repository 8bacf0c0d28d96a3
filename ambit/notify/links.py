"""Signed, expiring check-in links: a reminder opens the person's weekly check-in in one click.

The token is ``django.core.signing`` with its own salt (a token made for anything else never
opens a check-in), stamped with the moment the reminder was produced and refused after
``NOTIFY_LINK_DAYS``. It names the membership, its organisation and the person's
``Preference.link_version``: revoking (:func:`ambit.notify.services.checkin_links_revoke`) moves the
version, so every link sent before stops working; a membership made inactive stops them too.
The link acts as that membership on the check-in page alone, without logging the browser in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.notify.models import Preference

SALT = "ambit.notify.checkin-link"


def link_days() -> int:
    return int(getattr(settings, "NOTIFY_LINK_DAYS", 7))


class _Signer(signing.TimestampSigner):
    """Stamps the token with a given moment (the reminder's), not the wall clock."""

    def __init__(self, at: dt.datetime | None = None) -> None:
        super().__init__(salt=SALT)
        self._at = at

    def timestamp(self) -> str:
        if self._at is None:
            return super().timestamp()
        return signing.b62_encode(int(self._at.timestamp()))


def _version(membership: Membership) -> int:
    value = Preference.objects.filter(membership=membership).values_list("link_version", flat=True).first()
    return int(value or 0)


def checkin_token(membership: Membership, *, at: dt.datetime | None = None, version: int | None = None) -> str:
    """A token for ``membership``'s check-in, valid for ``NOTIFY_LINK_DAYS`` from ``at``."""
    payload = {
        "m": membership.pk,
        "o": membership.organisation_id,
        "v": _version(membership) if version is None else version,
    }
    return _Signer(at or timezone.now()).sign_object(payload, compress=True)


def checkin_path(membership: Membership, *, at: dt.datetime | None = None, version: int | None = None) -> str:
    return reverse("notify:checkin-link", kwargs={"token": checkin_token(membership, at=at, version=version)})


@dataclass(frozen=True)
class LinkRefusal:
    """Why a link does not open the page: said to the person, with a way to log in."""

    reason: str


def membership_for_token(token: str) -> Membership | LinkRefusal:
    """The active membership a valid, unexpired, unrevoked token was made for, or why not."""
    try:
        payload = _Signer().unsign_object(token, max_age=dt.timedelta(days=link_days()))
    except signing.SignatureExpired:
        return LinkRefusal("This check-in link has expired: links in reminders work for a week.")
    except signing.BadSignature:
        return LinkRefusal("This check-in link is not valid: it may have been cut short or changed.")
    if not isinstance(payload, dict) or not all(isinstance(payload.get(k), int) for k in ("m", "o", "v")):
        return LinkRefusal("This check-in link is not valid: it may have been cut short or changed.")
    membership = (
        Membership.objects.select_related("user", "organisation")
        .filter(pk=payload["m"], organisation_id=payload["o"], is_active=True, user__is_active=True)
        .first()
    )
    if membership is None or _version(membership) != payload["v"]:
        return LinkRefusal("This check-in link no longer works: it was withdrawn, or your membership changed.")
    return membership
