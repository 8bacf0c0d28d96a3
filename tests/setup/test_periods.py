"""The charter's calendar (``okrs.engine.periods``): fiscal years cut into periods by cadence."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ambit.okrs.engine.periods import CADENCE_MONTHS, fiscal_periods, period_after, period_containing

CADENCES = sorted(CADENCE_MONTHS)


@given(
    day=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)),
    start_month=st.integers(1, 12),
    cadence=st.sampled_from(CADENCES),
)
def test_periods_tile_the_fiscal_year_without_gap_or_overlap(day: dt.date, start_month: int, cadence: str) -> None:
    periods = fiscal_periods(day, start_month, cadence)
    assert len(periods) == 12 // CADENCE_MONTHS[cadence]
    assert periods[0].start == periods[0].year_start and periods[0].start.month == start_month
    assert periods[0].start.day == 1 and periods[-1].end == periods[0].year_end
    for before, after in itertools.pairwise(periods):
        assert after.start == before.end + dt.timedelta(days=1)
    assert sum(1 for p in periods if p.start <= day <= p.end) == 1
    assert len({p.name for p in periods}) == len(periods)
    # A year is 365 or 366 days, the sum of its periods.
    assert sum((p.end - p.start).days + 1 for p in periods) in (365, 366)


@given(
    day=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)),
    start_month=st.integers(1, 12),
    cadence=st.sampled_from(CADENCES),
)
def test_the_next_period_starts_the_day_after_the_current_one(day: dt.date, start_month: int, cadence: str) -> None:
    current, following = period_containing(day, start_month, cadence), period_after(day, start_month, cadence)
    assert following.start == current.end + dt.timedelta(days=1)
    assert current.start <= day <= current.end


@pytest.mark.parametrize(
    ("day", "month", "cadence", "name", "start", "end"),
    [
        (dt.date(2026, 11, 30), 1, "quarterly", "Q4 2026", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        (dt.date(2026, 11, 30), 4, "quarterly", "FY2027 Q3", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        (dt.date(2026, 2, 10), 4, "quarterly", "FY2026 Q4", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        (dt.date(2026, 11, 30), 1, "trimesters", "T3 2026", dt.date(2026, 9, 1), dt.date(2026, 12, 31)),
        (dt.date(2026, 11, 30), 7, "half_years", "FY2027 H1", dt.date(2026, 7, 1), dt.date(2026, 12, 31)),
        (dt.date(2024, 2, 29), 2, "half_years", "FY2025 H1", dt.date(2024, 2, 1), dt.date(2024, 7, 31)),
        (dt.date(2026, 12, 31), 1, "half_years", "H2 2026", dt.date(2026, 7, 1), dt.date(2026, 12, 31)),
    ],
)
def test_names_and_bounds(day: dt.date, month: int, cadence: str, name: str, start: dt.date, end: dt.date) -> None:
    period = period_containing(day, month, cadence)
    assert (period.name, period.start, period.end) == (name, start, end)


def test_the_period_after_the_last_of_a_year_opens_the_next_year() -> None:
    nxt = period_after(dt.date(2027, 3, 15), 4, "quarterly")
    assert (nxt.name, nxt.start, nxt.year_name) == ("FY2028 Q1", dt.date(2027, 4, 1), "FY2028")


@pytest.mark.parametrize(("month", "cadence"), [(0, "quarterly"), (13, "quarterly"), (1, "monthly")])
def test_bad_charter_values_are_refused(month: int, cadence: str) -> None:
    with pytest.raises(ValueError, match=r"month|cadence"):
        fiscal_periods(dt.date(2026, 1, 1), month, cadence)
