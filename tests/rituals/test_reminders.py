"""The standup reminder (weekdays, at the team's hour, only those who have not posted, once a day,
in the organisation's time zone) and the Monday / Friday week-plan reminders."""

from __future__ import annotations

import datetime as dt

import pytest

from ambit.notify.models import Kind, Notification
from ambit.notify.scheduler import PRODUCERS
from ambit.rituals import services
from ambit.rituals.models import RitualSettings
from ambit.rituals.reminders import produce_standup_reminders, produce_week_reminders
from ambit.rituals.services import LineIn
from tests.builders import World

pytestmark = pytest.mark.django_db

MONDAY_0859 = dt.datetime(2026, 11, 30, 8, 59, tzinfo=dt.UTC)


def _reminded(kind: str = Kind.STANDUP_REMINDER) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__user__email", flat=True))


def test_registered_with_the_scheduler() -> None:
    assert PRODUCERS["standup_reminder"] is produce_standup_reminders
    assert PRODUCERS["week_plan_reminder"] is produce_week_reminders


def test_at_the_standup_hour_only_those_who_have_not_posted_once(world: World) -> None:
    assert produce_standup_reminders(MONDAY_0859) == 0
    services.standup_post(actor=world.lead, today=[LineIn("Plan")], now=MONDAY_0859)
    nine = MONDAY_0859 + dt.timedelta(minutes=1)
    assert produce_standup_reminders(nine) == 1
    assert _reminded() == ["member@acme.test"]
    note = Notification.objects.get(kind=Kind.STANDUP_REMINDER)
    assert note.key == "2026-11-30" and note.url == "/standups/platform/"
    assert produce_standup_reminders(nine + dt.timedelta(hours=2)) == 0
    # The next day, again (only for whoever has not posted then).
    assert produce_standup_reminders(nine + dt.timedelta(days=1)) == 2


def test_weekends_are_skipped_and_the_hour_is_the_teams(world: World) -> None:
    saturday = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)
    assert produce_standup_reminders(saturday) == 0
    RitualSettings.objects.create(organisation=world.org, team=world.team, standup_hour=11)
    assert produce_standup_reminders(MONDAY_0859 + dt.timedelta(hours=1)) == 0  # 09:59 < 11:00
    assert produce_standup_reminders(MONDAY_0859 + dt.timedelta(hours=2, minutes=1)) == 2


def test_the_hour_is_local_to_the_organisation(world: World) -> None:
    world.org.time_zone = "America/New_York"  # UTC-5 in November
    world.org.save()
    assert produce_standup_reminders(dt.datetime(2026, 11, 30, 13, 59, tzinfo=dt.UTC)) == 0
    assert produce_standup_reminders(dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)) == 2
    assert Notification.objects.filter(kind=Kind.STANDUP_REMINDER, key="2026-11-30").count() == 2


def test_monday_commitments_and_friday_wins_reminders(world: World) -> None:
    assert produce_week_reminders(MONDAY_0859) == 0
    services.week_set_commitments(actor=world.lead, items=[LineIn("Hire")], now=MONDAY_0859)
    monday_nine = MONDAY_0859 + dt.timedelta(minutes=1)
    assert produce_week_reminders(monday_nine) == 1
    assert _reminded(Kind.WEEK_PLAN_REMINDER) == ["member@acme.test"]
    assert produce_week_reminders(monday_nine + dt.timedelta(hours=3)) == 0
    friday = dt.datetime(2026, 12, 4, 15, 0, tzinfo=dt.UTC)
    services.week_set_wins(actor=world.member, week_start=dt.date(2026, 11, 30), wins=["Done"], now=friday)
    assert produce_week_reminders(friday) == 1
    assert list(
        Notification.objects.filter(kind=Kind.WEEK_PLAN_REMINDER)
        .order_by("key")
        .values_list("key", "recipient__user__email")
    ) == [("2026-W49:commitments", "member@acme.test"), ("2026-W49:wins", "lead@acme.test")]
