import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ambit.okrs.engine import (
    KR_KINDS,
    MilestoneState,
    Weighted,
    kr_attainment,
    kr_progress,
    objective_progress,
    weighted_mean,
)

M = MilestoneState


@pytest.mark.parametrize(
    ("kind", "start", "target", "current", "attainment", "progress"),
    [
        # increase
        ("increase", 0, 100, 0, 0.0, 0.0),
        ("increase", 0, 100, 40, 0.4, 0.4),
        ("increase", 0, 100, 100, 1.0, 1.0),
        ("increase", 10, 20, 15, 0.5, 0.5),
        ("increase", 0, 100, 150, 1.5, 1.0),  # overshoot: shown, clamped for progress
        ("increase", 10, 20, 5, -0.5, 0.0),  # undershoot below start
        ("increase", -10, 10, 0, 0.5, 0.5),
        ("increase", 0.1, 0.3, 0.2, 0.5, 0.5),
        # decrease
        ("decrease", 4, 3, 4, 0.0, 0.0),
        ("decrease", 4, 3, 3.5, 0.5, 0.5),
        ("decrease", 4, 3, 3, 1.0, 1.0),
        ("decrease", 4, 3, 2, 2.0, 1.0),  # overshoot
        ("decrease", 4, 3, 5, -1.0, 0.0),  # moved the wrong way
        ("decrease", 100, 0, 25, 0.75, 0.75),
        # start == target
        ("increase", 5, 5, 5, 1.0, 1.0),
        ("increase", 5, 5, 6, 1.0, 1.0),
        ("increase", 5, 5, 4, 0.0, 0.0),
        ("decrease", 5, 5, 5, 1.0, 1.0),
        ("decrease", 5, 5, 4, 1.0, 1.0),
        ("decrease", 5, 5, 6, 0.0, 0.0),
        # stay above / below: inside the band (boundary included) is 1
        ("stay_above", 90, 95, 95, 1.0, 1.0),
        ("stay_above", 90, 95, 99, 1.0, 1.0),
        ("stay_above", 90, 95, 94.9, 0.0, 0.0),
        ("stay_above", None, 95, 96, 1.0, 1.0),
        ("stay_below", 2, 1, 1, 1.0, 1.0),
        ("stay_below", 2, 1, 0.5, 1.0, 1.0),
        ("stay_below", 2, 1, 1.01, 0.0, 0.0),
        ("stay_below", None, 1, 0, 1.0, 1.0),
        # binary
        ("binary", None, None, 1.0, 1.0, 1.0),
        ("binary", None, None, 0.0, 0.0, 0.0),
        ("binary", None, None, None, 0.0, 0.0),
        ("binary", 0, 1, 1, 1.0, 1.0),
    ],
)
def test_value_and_binary_kinds(
    kind: str, start: float | None, target: float | None, current: float | None, attainment: float, progress: float
) -> None:
    assert kr_attainment(kind, start=start, target=target, current=current) == pytest.approx(attainment)
    assert kr_progress(kind, start=start, target=target, current=current) == pytest.approx(progress)


@pytest.mark.parametrize(
    ("kind", "start", "target"),
    [
        ("increase", 0, 100),
        ("decrease", 4, 3),
        ("stay_above", 0, 95),
        ("stay_below", 0, 1),
        ("increase", None, 100),
        ("increase", 0, None),
    ],
)
def test_no_checkin_is_unmeasured(kind: str, start: int | None, target: int | None) -> None:
    assert kr_attainment(kind, start=start, target=target, current=None) is None
    assert kr_progress(kind, start=start, target=target, current=None) == 0.0


@pytest.mark.parametrize(
    ("kind", "start", "target", "current"),
    [
        ("increase", None, 100, 50),
        ("decrease", None, 3, 3),
        ("increase", 0, None, 50),
        ("stay_above", 0, None, 50),
        ("stay_below", 0, None, 50),
    ],
)
def test_missing_start_or_target_is_unmeasured(kind: str, start: int | None, target: int | None, current: int) -> None:
    assert kr_attainment(kind, start=start, target=target, current=current) is None
    assert kr_progress(kind, start=start, target=target, current=current) == 0.0


