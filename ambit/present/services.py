"""Writes of presentation links: create and revoke, each checked, in a transaction, audited.

Who may: OKR champions and admins (the link shows the cycle to people without an account). The
secret exists only in the returned :class:`IssuedLink`; the database keeps its sha256.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.audit import AuditAction, audit_record
from ambit.core.errors import Conflict
from ambit.core.permissions import require_org_editor, require_same_org
from ambit.okrs.models import Cycle
from ambit.present.models import DEFAULT_DAYS, MAX_DAYS, MIN_DAYS, PresentationLink, token_hash

MANAGE = "create or revoke presentation links"
DAYS_MESSAGE = f"Choose how long the link works: a whole number of days from {MIN_DAYS} to {MAX_DAYS}."
ALREADY_REVOKED = "This link is already revoked."
TOKEN_BYTES = 32


def check_days(value: Any) -> int:
    """The link's lifetime in days (the one rule of every surface)."""
    if isinstance(value, bool):
        raise ValidationError({"days": DAYS_MESSAGE})
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            raise ValidationError({"days": DAYS_MESSAGE})
        value = int(value)
    if not isinstance(value, int) or not MIN_DAYS <= value <= MAX_DAYS:
        raise ValidationError({"days": DAYS_MESSAGE})
    return value


@dataclass(frozen=True)
class IssuedLink:
    link: PresentationLink
    token: str


@transaction.atomic
def presentation_link_create(
    *, actor: Membership, cycle: Cycle, days: Any = DEFAULT_DAYS, now: dt.datetime | None = None
) -> IssuedLink:
    """A new read-only link to ``cycle``'s presentation, working for ``days`` days."""
    require_same_org(actor, cycle.organisation_id)
    require_org_editor(actor, MANAGE)
    days = check_days(days)
    now = now or timezone.now()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = PresentationLink.objects.create(
        organisation_id=cycle.organisation_id,
        cycle=cycle,
        created_by=actor,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.PRESENTATION_LINK_CREATE,
        obj=link,
        changes={"cycle": [None, cycle.pk], "expires_at": [None, link.expires_at]},
    )
    return IssuedLink(link=link, token=token)


@transaction.atomic
def presentation_link_revoke(
    *, actor: Membership, link: PresentationLink, now: dt.datetime | None = None
) -> PresentationLink:
    """Stop ``link`` from working, at once and for good."""
    require_same_org(actor, link.organisation_id)
    require_org_editor(actor, MANAGE)
    link = PresentationLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is not None:
        raise Conflict(ALREADY_REVOKED)
    link.revoked_at = now or timezone.now()
    link.revoked_by = actor
    link.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.PRESENTATION_LINK_REVOKE,
        obj=link,
        changes={"revoked_at": [None, link.revoked_at], "cycle": [link.cycle_id, link.cycle_id]},
    )
    return link
