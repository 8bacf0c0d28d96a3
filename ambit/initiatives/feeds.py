"""Sprint planning in each team's calendar feed (``ambit.calendars.ics.team_events``).

One event per sprint of the organisation's running and coming cycles (not annual ones, whose
quarters carry the sprints; not closed ones): "Sprint N planning" on the sprint's first day at
``PLANNING_HOUR`` local time, linking to the team's plan for that sprint. Times are written in
UTC, so the feed needs no extra VTIMEZONE. The UID names the sprint and the team, so a calendar
updates the event when the sprint's dates move instead of adding another.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Subquery
from django.urls import reverse
from icalendar import Event

from ambit.accounts.models import Organisation, Team
from ambit.calendars.ics import UID_DOMAIN, org_zone, register_team_events
from ambit.okrs.models import CycleKind, CycleState, Sprint

PLANNING_HOUR = 10  # local time of the sprint planning meeting on a sprint's first day
PLANNING_MINUTES = 60
HISTORY = dt.timedelta(days=366)  # like the feed's cycles: a year back


def sprint_planning_events(team_id: int, organisation: Organisation, base_url: str) -> list[Event]:
    """The team's sprint plannings (one query: the sprints, with the team's slug and name)."""
    zone = org_zone(organisation)
    today = dt.datetime.now(zone).date()
    team = Team.objects.filter(pk=team_id, organisation_id=organisation.pk)
    sprints = list(
        Sprint.objects.filter(organisation_id=organisation.pk, cycle__end_date__gte=today - HISTORY)
        .exclude(cycle__kind=CycleKind.ANNUAL)
        .exclude(cycle__state=CycleState.CLOSED)
        .annotate(team_slug=Subquery(team.values("slug")[:1]), team_name=Subquery(team.values("name")[:1]))
        .select_related("cycle")
        .order_by("start_date", "cycle_id", "number")
    )
    events: list[Event] = []
    for sprint in sprints:
        slug, name = sprint.team_slug, sprint.team_name
        if slug is None:  # not a team of this organisation
            return []
        start = dt.datetime.combine(sprint.start_date, dt.time(PLANNING_HOUR), tzinfo=zone).astimezone(dt.UTC)
        url = base_url + reverse("initiatives:sprint", args=[slug, sprint.number]) + f"?cycle={sprint.cycle_id}"
        stamp = max(sprint.updated_at, sprint.cycle.updated_at).astimezone(dt.UTC)
        event = Event.new(
            uid=f"sprint-{sprint.pk}-planning-team-{team_id}@{UID_DOMAIN}",
            stamp=stamp,
            last_modified=stamp,
            start=start,
            end=start + dt.timedelta(minutes=PLANNING_MINUTES),
            summary=f"Sprint {sprint.number} planning · {name} ({sprint.cycle.name})",
            description=(
                f"Plan sprint {sprint.number} ({sprint.start_date:%-d %b} – {sprint.end_date:%-d %b %Y}): "
                f"the key results behind pace first, with their initiatives.\n\n{url}"
            ),
            url=url,
            categories=["OKR"],
        )
        event.add("status", "CONFIRMED")
        events.append(event)
    return events


register_team_events(sprint_planning_events)
