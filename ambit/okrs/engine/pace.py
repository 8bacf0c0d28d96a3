"""Pace and status: where a key result or objective stands against where it should be by now."""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from .constants import (
    STATUS_AT_RISK,
    STATUS_BEHIND,
    STATUS_CANCELLED,
    STATUS_CLOSED,
    STATUS_NOT_STARTED,
    STATUS_ON_TRACK,
    STATUS_STALE,
)
from .progress import clamp01

# Gaps are differences of floats (0.4 - 0.5 is -0.09999999999999998); this much slack puts a gap
# that is meant to sit exactly on a threshold on it.
GAP_EPSILON = 1e-9
DEFAULT_GRACE_DAYS = 3
# A Monday (ISO week 1 of 2024) from which bi-weekly check-in periods are counted, so the same
# fortnights are chosen every year (ISO week parity breaks at a 53-week year such as 2026).
PERIOD_ANCHOR = date(2024, 1, 1)


def checkin_period_start(day: date, cadence_days: int) -> date:
    """The Monday that begins the check-in period containing ``day``: the week's Monday for a
    weekly cadence, every other Monday counted from :data:`PERIOD_ANCHOR` for a bi-weekly one. The
    one rule for "checked in this period" (due), reminders and the calendar."""
    monday = day - timedelta(days=day.weekday())
    if cadence_days <= 7:
        return monday
    weeks = (monday - PERIOD_ANCHOR).days // 7
    return monday - timedelta(weeks=weeks % (cadence_days // 7))


def cycle_end_instant(end_date: date, tz: tzinfo) -> datetime:
    """The moment a cycle ends: the end of its last day, ``end_date`` being inclusive.

    That is the midnight (in ``tz``) that starts the day after. This is the one definition of the
    cycle's end: expected progress reaches 1 here and the forecast projects to here, so a key
    result on pace is expected at its target exactly where the forecast is read.
    """
    return datetime.combine(end_date + timedelta(days=1), time.min, tzinfo=tz)


def _instant(when: date) -> datetime:
    # A calendar date stands for the start of that day; a datetime is already an instant.
    return when if isinstance(when, datetime) else datetime.combine(when, time.min, tzinfo=UTC)


def _span(a: datetime, b: datetime) -> float:
    # total_seconds also keeps sub-day precision when datetimes are passed.
    return (b - a).total_seconds()


def expected_progress(
    *,
    start: date,
    end: date,
    on: date,
    checkpoints: Sequence[tuple[date, float]] = (),
) -> float:
    """Share of progress expected by ``on``, in [0, 1].

    Dates are calendar days: ``start`` and ``on`` (and checkpoint dates) stand for the start of
    their day, and ``end`` is the cycle's last day, inclusive, so the period runs to
    ``cycle_end_instant(end)`` — the same end the forecast projects to. Datetimes are instants
    taken as given (``end`` then being the instant the period ends).

    Without checkpoints this is the elapsed share of the period. Checkpoints are the key result's
    own plan: (date, expected progress) pairs, interpolated linearly between (start, 0), the
    checkpoints by date and (end of the last day, 1). Checkpoints outside the open period are
    ignored because the period's ends are fixed at 0 and 1; for a repeated date the last one wins;
    values are clamped to [0, 1].
    """
    if end < start:
        raise ValueError(f"end ({end}) is before start ({start})")
    begin = _instant(start)
    finish = end if isinstance(end, datetime) else cycle_end_instant(end, UTC)
    at = _instant(on)
    if at >= finish:
        return 1.0
    if at <= begin:
        return 0.0
    plan: dict[datetime, float] = {}
    for when, value in checkpoints:
        if begin < _instant(when) < finish:
            plan[_instant(when)] = clamp01(value)
    points = [(begin, 0.0), *sorted(plan.items()), (finish, 1.0)]
    for (d0, v0), (d1, v1) in itertools.pairwise(points):
        if at <= d1:
            value = v0 + (v1 - v0) * _span(d0, at) / _span(d0, d1)
            # Rounding can step an ulp past the segment's end, which would break monotonicity.
            return min(max(value, min(v0, v1)), max(v0, v1))
    return 1.0  # unreachable: at < finish and the last point is finish


@dataclass(frozen=True)
class PaceThresholds:
    """Gap (actual - expected) limits: gap >= on_track is on track, gap >= at_risk is at risk."""

    on_track: float = -0.10
    at_risk: float = -0.25

    def __post_init__(self) -> None:
        if not self.on_track <= 0:
            raise ValueError(f"on_track must be 0 or below, got {self.on_track!r}")
        if not self.at_risk <= self.on_track:
            raise ValueError(f"at_risk must not be above on_track ({self.on_track!r}), got {self.at_risk!r}")


DEFAULT_THRESHOLDS = PaceThresholds()


def pace_status(*, progress: float, expected: float, thresholds: PaceThresholds = DEFAULT_THRESHOLDS) -> str:
    """on_track, at_risk or behind from the gap between actual and expected progress."""
    gap = progress - expected
    if gap >= thresholds.on_track - GAP_EPSILON:
        return STATUS_ON_TRACK
    if gap >= thresholds.at_risk - GAP_EPSILON:
        return STATUS_AT_RISK
    return STATUS_BEHIND


def plan_start(*, explicit: date | None, cycle_start: date, cycle_end: date, created: date) -> date:
    """The day a key result's or objective's plan begins (PRODUCT.md section 3).

    By default the later of the cycle start and the day it was created: something added mid-cycle
    is judged from when it existed, not against a pace that began before it. An explicit plan
    start wins. Either way it lies within the cycle, so its plan has at least its last day.
    """
    chosen = explicit if explicit is not None else max(cycle_start, created)
    return min(max(chosen, cycle_start), cycle_end)


def is_stale(
    *,
    last_checkin_at: datetime | None,
    active_since: datetime,
    now: datetime,
    cadence_days: int,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> bool:
    """True when nothing was heard for longer than the check-in cadence plus the grace period.

    The clock runs from the latest of the last check-in and ``active_since`` (the start of the
    key result's plan, never before the cycle start): a reading from before the plan began does
    not make it stale on its second day, and silence is never green. Exactly cadence + grace days
    is not yet stale.
    """
    if cadence_days < 1:
        raise ValueError(f"cadence_days must be at least 1, got {cadence_days!r}")
    if grace_days < 0:
        raise ValueError(f"grace_days must not be negative, got {grace_days!r}")
    since = active_since if last_checkin_at is None else max(last_checkin_at, active_since)
    return now - since > timedelta(days=cadence_days + grace_days)


def kr_status(
    *,
    cancelled: bool,
    closed: bool,
    has_checkin: bool,
    stale: bool,
    progress: float,
    expected: float,
    thresholds: PaceThresholds = DEFAULT_THRESHOLDS,
) -> str:
    """Status of a key result: cancelled, closed, stale, pace (once checked in), else not_started."""
    if cancelled:
        return STATUS_CANCELLED
    if closed:
        return STATUS_CLOSED
    if stale:
        return STATUS_STALE
    if has_checkin:
        return pace_status(progress=progress, expected=expected, thresholds=thresholds)
    return STATUS_NOT_STARTED


def objective_status(
    *,
    cancelled: bool,
    closed: bool,
    kr_statuses: Sequence[str],
    progress: float,
    expected: float,
    thresholds: PaceThresholds = DEFAULT_THRESHOLDS,
) -> str:
    """Status of an objective from its own state and its key results' statuses.

    Precedence: cancelled; closed; stale when every non-cancelled key result is stale (and there
    is at least one); not_started when no non-cancelled key result has been checked in (all are
    not_started, or there are none); otherwise the pace status of the objective's progress.

    Silence is never green: when any non-cancelled key result is stale, an objective whose pace
    would read on_track is reported at_risk instead, because its progress rests on numbers nobody
    has confirmed lately.
    """
    if cancelled:
        return STATUS_CANCELLED
    if closed:
        return STATUS_CLOSED
    live = [s for s in kr_statuses if s != STATUS_CANCELLED]
    if live and all(s == STATUS_STALE for s in live):
        return STATUS_STALE
    if all(s == STATUS_NOT_STARTED for s in live):
        return STATUS_NOT_STARTED
    status = pace_status(progress=progress, expected=expected, thresholds=thresholds)
    if status == STATUS_ON_TRACK and STATUS_STALE in live:
        return STATUS_AT_RISK
    return status
