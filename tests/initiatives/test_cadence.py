"""Sprint planning in the cadence: an event on each sprint's first day in the team's calendar feed
(not in a person's), and a reminder to the team's leads on that morning, once per sprint and team."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from ambit.calendars import services as calendars
from ambit.initiatives.demo import seed_initiatives
from ambit.initiatives.feeds import PLANNING_HOUR
from ambit.initiatives.models import Initiative, SprintEntry
from ambit.initiatives.reminders import REMIND_HOUR, produce_reminders
from ambit.notify.models import Kind, Notification
from tests import factories as f
from tests.builders import World
from tests.initiatives.helpers import Board, build_board

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(world: World) -> Board:
    return build_board(world)


def _events(client: Client, token: str) -> dict[str, object]:
    calendar = Calendar.from_ical(client.get(reverse("calendars:feed", kwargs={"token": token})).content)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_each_sprint_planning_is_in_the_team_feed_only(client: Client, world: World, board: Board) -> None:
    events = _events(client, calendars.calendar_feed_create_team(actor=world.lead, team=world.team).token)
    zone = ZoneInfo(world.org.time_zone or "UTC")
    for sprint in (board.last, board.current, board.following):
        event = events[f"sprint-{sprint.pk}-planning-team-{world.team.pk}@ambit.calendar"]
        start = event["dtstart"].dt.astimezone(zone)  # type: ignore[index]
        assert (start.date(), start.hour) == (sprint.start_date, PLANNING_HOUR)
        assert f"Sprint {sprint.number} planning · Platform" in str(event["summary"])  # type: ignore[index]
        url = reverse("initiatives:sprint", args=[world.team.slug, sprint.number]) + f"?cycle={world.cycle.pk}"
        assert str(event["url"]).endswith(url)  # type: ignore[index]
    own = _events(client, calendars.calendar_feed_create_own(actor=world.lead).token)
    assert not any("-planning-team-" in uid for uid in own)


def _morning(world: World, day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(world.org.time_zone or "UTC"))


def test_the_leads_are_reminded_on_the_sprints_first_morning_once(world: World, board: Board) -> None:
    assert produce_reminders(_morning(world, board.current.start_date, REMIND_HOUR - 1)) == 0  # too early
    at = _morning(world, board.current.start_date, REMIND_HOUR)
    assert produce_reminders(at) == 1
    assert produce_reminders(at + dt.timedelta(hours=2)) == 0  # once per sprint and team
    (note,) = Notification.objects.filter(kind=Kind.SPRINT_PLANNING)
    assert note.recipient_id == world.lead.pk
    assert note.title == "Sprint 2 starts today: plan it with Platform"
    assert note.url == reverse("initiatives:sprint", args=["platform", 2]) + f"?cycle={world.cycle.pk}"
    assert note.key == f"sprint_planning:{board.current.pk}:team:{world.team.pk}"


def test_no_reminder_on_another_day_or_for_a_team_without_objectives(world: World, board: Board) -> None:
    assert produce_reminders(_morning(world, board.current.start_date + dt.timedelta(days=1), 9)) == 0
    # Sales (other_team) has a lead but no objective in the cycle: nobody there is reminded.
    sales_lead = f.MembershipFactory.create(organisation=world.org)
    f.TeamMemberFactory.create(team=world.other_team, membership=sales_lead, is_lead=True)
    assert produce_reminders(_morning(world, board.current.start_date, 9)) == 1
    assert not Notification.objects.filter(recipient=sales_lead).exists()


def test_demo_seeds_initiatives_planned_into_sprints(world: World, board: Board) -> None:
    made = seed_initiatives(organisation=world.org)
    assert made == 6  # three per active key result of the team's objective
    assert Initiative.objects.filter(sprint=board.current).count() == 2
    assert SprintEntry.objects.filter(sprint=board.last).count() == 4
    assert seed_initiatives(organisation=world.org) == 0  # a second run adds nothing
