"""Score: the end-of-cycle grade, read against the objective's ambition."""

import math
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from .constants import (
    AMBITION_ASPIRATIONAL,
    AMBITION_COMMITTED,
    AMBITIONS,
    BAND_GREEN,
    BAND_RED,
    BAND_YELLOW,
    VERDICT_MET,
    VERDICT_MISS,
    VERDICT_MISSED,
    VERDICT_PARTIAL,
    VERDICT_SUCCESS,
)
from .progress import Weighted, clamp01, weighted_mean

# Score bands, in tenths as scores are shown: 0.0-0.3 red, 0.4-0.6 yellow, 0.7-1.0 green.
YELLOW_FROM: Final = 0.4
GREEN_FROM: Final = 0.7


def round_half_up(value: float, places: int) -> float:
    """Round the way people do (0.65 -> 0.7), on the shortest decimal form of the float.

    Going through str() rounds what is printed: 0.35 is stored as 0.3499999..., and binary-exact
    rounding would turn it into 0.3.
    """
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def suggest_score(attainment: float | None) -> float:
    """Suggested 0.0-1.0 score in tenths from final attainment; None (never measured) is 0.0."""
    if attainment is None or math.isnan(attainment):
        return 0.0
    return round_half_up(clamp01(attainment), 1)


def scoring_started(*, today: date, cycle_start: date) -> bool:
    """A score says how a cycle went: before the cycle's first day there is nothing to suggest
    (a draft in a quarter still being planned is not "missed"). A score set by hand still shows."""
    return today >= cycle_start


def _check_ambition(ambition: str) -> None:
    if ambition not in AMBITIONS:
        raise ValueError(f"Unknown ambition {ambition!r}; expected one of {', '.join(AMBITIONS)}")


def score_band(score: float) -> str:
    """red, yellow or green for a score: the same bands for every OKR (PRODUCT.md section 3).

    Scores are read at one decimal, as people see them, so 0.95 counts as 1.0 and 0.35 as 0.4:
    0.0-0.3 red, 0.4-0.6 yellow, 0.7-1.0 green. Ambition does not move the bands; it changes the
    verdict (``score_verdict``).
    """
    shown = suggest_score(score)
    if shown >= GREEN_FROM:
        return BAND_GREEN
    return BAND_YELLOW if shown >= YELLOW_FROM else BAND_RED


def score_verdict(score: float, ambition: str) -> str:
    """What a score means for an OKR of this ambition, read at one decimal like the band.

    A committed OKR is a promise: it is met only at 1.0, anything less is missed. An aspirational
    one is a success from 0.7, partial from 0.4, else a miss.
    """
    _check_ambition(ambition)
    shown = suggest_score(score)
    if ambition == AMBITION_COMMITTED:
        return VERDICT_MET if shown >= 1.0 else VERDICT_MISSED
    if shown >= GREEN_FROM:
        return VERDICT_SUCCESS
    return VERDICT_PARTIAL if shown >= YELLOW_FROM else VERDICT_MISS


def objective_score(items: Sequence[Weighted]) -> float | None:
    """Weighted mean of key-result scores (in ``progress``), to two decimals; None when none count."""
    mean = weighted_mean(items)
    return None if mean is None else round_half_up(mean, 2)


_EXPECTATIONS = {
    AMBITION_COMMITTED: "Committed: met only at 1.0, anything less is missed",
    AMBITION_ASPIRATIONAL: "Aspirational: a success from 0.7, partial from 0.4, else a miss",
}
assert set(_EXPECTATIONS) == set(AMBITIONS)


def score_expectation(ambition: str) -> str:
    """One line telling how to read a score for this ambition."""
    _check_ambition(ambition)
    return _EXPECTATIONS[ambition]
