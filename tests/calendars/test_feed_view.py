"""The feed's address: served without a login to whoever holds the secret, 404 for anything
else, the same events under the same UIDs on every fetch, at a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from ambit.calendars import services
from ambit.calendars.models import CalendarFeed
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, CycleKind, CycleState, Sprint
from tests.builders import World
from tests.helpers import ClientResponse
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db


def url(token: str) -> str:
    return reverse("calendars:feed", kwargs={"token": token})


def uids(response: ClientResponse) -> list[str]:
    return [str(e["uid"]) for e in Calendar.from_ical(response.content).walk("VEVENT")]


def test_the_feed_is_a_calendar_anyone_with_the_address_can_read(client: Client, world: World) -> None:
    issued = services.calendar_feed_create_own(actor=world.member)
    response = client.get(url(issued.token))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=900"
    assert response["ETag"].startswith('"')
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["prodid"]) == "-//Ambit//OKR cadence//EN"
    cycle = world.cycle
    assert f"cycle-{cycle.pk}-start@ambit.calendar" in uids(response)
    assert f"cycle-{cycle.pk}-checkin@ambit.calendar" in uids(response)
    # Links in the events are absolute (the request's address while SITE_URL is unset).
    checkin = next(e for e in calendar.walk("VEVENT") if str(e["uid"]).endswith("-checkin@ambit.calendar"))
    assert str(checkin["url"]) == "http://testserver/check-in/"
    assert str(calendar["x-wr-calname"]) == f"OKRs of {world.member.user.get_full_name()} · Acme"
    assert CalendarFeed.objects.get(pk=issued.feed.pk).last_used_at is not None


def test_links_use_site_url_when_it_is_set(client: Client, world: World, settings: object) -> None:
    settings.SITE_URL = "https://okr.example.com/"  # type: ignore[attr-defined]
    issued = services.calendar_feed_create_team(actor=world.lead, team=world.team)
    calendar = Calendar.from_ical(client.get(url(issued.token)).content)
    start = next(e for e in calendar.walk("VEVENT") if str(e["uid"]) == f"cycle-{world.cycle.pk}-start@ambit.calendar")
    assert str(start["url"]) == f"https://okr.example.com/teams/platform/?cycle={world.cycle.pk}"
    assert str(calendar["x-wr-calname"]) == "Platform OKRs · Acme"


def test_two_fetches_give_the_same_events_under_the_same_uids_and_a_304(client: Client, world: World) -> None:
    issued = services.calendar_feed_create_own(actor=world.member)
    first = client.get(url(issued.token))
    second = client.get(url(issued.token))
    assert uids(first) == uids(second)
    assert len(set(uids(first))) == len(uids(first))
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]
    unchanged = client.get(url(issued.token), HTTP_IF_NONE_MATCH=first["ETag"])
    assert unchanged.status_code == 304
    assert unchanged.content == b""


def test_a_rotated_address_stops_and_the_new_one_serves_the_same_uids(client: Client, world: World) -> None:
    old = services.calendar_feed_create_own(actor=world.member)
    before = uids(client.get(url(old.token)))
    new = services.calendar_feed_rotate_own(actor=world.member)
    assert client.get(url(old.token)).status_code == 404
    assert uids(client.get(url(new.token))) == before


def test_a_revoked_or_unknown_address_is_404(client: Client, world: World) -> None:
    issued = services.calendar_feed_create_team(actor=world.lead, team=world.team)
    services.calendar_feed_revoke(actor=world.lead, feed=issued.feed)
    assert client.get(url(issued.token)).status_code == 404
    assert client.get(url("not-a-real-token")).status_code == 404
    assert client.get(url("x" * 200)).status_code == 404


def test_the_feed_of_someone_who_left_is_404(client: Client, world: World) -> None:
    issued = services.calendar_feed_create_own(actor=world.member)
    world.member.is_active = False
    world.member.save(update_fields=["is_active"])
    assert client.get(url(issued.token)).status_code == 404


def test_the_feed_accepts_only_reads(client: Client, world: World) -> None:
    issued = services.calendar_feed_create_own(actor=world.member)
    assert client.post(url(issued.token)).status_code == 405
    assert client.head(url(issued.token)).status_code == 200


def _more_cycles(world: World, n: int) -> None:
    start = world.cycle.end_date + dt.timedelta(days=1)
    for i in range(n):
        okrs.cycle_create(
            actor=world.champion,
            name=f"Next {i + 1}",
            kind=CycleKind.QUARTER,
            start_date=start + dt.timedelta(days=91 * i),
            end_date=start + dt.timedelta(days=91 * i + 90),
            state=CycleState.PLANNING,
        )


def test_the_feed_costs_the_same_few_queries_for_one_cycle_or_many(client: Client, world: World) -> None:
    issued = services.calendar_feed_create_team(actor=world.lead, team=world.team)
    Sprint.objects.create(
        organisation=world.org,
        cycle=world.cycle,
        number=1,
        start_date=world.cycle.start_date,
        end_date=world.cycle.start_date + dt.timedelta(days=13),
    )
    client.get(url(issued.token))
    # The feed with its organisation and team; last-used (a conditional UPDATE); cycles; sprints;
    # then the team events other apps add (``ics.team_events``): the sprint plans (initiatives: one)
    # and the bi-weekly check-ins (teammeetings: the team, the running cycle).
    with assert_queries(7, label="feed with one cycle") as one:
        client.get(url(issued.token))
    _more_cycles(world, 4)
    assert Cycle.objects.filter(organisation=world.org).count() == 5
    assert Sprint.objects.filter(organisation=world.org).count() > 20
    with count_queries() as many:
        response = client.get(url(issued.token))
    assert len(uids(response)) > 60
    with assert_queries(one, label="feed with five cycles and their sprints against one"):
        client.get(url(issued.token))
    assert len(many) == len(one)
