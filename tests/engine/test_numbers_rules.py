"""Issue 12, "the numbers": the engine rules behind plan start, staleness, verdict, stretch and the
early-warning wording, property-tested over random inputs (PRODUCT.md section 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ambit.okrs.engine import (
    AMBITIONS,
    CONFIDENCE_SCALES,
    VERDICTS,
    confidence_warnings,
    expected_progress,
    is_stale,
    plan_start,
    score_band,
    score_verdict,
    stretch_progress,
    suggest_score,
)

UTC = dt.UTC
scores = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
days = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31))
stored_confidence = st.integers(min_value=0, max_value=10)

# --- Plan start and pace (item 4) -----------------------------------------------------------------


@given(start=days, length=st.integers(min_value=1, max_value=400), created=days, explicit=st.none() | days)
def test_plan_start_lies_in_the_cycle_and_defaults_to_the_later_of_start_and_creation(
    start: dt.date, length: int, created: dt.date, explicit: dt.date | None
) -> None:
    end = start + dt.timedelta(days=length)
    chosen = plan_start(explicit=explicit, cycle_start=start, cycle_end=end, created=created)
    assert start <= chosen <= end
    if explicit is None:
        assert chosen == min(max(start, created), end)
    elif start <= explicit <= end:
        assert chosen == explicit


@given(start=days, length=st.integers(min_value=2, max_value=200), offset=st.integers(min_value=1, max_value=199))
def test_something_added_mid_cycle_is_expected_at_nothing_on_its_first_day(
    start: dt.date, length: int, offset: int
) -> None:
    end = start + dt.timedelta(days=length)
    created = start + dt.timedelta(days=min(offset, length))
    begins = plan_start(explicit=None, cycle_start=start, cycle_end=end, created=created)
    assert expected_progress(start=begins, end=end, on=created) == 0.0
    # The cycle's own pace would already expect a share: the new thing is not judged by it.
    assert expected_progress(start=start, end=end, on=created) > 0.0


def test_a_new_objective_on_29_november_is_not_behind() -> None:
    # The example: a quarter from 1 October; an objective created 29 November.
    begins = plan_start(
        explicit=None, cycle_start=dt.date(2026, 10, 1), cycle_end=dt.date(2026, 12, 31), created=dt.date(2026, 11, 29)
    )
    assert begins == dt.date(2026, 11, 29)
    assert expected_progress(start=begins, end=dt.date(2026, 12, 31), on=dt.date(2026, 11, 29)) == 0.0


# --- Staleness (item 4) -------------------------------------------------------------------------------


@given(
    before=st.integers(min_value=1, max_value=400),
    elapsed=st.integers(min_value=0, max_value=400),
    cadence=st.sampled_from([7, 14]),
    grace=st.integers(min_value=0, max_value=7),
)
def test_a_reading_from_before_the_plan_counts_as_silence_since_the_plan_start(
    before: int, elapsed: int, cadence: int, grace: int
) -> None:
    since = dt.datetime(2026, 10, 1, tzinfo=UTC)
    now = since + dt.timedelta(days=elapsed)
    old = since - dt.timedelta(days=before)
    with_old = is_stale(last_checkin_at=old, active_since=since, now=now, cadence_days=cadence, grace_days=grace)
    without = is_stale(last_checkin_at=None, active_since=since, now=now, cadence_days=cadence, grace_days=grace)
    assert with_old == without
    assert with_old == (elapsed > cadence + grace)


def test_only_reading_before_the_cycle_is_not_stale_on_day_two() -> None:
    start = dt.datetime(2026, 10, 1, tzinfo=UTC)
    assert not is_stale(
        last_checkin_at=start - dt.timedelta(days=30),
        active_since=start,
        now=start + dt.timedelta(days=1),
        cadence_days=7,
    )


# --- Verdict and bands (item 6) -------------------------------------------------------------------


@given(score=scores)
def test_bands_do_not_depend_on_ambition_but_verdicts_do(score: float) -> None:
    shown = suggest_score(score)
    band = score_band(score)
    assert band == ("green" if shown >= 0.7 else "yellow" if shown >= 0.4 else "red")
    assert score_verdict(score, "committed") == ("met" if shown == 1.0 else "missed")
    assert score_verdict(score, "aspirational") == {"green": "success", "yellow": "partial", "red": "miss"}[band]
    assert all(score_verdict(score, a) in VERDICTS for a in AMBITIONS)


_RANK = {"miss": 0, "missed": 0, "partial": 1, "success": 2, "met": 2}


@given(a=scores, b=scores, ambition=st.sampled_from(AMBITIONS))
def test_a_higher_score_never_reads_worse(a: float, b: float, ambition: str) -> None:
    low, high = sorted((a, b))
    assert _RANK[score_verdict(low, ambition)] <= _RANK[score_verdict(high, ambition)]


# --- Stretch (item 6) -------------------------------------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(
    start=finite, reach=st.floats(min_value=1, max_value=1e5), extra=st.floats(min_value=1, max_value=1e5), at=finite
)
def test_stretch_progress_reads_only_past_the_target_and_stays_in_0_1(
    start: float, reach: float, extra: float, at: float
) -> None:
    target = start + reach
    for kind, sign in (("increase", 1), ("decrease", -1)):
        t, s, current = start + sign * reach, start + sign * (reach + extra), start + sign * (at - start)
        value = stretch_progress(kind, start=start, target=t, stretch=s, current=current)
        beyond = current >= t if sign == 1 else current <= t
        if not beyond:
            assert value is None
        else:
            assert value is not None and 0.0 <= value <= 1.0
    assert stretch_progress("increase", start=start, target=target, stretch=None, current=target) is None


def test_stretch_progress_examples() -> None:
    assert stretch_progress("increase", start=0, target=100, stretch=150, current=120) == pytest.approx(0.4)
    assert stretch_progress("increase", start=0, target=100, stretch=150, current=99) is None
    assert stretch_progress("increase", start=0, target=100, stretch=150, current=400) == 1.0
    assert stretch_progress("decrease", start=800, target=200, stretch=100, current=150) == pytest.approx(0.5)
    assert stretch_progress("stay_above", start=None, target=100, stretch=150, current=120) is None


# --- Early-warning wording (item 9) -----------------------------------------------------------------


@given(previous=st.none() | stored_confidence, current=stored_confidence, scale=st.sampled_from(CONFIDENCE_SCALES))
def test_warnings_speak_in_the_organisations_scale(previous: int | None, current: int, scale: str) -> None:
    for warning in confidence_warnings(previous, current, scale):
        if scale == "rag":
            assert not any(ch.isdigit() for ch in warning.message), warning.message
            assert any(colour in warning.message for colour in ("red", "yellow", "green"))
        else:
            assert "out of 10" not in warning.message or scale == "0-10"


def test_warning_messages_on_each_scale() -> None:
    assert [w.message for w in confidence_warnings(8, 2, "rag")] == [
        "Confidence fell from green to red",
        "Confidence is low: red",
    ]
    assert [w.message for w in confidence_warnings(6, 4, "rag")] == ["Confidence fell, though it is still yellow"]
    assert [w.message for w in confidence_warnings(7, 3, "0-1")] == [
        "Confidence fell from 0.7 to 0.3",
        "Confidence is low: 0.3 out of 1.0",
    ]
    assert [w.message for w in confidence_warnings(7, 3)] == [
        "Confidence fell from 7 to 3",
        "Confidence is low: 3 out of 10",
    ]
