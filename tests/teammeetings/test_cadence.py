"""When teams meet: every two weeks from the running cycle's first sprint; those days in the team's
and its members' calendar feeds; the reminder the morning before, once per person, team and day;
the demo's past check-in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from icalendar import Calendar

from ambit.calendars import services as calendars
from ambit.notify.models import Kind, Notification
from ambit.okrs.models import Sprint
from ambit.teammeetings import services
from ambit.teammeetings.cadence import anchor_day, meeting_days, next_meeting_day, rhythm_of
from ambit.teammeetings.demo import ACTION, DECISION, seed_check_in
from ambit.teammeetings.feeds import member_check_in_events, team_check_in_events
from ambit.teammeetings.models import TeamMeeting, TeamMeetingItem
from ambit.teammeetings.reminders import produce_reminders
from tests.builders import World

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 10, 5)


def test_the_rhythm_is_every_two_weeks_from_the_first_sprint_off_weekends() -> None:
    assert anchor_day(MONDAY) == MONDAY
    assert anchor_day(dt.date(2026, 10, 3)) == MONDAY  # a Saturday start meets on the Monday
    assert meeting_days(anchor=MONDAY, end=dt.date(2026, 11, 2)) == [
        MONDAY,
        dt.date(2026, 10, 19),
        dt.date(2026, 11, 2),
    ]
    assert next_meeting_day(anchor=MONDAY, on=dt.date(2026, 10, 6), end=dt.date(2026, 12, 31)) == dt.date(2026, 10, 19)
    assert next_meeting_day(anchor=MONDAY, on=dt.date(2026, 10, 19), end=dt.date(2026, 12, 31)) == dt.date(2026, 10, 19)
    assert next_meeting_day(anchor=MONDAY, on=dt.date(2026, 12, 30), end=dt.date(2026, 12, 31)) is None


def _sprint_from(world: World, start: dt.date) -> None:
    Sprint.objects.create(
        organisation=world.org, cycle=world.cycle, number=1, start_date=start, end_date=start + dt.timedelta(days=13)
    )


def test_the_check_in_days_are_in_the_team_feed_and_the_members_own(world: World) -> None:
    _sprint_from(world, world.cycle.start_date)
    rhythm = rhythm_of(organisation_id=world.org.pk, on=world.cycle.start_date)
    assert rhythm is not None and rhythm.cycle == world.cycle
    days = rhythm.days()
    events = team_check_in_events(world.team.pk, world.org, "https://ambit.example")
    starts = [e.decoded("dtstart") for e in events]
    assert all(isinstance(s, dt.datetime) for s in starts)
    assert [s.date() for s in starts] == days
    first = events[0]
    assert str(first["summary"]) == "Platform check-in"
    assert starts[0].hour == 10 and str(first["url"]) == "https://ambit.example/teams/platform/check-in-meeting/"
    assert str(first["uid"]).startswith(f"team-check-in-{world.team.pk}-")
    mine = member_check_in_events(world.member.pk, world.org, "https://ambit.example")
    assert [str(e["uid"]) for e in mine] == [str(e["uid"]) for e in events]
    assert member_check_in_events(world.viewer.pk, world.org, "https://ambit.example") == []  # in no team
    assert team_check_in_events(world.team.pk, world.other_org, "https://ambit.example") == []  # not Globex's


def test_the_team_feed_served_by_the_calendar_carries_them(client: Client, world: World) -> None:
    _sprint_from(world, world.cycle.start_date)
    issued = calendars.calendar_feed_create_team(actor=world.lead, team=world.team)
    body = client.get(f"/calendar/{issued.token}.ics")
    assert body.status_code == 200
    summaries = [str(c["summary"]) for c in Calendar.from_ical(body.content).walk("VEVENT")]
    assert "Platform check-in" in summaries


def test_the_reminder_goes_the_morning_before_once(world: World) -> None:
    _sprint_from(world, world.cycle.start_date)
    rhythm = rhythm_of(organisation_id=world.org.pk, on=world.cycle.start_date)
    assert rhythm is not None
    day = rhythm.days()[1]
    meeting = services.meeting_start(actor=world.lead, team=world.team)
    services.item_add(actor=world.lead, meeting=meeting, kind="action", text="Open one")
    eve = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(8, 30), tzinfo=dt.UTC)
    assert produce_reminders(eve) == 0  # before nine
    morning = eve.replace(hour=9, minute=5)
    assert produce_reminders(morning) == 2  # the lead and the member of Platform
    assert produce_reminders(morning) == 0
    assert produce_reminders(morning + dt.timedelta(hours=3)) == 0
    sent = Notification.objects.filter(kind=Kind.TEAM_MEETING).order_by("recipient_id")
    assert {n.recipient_id for n in sent} == {world.lead.pk, world.member.pk}
    assert all(n.key == f"team_meeting:{world.team.pk}:{day.isoformat()}" for n in sent)
    assert "1 open action item" in sent[0].body and sent[0].url == "/teams/platform/check-in-meeting/"
    # The day after a check-in day is no check-in eve.
    assert produce_reminders(morning + dt.timedelta(days=2)) == 0


def test_the_demo_seeds_one_past_check_in_with_a_decision_and_an_open_action(world: World) -> None:
    ended = seed_check_in(organisation=world.org)
    assert ended is not None and ended.ended_at is not None and ended.team_id == world.team.pk
    items = {i.text: i for i in TeamMeetingItem.objects.filter(meeting=ended)}
    assert items[DECISION].kind == "decision"
    assert items[ACTION].kind == "action" and not items[ACTION].done and items[ACTION].owner_id == world.member.pk
    assert seed_check_in(organisation=world.org) is None  # a second run adds nothing
    assert TeamMeeting.objects.count() == 1
