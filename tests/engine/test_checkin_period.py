"""The check-in period: one rule for "due this period" (metrics), reminders and the calendar."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given
from hypothesis import strategies as st

from ambit.okrs.engine import PERIOD_ANCHOR, checkin_period_start


def test_a_weekly_period_starts_on_the_monday() -> None:
    assert checkin_period_start(dt.date(2026, 11, 29), 7) == dt.date(2026, 11, 23)  # a Sunday
    assert checkin_period_start(dt.date(2026, 11, 30), 7) == dt.date(2026, 11, 30)


def test_bi_weekly_periods_stay_a_fortnight_across_a_53_week_year() -> None:
    # 2026 has an ISO week 53 (28 Dec): counting by ISO week parity would make a one-week period
    # there and swap the fortnights for all of 2027.
    starts = sorted({checkin_period_start(PERIOD_ANCHOR + dt.timedelta(days=d), 14) for d in range(700, 1200)})
    assert all((b - a).days == 14 for a, b in itertools.pairwise(starts))
    assert checkin_period_start(dt.date(2026, 12, 31), 14) == checkin_period_start(dt.date(2026, 12, 28), 14)


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)), st.sampled_from([7, 14]))
def test_the_period_holds_its_day_and_starts_on_a_monday(day: dt.date, cadence: int) -> None:
    start = checkin_period_start(day, cadence)
    assert start.weekday() == 0
    assert start <= day < start + dt.timedelta(days=cadence)
    assert checkin_period_start(start + dt.timedelta(days=cadence - 1), cadence) == start
