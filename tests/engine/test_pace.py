from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ambit.okrs.engine import (
    PaceThresholds,
    cycle_end_instant,
    expected_progress,
    is_stale,
    kr_status,
    objective_status,
    pace_status,
)

Q_START = date(2025, 1, 1)
# The cycle's last day, inclusive: 1 January to 31 March is 90 days. This was 1 April, when the
# end date was read as the instant the cycle ends, a day short of the forecast's end (issue 12).
Q_END = date(2025, 3, 31)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2024, 12, 1), 0.0),
        (Q_START, 0.0),
        (Q_START + timedelta(days=9), 0.1),
        (Q_START + timedelta(days=45), 0.5),
        (Q_START + timedelta(days=89), 89 / 90),  # the last day itself, at its start
        (Q_END, 89 / 90),
        (Q_END + timedelta(days=1), 1.0),  # once the last day is over
        (date(2025, 6, 1), 1.0),
    ],
)
def test_expected_progress_is_elapsed_share(on: date, expected: float) -> None:
    assert expected_progress(start=Q_START, end=Q_END, on=on) == pytest.approx(expected)


# A cycle whose first day is its last lasts that one day (it used to count as no time at all, so
# its one day already expected everything).
@pytest.mark.parametrize(
    ("on", "expected"), [(date(2025, 1, 2), 1.0), (date(2025, 1, 1), 0.0), (date(2024, 12, 31), 0.0)]
)
def test_expected_progress_one_day_period(on: date, expected: float) -> None:
    assert expected_progress(start=Q_START, end=Q_START, on=on) == expected


def test_expected_progress_rejects_end_before_start() -> None:
    with pytest.raises(ValueError, match="before start"):
        expected_progress(start=Q_END, end=Q_START, on=Q_START)


def test_expected_progress_with_datetimes_keeps_hours() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    end = datetime(2025, 1, 3, tzinfo=UTC)
    assert expected_progress(start=start, end=end, on=datetime(2025, 1, 1, 12, tzinfo=UTC)) == 0.25


# A back-loaded plan: 10% by day 30, 30% by day 60, then the rest.
PLAN = [(Q_START + timedelta(days=60), 0.3), (Q_START + timedelta(days=30), 0.1)]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (0, 0.0),
        (15, 0.05),
        (30, 0.1),
        (45, 0.2),
        (60, 0.3),
        (75, 0.65),
        (90, 1.0),
    ],
)
def test_expected_progress_follows_checkpoints(day: int, expected: float) -> None:
    on = Q_START + timedelta(days=day)
    assert expected_progress(start=Q_START, end=Q_END, on=on, checkpoints=PLAN) == pytest.approx(expected)


def test_checkpoints_outside_period_ignored_and_last_duplicate_wins() -> None:
    plan = [
        (Q_START - timedelta(days=5), 0.9),
        (Q_END + timedelta(days=1), 0.2),  # after the last day
        (Q_START + timedelta(days=30), 0.9),
        (Q_START + timedelta(days=30), 0.6),
        (Q_START + timedelta(days=60), 1.4),  # clamped to 1
    ]
    day = Q_START + timedelta(days=30)
    assert expected_progress(start=Q_START, end=Q_END, on=day, checkpoints=plan) == pytest.approx(0.6)
    day = Q_START + timedelta(days=15)
    assert expected_progress(start=Q_START, end=Q_END, on=day, checkpoints=plan) == pytest.approx(0.3)
    day = Q_START + timedelta(days=75)
    assert expected_progress(start=Q_START, end=Q_END, on=day, checkpoints=plan) == pytest.approx(1.0)


@given(
    length=st.integers(0, 400),
    a=st.integers(-50, 450),
    b=st.integers(-50, 450),
    plan=st.lists(st.tuples(st.integers(-10, 410), st.floats(0, 1)), max_size=5),
)
def test_expected_progress_monotone_in_on(length: int, a: int, b: int, plan: list[tuple[int, float]]) -> None:
    end = Q_START + timedelta(days=length)
    # A sensible plan never expects less later; sort the values along the dates.
    days = sorted(d for d, _ in plan)
    values = sorted(v for _, v in plan)
    checkpoints = [(Q_START + timedelta(days=d), v) for d, v in zip(days, values, strict=True)]
    early, late = sorted((a, b))
    for cps in ((), checkpoints):
        first = expected_progress(start=Q_START, end=end, on=Q_START + timedelta(days=early), checkpoints=cps)
        second = expected_progress(start=Q_START, end=end, on=Q_START + timedelta(days=late), checkpoints=cps)
        assert 0.0 <= first <= second <= 1.0