@pytest.mark.parametrize(
    ("milestones", "expected"),
    [
        ((), 0.0),
        ((M(1, False),), 0.0),
        ((M(1, True),), 1.0),
        ((M(1, True), M(1, False)), 0.5),
        ((M(1, True), M(1, True), M(1, False), M(1, False)), 0.5),
        ((M(3, True), M(1, False)), 0.75),
        ((M(1, True), M(3, False)), 0.25),
        ((M(0, True), M(0, False)), 0.0),  # total weight 0
        ((M(0, True), M(2, False)), 0.0),  # zero-weight milestone does not count
        ((M(2, True), M(0, False)), 1.0),
        ((M(-1, True), M(1, False)), 0.0),  # negative weight ignored
        ((M(1, True), M(1, True), M(1, True)), 1.0),
    ],
)
def test_milestones(milestones: tuple[MilestoneState, ...], expected: float) -> None:
    attainment = kr_attainment("milestones", start=None, target=None, current=None, milestones=milestones)
    assert attainment == pytest.approx(expected)
    # start, target and current play no part for milestones
    progress = kr_progress("milestones", start=0, target=1, current=0.9, milestones=milestones)
    assert progress == pytest.approx(expected)


def test_unknown_kind_names_the_kind() -> None:
    with pytest.raises(ValueError, match="'grow'"):
        kr_attainment("grow", start=0, target=1, current=0)
    with pytest.raises(ValueError, match="'grow'"):
        kr_progress("grow", start=0, target=1, current=0)


def test_extreme_finite_values_do_not_overflow_into_nan() -> None:
    big = 1.7e308
    assert kr_attainment("increase", start=-big, target=big, current=0.0) == pytest.approx(0.5)
    assert kr_progress("increase", start=-big, target=big, current=big) == 1.0
    assert kr_progress("decrease", start=big, target=-big, current=-big) == 1.0


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], None),
        ([Weighted(0.5, 0)], None),
        ([Weighted(0.5, -1)], None),
        ([Weighted(0.4, 1)], 0.4),
        ([Weighted(0.0, 1), Weighted(1.0, 1)], 0.5),
        ([Weighted(0.0, 1), Weighted(1.0, 3)], 0.75),
        ([Weighted(0.2, 2), Weighted(0.8, 0)], 0.2),  # zero weight ignored
        ([Weighted(0.2, 2), Weighted(0.8, -5)], 0.2),
        ([Weighted(0.3, 0.5), Weighted(0.6, 1.5)], 0.525),
    ],
)
def test_weighted_mean(items: list[Weighted], expected: float | None) -> None:
    result = weighted_mean(items)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


@pytest.mark.parametrize(
    ("krs", "children", "blend", "expected"),
    [
        ([], [], 0.0, 0.0),
        ([], [], 0.5, 0.0),
        ([Weighted(0.4, 1), Weighted(0.8, 1)], [], 0.0, 0.6),
        ([Weighted(0.4, 1), Weighted(0.8, 3)], [], 0.0, 0.7),
        ([Weighted(0.4, 1)], [Weighted(1.0, 1)], 0.0, 0.4),  # no blend: children ignored
        ([Weighted(0.4, 1)], [Weighted(1.0, 1)], 0.5, 0.7),
        ([Weighted(0.4, 1)], [Weighted(1.0, 1)], 0.25, 0.55),
        ([Weighted(0.4, 1)], [Weighted(1.0, 1)], 1.0, 1.0),
        ([Weighted(0.4, 1)], [Weighted(1.0, 1), Weighted(0.0, 3)], 0.5, 0.325),
        ([Weighted(0.4, 1)], [], 0.5, 0.4),  # blend without children
        ([], [Weighted(0.2, 1), Weighted(0.6, 1)], 0.0, 0.4),  # children only
        ([], [Weighted(0.2, 1), Weighted(0.6, 1)], 0.3, 0.4),
        ([Weighted(0.9, 0)], [Weighted(0.3, 1)], 0.0, 0.3),  # zero-weight KRs count as none
        ([Weighted(1.5, 1)], [], 0.0, 1.0),  # out-of-range input clamped
        ([Weighted(-0.5, 1), Weighted(0.5, 1)], [], 0.0, 0.25),
    ],
)
def test_objective_progress(krs: list[Weighted], children: list[Weighted], blend: float, expected: float) -> None:
    assert objective_progress(krs, children, blend) == pytest.approx(expected)


