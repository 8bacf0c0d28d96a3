"""What the feed says: the check-in as a recurring event in the organisation's time zone (right
across daylight-saving changes), each cycle's planning, start, review and close, sprint
boundaries, stable UIDs; built from the data by the selector and the pure builder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar, Event

from ambit.accounts import services as accounts
from ambit.calendars import selectors, services
from ambit.calendars.ics import FeedSubject, build_calendar
from ambit.calendars.models import CalendarFeed
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, Sprint
from tests.builders import World
from tests.calendars.conftest import TODAY, Year

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
SUBJECT = FeedSubject(
    name="Acme OKRs",
    checkin_url="https://okr.example.com/check-in/",
    checkin_text="Check in.",
    cycle_url=lambda cycle: f"https://okr.example.com/company/?cycle={cycle.pk}",
)


def build(world: World, today: dt.date = TODAY) -> Calendar:
    """The member's feed as the view builds it (the organisation read afresh), parsed back."""
    live = CalendarFeed.objects.filter(membership=world.member, revoked_at__isnull=True).first()
    feed_id = live.pk if live else services.calendar_feed_create_own(actor=world.member).feed.pk
    feed = CalendarFeed.objects.select_related("organisation").get(pk=feed_id)
    cadence = selectors.feed_cadence(feed=feed, today=today)
    body = build_calendar(
        organisation=feed.organisation,
        cycles=cadence.cycles,
        parent_ids=cadence.parent_ids,
        sprints=cadence.sprints,
        subject=SUBJECT,
        calendar_uid="feed-test@ambit.calendar",
    )
    return Calendar.from_ical(body)


def events(calendar: Calendar) -> dict[str, Event]:
    return {str(e["uid"]): e for e in calendar.events}


def occurrences(event: Event) -> list[dt.datetime]:
    start = event.decoded("dtstart")
    (rule,) = event.rrules
    return list(rrulestr(rule.to_ical().decode(), dtstart=start))


def all_day(event: Event) -> tuple[dt.date, dt.date]:
    """First and last day (inclusive) of an all-day event."""
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert type(start) is dt.date and type(end) is dt.date
    return start, end - dt.timedelta(days=1)


def test_the_checkin_recurs_at_nine_in_berlin_on_both_sides_of_summer_time(year: Year, berlin: World) -> None:
    found = events(build(berlin))
    checkin = found[f"cycle-{year.q1.pk}-checkin@ambit.calendar"]
    assert checkin.decoded("dtstart") == dt.datetime(2026, 1, 5, 9, 0, tzinfo=BERLIN)
    assert checkin["dtstart"].params["TZID"] == "Europe/Berlin"
    assert checkin.decoded("dtend") - checkin.decoded("dtstart") == dt.timedelta(minutes=30)
    assert checkin["rrule"].to_ical() == b"FREQ=WEEKLY;COUNT=13"
    days = occurrences(checkin)
    # Every Monday of the quarter, 5 January to 30 March, at 9:00 on the wall clock ...
    assert [d.date() for d in days] == [dt.date(2026, 1, 5) + dt.timedelta(weeks=w) for w in range(13)]
    assert {(d.hour, d.minute) for d in days} == {(9, 0)}
    # ... which is 8:00 UTC in winter and 7:00 UTC from the change on 29 March.
    utc = [d.astimezone(dt.UTC) for d in days]
    assert utc[-2] == dt.datetime(2026, 3, 23, 8, 0, tzinfo=dt.UTC)
    assert utc[-1] == dt.datetime(2026, 3, 30, 7, 0, tzinfo=dt.UTC)
    assert "https://okr.example.com/check-in/" in str(checkin["description"])
    assert str(checkin["url"]) == "https://okr.example.com/check-in/"


def test_the_calendar_carries_the_berlin_time_zone_with_its_summer_and_winter_rules(year: Year, berlin: World) -> None:
    calendar = build(berlin)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/Berlin"
    offsets = {(sub.name, sub["tzoffsetto"].to_ical()) for sub in zone.subcomponents}
    assert ("DAYLIGHT", "+0200") in offsets
    assert ("STANDARD", "+0100") in offsets
    assert str(calendar["x-wr-timezone"]) == "Europe/Berlin"
    # A client reading only the VTIMEZONE (not the IANA name) gets the same instants.
    assert calendar.get_missing_tzids() == set()


def test_a_biweekly_charter_checks_in_every_other_week_from_the_cycles_first_reminder_day(
    year: Year, berlin: World
) -> None:
    accounts.organisation_update(actor=berlin.admin, checkin_cadence="biweekly", reminder_weekday=4, reminder_hour=16)
    checkin = events(build(berlin))[f"cycle-{year.q2.pk}-checkin@ambit.calendar"]
    assert checkin["rrule"].to_ical() == b"FREQ=WEEKLY;COUNT=7;INTERVAL=2"
    days = occurrences(checkin)
    # Q2 starts on Wednesday 1 April: the first Friday is the 3rd, the last on or before 30 June the 26th.
    assert days[0] == dt.datetime(2026, 4, 3, 16, 0, tzinfo=BERLIN)
    assert days[-1] == dt.datetime(2026, 6, 26, 16, 0, tzinfo=BERLIN)
    assert str(checkin["summary"]) == "Bi-weekly OKR check-in (Q2 2026)"


