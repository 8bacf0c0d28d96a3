import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ambit.okrs.engine import (
    FORECAST_METHODS,
    MIN_FORECAST_SPAN_DAYS,
    Forecast,
    Reading,
    cycle_end_instant,
    daily_readings,
    expected_progress,
    forecast,
    plausible_range,
    suggest_score,
)

START = datetime(2025, 1, 1, tzinfo=UTC)
END = START + timedelta(days=90)


def day(n: float) -> datetime:
    return START + timedelta(days=n)


def run(
    kind: str,
    start: float | None,
    target: float | None,
    points: Sequence[tuple[float, float]],
    created_at: datetime | None = START,
    **kwargs: Any,
) -> Forecast | None:
    # By default the key result existed when the cycle started, so its start value anchors the line.
    return forecast(
        kind=kind,
        start=start,
        target=target,
        cycle_start=START,
        cycle_end=END,
        points=[(day(d), v) for d, v in points],
        created_at=created_at,
        **kwargs,
    )


def check(
    result: Forecast | None, end_value: float, attainment: float | None, progress: float, score: float, method: str
) -> None:
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
def test_no_points_no_forecast(kind: str) -> None:
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
        # Readings of one day count once (the last of the day), and the start value anchors the
        # line. These used to be carried forward flat at the latest reading (25, 20).
        ("increase", 0, 100, [(30, 10), (30, 25)], 75, 0.75, 0.75, 0.8, "from_start"),
        ("increase", 0, 100, [(30, 10), (30, 25), (30, 20)], 60, 0.6, 0.6, 0.6, "from_start"),
        # no start value: two readings a month apart are enough for a line
        ("increase", None, 100, [(30, 20), (60, 40)], 60, None, 0.0, 0.0, "linear_fit"),
        # No target: projected (60) but clamped to what the readings and the start make plausible
        # (0 to 20, widened by its own width: at most 40); it used to be 60.
        ("increase", 0, None, [(30, 20)], 40, None, 0.0, 0.0, "from_start"),
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
def test_value_kinds(
    kind: str,
    start: float | None,
    target: float | None,
    points: list[tuple[float, float]],
    end_value: float,
    attainment: float | None,
    progress: float,
    score: float,
    method: str,
) -> None:
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
        # One day's readings count once; with the start anchor 0.5 on day 30 projects past done
        # (it used to be carried forward flat at 0.5).
        ("milestones", [(30, 0.25), (30, 0.5)], 4, 1.0, 1.0, 1.0, "from_start"),
        # A reading at the end of the cycle is the landing itself (it used to be fitted to 0.15).
        ("milestones", [(10, 0.6), (50, 0.5), (90, 0.1)], 0, 0.1, 0.1, 0.1, "flat"),
        ("milestones", [(10, 0.6), (50, 0.5), (89, 0.1)], 0, 0.1453856, 0.1453856, 0.1, "linear_fit"),
        ("binary", [(30, 0.0), (60, 0.0)], 0, 0.0, 0.0, 0.0, "from_start"),
        ("binary", [(45, 1.0)], 0, 1.0, 1.0, 1.0, "from_start"),
        ("binary", [(30, 0.0), (45, 1.0)], 0, 1.0, 1.0, 1.0, "from_start"),
        ("binary", [(10, 0.0), (20, 0.0), (80, 1.0)], 0, 1.0, 1.0, 1.0, "linear_fit"),
        ("binary", [(10, 0.0), (50, 0.0), (60, 1.0)], 0, 1.0, 1.0, 1.0, "linear_fit"),  # projected 1.05
        # projected short of done
        ("binary", [(20, 0.0), (40, 0.0), (60, 0.0), (80, 0.5)], 0, 0.425, 0.0, 0.0, "linear_fit"),
        # One day's readings count once: done on day 60, anchored at 0 (it used to be "flat").
        ("binary", [(60, 0.0), (60, 1.0)], 0, 1.0, 1.0, 1.0, "from_start"),
    ],
)
def test_progress_kinds(
    kind: str,
    points: list[tuple[float, float]],
    total: int,
    end_value: float,
    progress: float,
    score: float,
    method: str,
) -> None:
    result = run(kind, None, None, points, milestones_total=total)
    check(result, end_value, progress, progress, score, method)


