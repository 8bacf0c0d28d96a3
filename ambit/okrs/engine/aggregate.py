"""Aggregates: every number made from other numbers, defined once (PRODUCT.md section 3).

Pages, the API, exports and digests call these and never average for themselves, so the tree,
the strategy page, the dashboard and the API cannot show two numbers for the same thing.

- An objective's progress is the weighted mean of its live key results (``objective_progress``).
- A key result fed by duality children takes the plain mean of those children
  (``duality_progress``, beside ``rollup`` in ``progress``, re-exported here).
- Everything above an objective — its supporters, a team, a big move, the organisation — is the
  plain mean of the progress of the objectives it covers: objectives carry no weight of their own,
  so each counts once. Which objectives each covers is the caller's (a selector's) business; the
  arithmetic is here.
- The objective forecast is the weighted mean of its live key results' forecasts.

Sums use ``math.fsum`` (exactly rounded), so the result does not depend on the order in which a
surface happens to list the objectives: two surfaces given the same numbers get the same bits.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .progress import Weighted, clamp01, duality_progress, weighted_mean

__all__ = [
    "KRForecast",
    "big_move_progress",
    "duality_progress",
    "mean",
    "mean_confidence",
    "objective_forecast",
    "organisation_progress",
    "supporters_progress",
    "team_progress",
]


def mean(values: Iterable[float]) -> float | None:
    """Plain mean, None for no values; never outside the range of the values, whatever the order."""
    vals = list(values)
    if not vals:
        return None
    result = math.fsum(vals) / len(vals)
    return min(max(vals), max(min(vals), result))


def _progress_mean(progress: Iterable[float]) -> float | None:
    return mean(clamp01(p) for p in progress)


def supporters_progress(children_progress: Iterable[float]) -> float | None:
    """What the supporting work says about an objective: the mean progress of its children
    (classic and duality alike), shown beside its own progress; None without children."""
    return _progress_mean(children_progress)


def team_progress(objective_progress: Iterable[float]) -> float | None:
    """A team's progress: the mean progress of the live objectives it is given (its own, or its
    whole subtree's for a roll-up over teams below it); None without objectives."""
    return _progress_mean(objective_progress)


def big_move_progress(top_objective_progress: Iterable[float]) -> float | None:
    """A big move's progress: the mean progress of the top objectives it themes — the roots of the
    alignment tree. Objectives aligned below them reach the big move through their parents'
    roll-up (per the charter's blend), so counting them again would weigh them twice."""
    return _progress_mean(top_objective_progress)


def organisation_progress(objective_progress: Iterable[float]) -> float | None:
    """The organisation's headline: the mean progress of every live objective of the cycle shown."""
    return _progress_mean(objective_progress)


def mean_confidence(confidences: Iterable[float]) -> float | None:
    """An objective's confidence: the plain mean of its live key results' confidence (the
    owners' judgement is not weighted by how much each key result counts toward progress)."""
    return mean(float(c) for c in confidences)


@dataclass(frozen=True)
class KRForecast:
    """A key result as the objective forecast sees it: its weight, its progress today and its
    projected end-of-cycle progress (None: too early to forecast)."""

    weight: float
    progress: float
    forecast: float | None = None
    cancelled: bool = False


def objective_forecast(key_results: Sequence[KRForecast]) -> float | None:
    """Where an objective is on course to land: the weighted mean over its live key results of
    each one's forecast progress, a key result without a forecast counting at its progress today.

    None when no live key result has a forecast yet (an objective is never forecast from today's
    numbers alone) or none carries weight. Cancelled key results drop out, as for progress."""
    live = [kr for kr in key_results if not kr.cancelled]
    if not any(kr.forecast is not None for kr in live):
        return None
    return weighted_mean(
        [Weighted(clamp01(kr.forecast if kr.forecast is not None else kr.progress), kr.weight) for kr in live]
    )
