"""Confidence: the owner's judgement, stored as an int 0-10 whatever scale the organisation shows."""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from .constants import (
    BAND_GREEN,
    BAND_RED,
    BAND_YELLOW,
    CONFIDENCE_SCALES,
    SCALE_0_1,
    SCALE_0_10,
    SCALE_RAG,
    WARNING_DROP,
    WARNING_LOW,
)

DEFAULT_CONFIDENCE: Final = 5  # Radical Focus: a new key result is a coin toss.
MIN_CONFIDENCE: Final = 0
MAX_CONFIDENCE: Final = 10
LOW_CONFIDENCE_BELOW: Final = 4
DROP_WARNING_AT: Final = 2
GREEN_FROM: Final = 7
# What each colour means when someone answers on the red/yellow/green scale.
RAG_VALUES: Final[dict[str, int]] = {BAND_RED: 2, BAND_YELLOW: 5, BAND_GREEN: 8}


def _check_stored(value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_CONFIDENCE <= value <= MAX_CONFIDENCE:
        raise ValueError(f"Stored confidence must be a whole number from 0 to 10, got {value!r}")


def _check_scale(scale: str) -> None:
    if scale not in CONFIDENCE_SCALES:
        allowed = ", ".join(CONFIDENCE_SCALES)
        raise ValueError(f"Unknown confidence scale {scale!r}; expected one of {allowed}")


def to_scale(value: int, scale: str) -> float | str:
    """Show a stored 0-10 confidence on the organisation's scale."""
    _check_scale(scale)
    _check_stored(value)
    if scale == SCALE_0_10:
        return value
    if scale == SCALE_0_1:
        return round(value / 10, 1)
    if value < LOW_CONFIDENCE_BELOW:
        return BAND_RED
    if value < GREEN_FROM:
        return BAND_YELLOW
    return BAND_GREEN


def _number(raw: str | float | int, message: str) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError(message)
    if isinstance(raw, float) and not math.isfinite(raw):
        raise ValueError(message)
    try:
        # str() keeps what the user typed (0.35 stays 0.35, not its binary neighbour).
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError(message) from None
    if not number.is_finite():
        raise ValueError(message)
    return number


def from_scale(raw: str | float | int, scale: str) -> int:
    """Parse a confidence typed on ``scale`` into the stored 0-10 int.

    "0-10" takes whole numbers 0..10 ("7" or 7.0 is fine, 7.5 is not); "0-1" takes 0.0..1.0 and
    rounds half up to the nearest tenth (0.25 -> 3); "rag" takes red, yellow or green in any case.
    """
    _check_scale(scale)
    if scale == SCALE_RAG:
        key = raw.strip().lower() if isinstance(raw, str) else None
        if key not in RAG_VALUES:
            raise ValueError(f"Confidence must be one of red, yellow, green, got {raw!r}")
        return RAG_VALUES[key]
    if scale == SCALE_0_10:
        message = f"Confidence must be a whole number from 0 to 10, got {raw!r}"
        number = _number(raw, message)
        if number != number.to_integral_value() or not MIN_CONFIDENCE <= number <= MAX_CONFIDENCE:
            raise ValueError(message)
        return int(number)
    message = f"Confidence must be a number from 0.0 to 1.0, got {raw!r}"
    number = _number(raw, message)
    if not 0 <= number <= 1:
        raise ValueError(message)
    return int((number * 10).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class ConfidenceWarning:
    kind: str  # "drop" or "low"
    value: int
    previous: int | None
    message: str


def _spoken(value: int, scale: str) -> str:
    shown = to_scale(value, scale)
    return f"{shown:.1f}" if scale == SCALE_0_1 else str(shown)


def _drop_message(previous: int, current: int, scale: str) -> str:
    before, after = _spoken(previous, scale), _spoken(current, scale)
    if before == after:
        # On red/yellow/green a drop of 2 can stay inside one colour.
        return f"Confidence fell, though it is still {after}"
    return f"Confidence fell from {before} to {after}"


def _low_message(current: int, scale: str) -> str:
    if scale == SCALE_RAG:
        return f"Confidence is low: {_spoken(current, scale)}"
    out_of = "1.0" if scale == SCALE_0_1 else "10"
    return f"Confidence is low: {_spoken(current, scale)} out of {out_of}"


def confidence_warnings(previous: int | None, current: int, scale: str = SCALE_0_10) -> list[ConfidenceWarning]:
    """Early warnings: a drop of 2 or more, and a value under 4 (stored 0-10 values).

    The messages speak in the organisation's ``scale``, the one the person answered on: "fell
    from green to red", never "2 out of 10" to someone who picked a colour.
    """
    _check_scale(scale)
    _check_stored(current)
    if previous is not None:
        _check_stored(previous)
    warnings: list[ConfidenceWarning] = []
    if previous is not None and previous - current >= DROP_WARNING_AT:
        warnings.append(ConfidenceWarning(WARNING_DROP, current, previous, _drop_message(previous, current, scale)))
    if current < LOW_CONFIDENCE_BELOW:
        warnings.append(ConfidenceWarning(WARNING_LOW, current, previous, _low_message(current, scale)))
    return warnings