@pytest.mark.parametrize(
    ("progress", "expected", "status"),
    [
        (0.5, 0.5, "on_track"),
        (0.9, 0.5, "on_track"),
        (0.4, 0.5, "on_track"),  # gap exactly -0.10 (as floats: -0.09999999999999998)
        (0.3, 0.4, "on_track"),  # gap -0.10000000000000003, within float error of the threshold
        (0.0, 0.1, "on_track"),
        (0.39, 0.5, "at_risk"),
        (0.25, 0.5, "at_risk"),  # gap exactly -0.25
        (0.65, 0.9, "at_risk"),  # gap -0.25000000000000006
        (0.35, 0.6, "at_risk"),
        (0.24, 0.5, "behind"),
        (0.0, 0.5, "behind"),
        (0.0, 1.0, "behind"),
    ],
)
def test_pace_status_default_thresholds(progress: float, expected: float, status: str) -> None:
    assert pace_status(progress=progress, expected=expected) == status


@pytest.mark.parametrize(
    ("progress", "status"),
    [(0.95, "on_track"), (0.9499, "at_risk"), (0.8, "at_risk"), (0.7999, "behind")],
)
def test_pace_status_custom_thresholds(progress: float, status: str) -> None:
    thresholds = PaceThresholds(on_track=-0.05, at_risk=-0.2)
    assert pace_status(progress=progress, expected=1.0, thresholds=thresholds) == status


def test_thresholds_zero_means_any_shortfall_is_not_on_track() -> None:
    thresholds = PaceThresholds(on_track=0.0, at_risk=0.0)
    assert pace_status(progress=0.5, expected=0.5, thresholds=thresholds) == "on_track"
    assert pace_status(progress=0.49, expected=0.5, thresholds=thresholds) == "behind"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"on_track": 0.1}, "on_track"),
        ({"on_track": -0.3, "at_risk": -0.2}, "at_risk"),
        ({"at_risk": -0.05}, "at_risk"),
    ],
)
def test_thresholds_validated(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        PaceThresholds(**kwargs)


T0 = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("last", "now", "cadence", "grace", "stale"),
    [
        (T0, T0 + timedelta(days=10), 7, 3, False),  # exactly cadence + grace
        (T0, T0 + timedelta(days=10, seconds=1), 7, 3, True),
        (T0, T0 + timedelta(days=9, hours=23), 7, 3, False),
        (T0, T0 + timedelta(days=16), 14, 3, False),
        (T0, T0 + timedelta(days=17, minutes=1), 14, 3, True),
        (T0, T0 + timedelta(days=7), 7, 0, False),
        (T0, T0 + timedelta(days=7, seconds=1), 7, 0, True),
        (None, T0 + timedelta(days=10), 7, 3, False),  # clock runs from activation
        (None, T0 + timedelta(days=11), 7, 3, True),
        (T0 + timedelta(days=5), T0 + timedelta(days=11), 7, 3, False),
    ],
)
def test_is_stale(last: datetime | None, now: datetime, cadence: int, grace: int, stale: bool) -> None:
    result = is_stale(last_checkin_at=last, active_since=T0, now=now, cadence_days=cadence, grace_days=grace)
    assert result is stale


def test_is_stale_default_grace_is_three_days() -> None:
    assert not is_stale(last_checkin_at=T0, active_since=T0, now=T0 + timedelta(days=10), cadence_days=7)
    assert is_stale(last_checkin_at=T0, active_since=T0, now=T0 + timedelta(days=10, hours=1), cadence_days=7)


