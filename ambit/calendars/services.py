"""Writes for calendar feeds: create, rotate and revoke an address. Each audited.

Who may: a person for their own feed (any active member: the feed only reads the cadence); a
team's feed, its leads (of it or a team above it) and the organisation's champions and admins.
An admin may also revoke anyone's personal feed (someone who lost a laptop, someone leaving).
The secret exists only in the returned :class:`IssuedFeed`: the database keeps its sha256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ambit.accounts.models import Membership, Team
from ambit.calendars.models import CalendarFeed
from ambit.core.audit import AuditAction, audit_record
from ambit.core.errors import Conflict
from ambit.core.permissions import require_same_org

OWN_FEED_DENIED = "Only active members can have a calendar feed."
TEAM_FEED_DENIED = "Only the team's leads, OKR champions and admins may manage the team's calendar feed."
REVOKE_DENIED = "You may revoke your own calendar feed; admins may revoke anyone's."
ALREADY_LIVE = "This calendar already has an address: rotate it to get a new one."


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedFeed:
    feed: CalendarFeed
    token: str


def can_manage_team_feed(actor: Membership, team: Team) -> bool:
    """The rule the page asks before offering the buttons, and the services enforce."""
    if actor.organisation_id != team.organisation_id or not actor.can_write:
        return False
    return actor.is_org_wide_editor or team.pk in actor.led_team_ids()


def _require_own(actor: Membership) -> None:
    if not actor.is_active:
        raise PermissionDenied(OWN_FEED_DENIED)


def _require_team(actor: Membership, team: Team) -> None:
    require_same_org(actor, team.organisation_id)
    if not can_manage_team_feed(actor, team):
        raise PermissionDenied(TEAM_FEED_DENIED)


def _issue(*, actor: Membership, membership: Membership | None, team: Team | None) -> IssuedFeed:
    token = secrets.token_urlsafe(32)
    try:
        # A savepoint: a concurrent create that won the partial unique index leaves this
        # transaction usable for the caller's error handling.
        with transaction.atomic():
            feed = CalendarFeed.objects.create(
                organisation_id=actor.organisation_id,
                membership=membership,
                team=team,
                token_hash=token_hash(token),
                created_by=actor,
            )
    except IntegrityError:
        raise Conflict(ALREADY_LIVE, field="feed") from None
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.CALENDAR_FEED_CREATE,
        obj=feed,
        changes={"membership": membership.pk if membership else None, "team": team.pk if team else None},
    )
    return IssuedFeed(feed=feed, token=token)


def _live(*, membership: Membership | None = None, team: Team | None = None, lock: bool = False) -> CalendarFeed | None:
    qs = CalendarFeed.objects.filter(revoked_at__isnull=True)
    qs = qs.filter(membership=membership) if membership is not None else qs.filter(team=team)
    if lock:
        qs = qs.select_for_update()
    return qs.first()


def _revoke(*, actor: Membership, feed: CalendarFeed, reason: str) -> CalendarFeed:
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.CALENDAR_FEED_REVOKE,
        obj=feed,
        changes={"revoked_at": [None, feed.revoked_at], "reason": reason},
    )
    return feed


@transaction.atomic
def calendar_feed_create_own(*, actor: Membership) -> IssuedFeed:
    """A feed of ``actor``'s own cadence. Refused (409) while one is live: rotate that instead."""
    _require_own(actor)
    if _live(membership=actor) is not None:
        raise Conflict(ALREADY_LIVE, field="feed")
    return _issue(actor=actor, membership=actor, team=None)


@transaction.atomic
def calendar_feed_create_team(*, actor: Membership, team: Team) -> IssuedFeed:
    """A feed of ``team``'s cadence, shared with the team by whoever makes it."""
    _require_team(actor, team)
    if _live(team=team) is not None:
        raise Conflict(ALREADY_LIVE, field="feed")
    return _issue(actor=actor, membership=None, team=team)


@transaction.atomic
def calendar_feed_rotate_own(*, actor: Membership) -> IssuedFeed:
    """A new address for ``actor``'s feed; the old one stops working at once (or a first one)."""
    _require_own(actor)
    old = _live(membership=actor, lock=True)
    if old is not None:
        _revoke(actor=actor, feed=old, reason="rotated")
    return _issue(actor=actor, membership=actor, team=None)


@transaction.atomic
def calendar_feed_rotate_team(*, actor: Membership, team: Team) -> IssuedFeed:
    _require_team(actor, team)
    old = _live(team=team, lock=True)
    if old is not None:
        _revoke(actor=actor, feed=old, reason="rotated")
    return _issue(actor=actor, membership=None, team=team)


@transaction.atomic
def calendar_feed_revoke(*, actor: Membership, feed: CalendarFeed) -> CalendarFeed:
    """Stop ``feed``'s address: clients subscribed to it get 404 from now on."""
    require_same_org(actor, feed.organisation_id)
    if feed.team_id is not None:
        assert feed.team is not None
        _require_team(actor, feed.team)
    elif feed.membership_id != actor.pk and not actor.is_admin:
        raise PermissionDenied(REVOKE_DENIED)
    locked = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
    if locked.revoked_at is not None:
        raise Conflict("This calendar feed is already revoked.", field="feed")
    return _revoke(actor=actor, feed=locked, reason="revoked")


# How often a fetch records itself: calendar clients poll every few minutes to hours, and the
# page needs "last used" to the hour, not a write per poll.
LAST_USED_EVERY_MINUTES = 60


def calendar_feed_mark_used(*, feed: CalendarFeed) -> None:
    """Note that a client fetched ``feed`` (a conditional UPDATE: at most one write an hour).
    Like an API token's ``last_used_at``, a read's footprint, not a change: no audit entry."""
    now = timezone.now()
    stale = now - dt.timedelta(minutes=LAST_USED_EVERY_MINUTES)
    CalendarFeed.objects.filter(pk=feed.pk).filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale)).update(
        last_used_at=now
    )
