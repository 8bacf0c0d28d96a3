from datetime import UTC, datetime, timedelta

import pytest

from ambit.okrs.engine import Forecast, forecast

START = datetime(2025, 1, 1, tzinfo=UTC)
END = START + timedelta(days=90)


def day(n: float) -> datetime:
    return START + timedelta(days=n)


def run(kind, start, target, points, **kwargs):
    return forecast(
        kind=kind,
        start=start,
        target=target,
        cycle_start=START,
        cycle_end=END,
        points=[(day(d), v) for d, v in points],
        **kwargs,
    )


def check(result, end_value, attainment, progress, score, method):
    assert result is not None
    assert result.end_value == pytest.approx(end_value)
    if attainment is None:
        assert result.attainment is None
    else:
        assert result.attainment == pytest.approx(attainment)
    assert result.progress == pytest.approx(progress)
    assert result.score == score
    assert result.method == method


@pytest.mark.parametrize("kind", ["increase", "decrease", "stay_above", "stay_below", "milestones", "binary"])
def test_no_points_no_forecast(kind):
    assert run(kind, 0, 100, []) is None


@pytest.mark.parametrize(
    ("kind", "start", "target", "points", "end_value", "attainment", "progress", "score", "method"),
    [
        # one point: the line from the cycle's start value through it
        ("increase", 0, 100, [(30, 20)], 60, 0.6, 0.6, 0.6, "from_start"),
        ("increase", 0, 100, [(45, 80)], 160, 1.6, 1.0, 1.0, "from_start"),  # overshoot
        ("increase", 50, 100, [(45, 40)], 30, -0.4, 0.0, 0.0, "from_start"),  # going backwards
        ("decrease", 4, 3, [(45, 3.8)], 3.6, 0.4, 0.4, 0.4, "from_start"),
        ("decrease", 4, 3, [(30, 3.5)], 2.5, 1.5, 1.0, 1.0, "from_start"),
        # two points: least squares through the start value and both points
        ("increase", 0, 100, [(30, 20), (60, 40)], 60, 0.6, 0.6, 0.6, "from_start"),
        ("increase", 0, 100, [(60, 30), (30, 30)], 50, 0.5, 0.5, 0.5, "from_start"),
        ("decrease", 10, 0, [(30, 8), (60, 7)], 5 + 1 / 3, 0.4666666, 0.4666666, 0.5, "from_start"),
        # three or more: ordinary least squares through the points alone (start is not used)
        ("increase", 0, 100, [(30, 10), (60, 20), (75, 40)], 45, 0.45, 0.45, 0.5, "linear_fit"),
        ("increase", 1000, 2000, [(30, 1100), (60, 1200), (75, 1400)], 1450, 0.45, 0.45, 0.5, "linear_fit"),
        ("increase", 0, 100, [(10, 50), (20, 50), (30, 50), (40, 50)], 50, 0.5, 0.5, 0.5, "linear_fit"),
        ("decrease", 10, 5, [(30, 9), (60, 8), (80, 7)], 6.6842105, 0.6631579, 0.6631579, 0.7, "linear_fit"),
        # all readings at one instant: carried forward flat at the latest
        ("increase", 0, 100, [(30, 10), (30, 25)], 25, 0.25, 0.25, 0.3, "flat"),
        ("increase", 0, 100, [(30, 10), (30, 25), (30, 20)], 20, 0.2, 0.2, 0.2, "flat"),
        # a lone reading at the cycle's start has no slope to project
        ("increase", 0, 100, [(0, 35)], 35, 0.35, 0.35, 0.4, "flat"),
        # no start value: nothing anchors one point; two points are enough for a line
        ("increase", None, 100, [(30, 20)], 20, None, 0.0, 0.0, "flat"),
        ("increase", None, 100, [(30, 20), (60, 40)], 60, None, 0.0, 0.0, "linear_fit"),
        ("stay_above", None, 95, [(30, 99)], 99, 1.0, 1.0, 1.0, "flat"),
        # no target: projected, but not measurable
        ("increase", 0, None, [(30, 20)], 60, None, 0.0, 0.0, "from_start"),
        # stay kinds: the band applies to the projection at the cycle's end
        ("stay_above", 100, 95, [(30, 99), (60, 97), (75, 95)], 94, 0.0, 0.0, 0.0, "linear_fit"),
        # projected exactly onto the line: still inside
        ("stay_above", 100, 95, [(30, 99), (60, 97), (75, 96)], 95, 1.0, 1.0, 1.0, "linear_fit"),
        ("stay_above", 100, 95, [(30, 98), (60, 98), (75, 99)], 99, 1.0, 1.0, 1.0, "linear_fit"),
        ("stay_above", 100, 95, [(45, 98)], 96, 1.0, 1.0, 1.0, "from_start"),
        ("stay_below", 1, 2, [(30, 1.2), (60, 1.4)], 1.6, 1.0, 1.0, 1.0, "from_start"),
        ("stay_below", 1, 2, [(30, 1.5), (60, 2.0)], 2.5, 0.0, 0.0, 0.0, "from_start"),
        ("stay_below", 1, 2, [(30, 1.5)], 2.5, 0.0, 0.0, 0.0, "from_start"),
    ],
)
def test_value_kinds(kind, start, target, points, end_value, attainment, progress, score, method):
    check(run(kind, start, target, points), end_value, attainment, progress, score, method)