@pytest.mark.parametrize(("cadence", "grace", "field"), [(0, 3, "cadence_days"), (7, -1, "grace_days")])
def test_is_stale_validates(cadence: int, grace: int, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        is_stale(last_checkin_at=None, active_since=T0, now=T0, cadence_days=cadence, grace_days=grace)


@pytest.mark.parametrize(
    ("cancelled", "closed", "has_checkin", "stale", "progress", "expected", "status"),
    [
        (True, True, True, True, 1.0, 0.0, "cancelled"),
        (True, False, False, False, 0.0, 0.0, "cancelled"),
        (False, True, True, True, 0.0, 1.0, "closed"),
        (False, True, False, False, 0.0, 0.0, "closed"),
        (False, False, True, True, 1.0, 0.0, "stale"),  # silence is never green
        (False, False, False, True, 0.0, 0.0, "stale"),
        (False, False, True, False, 0.5, 0.5, "on_track"),
        (False, False, True, False, 0.3, 0.5, "at_risk"),
        (False, False, True, False, 0.1, 0.5, "behind"),
        (False, False, False, False, 0.0, 0.5, "not_started"),
        (False, False, False, False, 0.0, 0.0, "not_started"),
    ],
)
def test_kr_status_precedence(
    cancelled: bool, closed: bool, has_checkin: bool, stale: bool, progress: float, expected: float, status: str
) -> None:
    result = kr_status(
        cancelled=cancelled,
        closed=closed,
        has_checkin=has_checkin,
        stale=stale,
        progress=progress,
        expected=expected,
    )
    assert result == status


def test_kr_status_uses_custom_thresholds() -> None:
    strict = PaceThresholds(on_track=0.0, at_risk=-0.05)
    args: dict[str, Any] = {"cancelled": False, "closed": False, "has_checkin": True, "stale": False}
    assert kr_status(**args, progress=0.45, expected=0.5, thresholds=strict) == "at_risk"
    assert kr_status(**args, progress=0.45, expected=0.5) == "on_track"


@pytest.mark.parametrize(
    ("cancelled", "closed", "statuses", "progress", "expected", "status"),
    [
        (True, True, ["on_track"], 1.0, 0.0, "cancelled"),
        (False, True, ["stale", "stale"], 1.0, 0.0, "closed"),
        (False, False, ["stale", "stale"], 1.0, 0.0, "stale"),
        (False, False, ["stale", "cancelled"], 1.0, 0.0, "stale"),
        (False, False, ["stale"], 0.0, 1.0, "stale"),
        (False, False, [], 0.5, 0.5, "not_started"),
        (False, False, ["cancelled"], 0.5, 0.5, "not_started"),
        (False, False, ["not_started", "not_started"], 0.0, 0.6, "not_started"),
        (False, False, ["not_started", "cancelled"], 0.0, 0.6, "not_started"),
        (False, False, ["on_track", "not_started"], 0.5, 0.5, "on_track"),
        (False, False, ["behind", "on_track"], 0.3, 0.5, "at_risk"),  # from the objective's own progress
        (False, False, ["on_track", "on_track"], 0.1, 0.5, "behind"),
        (False, False, ["closed", "on_track"], 0.6, 0.5, "on_track"),
        # one stale key result keeps an on-pace objective from reading green
        (False, False, ["stale", "on_track"], 0.9, 0.5, "at_risk"),
        (False, False, ["stale", "not_started"], 0.5, 0.5, "at_risk"),
        (False, False, ["stale", "on_track"], 0.3, 0.5, "at_risk"),
        (False, False, ["stale", "on_track"], 0.1, 0.5, "behind"),
    ],
)
def test_objective_status(
    cancelled: bool, closed: bool, statuses: list[str], progress: float, expected: float, status: str
) -> None:
    result = objective_status(
        cancelled=cancelled,
        closed=closed,
        kr_statuses=statuses,
        progress=progress,
        expected=expected,
    )
    assert result == status


def test_objective_status_uses_custom_thresholds() -> None:
    lenient = PaceThresholds(on_track=-0.5, at_risk=-0.6)
    result = objective_status(
        cancelled=False,
        closed=False,
        kr_statuses=["behind"],
        progress=0.1,
        expected=0.5,
        thresholds=lenient,
    )
    assert result == "on_track"


def test_the_cycle_ends_at_the_end_of_its_last_day() -> None:
    paris = ZoneInfo("Europe/Paris")
    assert cycle_end_instant(Q_END, paris) == datetime(2025, 4, 1, tzinfo=paris)
    # The same end, whether the period is given as days or as instants.
    as_days = expected_progress(start=Q_START, end=Q_END, on=Q_START + timedelta(days=30))
    as_instants = expected_progress(
        start=datetime(2025, 1, 1, tzinfo=UTC),
        end=cycle_end_instant(Q_END, UTC),
        on=datetime(2025, 1, 31, tzinfo=UTC),
    )
    assert as_days == as_instants == pytest.approx(30 / 90)


def test_a_checkpoint_on_the_last_day_is_part_of_the_plan() -> None:
    plan = [(Q_END, 0.5)]
    assert expected_progress(start=Q_START, end=Q_END, on=Q_END, checkpoints=plan) == pytest.approx(0.5)
    assert expected_progress(start=Q_START, end=Q_END, on=Q_END + timedelta(days=1), checkpoints=plan) == 1.0
