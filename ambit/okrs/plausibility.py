"""Is a new check-in value plausible for its key result? (A pure rule, no database.)

A value that is valid but unlikely is usually a slip (a missing decimal point, a stray minus, the
wrong unit), and a slip in a check-in moves progress, status and forecasts for everyone. So the web
asks the person to confirm such a value instead of refusing it: it may well be true.

Unlikely means one of:
- it lies further outside the key result's range than the range is wide (on 0→100: above 200 or
  below −100), the range being start, target and the current value;
- it has the opposite sign of every number the key result has known (−5 on 0→100).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal


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
    known = [v for v in (start, target, current) if v is not None]
    if not known:
        return []
    concerns: list[str] = []
    low, high = min(known), max(known)
    span = high - low or abs(high) or Decimal(1)
    if value > high + span or value < low - span:
        range_text = f"{shown(start)} → {shown(target)}" if start is not None and target is not None else shown(high)
        concerns.append(f"{shown(value)} is far outside this key result's range ({range_text}).")
    if any(known) and value != 0:
        if value < 0 and low >= 0:
            concerns.append(f"{shown(value)} is negative, while this key result has only known positive numbers.")
        elif value > 0 and high <= 0:
            concerns.append(f"{shown(value)} is positive, while this key result has only known negative numbers.")
    return concerns
