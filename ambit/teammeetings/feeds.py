"""The bi-weekly team check-in in the calendar feeds (``ambit.calendars.ics``): in the team's feed,
and in the own feed of each of its members.

One event per check-in day of the running cycle (``cadence``), at the meeting hour in the
organisation's time zone written in UTC (so the feed needs no extra VTIMEZONE and a daylight-saving
change keeps the local hour). The UID names the team and the day, so a client updates the event
when the cycle's dates move instead of adding another; DTSTAMP is the cycle's last change, so two
fetches with no change between them are byte-identical. It links to the team's meeting mode.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone
from icalendar import Event

from ambit.accounts.models import Organisation, Team
from ambit.calendars.ics import UID_DOMAIN, register_person_events, register_team_events
from ambit.notify.schedule import zone
from ambit.teammeetings.cadence import MEETING_HOUR, MEETING_MINUTES, Rhythm, rhythm_of


def _events(teams: Iterable[Team], rhythm: Rhythm, organisation: Organisation, base_url: str) -> list[Event]:
    tz = zone(organisation.time_zone)
    stamp = rhythm.cycle.updated_at.astimezone(dt.UTC)
    days = rhythm.days()
    events: list[Event] = []
    for team in teams:
        url = base_url + reverse("teammeetings:meeting", kwargs={"slug": team.slug})
        for day in days:
            start = dt.datetime.combine(day, dt.time(MEETING_HOUR), tzinfo=tz).astimezone(dt.UTC)
            event = Event.new(
                uid=f"team-check-in-{team.pk}-{day:%Y%m%d}@{UID_DOMAIN}",
                stamp=stamp,
                last_modified=stamp,
                start=start,
                end=start + dt.timedelta(minutes=MEETING_MINUTES),
                summary=f"{team.name} check-in",
                description=(
                    f"The bi-weekly check-in of {team.name} ({rhythm.cycle.name}): what moved since the last "
                    f"one, behind and at risk first, decisions and action items.\n\n{url}"
                ),
                url=url,
                categories=["OKR"],
            )
            event.add("status", "CONFIRMED")
            events.append(event)
    return events


def _rhythm(organisation: Organisation) -> Rhythm | None:
    today = timezone.now().astimezone(zone(organisation.time_zone)).date()
    return rhythm_of(organisation_id=organisation.pk, on=today)


def team_check_in_events(team_id: int, organisation: Organisation, base_url: str) -> list[Event]:
    """The team's check-ins in its own feed (two queries)."""
    team = Team.objects.filter(pk=team_id, organisation_id=organisation.pk, archived_at__isnull=True).first()
    rhythm = _rhythm(organisation) if team is not None else None
    if team is None or rhythm is None:
        return []
    return _events([team], rhythm, organisation, base_url)


def member_check_in_events(membership_id: int, organisation: Organisation, base_url: str) -> list[Event]:
    """The check-ins of every team the person is in, in their own feed (two queries)."""
    teams = list(
        Team.objects.filter(
            organisation_id=organisation.pk, archived_at__isnull=True, team_members__membership_id=membership_id
        ).order_by("name", "pk")
    )
    rhythm = _rhythm(organisation) if teams else None
    if rhythm is None:
        return []
    return _events(teams, rhythm, organisation, base_url)


register_team_events(team_check_in_events)
register_person_events(member_check_in_events)
