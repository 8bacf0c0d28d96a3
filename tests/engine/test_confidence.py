import pytest
from hypothesis import given
from hypothesis import strategies as st

from ambit.okrs.engine import (
    CONFIDENCE_SCALES,
    DEFAULT_CONFIDENCE,
    ConfidenceWarning,
    confidence_warnings,
    from_scale,
    to_scale,
)


def test_default_confidence_is_five() -> None:
    assert DEFAULT_CONFIDENCE == 5


@pytest.mark.parametrize(
    ("value", "zero_ten", "zero_one", "rag"),
    [
        (0, 0, 0.0, "red"),
        (1, 1, 0.1, "red"),
        (3, 3, 0.3, "red"),
        (4, 4, 0.4, "yellow"),
        (5, 5, 0.5, "yellow"),
        (6, 6, 0.6, "yellow"),
        (7, 7, 0.7, "green"),
        (9, 9, 0.9, "green"),
        (10, 10, 1.0, "green"),
    ],
)
def test_to_scale(value: int, zero_ten: int, zero_one: float, rag: str) -> None:
    assert to_scale(value, "0-10") == zero_ten
    assert isinstance(to_scale(value, "0-10"), int)
    assert to_scale(value, "0-1") == zero_one
    assert to_scale(value, "rag") == rag


@pytest.mark.parametrize("value", [-1, 11, True])
def test_to_scale_rejects_out_of_range(value: bool | int) -> None:
    with pytest.raises(ValueError, match="0 to 10"):
        to_scale(value, "0-10")


def test_unknown_scale_rejected() -> None:
    with pytest.raises(ValueError, match="'percent'"):
        to_scale(5, "percent")
    with pytest.raises(ValueError, match="'percent'"):
        from_scale(5, "percent")


@pytest.mark.parametrize(
    ("raw", "scale", "expected"),
    [
        (0, "0-10", 0),
        (7, "0-10", 7),
        (10, "0-10", 10),
        ("7", "0-10", 7),
        (" 3 ", "0-10", 3),
        (7.0, "0-10", 7),
        ("8.0", "0-10", 8),
        (0.0, "0-1", 0),
        (0.7, "0-1", 7),
        (1, "0-1", 10),
        ("0.4", "0-1", 4),
        (0.25, "0-1", 3),  # half up, not to even
        (0.35, "0-1", 4),
        (0.05, "0-1", 1),
        (0.64, "0-1", 6),
        ("red", "rag", 2),
        ("yellow", "rag", 5),
        ("green", "rag", 8),
        (" Green ", "rag", 8),
        ("RED", "rag", 2),
    ],
)
def test_from_scale(raw: float | str, scale: str, expected: int) -> None:
    result = from_scale(raw, scale)
    assert result == expected
    assert isinstance(result, int)


@pytest.mark.parametrize(
    ("raw", "scale", "message"),
    [
        (11, "0-10", "0 to 10"),
        (-1, "0-10", "0 to 10"),
        (7.5, "0-10", "whole number from 0 to 10"),
        ("seven", "0-10", "0 to 10"),
        ("", "0-10", "0 to 10"),
        (float("nan"), "0-10", "0 to 10"),
        (True, "0-10", "0 to 10"),
        (1.1, "0-1", "0.0 to 1.0"),
        (-0.1, "0-1", "0.0 to 1.0"),
        (7, "0-1", "0.0 to 1.0"),
        ("inf", "0-1", "0.0 to 1.0"),
        ("abc", "0-1", "0.0 to 1.0"),
        ("amber", "rag", "red, yellow, green"),
        (5, "rag", "red, yellow, green"),
    ],
)
def test_from_scale_rejects_with_allowed_values(raw: bool | float | str, scale: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_scale(raw, scale)


@given(value=st.integers(0, 10), scale=st.sampled_from(CONFIDENCE_SCALES))
def test_round_trip_numeric_scales_exact_and_rag_keeps_colour(value: int, scale: str) -> None:
    shown = to_scale(value, scale)
    parsed = from_scale(shown, scale)
    if scale == "rag":
        assert to_scale(parsed, "rag") == shown
    else:
        assert parsed == value


@pytest.mark.parametrize(
    ("previous", "current", "kinds"),
    [
        (None, 5, []),
        (None, 3, ["low"]),
        (None, 0, ["low"]),
        (7, 6, []),
        (7, 5, ["drop"]),
        (7, 4, ["drop"]),
        (6, 4, ["drop"]),
        (5, 3, ["drop", "low"]),
        (4, 3, ["low"]),
        (3, 3, ["low"]),
        (2, 9, []),
        (10, 0, ["drop", "low"]),
        (4, 4, []),
    ],
)
def test_confidence_warnings(previous: int | None, current: int, kinds: list[str]) -> None:
    warnings = confidence_warnings(previous, current)
    assert [w.kind for w in warnings] == kinds
    assert all(w.value == current and w.previous == previous for w in warnings)


def test_warning_messages() -> None:
    assert confidence_warnings(7, 4) == [ConfidenceWarning("drop", 4, 7, "Confidence fell from 7 to 4")]
    low = ConfidenceWarning("low", 2, None, "Confidence is low: 2 out of 10")
    assert confidence_warnings(None, 2) == [low]


@pytest.mark.parametrize(("previous", "current"), [(11, 5), (5, -1)])
def test_warnings_validate_values(previous: int, current: int) -> None:
    with pytest.raises(ValueError, match="0 to 10"):
        confidence_warnings(previous, current)