@pytest.mark.parametrize(
    ("kind", "points", "total", "end_value", "progress", "score", "method"),
    [
        ("milestones", [(30, 0.2)], 0, 0.6, 0.6, 0.6, "from_start"),
        ("milestones", [(30, 0.2), (60, 0.4)], 0, 0.6, 0.6, 0.6, "from_start"),
        ("milestones", [(30, 0.2), (60, 0.4)], 5, 0.6, 0.6, 0.6, "from_start"),
        ("milestones", [(30, 0.2), (60, 0.4)], 4, 0.6, 0.5, 0.5, "from_start"),  # 2.4 of 4 done -> 2
        ("milestones", [(30, 0.5)], 0, 1.0, 1.0, 1.0, "from_start"),  # projected 1.5, clamped
        ("milestones", [(20, 0.25), (40, 0.5), (60, 0.5)], 4, 0.7291667, 0.5, 0.5, "linear_fit"),  # 2.9 of 4
        ("milestones", [(30, 0.25), (30, 0.5)], 4, 0.5, 0.5, 0.5, "flat"),
        ("milestones", [(10, 0.6), (50, 0.5), (90, 0.1)], 0, 0.15, 0.15, 0.2, "linear_fit"),
        ("binary", [(30, 0.0), (60, 0.0)], 0, 0.0, 0.0, 0.0, "from_start"),
        ("binary", [(45, 1.0)], 0, 1.0, 1.0, 1.0, "from_start"),
        ("binary", [(30, 0.0), (45, 1.0)], 0, 1.0, 1.0, 1.0, "from_start"),
        ("binary", [(10, 0.0), (20, 0.0), (80, 1.0)], 0, 1.0, 1.0, 1.0, "linear_fit"),
        ("binary", [(10, 0.0), (50, 0.0), (60, 1.0)], 0, 1.0, 1.0, 1.0, "linear_fit"),  # projected 1.05
        # projected short of done
        ("binary", [(20, 0.0), (40, 0.0), (60, 0.0), (80, 0.5)], 0, 0.425, 0.0, 0.0, "linear_fit"),
        ("binary", [(60, 0.0), (60, 1.0)], 0, 1.0, 1.0, 1.0, "flat"),
    ],
)
def test_progress_kinds(kind, points, total, end_value, progress, score, method):
    result = run(kind, None, None, points, milestones_total=total)
    check(result, end_value, progress, progress, score, method)


def test_points_order_does_not_matter_and_flat_takes_latest_time():
    forward = run("increase", 0, 100, [(10, 5), (40, 30), (70, 40)])
    backward = run("increase", 0, 100, [(70, 40), (40, 30), (10, 5)])
    assert forward is not None
    assert backward is not None
    assert forward.end_value == pytest.approx(backward.end_value)


def test_forecast_is_a_frozen_value():
    result = run("increase", 0, 100, [(30, 20)])
    assert result == Forecast(pytest.approx(60), pytest.approx(0.6), pytest.approx(0.6), 0.6, "from_start")
    with pytest.raises(AttributeError):
        result.score = 1.0  # type: ignore[misc]


def test_unknown_kind_rejected():
    with pytest.raises(ValueError, match="'grow'"):
        run("grow", 0, 1, [(1, 1)])