@pytest.mark.parametrize("blend", [-0.1, 1.1])
def test_objective_progress_rejects_blend_outside_unit_range(blend: float) -> None:
    with pytest.raises(ValueError, match="child_blend"):
        objective_progress([Weighted(0.5, 1)], [Weighted(0.5, 1)], blend)


finite = st.floats(allow_nan=False, allow_infinity=False)
# Realistic magnitudes for ordering properties, so the arithmetic itself cannot overflow.
moderate = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)
milestone_lists = st.lists(st.builds(MilestoneState, st.floats(-1, 100, allow_nan=False), st.booleans()))


@given(
    kind=st.sampled_from(KR_KINDS),
    start=st.none() | finite,
    target=st.none() | finite,
    current=st.none() | finite,
    milestones=milestone_lists,
)
def test_progress_always_within_unit_range(
    kind: str, start: float | None, target: float | None, current: float | None, milestones: list[MilestoneState]
) -> None:
    value = kr_progress(kind, start=start, target=target, current=current, milestones=milestones)
    assert 0.0 <= value <= 1.0
    assert not math.isnan(value)


@given(
    kind=st.sampled_from(["increase", "stay_above"]),
    start=moderate,
    target=moderate,
    a=moderate,
    b=moderate,
)
def test_progress_non_decreasing_in_current_for_upward_kinds(
    kind: str, start: float, target: float, a: float, b: float
) -> None:
    low, high = sorted((a, b))
    if kind == "increase" and start > target:
        start, target = target, start
    p_low = kr_progress(kind, start=start, target=target, current=low)
    p_high = kr_progress(kind, start=start, target=target, current=high)
    assert p_low <= p_high


@given(
    kind=st.sampled_from(["decrease", "stay_below"]),
    start=moderate,
    target=moderate,
    a=moderate,
    b=moderate,
)
def test_progress_non_increasing_in_current_for_downward_kinds(
    kind: str, start: float, target: float, a: float, b: float
) -> None:
    low, high = sorted((a, b))
    if kind == "decrease" and start < target:
        start, target = target, start
    p_low = kr_progress(kind, start=start, target=target, current=low)
    p_high = kr_progress(kind, start=start, target=target, current=high)
    assert p_low >= p_high


unit = st.floats(min_value=0, max_value=1)
weighted_items = st.lists(st.builds(Weighted, unit, st.floats(min_value=0, max_value=1e6)), max_size=8)


@given(krs=weighted_items, children=weighted_items, blend=unit)
# Found by hypothesis: blending a value with itself drifted an ulp above it.
@example(
    krs=[Weighted(0.14786315940098807, 1.0)],
    children=[Weighted(0.14786315940098807, 1.0)],
    blend=0.05154138372475671,
)
def test_objective_progress_bounded_by_inputs(krs: list[Weighted], children: list[Weighted], blend: float) -> None:
    result = objective_progress(krs, children, blend)
    assert 0.0 <= result <= 1.0
    counted = [i.progress for i in krs + children if i.weight > 0]
    if counted:
        assert min(counted) <= result <= max(counted)
    else:
        assert result == 0.0


@given(items=st.lists(st.builds(Weighted, finite, st.floats(min_value=0.001, max_value=1e300)), min_size=1))
def test_weighted_mean_bounded_by_inputs(items: list[Weighted]) -> None:
    result = weighted_mean(items)
    assert result is not None
    assert min(i.progress for i in items) <= result <= max(i.progress for i in items)
