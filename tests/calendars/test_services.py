"""Who may make, rotate and revoke which feed; only a hash is stored; every write audited; a
refused write changes nothing."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404

from ambit.accounts.models import Team
from ambit.calendars import services
from ambit.calendars.models import CalendarFeed
from ambit.core.errors import Conflict
from ambit.core.models import AuditEntry
from tests import factories as f
from tests.builders import World
from tests.helpers import db_digest

pytestmark = pytest.mark.django_db


def _actions(feed: CalendarFeed) -> list[str]:
    entries = AuditEntry.objects.filter(object_type="calendars.calendarfeed", object_id=str(feed.pk)).order_by("id")
    return list(entries.values_list("action", flat=True))


def test_a_person_gets_their_own_feed_and_only_its_hash_is_stored(world: World) -> None:
    issued = services.calendar_feed_create_own(actor=world.member)
    feed = CalendarFeed.objects.get(pk=issued.feed.pk)
    assert len(issued.token) >= 43
    assert feed.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert (feed.membership_id, feed.team_id, feed.created_by_id) == (world.member.pk, None, world.member.pk)
    row = CalendarFeed.objects.filter(pk=feed.pk).values().get()
    assert not any(issued.token in str(value) for value in row.values())
    assert not AuditEntry.objects.filter(changes__icontains=issued.token).exists()
    assert _actions(feed) == ["calendar_feed.create"]


def test_even_a_viewer_may_have_their_own_read_only_feed(world: World) -> None:
    assert services.calendar_feed_create_own(actor=world.viewer).feed.membership_id == world.viewer.pk


def test_a_second_live_feed_is_refused_until_the_first_is_rotated(world: World) -> None:
    first = services.calendar_feed_create_own(actor=world.member)
    before = db_digest()
    with pytest.raises(Conflict, match="rotate it"):
        services.calendar_feed_create_own(actor=world.member)
    assert db_digest() == before
    rotated = services.calendar_feed_rotate_own(actor=world.member)
    old = CalendarFeed.objects.get(pk=first.feed.pk)
    assert old.revoked_at is not None
    assert rotated.token != first.token
    assert CalendarFeed.objects.filter(membership=world.member, revoked_at__isnull=True).get().pk == rotated.feed.pk
    assert _actions(old) == ["calendar_feed.create", "calendar_feed.revoke"]
    assert AuditEntry.objects.get(action="calendar_feed.revoke").changes["reason"] == "rotated"
    assert _actions(rotated.feed) == ["calendar_feed.create"]


def test_the_database_allows_one_live_feed_per_person_and_per_team(world: World) -> None:
    services.calendar_feed_create_own(actor=world.member)
    services.calendar_feed_create_team(actor=world.lead, team=world.team)
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarFeed.objects.create(organisation=world.org, membership=world.member, token_hash="a" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarFeed.objects.create(organisation=world.org, team=world.team, token_hash="b" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarFeed.objects.create(
            organisation=world.org, membership=world.lead, team=world.other_team, token_hash="c" * 64
        )


def test_revoking_ends_the_feed_and_a_second_revoke_is_a_conflict(world: World) -> None:
    issued = services.calendar_feed_create_own(actor=world.member)
    services.calendar_feed_revoke(actor=world.member, feed=issued.feed)
    assert CalendarFeed.objects.get(pk=issued.feed.pk).revoked_at is not None
    before = db_digest()
    with pytest.raises(Conflict, match="already revoked"):
        services.calendar_feed_revoke(actor=world.member, feed=issued.feed)
    assert db_digest() == before
    assert _actions(issued.feed) == ["calendar_feed.create", "calendar_feed.revoke"]


def test_only_the_owner_or_an_admin_revokes_a_personal_feed(world: World) -> None:
    issued = services.calendar_feed_create_own(actor=world.member)
    before = db_digest()
    for other in (world.lead, world.champion):
        with pytest.raises(PermissionDenied):
            services.calendar_feed_revoke(actor=other, feed=issued.feed)
    assert db_digest() == before
    services.calendar_feed_revoke(actor=world.admin, feed=issued.feed)
    assert AuditEntry.objects.filter(action="calendar_feed.revoke", actor=world.admin.user).count() == 1


@pytest.mark.parametrize("who", ["lead", "champion", "admin"])
def test_a_teams_lead_or_a_champion_or_admin_manages_the_team_feed(world: World, who: str) -> None:
    actor = getattr(world, who)
    issued = services.calendar_feed_create_team(actor=actor, team=world.team)
    assert (issued.feed.team_id, issued.feed.membership_id, issued.feed.created_by_id) == (
        world.team.pk,
        None,
        actor.pk,
    )
    rotated = services.calendar_feed_rotate_team(actor=actor, team=world.team)
    services.calendar_feed_revoke(actor=actor, feed=rotated.feed)
    assert not CalendarFeed.objects.filter(team=world.team, revoked_at__isnull=True).exists()


def test_a_lead_of_a_parent_team_manages_the_feeds_of_the_teams_below(world: World) -> None:
    f.TeamMemberFactory.create(team=world.company, membership=world.member, is_lead=True)
    assert services.calendar_feed_create_team(actor=world.member, team=world.other_team).feed.team_id == (
        world.other_team.pk
    )


@pytest.mark.parametrize("who", ["member", "viewer"])
def test_a_team_member_who_does_not_lead_it_cannot_manage_its_feed(world: World, who: str) -> None:
    actor = getattr(world, who)
    services.calendar_feed_create_team(actor=world.lead, team=world.team)
    before = db_digest()
    with pytest.raises(PermissionDenied, match="leads, OKR champions and admins"):
        services.calendar_feed_create_team(actor=actor, team=world.other_team)
    with pytest.raises(PermissionDenied):
        services.calendar_feed_rotate_team(actor=actor, team=world.team)
    with pytest.raises(PermissionDenied):
        services.calendar_feed_revoke(actor=actor, feed=CalendarFeed.objects.get(team=world.team))
    assert db_digest() == before


def test_another_organisations_team_gets_no_feed(world: World) -> None:
    globex_team: Team = f.TeamFactory.create(organisation=world.other_org, name="Globex ops", slug="ops")
    services.calendar_feed_create_team(actor=world.lead, team=world.team)
    before = db_digest()
    with pytest.raises(Http404):
        services.calendar_feed_create_team(actor=world.outsider, team=world.team)
    with pytest.raises(Http404):
        services.calendar_feed_rotate_team(actor=world.outsider, team=world.team)
    with pytest.raises(Http404):
        services.calendar_feed_revoke(actor=world.outsider, feed=CalendarFeed.objects.get(team=world.team))
    with pytest.raises(Http404):
        services.calendar_feed_create_team(actor=world.admin, team=globex_team)
    assert db_digest() == before


def test_an_inactive_member_cannot_make_a_feed(world: World) -> None:
    world.member.is_active = False
    before = db_digest()
    with pytest.raises(PermissionDenied):
        services.calendar_feed_create_own(actor=world.member)
    assert db_digest() == before