def test_an_annual_cycle_over_quarters_has_no_check_in_series_of_its_own(year: Year, berlin: World) -> None:
    found = events(build(berlin))
    assert f"cycle-{year.annual.pk}-checkin@ambit.calendar" not in found
    assert f"cycle-{year.q1.pk}-checkin@ambit.calendar" in found
    # The annual cycle's own dates are still there.
    assert all_day(found[f"cycle-{year.annual.pk}-start@ambit.calendar"]) == (dt.date(2026, 1, 1),) * 2


def test_each_cycle_has_planning_start_review_and_close_on_the_derived_days(year: Year, berlin: World) -> None:
    found = events(build(berlin))

    def get(kind: str) -> Event:
        return found[f"cycle-{year.q2.pk}-{kind}@ambit.calendar"]

    # Planning: the charter's sprint length (14 days) before the start, up to the day before it.
    assert all_day(get("planning")) == (dt.date(2026, 3, 18), dt.date(2026, 3, 31))
    assert all_day(get("start")) == (dt.date(2026, 4, 1), dt.date(2026, 4, 1))
    assert all_day(get("review")) == (dt.date(2026, 6, 30), dt.date(2026, 6, 30))
    assert all_day(get("close")) == (dt.date(2026, 7, 1), dt.date(2026, 7, 1))
    assert [str(get(k)["summary"]) for k in ("planning", "start", "review", "close")] == [
        "Plan Q2 2026",
        "Q2 2026 starts",
        "Q2 2026 review",
        "Q2 2026 closes",
    ]
    # Q2 is still being planned: its dates may move, so they are tentative; planning is not.
    assert [str(get(k)["status"]) for k in ("planning", "start", "review", "close")] == [
        "CONFIRMED",
        "TENTATIVE",
        "TENTATIVE",
        "TENTATIVE",
    ]
    assert str(found[f"cycle-{year.q1.pk}-start@ambit.calendar"]["status"]) == "CONFIRMED"
    assert "it is planning now" in str(get("start")["description"])
    assert f"https://okr.example.com/company/?cycle={year.q2.pk}" in str(get("start")["description"])
    assert {str(get(k)["transp"]) for k in ("planning", "start", "review", "close")} == {"TRANSPARENT"}


def test_every_sprint_has_its_start_and_end_day(year: Year, berlin: World) -> None:
    found = events(build(berlin))
    sprints: Sequence[Sprint] = list(Sprint.objects.filter(cycle=year.q1).order_by("number"))
    assert len(sprints) == 6  # 90 days in sprints of 14, the last sliver joined to the sixth
    for sprint in sprints:
        start = found[f"sprint-{sprint.pk}-start@ambit.calendar"]
        end = found[f"sprint-{sprint.pk}-end@ambit.calendar"]
        assert all_day(start) == (sprint.start_date, sprint.start_date)
        assert all_day(end) == (sprint.end_date, sprint.end_date)
        assert str(start["summary"]) == f"Sprint {sprint.number} starts (Q1 2026)"
        assert str(end["summary"]) == f"Sprint {sprint.number} ends (Q1 2026)"
    assert all_day(found[f"sprint-{sprints[0].pk}-start@ambit.calendar"])[0] == dt.date(2026, 1, 1)
    assert all_day(found[f"sprint-{sprints[-1].pk}-end@ambit.calendar"])[0] == dt.date(2026, 3, 31)
    # The annual cycle has no sprints of its own.
    assert not Sprint.objects.filter(cycle=year.annual).exists()


def test_moving_a_cycle_moves_its_events_under_the_same_uids(year: Year, berlin: World) -> None:
    before = events(build(berlin))
    okrs.cycle_update(actor=berlin.champion, cycle=year.q2, end_date=dt.date(2026, 7, 3))
    after = events(build(berlin))
    assert set(before) == set(after)
    uid = f"cycle-{year.q2.pk}-review@ambit.calendar"
    assert all_day(after[uid]) == (dt.date(2026, 7, 3), dt.date(2026, 7, 3))
    # DTSTAMP and LAST-MODIFIED are the row's last change (to the second), not the time of the fetch.
    changed = Cycle.objects.get(pk=year.q2.pk).updated_at.replace(microsecond=0)
    assert after[uid].decoded("dtstamp") == after[uid].decoded("last-modified") == changed


def test_cycles_that_ended_over_a_year_ago_drop_out(year: Year, berlin: World) -> None:
    later = events(build(berlin, today=dt.date(2027, 6, 15)))
    assert f"cycle-{year.q2.pk}-start@ambit.calendar" in later  # ended 30 June 2026
    assert f"cycle-{year.q1.pk}-start@ambit.calendar" not in later  # ended 31 March 2026


def test_an_organisation_in_utc_needs_no_time_zone_rules(world: World) -> None:
    cycle = Cycle.objects.get(pk=world.cycle.pk)
    calendar = build(world, today=cycle.start_date)
    checkin = events(calendar)[f"cycle-{cycle.pk}-checkin@ambit.calendar"]
    start = checkin.decoded("dtstart")
    assert start.utcoffset() == dt.timedelta(0)
    assert (start.weekday(), start.hour) == (world.org.reminder_weekday, world.org.reminder_hour)
    assert calendar.get_missing_tzids() == set()
