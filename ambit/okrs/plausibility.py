"""Is a new check-in value plausible for its key result? (A pure rule, no database.)

A value that is valid but unlikely is usually a slip (a missing decimal point, a stray minus, the
wrong unit), and a slip in a check-in moves progress, status and forecasts for everyone. So every
surface asks for confirmation of such a value instead of refusing it: it may well be true. Both ask
through ``check_in_value_concerns``: the web's check-in forms (a "Save anyway" tick) and the API's
check-in create (``"confirm": true``; without it, a 422 problem on ``value``). The planning sheet
records no check-ins, so it has nothing to ask.

Unlikely means one of:
- it lies further outside the key result's range than the range is wide (on 0→100: above 200 or
  below −100), the range being start, target and the current value;
- it has the opposite sign of every number the key result has known (−5 on 0→100).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from ambit.core.services import plain_number
from ambit.okrs.models import VALUE_KINDS

if TYPE_CHECKING:
    from ambit.okrs.models import KeyResult


def _known_range(
    start: Decimal | None, target: Decimal | None, current: Decimal | None
) -> tuple[Decimal, Decimal, Decimal, bool] | None:
    """(lowest, highest, width, whether any is non-zero) of the numbers the key result knows."""
    known = [v for v in (start, target, current) if v is not None]
    if not known:
        return None
    low, high = min(known), max(known)
    return low, high, high - low or abs(high) or Decimal(1), any(known)


def unusual_value_concerns(
    *,
    value: Decimal,
    start: Decimal | None,
    target: Decimal | None,
    current: Decimal | None,
    shown: Callable[[Decimal], str] = str,
) -> list[str]:
    """What is odd about ``value`` (empty when nothing is), phrased for the person who typed it.
    ``shown`` formats a number with its unit for the message."""
    known = _known_range(start, target, current)
    if known is None:
        return []
    concerns: list[str] = []
    low, high, span, nonzero = known
    if value > high + span or value < low - span:
        range_text = f"{shown(start)} → {shown(target)}" if start is not None and target is not None else shown(high)
        concerns.append(f"{shown(value)} is far outside this key result's range ({range_text}).")
    if nonzero and value != 0:
        if value < 0 and low >= 0:
            concerns.append(f"{shown(value)} is negative, while this key result has only known positive numbers.")
        elif value > 0 and high <= 0:
            concerns.append(f"{shown(value)} is positive, while this key result has only known negative numbers.")
    return concerns


def plausible_bounds(
    *, start: Decimal | None, target: Decimal | None, current: Decimal | None
) -> tuple[Decimal, Decimal] | None:
    """The values ``unusual_value_concerns`` finds nothing odd about, as (lowest, highest), both
    included; None while the key result knows no number (then every value is plausible)."""
    known = _known_range(start, target, current)
    if known is None:
        return None
    low, high, span, nonzero = known
    lowest, highest = low - span, high + span
    if nonzero and low >= 0:
        lowest = max(lowest, Decimal(0))
    elif nonzero and high <= 0:
        highest = min(highest, Decimal(0))
    return lowest, highest


def with_unit(unit: str) -> Callable[[Decimal], str]:
    """A formatter for messages: the plain number (never 1E+3) with the key result's unit."""
    unit = unit.strip()
    return lambda d: f"{plain_number(d)}{'' if unit == '%' else ' '}{unit}".strip()


def check_in_value_concerns(
    key_result: KeyResult, value: Decimal, *, shown: Callable[[Decimal], str] | None = None
) -> list[str]:
    """What to confirm before ``value`` is recorded as ``key_result``'s new reading: each concern,
    then the plausible range; empty when the value is plausible (or the kind takes no typed number).

    Reads only the key result's own fields as the caller loaded them: no query. ``shown`` formats
    a number for the message (default: the plain number with the key result's unit). The caller
    adds how to confirm on its surface.
    """
    if key_result.kind not in VALUE_KINDS:
        return []
    shown = shown or with_unit(key_result.unit)
    numbers = {"start": key_result.start_value, "target": key_result.target_value, "current": key_result.current_value}
    concerns = unusual_value_concerns(value=value, shown=shown, **numbers)
    bounds = plausible_bounds(**numbers)
    if not concerns or bounds is None:
        return []
    return [*concerns, f"Plausible values here lie between {shown(bounds[0])} and {shown(bounds[1])}."]
