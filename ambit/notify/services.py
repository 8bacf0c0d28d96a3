"""Writes of the notifications app a person makes: marking read (acknowledging an early warning is
marking it read) and revoking the check-in links sent to them. Each checks that the notification
is the actor's own, runs in one transaction, saves only what it changes and writes an audit entry."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.audit import AuditAction, audit_record
from ambit.core.permissions import require_same_org
from ambit.notify.models import Notification, Preference
from ambit.notify.selectors import notification_get, unread


@transaction.atomic
def notification_mark_read(*, actor: Membership, notification: Notification, now: dt.datetime | None = None) -> bool:
    """Mark the actor's own notification read; False (and nothing written) when it already was."""
    require_same_org(actor, notification.organisation_id)
    own = notification_get(actor=actor, notification_id=notification.pk)  # 404 for anyone else's
    moment = now or timezone.now()
    if not Notification.objects.filter(pk=own.pk, read_at__isnull=True).update(read_at=moment):
        return False
    notification.read_at = moment
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.NOTIFICATION_READ,
        obj=notification,
        changes={"read_at": [None, moment]},
    )
    return True


@transaction.atomic
def notification_mark_all_read(*, actor: Membership, now: dt.datetime | None = None) -> int:
    """Mark every unread notification of the actor read; one audit entry names how many."""
    moment = now or timezone.now()
    count = unread(actor=actor).update(read_at=moment)
    if count:
        audit_record(
            actor=actor,
            organisation=actor.organisation,
            action=AuditAction.NOTIFICATION_READ_ALL,
            obj=actor,
            changes={"marked_read": [0, count]},
        )
    return count


@transaction.atomic
def checkin_links_revoke(*, actor: Membership) -> int:
    """Make every check-in link sent to the actor stop working (their preference's link version
    moves on; reminders sent afterwards carry the new one). Returns the new version."""
    try:
        with transaction.atomic():
            Preference.objects.get_or_create(membership=actor, defaults={"organisation_id": actor.organisation_id})
    except IntegrityError:
        pass  # a concurrent first write made the row
    Preference.objects.filter(membership=actor).update(link_version=F("link_version") + 1, updated_at=timezone.now())
    preference = Preference.objects.get(membership=actor)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.NOTIFICATION_LINKS_REVOKE,
        obj=preference,
        changes={"link_version": [preference.link_version - 1, preference.link_version]},
    )
    return preference.link_version
