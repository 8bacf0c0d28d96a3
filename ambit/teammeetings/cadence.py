"""When teams hold their check-in: every two weeks on the sprint boundaries of the running cycle.

The rhythm starts on the cycle's first sprint start (its own start when it has no sprints), moved
to the Monday after when that falls on a weekend, and repeats every :data:`CADENCE_DAYS` until the
cycle's last day, at :data:`MEETING_HOUR` local time. With two-week sprints (the charter's default)
that is every sprint boundary; with one-week sprints every other one. The calendar feeds
(``feeds``) and the day-before reminder (``reminders``) read the same days from here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Min

from ambit.okrs.models import Cycle, CycleKind, CycleState

CADENCE_DAYS = 14
MEETING_HOUR = 10  # local time, organisation's time zone
MEETING_MINUTES = 45
FIRST_LOOK_BACK_DAYS = 14  # a team's first meeting looks back two weeks


@dataclass(frozen=True)
class Rhythm:
    """The check-in days of one running cycle."""

    cycle: Cycle
    anchor: dt.date  # the first meeting day

    def days(self) -> list[dt.date]:
        return meeting_days(anchor=self.anchor, end=self.cycle.end_date)

    def next_on(self, on: dt.date) -> dt.date | None:
        return next_meeting_day(anchor=self.anchor, on=on, end=self.cycle.end_date)


def anchor_day(first_sprint_start: dt.date) -> dt.date:
    """The first meeting day: the first sprint's start, or the Monday after a weekend start."""
    weekday = first_sprint_start.weekday()
    return first_sprint_start + dt.timedelta(days=7 - weekday) if weekday >= 5 else first_sprint_start


def meeting_days(*, anchor: dt.date, end: dt.date) -> list[dt.date]:
    """Every check-in day from ``anchor`` to ``end`` (inclusive), two weeks apart."""
    if end < anchor:
        return []
    count = (end - anchor).days // CADENCE_DAYS + 1
    return [anchor + dt.timedelta(days=CADENCE_DAYS * i) for i in range(count)]


def next_meeting_day(*, anchor: dt.date, on: dt.date, end: dt.date) -> dt.date | None:
    """The first check-in day on or after ``on``, or None when the cycle has no more."""
    if on <= anchor:
        return anchor if anchor <= end else None
    steps = -(-(on - anchor).days // CADENCE_DAYS)  # ceiling division
    day = anchor + dt.timedelta(days=CADENCE_DAYS * steps)
    return day if day <= end else None


def rhythm_of(*, organisation_id: int, on: dt.date) -> Rhythm | None:
    """The rhythm of the cycle the organisation works in on ``on``: its active non-annual cycle
    covering that day (one query, with its first sprint's start); None when there is none."""
    cycle = (
        Cycle.objects.filter(
            organisation_id=organisation_id, state=CycleState.ACTIVE, start_date__lte=on, end_date__gte=on
        )
        .exclude(kind=CycleKind.ANNUAL)
        .annotate(first_sprint=Min("sprints__start_date"))
        .order_by("-start_date", "pk")
        .first()
    )
    if cycle is None:
        return None
    first: dt.date = getattr(cycle, "first_sprint", None) or cycle.start_date
    return Rhythm(cycle=cycle, anchor=anchor_day(first))
