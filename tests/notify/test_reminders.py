"""The check-in reminder: at the charter's local day and hour (across daylight-saving changes),
once per period, naming only the key results not checked in this period, to nobody with nothing due."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ambit.accounts.models import CheckInCadence
from ambit.notify.models import Delivery, Kind, Notification, Preference
from ambit.notify.reminders import produce_reminders
from ambit.notify.schedule import due_moment, period_start
from ambit.notify.scheduler import run_due
from ambit.okrs import services as okrs
from tests.builders import World
from tests.notify.conftest import Season, build_season
from tests.notify.helpers import berlin

pytestmark = pytest.mark.django_db


def _reminders(member_id: int | None = None) -> list[tuple[int, str, str]]:
    qs = Notification.objects.filter(kind=Kind.CHECKIN_REMINDER)
    if member_id is not None:
        qs = qs.filter(recipient_id=member_id)
    return list(qs.order_by("created_at", "recipient_id").values_list("recipient_id", "key", "title"))


# --- The arithmetic ---------------------------------------------------------------------------


def test_the_moment_is_the_local_hour_on_both_sides_of_each_daylight_saving_change() -> None:
    def moment(now: dt.datetime) -> dt.datetime | None:
        found = due_moment(now, weekday=4, hour=10, time_zone="Europe/Berlin")
        return found.at if found else None

    # October 2026: summer time (UTC+2) on Friday 23rd, winter time (UTC+1) on Friday 30th.
    assert moment(berlin(2026, 10, 23, 12)) == dt.datetime(2026, 10, 23, 8, tzinfo=dt.UTC)
    assert moment(berlin(2026, 10, 30, 12)) == dt.datetime(2026, 10, 30, 9, tzinfo=dt.UTC)
    # March 2027: winter time on Friday 26th, summer time (from the 28th) on Friday 2 April.
    assert moment(berlin(2027, 3, 26, 12)) == dt.datetime(2027, 3, 26, 9, tzinfo=dt.UTC)
    assert moment(berlin(2027, 4, 2, 12)) == dt.datetime(2027, 4, 2, 8, tzinfo=dt.UTC)
    # Not before the hour, and not on the days after the period's moment has gone by… until Friday.
    assert moment(berlin(2026, 10, 30, 9, 59)) is None
    assert moment(berlin(2026, 11, 2, 9)) is None  # Monday: a new period, its Friday still ahead


def test_biweekly_periods_are_counted_from_a_fixed_monday() -> None:
    starts = {period_start(dt.date(2026, 11, 2) + dt.timedelta(days=d), 14) for d in range(28)}
    # Mondays of odd ISO weeks (45, 47), as the metrics' check-in period, whatever day is asked.
    assert sorted(starts) == [dt.date(2026, 11, 2), dt.date(2026, 11, 16)]
    # The reminder falls in the second week of its period: one Friday in two.
    fridays = [dt.date(2026, 11, 6) + dt.timedelta(weeks=w) for w in range(4)]
    due = [
        due_moment(berlin(d.year, d.month, d.day, 11), weekday=4, hour=10, time_zone="Europe/Berlin", cadence_days=14)
        is not None
        for d in fridays
    ]
    assert due == [False, True, False, True]


# --- Producing them ---------------------------------------------------------------------------


def test_a_berlin_organisation_is_reminded_at_ten_local_across_the_october_change(season: Season) -> None:
    world = season.world
    # Friday 23 October (summer time): 09:59 local is too early, 10:00 local is the moment.
    assert produce_reminders(berlin(2026, 10, 23, 9, 59)) == 0
    assert produce_reminders(berlin(2026, 10, 23, 10, 0)) == 2
    assert {r[0] for r in _reminders()} == {world.member.pk, world.lead.pk}
    # Friday 30 October (winter time since Sunday): the same local hour, an hour later in UTC.
    assert produce_reminders(dt.datetime(2026, 10, 30, 8, 59, tzinfo=dt.UTC)) == 0  # 09:59 local
    assert produce_reminders(dt.datetime(2026, 10, 30, 9, 0, tzinfo=dt.UTC)) == 2  # 10:00 local
    assert [key for _, key, _ in _reminders(world.member.pk)] == ["2026-10-23", "2026-10-30"]


def test_and_across_the_march_change(season: Season) -> None:
    assert produce_reminders(dt.datetime(2027, 3, 26, 9, 0, tzinfo=dt.UTC)) == 2  # 10:00 CET
    assert produce_reminders(dt.datetime(2027, 4, 2, 7, 59, tzinfo=dt.UTC)) == 0  # 09:59 CEST
    assert produce_reminders(dt.datetime(2027, 4, 2, 8, 0, tzinfo=dt.UTC)) == 2  # 10:00 CEST
    assert [key for _, key, _ in _reminders(season.world.member.pk)] == ["2027-03-26", "2027-04-02"]


def test_a_person_s_own_hour_and_time_zone_win(season: Season) -> None:
    member = season.world.member
    Preference.objects.create(
        membership=member, organisation=member.organisation, reminder_hour=8, time_zone="America/New_York"
    )
    # 10:00 Berlin: the lead is reminded, the member (08:00 in New York = 14:00 Berlin) not yet.
    produce_reminders(berlin(2026, 10, 23, 10))
    assert {r[0] for r in _reminders()} == {season.world.lead.pk}
    produce_reminders(berlin(2026, 10, 23, 13, 59))
    assert _reminders(member.pk) == []
    assert produce_reminders(berlin(2026, 10, 23, 14)) == 1
    assert [key for _, key, _ in _reminders(member.pk)] == ["2026-10-23"]


def test_it_names_only_what_was_not_checked_in_this_period(season: Season) -> None:
    world = season.world
    first, second = season.member_krs
    okrs.check_in_record(actor=world.member, key_result=first, value=100, at=berlin(2026, 10, 21, 9))
    okrs.check_in_record(actor=world.lead, key_result=season.lead_krs[0], value=10, at=berlin(2026, 10, 22, 9))

    produce_reminders(berlin(2026, 10, 23, 10))

    (reminder,) = Notification.objects.filter(kind=Kind.CHECKIN_REMINDER)
    assert reminder.recipient_id == world.member.pk  # the lead is up to date: nothing for them
    assert reminder.title == "Time to check in: 1 key result to update"
    assert [kr["title"] for kr in reminder.data["key_results"]] == [second.title]
    assert first.title not in reminder.body
    assert reminder.url.startswith("/n/check-in/")


def test_people_with_nothing_due_get_nothing(world: World) -> None:
    build_season(world)
    produce_reminders(berlin(2026, 10, 23, 10))
    got = {r[0] for r in _reminders()}
    assert world.admin.pk not in got and world.champion.pk not in got and world.viewer.pk not in got
    assert world.outsider.pk not in got


def test_catching_up_after_downtime_produces_the_latest_period_only(season: Season) -> None:
    # Down for three weeks: the tick on Saturday 14 November produces that week's reminder alone.
    assert produce_reminders(berlin(2026, 11, 14, 8)) == 2
    assert [key for _, key, _ in _reminders(season.world.member.pk)] == ["2026-11-13"]
    # And on the Thursday after, nothing: that week's Friday has not come.
    assert produce_reminders(berlin(2026, 11, 19, 23)) == 0


def test_running_the_tick_twice_sends_nothing_twice(season: Season, django_capture_on_commit_callbacks: Any) -> None:
    now = berlin(2026, 10, 23, 10, 5)
    with django_capture_on_commit_callbacks(execute=True):
        first = run_due(now)
    with django_capture_on_commit_callbacks(execute=True):
        second = run_due(now + dt.timedelta(minutes=1))
    assert first["checkin_reminder"] == 2
    assert second["checkin_reminder"] == 0
    assert Notification.objects.filter(kind=Kind.CHECKIN_REMINDER).count() == 2
    in_app = Delivery.objects.filter(channel="in_app", notification__kind=Kind.CHECKIN_REMINDER)
    assert sorted(in_app.values_list("status", "attempts")) == [("sent", 1), ("sent", 1)]


def test_biweekly_reminds_every_other_friday(world: World) -> None:
    build_season(world, cadence=CheckInCadence.BIWEEKLY)
    for day in (6, 13, 20, 27):  # the Fridays of November 2026
        run_due(berlin(2026, 11, day, 10, 30))
    assert [key for _, key, _ in _reminders(world.member.pk)] == ["2026-11-13", "2026-11-27"]


def test_an_opted_out_person_gets_no_reminder(season: Season) -> None:
    member = season.world.member
    Preference.objects.create(membership=member, organisation=member.organisation, channels={Kind.CHECKIN_REMINDER: []})
    produce_reminders(berlin(2026, 10, 23, 10))
    assert _reminders(member.pk) == []
    assert len(_reminders(season.world.lead.pk)) == 1