def test_points_order_does_not_matter_and_flat_takes_latest_time() -> None:
    forward = run("increase", 0, 100, [(10, 5), (40, 30), (70, 40)])
    backward = run("increase", 0, 100, [(70, 40), (40, 30), (10, 5)])
    assert forward is not None
    assert backward is not None
    assert forward.end_value == pytest.approx(backward.end_value)


def test_forecast_is_a_frozen_value() -> None:
    result = run("increase", 0, 100, [(30, 20)])
    assert result is not None
    assert (result.end_value, result.attainment, result.progress) == pytest.approx((60, 0.6, 0.6))
    assert (result.score, result.method, result.reason) == (0.6, "from_start", None)
    with pytest.raises(AttributeError):
        result.score = 1.0  # type: ignore[misc]


def test_unknown_kind_rejected() -> None:
    with pytest.raises(ValueError, match="'grow'"):
        run("grow", 0, 1, [(1, 1)])


# --- The projected score (issue 12 item 2) -----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "start", "target", "points", "attainment", "progress", "score"),
    [
        # 30 by day 30 from 0: on course for 90 of 100 by day 90, a score of 0.9.
        ("increase", 0, 100, [(30, 30)], 0.9, 0.9, 0.9),
        # 45 by day 30: 135 projected, attainment 1.35; progress stops at 1, and so does the score.
        ("increase", 0, 100, [(30, 45)], 1.35, 1.0, 1.0),
        # 0.745 of the way (74.5 %): scores 0.7, the same tenths a final check-in there would score.
        ("increase", 0, 1000, [(30, 248.3333333333333)], 0.745, 0.745, 0.7),
        # A decrease projected beyond its target: progress 1, score 1.0.
        ("decrease", 200, 100, [(30, 150)], 1.5, 1.0, 1.0),
        # A stay-below key result projected outside its band: progress 0, score 0.0.
        ("stay_below", 10, 20, [(0, 10), (30, 18)], 0.0, 0.0, 0.0),
    ],
)
def test_projected_score_is_the_score_rule_applied_to_projected_progress(
    kind: str,
    start: float,
    target: float,
    points: list[tuple[float, float]],
    attainment: float,
    progress: float,
    score: float,
) -> None:
    result = run(kind, start, target, points)
    assert result is not None and result.progress is not None
    assert result.attainment == pytest.approx(attainment)
    assert result.progress == pytest.approx(progress)
    assert result.score == score == suggest_score(result.progress)


def test_a_forecast_cannot_carry_a_score_its_progress_does_not_earn() -> None:
    """The score is never set apart from the progress: it used to be read off attainment and
    printed alone ("land at 0.80") where another page printed the progress ("75 %")."""
    assert Forecast.landing(80.0, 0.8, 0.8, "linear_fit").score == 0.8
    assert Forecast.landing(130.0, 1.3, 1.0, "linear_fit").score == 1.0
    assert Forecast.landing(0.5, 0.5, 0.25, "linear_fit").score == 0.3  # half up, on the progress
    with pytest.raises(ValueError, match="suggest_score"):
        Forecast(80.0, 0.8, 0.8, 0.75, "linear_fit")
    with pytest.raises(ValueError, match="suggest_score"):
        Forecast(None, None, None, 0.5, None, "too_early")
    assert Forecast.too_early().score is None


# --- Too early to forecast ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "start", "target", "points", "created_at"),
    [
        # A lone reading on the cycle's first day stands in for the start value: one day of history.
        ("increase", 0, 100, [(0, 35)], START),
        # No start value: nothing anchors a single reading (these used to be carried flat).
        ("increase", None, 100, [(30, 20)], START),
        ("stay_above", None, 95, [(30, 99)], START),
        # Created mid-cycle: the start value was never its value on day 0, so no anchor.
        ("increase", 0, 100, [(30, 20)], day(25)),
        ("increase", 0, 100, [(30, 20), (36.9, 30)], day(25)),  # six days apart
        ("milestones", None, None, [(30, 0.2)], day(29)),
        # Three readings on three days still span two days only.
        ("increase", 0, 100, [(40, 10), (41, 20), (42, 30)], day(39)),
        # Unknown creation: never anchored.
        ("binary", None, None, [(45, 1.0)], None),
    ],
)
def test_too_early_until_the_history_spans_a_week(
    kind: str,
    start: float | None,
    target: float | None,
    points: list[tuple[float, float]],
    created_at: datetime | None,
) -> None:
    result = run(kind, start, target, points, created_at=created_at)
    assert result == Forecast(None, None, None, None, None, "too_early")
    assert result is not None
    assert result.is_too_early
    assert result.note == "Too early to forecast"


