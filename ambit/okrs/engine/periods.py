"""The charter's calendar: fiscal years cut into periods by the cycle cadence (pure, no Django).

A fiscal year starts on the first day of ``start_month`` and is cut into equal runs of months:
quarters (3), four-month trimesters (4) or half years (6). Names follow the demo's convention for
calendar years ("Q1 2026", "T2 2026", "H1 2026"); a fiscal year that starts in another month is
named by the calendar year it ends in ("FY2027 Q1" for April 2026 – March 2027).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CADENCE_MONTHS = {"quarterly": 3, "trimesters": 4, "half_years": 6}
CADENCE_LETTER = {"quarterly": "Q", "trimesters": "T", "half_years": "H"}


@dataclass(frozen=True)
class Period:
    name: str
    start: dt.date
    end: dt.date
    # Which annual cycle it belongs to ("2026" or "FY2027") and that year's bounds.
    year_name: str
    year_start: dt.date
    year_end: dt.date


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _check(start_month: int, cadence: str) -> int:
    if not 1 <= start_month <= 12:
        raise ValueError(f"The fiscal year starts in a month from 1 to 12, not {start_month}.")
    if cadence not in CADENCE_MONTHS:
        raise ValueError(f"Unknown cycle cadence {cadence!r}: choose one of {', '.join(CADENCE_MONTHS)}.")
    return CADENCE_MONTHS[cadence]


def fiscal_year_start(day: dt.date, start_month: int) -> dt.date:
    """The first day of the fiscal year that contains ``day``."""
    year = day.year if day.month >= start_month else day.year - 1
    return dt.date(year, start_month, 1)


def fiscal_year_name(year_start: dt.date) -> str:
    if year_start.month == 1:
        return str(year_start.year)
    return f"FY{year_start.year + 1}"


def fiscal_periods(day: dt.date, start_month: int, cadence: str) -> list[Period]:
    """The periods of the fiscal year that contains ``day``, in order: they tile the year."""
    months = _check(start_month, cadence)
    first = fiscal_year_start(day, start_month)
    next_year = dt.date(first.year + 1, start_month, 1)
    year_end = next_year - dt.timedelta(days=1)
    year_name = fiscal_year_name(first)
    letter = CADENCE_LETTER[cadence]
    out: list[Period] = []
    for n in range(12 // months):
        y, m = _add_months(first.year, first.month, n * months)
        ny, nm = _add_months(first.year, first.month, (n + 1) * months)
        start, end = dt.date(y, m, 1), dt.date(ny, nm, 1) - dt.timedelta(days=1)
        name = f"{letter}{n + 1} {first.year}" if first.month == 1 else f"{year_name} {letter}{n + 1}"
        out.append(Period(name, start, end, year_name, first, year_end))
    return out


def period_containing(day: dt.date, start_month: int, cadence: str) -> Period:
    return next(p for p in fiscal_periods(day, start_month, cadence) if p.start <= day <= p.end)


def period_after(day: dt.date, start_month: int, cadence: str) -> Period:
    """The first period that starts after ``day`` (the next one to plan once ``day`` is covered)."""
    current = period_containing(day, start_month, cadence)
    return period_containing(current.end + dt.timedelta(days=1), start_month, cadence)
