"""Reads for calendar feeds.

The feed itself is read without a login: the secret in its address is the credential, so
``feed_for_token`` is the scoping (a revoked feed, or the feed of someone who left, is no feed).
The settings page reads through the acting member, inside their organisation only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.http import Http404

from ambit.accounts.models import Membership, Team
from ambit.accounts.selectors import team_get
from ambit.calendars.models import CalendarFeed
from ambit.calendars.services import can_manage_team_feed, token_hash
from ambit.okrs.models import Cycle, Sprint

# Cycles that ended longer ago than this drop out of the feed (the calendar keeps a year of history).
HISTORY = dt.timedelta(days=366)


def feed_for_token(*, token: str) -> CalendarFeed | None:
    """The live feed whose address carries ``token``, with what the calendar names (one query)."""
    if not token or len(token) > 128:
        return None
    return (
        CalendarFeed.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .exclude(membership__is_active=False)
        .select_related("organisation", "team", "membership__user")
        .first()
    )


@dataclass
class Cadence:
    cycles: list[Cycle]
    parent_ids: set[int]
    sprints: list[Sprint]


def feed_cadence(*, feed: CalendarFeed, today: dt.date) -> Cadence:
    """The organisation's cycles still in view (ending within ``HISTORY`` or later) and their
    sprints: two queries, however many of either."""
    rows = (
        Cycle.objects.filter(organisation_id=feed.organisation_id, end_date__gte=today - HISTORY)
        .annotate(has_children=Exists(Cycle.objects.filter(parent_id=OuterRef("pk"))))
        .order_by("start_date", "kind", "name", "pk")
    )
    cycles: list[Cycle] = []
    parent_ids: set[int] = set()
    for cycle in rows:
        cycles.append(cycle)
        if cycle.has_children:
            parent_ids.add(cycle.pk)
    sprints = (
        list(Sprint.objects.filter(cycle__in=[c.pk for c in cycles]).order_by("start_date", "cycle_id", "number"))
        if cycles
        else []
    )
    return Cadence(cycles=cycles, parent_ids=parent_ids, sprints=sprints)


@dataclass
class TeamFeedRow:
    team: Team
    feed: CalendarFeed | None
    can_manage: bool


@dataclass
class FeedPage:
    own: CalendarFeed | None
    teams: list[TeamFeedRow]


def own_feed(*, actor: Membership) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(membership=actor, revoked_at__isnull=True).first()


def team_feed(*, actor: Membership, team: Team) -> CalendarFeed | None:
    if team.organisation_id != actor.organisation_id:
        raise Http404("No such team.")
    return CalendarFeed.objects.filter(team=team, revoked_at__isnull=True).first()


def feed_teams(*, actor: Membership) -> list[Team]:
    """The teams whose feed the page lists: the actor's own teams and those they lead (with the
    teams below), or every team for a champion or admin."""
    qs = Team.objects.filter(organisation_id=actor.organisation_id)
    if not actor.is_org_wide_editor:
        qs = qs.filter(pk__in=actor.member_team_ids() | actor.led_team_ids())
    return list(qs.order_by("name", "pk"))


def feed_team_get(*, actor: Membership, team_id: int) -> Team:
    """A team of the actor's organisation (404 otherwise, so another organisation's stays unseen)."""
    return team_get(actor=actor, team_id=team_id)


def feed_page(*, actor: Membership) -> FeedPage:
    teams = feed_teams(actor=actor)
    live = {
        f.team_id: f
        for f in CalendarFeed.objects.filter(team__in=teams, revoked_at__isnull=True).select_related("created_by__user")
    }
    return FeedPage(
        own=own_feed(actor=actor),
        teams=[TeamFeedRow(team=t, feed=live.get(t.pk), can_manage=can_manage_team_feed(actor, t)) for t in teams],
    )