def test_a_week_of_history_is_enough() -> None:
    result = run("increase", 0, 100, [(30, 20), (37, 27)], created_at=day(25))
    assert result is not None and result.method == "linear_fit"
    assert result.end_value == pytest.approx(80)  # 1 a day from 20 on day 30
    assert result.note is None and not result.is_too_early
    assert MIN_FORECAST_SPAN_DAYS == 7


def test_created_on_the_first_day_still_anchors() -> None:
    late_that_day = START + timedelta(hours=15)
    anchored = run("increase", 0, 100, [(30, 20)], created_at=late_that_day)
    assert anchored is not None and anchored.method == "from_start"
    next_day = run("increase", 0, 100, [(30, 20)], created_at=day(1))
    assert next_day is not None and next_day.is_too_early


# --- The three reported cases (issue 12) ----------------------------------------------------


def test_three_check_ins_seconds_apart_are_too_early_not_173_million() -> None:
    """10, 20, 30 a few seconds apart on a 0→100 key result forecast 173,931,278."""
    when = day(40)
    readings = [(when, 10.0), (when + timedelta(seconds=3), 20.0), (when + timedelta(seconds=7), 30.0)]
    kw: dict[str, Any] = dict(
        kind="increase", start=0.0, target=100.0, cycle_start=START, cycle_end=END, points=readings
    )
    created_then = forecast(**kw, created_at=when - timedelta(minutes=5))
    assert created_then is not None and created_then.is_too_early
    creation_unknown = forecast(**kw)
    assert creation_unknown is not None and creation_unknown.is_too_early
    # Had the key result existed since the start, the line runs from 0 on day 0 to 30 on day 40.
    anchored = forecast(**kw, created_at=START)
    assert anchored is not None and anchored.method == "from_start"
    assert anchored.end_value == pytest.approx(30 / (40 + 7 / 86400) * 90)


def test_stay_below_zero_then_half_is_bounded() -> None:
    """A stay-below key result with readings 0 then 0.5 projected 6,620,108.9."""
    when = day(20)
    quick = [(when, 0.0), (when + timedelta(seconds=2), 0.5)]
    too_early = forecast(
        kind="stay_below", start=None, target=1.0, cycle_start=START, cycle_end=END, points=quick, created_at=when
    )
    assert too_early is not None and too_early.is_too_early
    # Spread over a week the fit climbs 0.5 in 7 days (to 5.5 by day 90): held to the plausible
    # range of the target and readings (0 to 1, widened by its width: at most 2).
    spread = [(when, 0.0), (when + timedelta(days=7), 0.5)]
    result = forecast(
        kind="stay_below", start=None, target=1.0, cycle_start=START, cycle_end=END, points=spread, created_at=when
    )
    assert result is not None
    assert result.end_value == 2.0
    assert (result.progress, result.score) == (0.0, 0.0)


def test_a_reading_before_the_cycle_start_never_makes_the_forecast_negative() -> None:
    """A reading dated before the cycle start gave -94.8 and -146."""
    points = [(-20, 40), (10, 20), (20, 25)]
    result = run("increase", 0, 100, points)
    assert result is not None
    # The early reading counts on day 0; the falling line would end at -31.7, but a 0→100 key
    # result cannot go below zero.
    assert result.end_value == 0.0
    assert result.progress == 0.0 and result.attainment == 0.0
    assert daily_readings([(day(-20), 40.0)], cycle_start=START, cycle_end=END) == [(START, 40.0)]


# --- One reading per day, corrections in place ----------------------------------------------


