"""Score: the end-of-cycle grade, read against the objective's ambition."""

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from .constants import (
    AMBITION_ASPIRATIONAL,
    AMBITION_COMMITTED,
    AMBITIONS,
    BAND_GREEN,
    BAND_RED,
    BAND_YELLOW,
)
from .progress import Weighted, clamp01, weighted_mean


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


def _check_ambition(ambition: str) -> None:
    if ambition not in AMBITIONS:
        raise ValueError(f"Unknown ambition {ambition!r}; expected one of {', '.join(AMBITIONS)}")


def score_band(score: float, ambition: str) -> str:
    """red, yellow or green for a score, read against the ambition.

    Scores are read at one decimal, as people see them, so 0.95 counts as 1.0 and 0.35 as 0.4.
    Aspirational: 0.0-0.3 red, 0.4-0.6 yellow, 0.7-1.0 green. Committed (expected at 1.0):
    1.0 green, 0.7-0.9 yellow, below 0.7 red.
    """
    _check_ambition(ambition)
    shown = suggest_score(score)
    if ambition == AMBITION_COMMITTED:
        if shown >= 1.0:
            return BAND_GREEN
        return BAND_YELLOW if shown >= 0.7 else BAND_RED
    if shown >= 0.7:
        return BAND_GREEN
    return BAND_YELLOW if shown >= 0.4 else BAND_RED


def objective_score(items: Sequence[Weighted]) -> float | None:
    """Weighted mean of key-result scores (in ``progress``), to two decimals; None when none count."""
    mean = weighted_mean(items)
    return None if mean is None else round_half_up(mean, 2)


_EXPECTATIONS = {
    AMBITION_COMMITTED: "Committed: expected to land at 1.0",
    AMBITION_ASPIRATIONAL: "Aspirational: success is 0.6-0.7 (0.0-0.3 red, 0.4-0.6 yellow, 0.7-1.0 green)",
}
assert set(_EXPECTATIONS) == set(AMBITIONS)


def score_expectation(ambition: str) -> str:
    """One line telling how to read a score for this ambition."""
    _check_ambition(ambition)
    return _EXPECTATIONS[ambition]
