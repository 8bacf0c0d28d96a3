"""KPI health bands (PRODUCT.md §1 "KPI"): pure rules over plain numbers, no Django.

A KPI has two thresholds: at or past ``healthy`` it is healthy, at or past ``critical`` (the
other way) it is critical, and the band between them is "watch". ``direction`` says which way is
better: ``"higher"`` (revenue, NPS: healthy ≥ 50, critical ≤ 20) or ``"lower"`` (churn, latency:
healthy ≤ 3 %, critical ≥ 5 %). Thresholds set the wrong way round for the direction are refused
by the services (:func:`kpi_thresholds_problem`); the band rule itself never raises.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

KPI_HEALTHY = "healthy"
KPI_WATCH = "watch"
KPI_CRITICAL = "critical"
KPI_BANDS = (KPI_HEALTHY, KPI_WATCH, KPI_CRITICAL)  # best first
KPI_HIGHER = "higher"
KPI_LOWER = "lower"
KPI_DIRECTIONS = (KPI_HIGHER, KPI_LOWER)

Number = float | int | Decimal


def kpi_band(value: Number, healthy: Number, critical: Number, direction: str) -> str:
    """The band ``value`` falls in. Healthy wins a tie with critical (equal thresholds: no watch
    band); a value exactly on a threshold belongs to that threshold's band."""
    if direction == KPI_LOWER:
        if value <= healthy:
            return KPI_HEALTHY
        return KPI_CRITICAL if value >= critical else KPI_WATCH
    if value >= healthy:
        return KPI_HEALTHY
    return KPI_CRITICAL if value <= critical else KPI_WATCH


def kpi_band_worsened(before: str | None, after: str) -> bool:
    """Whether a reading moved the KPI to a worse band (healthy → watch or critical, watch →
    critical). The first reading ever (``before`` None) counts as leaving healthy if it is not."""
    start = KPI_BANDS.index(before) if before in KPI_BANDS else 0
    return KPI_BANDS.index(after) > start


def kpi_thresholds_problem(healthy: Number, critical: Number, direction: str) -> str | None:
    """Why the thresholds do not fit the direction, or None when they do."""
    if direction not in KPI_DIRECTIONS:
        return "Choose whether higher or lower is better."
    if direction == KPI_HIGHER and healthy < critical:
        return "Higher is better, so the healthy threshold must be at least the critical one."
    if direction == KPI_LOWER and healthy > critical:
        return "Lower is better, so the healthy threshold must be at most the critical one."
    return None


def kpi_is_stale(last_reading_at: dt.datetime | None, cadence_days: int, now: dt.datetime) -> bool:
    """A KPI is stale once a whole update period has passed since its last reading (or, never
    read, always)."""
    if last_reading_at is None:
        return True
    return now - last_reading_at > dt.timedelta(days=cadence_days)
