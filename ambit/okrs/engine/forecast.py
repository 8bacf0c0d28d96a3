"""Forecast: project the check-ins to the end of the cycle ("on course to land at 0.55")."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .constants import (
    FORECAST_FLAT,
    FORECAST_FROM_START,
    FORECAST_LINEAR_FIT,
    KIND_BINARY,
    KIND_MILESTONES,
    KR_KINDS,
)
from .progress import clamp01, kr_attainment, kr_progress
from .scoring import suggest_score

_DAY = 86400.0
# A projection this close to a whole milestone (or to done) counts as reaching it.
_SNAP = 1e-9


@dataclass(frozen=True)
class Forecast:
    end_value: float
    attainment: float | None
    progress: float
    score: float
    method: str


def _least_squares_at(xs: Sequence[float], ys: Sequence[float], at: float) -> float:
    n = len(xs)
    mean_x = sum(xs) / n
    mean_y = sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return mean_y + (sxy / sxx) * (at - mean_x)


def _project(
    start: float | None,
    cycle_start: datetime,
    cycle_end: datetime,
    points: Sequence[tuple[datetime, float]],
) -> tuple[float, str]:
    """Value at cycle_end and the method used; ``points`` is not empty.

    With one or two points the cycle's start value anchors the line, since two readings alone
    swing wildly; from three on the readings speak for themselves. Whenever the chosen line is
    undefined (all readings at one instant, or a lone reading with nothing to anchor it) the
    latest reading is carried forward flat.
    """
    xs = [(when - cycle_start).total_seconds() / _DAY for when, _ in points]
    ys = [value for _, value in points]
    at = (cycle_end - cycle_start).total_seconds() / _DAY
    # Latest by time; among readings at the same instant the one given last wins.
    latest = max(range(len(points)), key=lambda i: (xs[i], i))
    flat = (ys[latest], FORECAST_FLAT)
    if len(set(xs)) == 1 and len(points) > 1:
        return flat
    if len(points) >= 3:
        return _least_squares_at(xs, ys, at), FORECAST_LINEAR_FIT
    if start is None:
        # Nothing to anchor: two distinct readings still define a line, one does not.
        return (_least_squares_at(xs, ys, at), FORECAST_LINEAR_FIT) if len(points) == 2 else flat
    anchored_xs = [0.0, *xs]
    if len(set(anchored_xs)) == 1:
        return flat
    return _least_squares_at(anchored_xs, [start, *ys], at), FORECAST_FROM_START


def forecast(
    *,
    kind: str,
    start: float | None,
    target: float | None,
    cycle_start: datetime,
    cycle_end: datetime,
    points: Sequence[tuple[datetime, float]],
    milestones_total: int = 0,
) -> Forecast | None:
    """Where a key result is on course to land at ``cycle_end``; None without any check-in.

    Value kinds project the measured value and read it like a final check-in (stay kinds apply
    their band to the projection). Milestones and binary project progress (points in [0, 1],
    starting from 0); ``end_value`` is that projection clamped. Progress and attainment then
    count only what would be finished: with ``milestones_total`` the milestones completed
    (assuming equal weights), for binary whether the projection reaches done.
    """
    if kind not in KR_KINDS:
        raise ValueError(f"Unknown key-result kind {kind!r}; expected one of {', '.join(KR_KINDS)}")
    if not points:
        return None
    if kind in (KIND_MILESTONES, KIND_BINARY):
        projected, method = _project(0.0, cycle_start, cycle_end, points)
        end_value = clamp01(projected)
        if kind == KIND_BINARY:
            progress = 1.0 if end_value >= 1.0 - _SNAP else 0.0
        elif milestones_total > 0:
            progress = math.floor(end_value * milestones_total + _SNAP) / milestones_total
        else:
            progress = end_value
        return Forecast(end_value, progress, progress, suggest_score(progress), method)
    end_value, method = _project(start, cycle_start, cycle_end, points)
    attainment = kr_attainment(kind, start=start, target=target, current=end_value)
    progress = kr_progress(kind, start=start, target=target, current=end_value)
    return Forecast(end_value, attainment, progress, suggest_score(attainment), method)
