import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ambit.okrs.engine import (
    Weighted,
    objective_score,
    round_half_up,
    score_band,
    score_expectation,
    score_verdict,
    suggest_score,
)


@pytest.mark.parametrize(
    ("attainment", "score"),
    [
        (None, 0.0),
        (float("nan"), 0.0),
        (-0.5, 0.0),
        (0.0, 0.0),
        (0.04, 0.0),
        (0.05, 0.1),
        (0.25, 0.3),
        (0.34, 0.3),
        (0.35, 0.4),
        (0.349, 0.3),
        (0.55, 0.6),
        (0.64, 0.6),
        (0.65, 0.7),
        (0.6499, 0.6),
        (0.94, 0.9),
        (0.95, 1.0),
        (1.0, 1.0),
        (1.5, 1.0),
        (float("inf"), 1.0),
        (0.5 / 0.7 * 0.7, 0.5),
    ],
)
def test_suggest_score_rounds_half_up(attainment: float | None, score: float) -> None:
    assert suggest_score(attainment) == score


@given(st.none() | st.floats(allow_nan=True, allow_infinity=True))
def test_suggest_score_in_tenths_within_unit_range(attainment: float | None) -> None:
    score = suggest_score(attainment)
    assert 0.0 <= score <= 1.0
    tenths = score * 10
    assert tenths == round(tenths)
    assert score == round(score, 1)


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0.0, "red"),
        (0.3, "red"),
        (0.34, "red"),
        (0.35, "yellow"),  # reads as 0.4
        (0.4, "yellow"),
        (0.6, "yellow"),
        (0.64, "yellow"),
        (0.65, "green"),  # reads as 0.7
        (0.7, "green"),
        (0.9, "green"),
        (0.94, "green"),
        (0.95, "green"),  # reads as 1.0
        (1.0, "green"),
    ],
)
def test_score_band(score: float, band: str) -> None:
    # PRODUCT.md section 3 (issue 12): the bands are the same for every OKR; ambition changes the verdict.
    assert score_band(score) == band


@pytest.mark.parametrize(
    ("score", "aspirational", "committed"),
    [
        (0.0, "miss", "missed"),
        (0.34, "miss", "missed"),
        (0.35, "partial", "missed"),  # reads as 0.4
        (0.6, "partial", "missed"),
        (0.65, "success", "missed"),  # reads as 0.7
        (0.9, "success", "missed"),
        (0.94, "success", "missed"),
        (0.95, "success", "met"),  # reads as 1.0
        (1.0, "success", "met"),
    ],
)
def test_score_verdict(score: float, aspirational: str, committed: str) -> None:
    assert score_verdict(score, "aspirational") == aspirational
    assert score_verdict(score, "committed") == committed


def test_score_verdict_unknown_ambition() -> None:
    with pytest.raises(ValueError, match="'stretch'"):
        score_verdict(0.5, "stretch")


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], None),
        ([Weighted(0.7, 0)], None),
        ([Weighted(0.7, 1)], 0.7),
        ([Weighted(0.7, 1), Weighted(0.4, 1)], 0.55),
        ([Weighted(1.0, 1), Weighted(0.0, 2)], 0.33),
        ([Weighted(1.0, 2), Weighted(0.0, 1)], 0.67),
        ([Weighted(0.3, 1), Weighted(0.4, 1), Weighted(0.6, 2)], 0.48),
        ([Weighted(0.5, 1), Weighted(0.8, 3), Weighted(0.2, 0)], 0.73),
        ([Weighted(0.1, 1), Weighted(0.2, 1), Weighted(0.6, 6)], 0.49),
        ([Weighted(0.1, 7), Weighted(0.2, 1)], 0.11),  # 0.1125 rounds down at two decimals
        ([Weighted(0.1, 3), Weighted(0.2, 1)], 0.13),  # 0.125 rounds half up
    ],
)
def test_objective_score(items: list[Weighted], expected: float | None) -> None:
    assert objective_score(items) == expected


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [(0.125, 2, 0.13), (0.005, 2, 0.01), (2.675, 2, 2.68), (0.15, 1, 0.2), (1.45, 1, 1.5)],
)
def test_round_half_up(value: float, places: int, expected: float) -> None:
    assert round_half_up(value, places) == expected


def test_score_expectation() -> None:
    assert score_expectation("committed") == "Committed: met only at 1.0, anything less is missed"
    reading = score_expectation("aspirational")
    assert reading == "Aspirational: a success from 0.7, partial from 0.4, else a miss"
    assert "\n" not in reading
    with pytest.raises(ValueError, match="'moonshot'"):
        score_expectation("moonshot")


def test_objective_score_is_finite_for_large_weights() -> None:
    result = objective_score([Weighted(0.2, 1e308), Weighted(0.4, 1e308)])
    assert result is not None
    assert math.isclose(result, 0.3)
