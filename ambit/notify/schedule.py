"""When a periodic notification is due: pure time arithmetic over zoneinfo, no database.

A charter says "Friday at 10:00, Europe/Berlin, every week" (or every other week). The moment of a
period is that weekday and hour on the local wall clock, whatever the UTC offset that day (so a
Berlin reminder is at 10:00 in summer and in winter). Bi-weekly periods are counted from a fixed
Monday (the engine's ``PERIOD_ANCHOR``), so the same weeks are chosen every time, whatever the date the scheduler
first ran; the reminder falls in the second week of its period (like a weekly reminder, late in
the period it nudges about).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from ambit.okrs.engine import checkin_period_start


@dataclass(frozen=True)
class Moment:
    """One period's occurrence: when it falls (aware, UTC) and the local day that names it."""

    at: dt.datetime
    local_day: dt.date
    period_start: dt.date  # the Monday the period begins on


def zone(name: str | None) -> zoneinfo.ZoneInfo:
    """The time zone called ``name``; UTC when blank or unknown (a typo in a charter must not stop
    every other organisation's notifications)."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def period_start(day: dt.date, cadence_days: int) -> dt.date:
    """The Monday that begins the check-in period containing ``day`` (the engine's one rule)."""
    return checkin_period_start(day, cadence_days)


def _moment_in(start: dt.date, *, weekday: int, hour: int, tz: zoneinfo.ZoneInfo, cadence_days: int) -> Moment:
    weeks = max(cadence_days // 7, 1)
    day = start + dt.timedelta(weeks=weeks - 1, days=weekday)
    local = dt.datetime.combine(day, dt.time(hour), tzinfo=tz)
    # A wall-clock hour skipped by a spring-forward change is read with the offset before it
    # (02:30 becomes 03:30 local); a repeated one (autumn) is its first occurrence.
    return Moment(at=local.astimezone(dt.UTC), local_day=day, period_start=start)


def due_moment(
    now: dt.datetime, *, weekday: int, hour: int, time_zone: str | None, cadence_days: int = 7
) -> Moment | None:
    """The current period's moment when it has passed at ``now``, else None. A scheduler that was
    down catches up with this period's notification only: older periods are never produced late."""
    tz = zone(time_zone)
    start = period_start(now.astimezone(tz).date(), cadence_days)
    moment = _moment_in(start, weekday=weekday, hour=hour, tz=tz, cadence_days=cadence_days)
    return moment if moment.at <= now else None
