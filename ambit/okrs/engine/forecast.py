"""Forecast: project the check-ins to the end of the cycle ("on course to land at 0.55").

A straight line through a few readings can say anything: three check-ins seconds apart once
projected a 0→100 key result to 173,931,278, and a reading dated before the cycle pulled another
below zero. Four rules keep the projection to what the history can support (PRODUCT.md section 3):

1. **One reading per calendar day** (``daily_readings``): the last of each day, a correction
   standing in for the reading it corrects. Readings outside the cycle are moved to its nearest
   edge, so nothing is extrapolated from before the start (or read from after the end).
2. **Enough history** (``MIN_FORECAST_SPAN_DAYS``): until the readings used span that many days
   the answer is ``Forecast.too_early()``, never a number.
3. **The cycle-start anchor** (the start value at the cycle's first instant) counts as a reading
   only when the key result existed on the cycle's first day: one created mid-cycle was never at
   its start value on day 0, and anchoring it there invents a slope.
4. **A plausible landing** (``plausible_range``): the projected value is clamped to the values the
   key result can plausibly reach, so its progress is always in [0, 1].

The horizon is the end of the cycle's last day (``pace.cycle_end_instant``), the same moment
expected progress reaches 1.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from .constants import (
    FORECAST_FLAT,
    FORECAST_FROM_START,
    FORECAST_LINEAR_FIT,
    KIND_BINARY,
    KIND_DECREASE,
    KIND_INCREASE,
    KIND_MILESTONES,
    KR_KINDS,
)
from .progress import clamp01, kr_attainment, kr_progress
from .scoring import suggest_score

# The default check-in cadence is weekly: a week between the first and last daily reading is one
# full cadence of history. Over less, day-to-day noise is most of the slope, and stretching it
# across a 90-day quarter multiplies that noise more than twelve times. Distinct days alone are
# not enough (three readings on consecutive days still span two days), so the rule is a span.
MIN_FORECAST_SPAN_DAYS: Final = 7
# From this many daily readings (spanning the minimum) the readings speak for themselves and the
# start value no longer joins the fit; with fewer, the start value steadies the line.
MIN_READINGS_ALONE: Final = 3
# How far past either end of its plan a key result can plausibly land, in planned distances:
# an increase 0→100 lands in [-100, 200] (attainment -1 to 2), never past zero (see below).
PLAUSIBLE_MARGIN: Final = 1.0

FORECAST_TOO_EARLY: Final = "too_early"
FORECAST_TOO_EARLY_TEXT: Final = "Too early to forecast"

_DAY = 86400.0
# A projection this close to a whole milestone (or to done) counts as reaching it.
_SNAP = 1e-9


@dataclass(frozen=True)
class Reading:
    """One check-in as the forecast sees it. ``id`` and ``corrects`` (the id of the reading this
    one corrects) let a correction replace what it corrects instead of counting twice."""

    at: datetime
    value: float
    id: int | None = None
    corrects: int | None = None


@dataclass(frozen=True)
class Forecast:
    """Where a key result is on course to land. A projection has every number and a ``method``;
    a key result whose history is still too short has none and ``reason`` says why."""

    end_value: float | None
    attainment: float | None
    progress: float | None
    score: float | None
    method: str | None
    reason: str | None = None

    def __post_init__(self) -> None:
        # The projected score is the projected progress read through the score rule, and nothing
        # else: a surface showing "75 %" and "score 0.8" shows two readings of one number.
        if self.score != (None if self.progress is None else suggest_score(self.progress)):
            raise ValueError(
                f"A forecast's score is suggest_score(progress): {self.score!r} given for progress {self.progress!r}"
            )

    @classmethod
    def landing(cls, end_value: float | None, attainment: float | None, progress: float, method: str) -> "Forecast":
        """A projection: its score is ``suggest_score(progress)``, the score rule applied to the
        projected progress (so a value key result projected past its target scores 1.0, one
        projected below its start 0.0), the same tenths every surface shows."""
        return cls(end_value, attainment, progress, suggest_score(progress), method)

    @classmethod
    def too_early(cls) -> "Forecast":
        return cls(None, None, None, None, None, FORECAST_TOO_EARLY)

    @property
    def is_too_early(self) -> bool:
        return self.reason == FORECAST_TOO_EARLY

    @property
    def note(self) -> str | None:
        """What surfaces show instead of a number, or None when there is a number."""
        return FORECAST_TOO_EARLY_TEXT if self.is_too_early else None


def _day(when: datetime, zone_of: datetime) -> date:
    return when.astimezone(zone_of.tzinfo).date() if zone_of.tzinfo is not None else when.date()


def _as_reading(point: "Reading | tuple[datetime, float]") -> Reading:
    return point if isinstance(point, Reading) else Reading(point[0], float(point[1]))


def _corrected(readings: Sequence[Reading]) -> list[tuple[datetime, float]]:
    """(time, value) oldest first, a correction's value put in place of the reading it corrects
    (through chains of corrections); a correction of a reading not given counts on its own."""
    order = sorted(range(len(readings)), key=lambda i: (readings[i].at, i))
    slots: list[tuple[datetime, float]] = []
    slot_of: dict[int, int] = {}
    for i in order:
        reading = readings[i]
        if reading.corrects is not None and reading.corrects in slot_of:
            slot = slot_of[reading.corrects]
            slots[slot] = (slots[slot][0], reading.value)
        else:
            slot = len(slots)
            slots.append((reading.at, reading.value))
        if reading.id is not None:
            slot_of[reading.id] = slot
    return slots


def daily_readings(
    points: Sequence["Reading | tuple[datetime, float]"], *, cycle_start: datetime, cycle_end: datetime
) -> list[tuple[datetime, float]]:
    """One (time, value) per calendar day of ``cycle_start``'s time zone, oldest first.

    Each day keeps its last reading (among readings at one instant, the one given last).
    Corrections replace what they correct; non-finite values are dropped; times outside
    [cycle_start, cycle_end] are moved to that edge, so readings from before the cycle become
    one reading on its first day (the latest of them, unless the first day has its own).
    """
    by_day: dict[date, tuple[datetime, float]] = {}
    for when, value in _corrected([_as_reading(p) for p in points]):
        if not math.isfinite(value):
            continue
        moved = min(max(when, cycle_start), cycle_end)
        by_day[_day(moved, cycle_start)] = (moved, value)
    return [by_day[d] for d in sorted(by_day)]


def plausible_range(
    kind: str,
    *,
    start: float | None,
    target: float | None,
    readings: Sequence[float],
    stretch: float | None = None,
) -> tuple[float, float]:
    """The lowest and highest value a value key result can plausibly end the cycle at.

    - Increase/decrease with a distance to travel: from start, ``PLAUSIBLE_MARGIN`` planned
      distances backwards to that many beyond the goal (the stretch target if set, else the
      target); for 0→100, [-100, 200].
    - Otherwise (stay kinds, or no distance, start or target): the span of the known values
      (start, target, stretch) and the readings, widened by ``PLAUSIBLE_MARGIN`` times its own
      width on each side.
    - Either way the latest reading is inside: a key result can land where it already is.
    - Zero is not crossed when the plan and the latest reading all sit on one side of it: a
      count that starts and aims at or above zero does not end negative.
    """
    latest = readings[-1] if readings else None
    goal = stretch if stretch is not None else target
    if kind in (KIND_INCREASE, KIND_DECREASE) and start is not None and goal is not None and goal != start:
        reach = goal - start
        low, high = sorted((start - PLAUSIBLE_MARGIN * reach, goal + PLAUSIBLE_MARGIN * reach))
        known = [start, goal] if latest is None else [start, goal, latest]
    else:
        known = [v for v in (start, target, stretch) if v is not None] + list(readings)
        if not known:
            return -math.inf, math.inf
        width = max(known) - min(known)
        low, high = min(known) - PLAUSIBLE_MARGIN * width, max(known) + PLAUSIBLE_MARGIN * width
    low, high = min([low, *known]), max([high, *known])
    if min(known) >= 0:
        low = max(low, 0.0)
    if max(known) <= 0:
        high = min(high, 0.0)
    return low, high


def _least_squares_at(points: Sequence[tuple[float, float]], at: float) -> float:
    n = len(points)
    mean_x = math.fsum(x for x, _ in points) / n
    mean_y = math.fsum(y for _, y in points) / n
    sxx = math.fsum((x - mean_x) ** 2 for x, _ in points)
    sxy = math.fsum((x - mean_x) * (y - mean_y) for x, y in points)
    return mean_y + (sxy / sxx) * (at - mean_x)


def _span_days(points: Sequence[tuple[datetime, float]], cycle_start: datetime) -> int:
    return (_day(points[-1][0], cycle_start) - _day(points[0][0], cycle_start)).days


def _fit_points(
    daily: list[tuple[datetime, float]], anchor: tuple[datetime, float] | None, cycle_start: datetime
) -> tuple[list[tuple[datetime, float]], str] | None:
    """The readings the line goes through and the method's name; None when the history is too
    short. Enough readings alone come first; then the start anchor with the readings; then two
    readings alone far enough apart."""
    alone_span = _span_days(daily, cycle_start)
    if len(daily) >= MIN_READINGS_ALONE and alone_span >= MIN_FORECAST_SPAN_DAYS:
        return daily, FORECAST_LINEAR_FIT
    if anchor is not None and _day(daily[0][0], cycle_start) != _day(anchor[0], cycle_start):
        anchored = [anchor, *daily]
        if _span_days(anchored, cycle_start) >= MIN_FORECAST_SPAN_DAYS:
            return anchored, FORECAST_FROM_START
    if len(daily) >= 2 and alone_span >= MIN_FORECAST_SPAN_DAYS:
        return daily, FORECAST_LINEAR_FIT
    return None


def _project(
    start: float | None,
    *,
    cycle_start: datetime,
    cycle_end: datetime,
    created_at: datetime | None,
    daily: list[tuple[datetime, float]],
) -> tuple[float, str] | None:
    """The raw value at ``cycle_end`` and the method, or None when it is too early. ``daily`` is
    not empty. Once a reading stands at the cycle's end the cycle is over: that reading is the
    landing, carried flat."""
    latest_at, latest = daily[-1]
    if latest_at >= cycle_end:
        return latest, FORECAST_FLAT
    existed = created_at is not None and _day(created_at, cycle_start) <= _day(cycle_start, cycle_start)
    anchor = (cycle_start, start) if existed and start is not None else None
    chosen = _fit_points(daily, anchor, cycle_start)
    if chosen is None:
        return None
    points, method = chosen
    xy = [((when - cycle_start).total_seconds() / _DAY, value) for when, value in points]
    projected = _least_squares_at(xy, (cycle_end - cycle_start).total_seconds() / _DAY)
    # Only readings near the float limits overflow the fit; the latest reading is then the best guess.
    return (projected if math.isfinite(projected) else latest), method


def forecast(
    *,
    kind: str,
    start: float | None,
    target: float | None,
    cycle_start: datetime,
    cycle_end: datetime,
    points: Sequence[Reading | tuple[datetime, float]],
    milestones_total: int = 0,
    stretch: float | None = None,
    created_at: datetime | None = None,
) -> Forecast | None:
    """Where a key result is on course to land at ``cycle_end``; None without any check-in,
    ``Forecast.too_early()`` while the history is too short to project.

    ``cycle_end`` is ``pace.cycle_end_instant(last day, tz)``; ``cycle_start`` is the local
    midnight of the first day, whose time zone also defines the calendar days readings are
    grouped by. ``created_at`` is when the key result was created (None: unknown, so the start
    value never anchors the line).

    Value kinds project the measured value, clamp it to ``plausible_range`` and read it like a
    final check-in (stay kinds apply their band, so their progress is 0 or 1). Milestones and
    binary project progress (points in [0, 1], starting from 0) clamped to [0, 1]; progress and
    attainment then count only what would be finished: with ``milestones_total`` the milestones
    completed (assuming equal weights), for binary whether the projection reaches done.
    """
    return forecast_daily(
        kind=kind,
        start=start,
        target=target,
        cycle_start=cycle_start,
        cycle_end=cycle_end,
        daily=daily_readings(points, cycle_start=cycle_start, cycle_end=cycle_end),
        milestones_total=milestones_total,
        stretch=stretch,
        created_at=created_at,
    )


def forecast_daily(
    *,
    kind: str,
    start: float | None,
    target: float | None,
    cycle_start: datetime,
    cycle_end: datetime,
    daily: list[tuple[datetime, float]],
    milestones_total: int = 0,
    stretch: float | None = None,
    created_at: datetime | None = None,
) -> Forecast | None:
    """:func:`forecast` from the daily readings already made (``daily_readings``, or
    ``daily.DailyState.daily`` kept between writes): the same answer for the same readings."""
    _check(kind, cycle_start, cycle_end)
    return _from_daily(
        kind=kind,
        start=start,
        target=target,
        cycle_start=cycle_start,
        cycle_end=cycle_end,
        daily=daily,
        milestones_total=milestones_total,
        stretch=stretch,
        created_at=created_at,
    )


def _check(kind: str, cycle_start: datetime, cycle_end: datetime) -> None:
    if kind not in KR_KINDS:
        raise ValueError(f"Unknown key-result kind {kind!r}; expected one of {', '.join(KR_KINDS)}")
    if cycle_end <= cycle_start:
        raise ValueError(f"cycle_end ({cycle_end}) must be after cycle_start ({cycle_start})")


def _from_daily(
    *,
    kind: str,
    start: float | None,
    target: float | None,
    cycle_start: datetime,
    cycle_end: datetime,
    daily: list[tuple[datetime, float]],
    milestones_total: int,
    stretch: float | None,
    created_at: datetime | None,
) -> Forecast | None:
    if not daily:
        return None
    progress_kind = kind in (KIND_MILESTONES, KIND_BINARY)
    raw = _project(
        0.0 if progress_kind else start,
        cycle_start=cycle_start,
        cycle_end=cycle_end,
        created_at=created_at,
        daily=daily,
    )
    if raw is None:
        return Forecast.too_early()
    projected, method = raw
    if progress_kind:
        end_value = clamp01(projected)
        if kind == KIND_BINARY:
            progress = 1.0 if end_value >= 1.0 - _SNAP else 0.0
        elif milestones_total > 0:
            progress = math.floor(end_value * milestones_total + _SNAP) / milestones_total
        else:
            progress = end_value
        return Forecast.landing(end_value, progress, progress, method)
    low, high = plausible_range(
        kind, start=start, target=target, stretch=stretch, readings=[value for _, value in daily]
    )
    end_value = min(max(projected, low), high)
    attainment = kr_attainment(kind, start=start, target=target, current=end_value)
    progress = kr_progress(kind, start=start, target=target, current=end_value)
    return Forecast.landing(end_value, attainment, progress, method)