def test_daily_readings_keep_the_last_of_each_day() -> None:
    points = [
        (day(3) + timedelta(hours=9), 1.0),
        (day(1) + timedelta(hours=8), 5.0),
        (day(3) + timedelta(hours=17), 2.0),
        (day(3) + timedelta(hours=12), 3.0),
        (day(-5), 7.0),
        (day(-1), 8.0),
        (day(200), 9.0),
        (day(4), float("nan")),
    ]
    assert daily_readings(points, cycle_start=START, cycle_end=END) == [
        (START, 8.0),
        (day(1) + timedelta(hours=8), 5.0),
        (day(3) + timedelta(hours=17), 2.0),
        (END, 9.0),
    ]


def test_days_are_the_organisations_calendar_days() -> None:
    paris = ZoneInfo("Europe/Paris")
    start = datetime(2025, 3, 1, tzinfo=paris)
    # 23:30 UTC on the 5th is already the 6th in Paris: one day with the morning reading after it.
    late = datetime(2025, 3, 5, 23, 30, tzinfo=UTC)
    morning = datetime(2025, 3, 6, 9, tzinfo=paris)
    out = daily_readings([(late, 1.0), (morning, 2.0)], cycle_start=start, cycle_end=start + timedelta(days=30))
    assert out == [(morning, 2.0)]


def test_a_correction_replaces_what_it_corrects() -> None:
    readings = [
        Reading(day(10), 10.0, id=1),
        Reading(day(20), 90.0, id=2),  # a typo, corrected on day 30
        Reading(day(30), 20.0, id=3, corrects=2),
        Reading(day(31), 21.0, id=4, corrects=3),  # a correction of the correction
        Reading(day(40), 35.0, id=5, corrects=99),  # corrects something not given: counts itself
    ]
    assert daily_readings(readings, cycle_start=START, cycle_end=END) == [
        (day(10), 10.0),
        (day(20), 21.0),
        (day(40), 35.0),
    ]
    result = forecast(
        kind="increase", start=0, target=100, cycle_start=START, cycle_end=END, points=readings, created_at=START
    )
    assert result is not None
    assert result.method == "linear_fit"
    assert result.end_value == pytest.approx(76.2857142857)  # the line through 10, 21, 35 on days 10, 20, 40


# --- Plausible range ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "start", "target", "stretch", "readings", "bounds"),
    [
        ("increase", 0, 100, None, [50], (0, 200)),  # -100 is past zero, which 0→100 never crosses
        ("increase", 0, 100, 150, [50], (0, 300)),  # the stretch target is the goal
        ("increase", 10, 20, None, [12], (0, 30)),
        ("increase", -50, 50, None, [0], (-150, 150)),  # the plan crosses zero
        ("increase", 0, 100, None, [500], (0, 500)),  # it can land where it already is
        ("increase", 0, 100, None, [-20], (-100, 200)),  # already below zero: zero is no floor
        ("decrease", 4, 3, None, [3.8], (2, 5)),
        ("decrease", 100, 0, None, [80], (0, 200)),
        ("decrease", -10, -20, None, [-12], (-30, 0)),  # never above zero
        ("stay_above", None, 95, None, [99, 97], (91, 103)),
        ("stay_below", 1, 2, None, [1.5], (0, 3)),
        ("increase", 5, 5, None, [5], (5, 5)),  # no distance, nothing else seen: nowhere to go
        ("increase", None, 100, None, [20, 40], (0, 180)),
    ],
)
def test_plausible_range(
    kind: str,
    start: float | None,
    target: float,
    stretch: float | None,
    readings: list[float],
    bounds: tuple[float, float],
) -> None:
    assert plausible_range(kind, start=start, target=target, stretch=stretch, readings=readings) == pytest.approx(
        bounds
    )


def test_stretch_target_widens_the_landing() -> None:
    points = [(20, 80), (40, 160)]  # 4 a day: 360 by day 90
    planned = run("increase", 0, 100, points)
    assert planned is not None and planned.end_value == 200  # held to twice the planned distance
    stretched = run("increase", 0, 100, points, stretch=150)
    assert stretched is not None and stretched.end_value == 300  # twice the distance to the stretch


# --- The cycle's end: one definition for pace and forecast ------------------------------------


