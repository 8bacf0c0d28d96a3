"""The KPI band rule (ambit.okrs.engine.kpi): pure, checked by example and by property."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ambit.okrs.engine import (
    KPI_BANDS,
    KPI_CRITICAL,
    KPI_HEALTHY,
    KPI_WATCH,
    kpi_band,
    kpi_band_worsened,
    kpi_is_stale,
    kpi_thresholds_problem,
)

numbers = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (60, KPI_HEALTHY),
        (50, KPI_HEALTHY),
        (49.9, KPI_WATCH),
        (20.1, KPI_WATCH),
        (20, KPI_CRITICAL),
        (-5, KPI_CRITICAL),
    ],
)
def test_higher_is_better(value: float, band: str) -> None:
    assert kpi_band(value, 50, 20, "higher") == band


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (Decimal("2.5"), KPI_HEALTHY),
        (3, KPI_HEALTHY),
        (Decimal("3.01"), KPI_WATCH),
        (5, KPI_CRITICAL),
        (9, KPI_CRITICAL),
    ],
)
def test_lower_is_better(value: Decimal, band: str) -> None:
    assert kpi_band(value, Decimal(3), Decimal(5), "lower") == band


@given(numbers, numbers, numbers)
def test_higher_band_is_monotonic_and_bounded(a: float, b: float, c: float) -> None:
    critical, healthy = sorted((a, b))
    band = kpi_band(c, healthy, critical, "higher")
    assert band in KPI_BANDS
    assert (band == KPI_HEALTHY) == (c >= healthy)
    assert (band == KPI_CRITICAL) == (c < healthy and c <= critical)
    # A better value is never in a worse band.
    assert KPI_BANDS.index(kpi_band(c + abs(c) + 1, healthy, critical, "higher")) <= KPI_BANDS.index(band)


@given(numbers, numbers, numbers)
def test_lower_is_the_mirror_of_higher(a: float, b: float, c: float) -> None:
    healthy, critical = sorted((a, b))
    assert kpi_band(c, healthy, critical, "lower") == kpi_band(-c, -healthy, -critical, "higher")


@given(numbers, numbers)
def test_thresholds_that_suit_the_direction_are_accepted(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert kpi_thresholds_problem(high, low, "higher") is None
    assert kpi_thresholds_problem(low, high, "lower") is None
    if low < high:
        assert "at least" in (kpi_thresholds_problem(low, high, "higher") or "")
        assert "at most" in (kpi_thresholds_problem(high, low, "lower") or "")
    assert kpi_thresholds_problem(low, high, "sideways") == "Choose whether higher or lower is better."


def test_worsening_is_leaving_healthy_or_reaching_critical() -> None:
    assert kpi_band_worsened(KPI_HEALTHY, KPI_WATCH)
    assert kpi_band_worsened(KPI_HEALTHY, KPI_CRITICAL)
    assert kpi_band_worsened(KPI_WATCH, KPI_CRITICAL)
    assert kpi_band_worsened(None, KPI_WATCH)
    assert not kpi_band_worsened(None, KPI_HEALTHY)
    assert not kpi_band_worsened(KPI_CRITICAL, KPI_WATCH)
    assert not kpi_band_worsened(KPI_WATCH, KPI_WATCH)
    assert not kpi_band_worsened(KPI_CRITICAL, KPI_CRITICAL)


def test_stale_after_a_whole_period() -> None:
    now = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
    assert kpi_is_stale(None, 7, now)
    assert not kpi_is_stale(now - dt.timedelta(days=7), 7, now)
    assert kpi_is_stale(now - dt.timedelta(days=7, seconds=1), 7, now)
    assert not kpi_is_stale(now - dt.timedelta(days=30), 31, now)
