"""How shares and statuses read on every surface (pages, CSV exports, charts): one wording."""

from __future__ import annotations

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
    """A 0–1 share as a percentage for display; blank input shows an em dash."""
    number = share(value)
    if number is None:
        return "—"
    return f"{number * 100:.{int(digits)}f}%"


def status_label(value: Any) -> str:
    """ "at_risk" → "At risk" (badges always show this text)."""
    key = str(value or "")
    return STATUS_LABELS.get(key, key.replace("_", " ").capitalize())