def test_forecast_horizon_is_where_expected_progress_reaches_one() -> None:
    first, last = date(2025, 1, 1), date(2025, 3, 31)
    tz = ZoneInfo("Europe/Paris")
    cycle_start = datetime(2025, 1, 1, tzinfo=tz)
    cycle_end = cycle_end_instant(last, tz)
    assert cycle_end == datetime(2025, 4, 1, tzinfo=tz)
    assert expected_progress(start=first, end=last, on=last) < 1.0  # the last day is still running
    assert expected_progress(start=first, end=last, on=last + timedelta(days=1)) == 1.0
    # A key result that checks in exactly on the expected pace is forecast to land exactly on target.
    days = [first + timedelta(days=n) for n in (7, 21, 35, 49)]
    readings = [
        (datetime.combine(d, datetime.min.time(), tzinfo=tz), 100 * expected_progress(start=first, end=last, on=d))
        for d in days
    ]
    result = forecast(
        kind="increase",
        start=0,
        target=100,
        cycle_start=cycle_start,
        cycle_end=cycle_end,
        points=readings,
        created_at=cycle_start,
    )
    assert result is not None
    assert result.end_value == pytest.approx(100)
    assert result.score == 1.0


def test_cycle_end_must_follow_its_start() -> None:
    with pytest.raises(ValueError, match="after cycle_start"):
        forecast(kind="increase", start=0, target=1, cycle_start=START, cycle_end=START, points=[(START, 1)])


# --- Properties over random histories -------------------------------------------------------

KINDS = ("increase", "decrease", "stay_above", "stay_below", "milestones", "binary")
# Stored values have four decimal places (DecimalField(18, 4)).
VALUES = st.floats(min_value=-1e7, max_value=1e7, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 4))
# Seconds from the cycle start: from a month before it to a month after its end.
OFFSETS = st.integers(min_value=-30 * 86400, max_value=120 * 86400)


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[datetime, float]]:
    """Readings at random times, with bursts seconds apart, some before the start or after the end."""
    readings: list[tuple[datetime, float]] = []
    for _ in range(draw(st.integers(0, 6))):
        base = draw(OFFSETS)
        for gap in draw(st.lists(st.integers(0, 30), min_size=1, max_size=4)):
            readings.append((START + timedelta(seconds=base + gap), draw(VALUES)))
    return readings


# kind, start, target, stretch
KeyResultSpec = tuple[str, float | None, float | None, float | None]


@st.composite
def key_results(draw: st.DrawFn) -> KeyResultSpec:
    kind = draw(st.sampled_from(KINDS))
    if kind in ("milestones", "binary"):
        return kind, None, None, None
    start = draw(st.none() | VALUES) if kind.startswith("stay") else draw(VALUES)
    target = draw(VALUES)
    stretch = None
    if kind in ("increase", "decrease") and target != start and draw(st.booleans()):
        further = draw(st.floats(min_value=0, max_value=1e6))
        stretch = target + further if kind == "increase" else target - further
    return kind, start, target, stretch


CREATED = st.none() | OFFSETS.map(lambda s: START + timedelta(seconds=s))


