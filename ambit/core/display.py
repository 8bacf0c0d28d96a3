"""How shares and statuses read on every surface (pages, CSV exports, charts): one wording."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

STATUS_LABELS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "behind": "Behind",
    "stale": "Stale",
    "not_started": "Not started",
    "cancelled": "Cancelled",
    "closed": "Closed",
}


def share(value: Any) -> float | None:
    """``value`` as a 0–1 share, or None when it is blank or not a number."""
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def pct(value: Any, digits: int = 0) -> str:
    """A 0–1 share as a percentage for display; blank input shows an em dash.

    The one percentage rounding of every surface: half up on the shortest decimal form of the
    share (0.745 → "75%", as a spreadsheet's "0%" format shows the same cell, and as scores
    round, see ``engine.round_half_up``), never the binary float's half-even (which said "74%").
    """
    number = share(value)
    if number is None or not math.isfinite(number):
        return "—"
    places = int(digits)
    exact = Decimal(repr(number)) * 100
    # Enough precision for any finite float's digits (1e308 has 309 of them before the point).
    context = Context(prec=max(28, exact.adjusted() + places + 2))
    shown = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=context)
    return f"{shown + 0:.{places}f}%"


def status_label(value: Any) -> str:
    """ "at_risk" → "At risk" (badges always show this text)."""
    key = str(value or "")
    return STATUS_LABELS.get(key, key.replace("_", " ").capitalize())
