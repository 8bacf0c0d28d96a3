import math
import random
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ambit.okrs.engine import (
    KRForecast,
    KRNode,
    ObjectiveNode,
    big_move_progress,
    duality_progress,
    mean,
    mean_confidence,
    objective_forecast,
    organisation_progress,
    rollup,
    supporters_progress,
    team_progress,
)

ProgressMean = Callable[[Sequence[float]], float | None]
PROGRESS_MEANS: tuple[ProgressMean, ...] = (
    supporters_progress,
    team_progress,
    big_move_progress,
    organisation_progress,
    duality_progress,
)

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
weights = st.floats(min_value=0.01, max_value=1000.0, allow_nan=False)


# --- mean ------------------------------------------------------------------------------------


def test_mean_of_nothing_is_none() -> None:
    assert mean([]) is None


def test_mean_is_the_plain_average() -> None:
    assert mean([0.2, 0.4, 0.9]) == pytest.approx(0.5)
    assert mean(iter([3.0])) == 3.0


@given(st.lists(finite, min_size=1, max_size=40))
def test_mean_stays_within_the_values(values: list[float]) -> None:
    result = mean(values)
    assert result is not None
    assert min(values) <= result <= max(values)


@given(st.lists(finite, min_size=1, max_size=40), st.randoms())
def test_mean_does_not_depend_on_the_order(values: list[float], rnd: random.Random) -> None:
    shuffled = list(values)
    rnd.shuffle(shuffled)
    # Exactly rounded sums: two surfaces listing the same objectives differently agree to the bit.
    assert mean(shuffled) == mean(values)


# --- progress of objectives taken together ----------------------------------------------------


@pytest.mark.parametrize("rule", PROGRESS_MEANS)
def test_progress_aggregates_are_none_without_objectives(rule: ProgressMean) -> None:
    assert rule([]) is None


@pytest.mark.parametrize("rule", PROGRESS_MEANS)
def test_progress_aggregates_count_each_objective_once(rule: ProgressMean) -> None:
    assert rule([0.2, 0.6, 1.0]) == pytest.approx(0.6)


@pytest.mark.parametrize("rule", PROGRESS_MEANS)
def test_progress_aggregates_clamp_what_they_are_given(rule: ProgressMean) -> None:
    assert rule([1.5, -0.5]) == pytest.approx(0.5)
    assert rule([math.nan, 1.0]) == pytest.approx(0.5)


@pytest.mark.parametrize("rule", PROGRESS_MEANS)
@given(values=st.lists(unit, min_size=1, max_size=30))
def test_progress_aggregates_stay_in_the_range_of_their_objectives(rule: ProgressMean, values: list[float]) -> None:
    result = rule(values)
    assert result is not None
    assert 0.0 <= min(values) <= result <= max(values) <= 1.0


@given(values=st.lists(unit, min_size=1, max_size=30), rnd=st.randoms())
def test_big_move_progress_ignores_the_order_of_its_objectives(values: list[float], rnd: random.Random) -> None:
    shuffled = list(values)
    rnd.shuffle(shuffled)
    assert big_move_progress(shuffled) == big_move_progress(values)


@given(value=unit, n=st.integers(min_value=1, max_value=20))
def test_team_of_equal_objectives_is_at_that_progress(value: float, n: int) -> None:
    assert team_progress([value] * n) == value


@given(st.lists(unit, min_size=1, max_size=8))
def test_rollup_duality_key_result_takes_duality_progress(children: list[float]) -> None:
    nodes = {i + 2: ObjectiveNode(i + 2, (KRNode(100 + i, 1, p),)) for i, p in enumerate(children)}
    nodes[1] = ObjectiveNode(1, (KRNode(10, 1, 0.0, from_children=tuple(nodes)),))
    result = rollup(nodes)
    assert result.kr_progress[10] == duality_progress(children)
    assert result.objective_progress[1] == duality_progress(children)


# --- confidence --------------------------------------------------------------------------------


def test_mean_confidence() -> None:
    assert mean_confidence([]) is None
    assert mean_confidence([4, 8, 9]) == pytest.approx(7.0)


@given(st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=20))
def test_mean_confidence_stays_on_the_scale_of_its_key_results(confidences: list[int]) -> None:
    result = mean_confidence(confidences)
    assert result is not None
    assert min(confidences) <= result <= max(confidences)


# --- objective forecast ------------------------------------------------------------------------


def test_objective_forecast_is_none_until_a_key_result_can_be_forecast() -> None:
    assert objective_forecast([]) is None
    assert objective_forecast([KRForecast(1, 0.4), KRForecast(2, 0.9)]) is None


def test_objective_forecast_weights_forecasts_and_todays_progress_for_the_rest() -> None:
    krs = [KRForecast(weight=1, progress=0.2, forecast=0.8), KRForecast(weight=3, progress=0.4)]
    assert objective_forecast(krs) == pytest.approx((0.8 * 1 + 0.4 * 3) / 4)


def test_objective_forecast_drops_cancelled_key_results() -> None:
    krs = [KRForecast(1, 0.1, 0.5), KRForecast(5, 0.0, 0.0, cancelled=True)]
    assert objective_forecast(krs) == pytest.approx(0.5)
    # A forecast on a cancelled key result alone does not make the objective forecastable.
    assert objective_forecast([KRForecast(1, 0.3), KRForecast(1, 0.0, 1.0, cancelled=True)]) is None


def test_objective_forecast_clamps_and_ignores_weightless_key_results() -> None:
    assert objective_forecast([KRForecast(1, 0.0, 1.4), KRForecast(0, 0.0, 0.0)]) == 1.0
    assert objective_forecast([KRForecast(0, 0.0, 0.6)]) is None


@given(
    st.lists(
        st.tuples(weights, unit, st.one_of(st.none(), unit), st.booleans()),
        min_size=1,
        max_size=12,
    )
)
def test_objective_forecast_stays_between_its_live_key_results(
    rows: list[tuple[float, float, float | None, bool]],
) -> None:
    krs = [KRForecast(w, p, f, c) for w, p, f, c in rows]
    result = objective_forecast(krs)
    live = [kr for kr in krs if not kr.cancelled]
    if not any(kr.forecast is not None for kr in live):
        assert result is None
        return
    landing = [kr.forecast if kr.forecast is not None else kr.progress for kr in live]
    assert result is not None
    assert min(landing) <= result <= max(landing)