def _progress_points(points: list[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
    return [(when, min(1.0, max(0.0, value / 1e7 + 0.5))) for when, value in points]


@settings(max_examples=300, deadline=None)
@given(kr=key_results(), points=histories(), created_at=CREATED)
def test_forecast_is_finite_and_within_its_bounds(
    kr: KeyResultSpec, points: list[tuple[datetime, float]], created_at: datetime | None
) -> None:
    kind, start, target, stretch = kr
    if kind in ("milestones", "binary"):
        points = _progress_points(points)
    result = forecast(
        kind=kind,
        start=start,
        target=target,
        stretch=stretch,
        cycle_start=START,
        cycle_end=END,
        points=points,
        created_at=created_at,
    )
    if not points:
        assert result is None
        return
    assert result is not None
    if result.is_too_early:
        assert (result.end_value, result.progress, result.score, result.method) == (None, None, None, None)
        return
    assert result.method in FORECAST_METHODS
    assert result.end_value is not None and result.progress is not None and result.score is not None
    assert math.isfinite(result.end_value)
    assert 0.0 <= result.progress <= 1.0
    assert 0.0 <= result.score <= 1.0
    assert result.score == suggest_score(result.progress)  # one score rule, read off the progress
    if result.attainment is not None:
        assert math.isfinite(result.attainment)
    if kind in ("milestones", "binary"):
        assert 0.0 <= result.end_value <= 1.0
    else:
        daily = [v for _, v in daily_readings(points, cycle_start=START, cycle_end=END)]
        low, high = plausible_range(kind, start=start, target=target, stretch=stretch, readings=daily)
        assert low <= result.end_value <= high


@settings(max_examples=200, deadline=None)
@given(
    kr=key_results(),
    first=st.integers(0, 83 * 86400),
    window=st.integers(0, 6 * 86400),
    values=st.lists(VALUES, min_size=1, max_size=8),
    created_after=st.integers(0, 86400 * 5),
)
def test_too_early_when_the_history_is_shorter_than_a_week(
    kr: KeyResultSpec, first: int, window: int, values: list[float], created_after: int
) -> None:
    """Readings within a six-day window, on a key result created after the cycle's first day."""
    kind, start, target, stretch = kr
    first_at = START + timedelta(days=1, seconds=first)
    times = [first_at + timedelta(seconds=window * i // max(1, len(values) - 1)) for i in range(len(values))]
    points = list(zip(times, values, strict=True))
    if kind in ("milestones", "binary"):
        points = _progress_points(points)
    created_at = START + timedelta(days=1, seconds=created_after)
    result = forecast(
        kind=kind,
        start=start,
        target=target,
        stretch=stretch,
        cycle_start=START,
        cycle_end=END,
        points=points,
        created_at=created_at,
    )
    assert result is not None and result.is_too_early


@settings(max_examples=200, deadline=None)
@given(
    kr=key_results(),
    points=histories(),
    created_at=CREATED,
    last_day=st.integers(1, 89),
    value=VALUES,
    raise_by=st.floats(min_value=0, max_value=1e7),
)
def test_raising_the_latest_reading_never_lowers_the_forecast(
    kr: KeyResultSpec,
    points: list[tuple[datetime, float]],
    created_at: datetime | None,
    last_day: int,
    value: float,
    raise_by: float,
) -> None:
    kind, start, target, stretch = kr
    if kind not in ("increase", "decrease"):
        return
    # The latest reading of the history, after everything else and before the cycle ends.
    last_at = START + timedelta(days=last_day, hours=23, minutes=59)
    earlier = [(when, v) for when, v in points if when < START + timedelta(days=last_day)]

    def landing(latest: float) -> Forecast:
        result = forecast(
            kind=kind,
            start=start,
            target=target,
            stretch=stretch,
            cycle_start=START,
            cycle_end=END,
            points=[*earlier, (last_at, latest)],
            created_at=created_at,
        )
        assert result is not None
        return result

    low, high = landing(value), landing(value + raise_by)
    assert low.is_too_early == high.is_too_early
    if not low.is_too_early:
        assert high.end_value is not None and low.end_value is not None
        assert high.end_value >= low.end_value - 1e-6 * (1 + abs(low.end_value))


@settings(max_examples=200, deadline=None)
@given(kr=key_results(), steps=st.lists(st.tuples(st.integers(1, 20), st.floats(0, 1e5)), min_size=2, max_size=8))
def test_a_history_that_never_falls_is_never_forecast_below_its_first_reading(
    kr: KeyResultSpec, steps: list[tuple[int, float]]
) -> None:
    kind, start, target, stretch = kr
    if kind not in ("increase", "decrease"):
        return
    points: list[tuple[datetime, float]] = []
    when, value = START + timedelta(days=1), 0.0 if start is None else start
    for gap, rise in steps:
        when += timedelta(days=gap)
        value += rise
        points.append((min(when, END - timedelta(hours=1)), value))
    # Created after the start: the line goes through the readings alone.
    result = forecast(
        kind=kind,
        start=start,
        target=target,
        stretch=stretch,
        cycle_start=START,
        cycle_end=END,
        points=points,
        created_at=START + timedelta(days=1),
    )
    assert result is not None
    if not result.is_too_early:
        first = daily_readings(points, cycle_start=START, cycle_end=END)[0][1]
        assert result.end_value is not None and result.end_value >= first - 1e-6 * (1 + abs(first))
