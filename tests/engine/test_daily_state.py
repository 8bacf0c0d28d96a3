"""The daily readings kept between writes (``engine.daily.DailyState``) are, for every history fed
in any chunks, exactly what ``daily_readings`` makes of the whole, and so is the forecast."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ambit.okrs.engine import Reading, daily_readings, forecast
from ambit.okrs.engine.daily import DailyState, Key, reading_key
from ambit.okrs.engine.forecast import forecast_daily

ZONES = [UTC, ZoneInfo("Pacific/Auckland"), ZoneInfo("America/Los_Angeles"), ZoneInfo("Asia/Kolkata")]
START = datetime(2025, 1, 1, tzinfo=UTC)
END = START + timedelta(days=30)


@dataclass(frozen=True)
class Row:
    """A check-in as the database holds it: ids in the order written, any time; ``given`` False
    for one the forecast does not read (a value key result's check-in without a value)."""

    id: int
    at: datetime
    value: float
    corrects: int | None
    given: bool

    @property
    def reading(self) -> Reading:
        return Reading(at=self.at, value=self.value, id=self.id, corrects=self.corrects)


def full(rows: list[Row], cycle_start: datetime, cycle_end: datetime) -> list[tuple[datetime, float]]:
    """Today's computation: the given readings in the database's order, all at once."""
    readings = sorted((r.reading for r in rows if r.given), key=reading_key)
    return daily_readings(readings, cycle_start=cycle_start, cycle_end=cycle_end)


def targets_of(chunk: list[Row], before: list[Row]) -> dict[int, Key]:
    """What the caller knows of the rows a chunk corrects (one join): where each sits in the
    order, when it is a reading of this history."""
    earlier = {r.id: r for r in before if r.given}
    return {r.corrects: reading_key(earlier[r.corrects].reading) for r in chunk if r.corrects in earlier}


def feed(rows: list[Row], cuts: list[int], cycle_start: datetime, cycle_end: datetime) -> None:
    """Feed ``rows`` (ids ascending) cut into chunks, checking every prefix against the full pass."""
    bounds = sorted({0, len(rows), *(c % (len(rows) + 1) for c in cuts)})
    state = DailyState.build([], cycle_start=cycle_start, cycle_end=cycle_end)
    for lo, hi in itertools.pairwise(bounds):
        chunk, before = rows[lo:hi], rows[:lo]
        if not state.add([r.reading for r in chunk if r.given], targets_of(chunk, before)):
            given_so_far = [r.reading for r in rows[:hi] if r.given]
            state = DailyState.build(given_so_far, cycle_start=cycle_start, cycle_end=cycle_end)
        assert state.daily() == full(rows[:hi], cycle_start, cycle_end), (lo, hi)
        # A round trip through the cache keeps it.
        assert (
            DailyState.build(
                [r.reading for r in rows[:hi] if r.given], cycle_start=cycle_start, cycle_end=cycle_end
            ).daily()
            == state.daily()
        )


values = st.one_of(
    st.integers(-50, 150).map(float),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from([math.nan, math.inf, -math.inf]),
)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Row], list[int], datetime, datetime]:
    zone = draw(st.sampled_from(ZONES))
    cycle_start = datetime(2025, 1, 1, tzinfo=zone)
    cycle_end = cycle_start + timedelta(days=draw(st.integers(3, 20)))
    # A few instants shared by several check-ins, hours around and outside the cycle.
    instants = draw(st.lists(st.integers(-72, 24 * 24), min_size=1, max_size=12))
    n = draw(st.integers(0, 40))
    rows: list[Row] = []
    for i in range(1, n + 1):
        hour = draw(st.sampled_from(instants) | st.integers(-96, 24 * 24))
        at = (cycle_start + timedelta(hours=hour, minutes=draw(st.sampled_from([0, 0, 17])))).astimezone(
            draw(st.sampled_from(ZONES))
        )
        corrects = None
        if i > 1 and draw(st.booleans()):
            # An earlier check-in (chains come by themselves), or one not in this history.
            corrects = draw(st.integers(1, i - 1) | st.just(10_000 + i))
        value = draw(values)
        given = draw(st.integers(0, 9)) > 0
        rows.append(Row(i, at, value, corrects, given))
    cuts = draw(st.lists(st.integers(0, 60), max_size=8))
    return rows, cuts, cycle_start, cycle_end


@settings(max_examples=400, deadline=None)
@given(histories())
def test_fed_in_any_chunks_the_state_is_the_full_pass(history: tuple[list[Row], list[int], datetime, datetime]) -> None:
    rows, cuts, cycle_start, cycle_end = history
    feed(rows, cuts, cycle_start, cycle_end)


@settings(max_examples=200, deadline=None)
@given(histories(), st.sampled_from(["increase", "decrease", "stay_above", "milestones", "binary"]))
def test_the_forecast_from_the_state_is_the_forecast(
    history: tuple[list[Row], list[int], datetime, datetime], kind: str
) -> None:
    rows, _, cycle_start, cycle_end = history
    state = DailyState.build([], cycle_start=cycle_start, cycle_end=cycle_end)
    for row in rows:  # one write at a time, as the check-ins come
        earlier = rows[: row.id - 1]
        if not state.add([row.reading] if row.given else [], targets_of([row], earlier)):
            state = DailyState.build(
                [r.reading for r in rows[: row.id] if r.given], cycle_start=cycle_start, cycle_end=cycle_end
            )
    readings = sorted((r.reading for r in rows if r.given), key=reading_key)
    today = forecast(
        kind=kind,
        start=0.0,
        target=100.0,
        cycle_start=cycle_start,
        cycle_end=cycle_end,
        points=readings,
        created_at=START,
    )
    kept = forecast_daily(
        kind=kind,
        start=0.0,
        target=100.0,
        cycle_start=cycle_start,
        cycle_end=cycle_end,
        daily=state.daily(),
        created_at=START,
    )
    assert kept == today


def _rows(*spec: tuple[float, float, int | None]) -> list[Row]:
    """(day, value, corrects) in the order written."""
    return [Row(i, START + timedelta(days=d), v, c, True) for i, (d, v, c) in enumerate(spec, start=1)]


def test_a_correction_of_a_reading_not_its_days_last_changes_nothing_and_is_no_new_reading() -> None:
    rows = _rows((1.1, 10.0, None), (1.5, 20.0, None), (2.0, 30.0, None), (2.5, 99.0, 1))
    feed(rows, [1, 2, 3], START, END)
    state = DailyState.build([r.reading for r in rows[:3]], cycle_start=START, cycle_end=END)
    assert state.add([rows[3].reading], {1: reading_key(rows[0].reading)})
    assert state.daily() == [(START + timedelta(days=1.5), 20.0), (START + timedelta(days=2), 30.0)]


def test_chains_of_corrections_and_back_dated_check_ins_land_in_place() -> None:
    rows = _rows(
        (3.0, 10.0, None),
        (4.0, 11.0, 1),  # corrects day 3
        (5.0, 12.0, 2),  # corrects the correction: still day 3
        (1.0, 5.0, None),  # back-dated: day 1
        (3.5, 7.0, None),  # back-dated after day 3's slot: day 3 now reads 7
        (6.0, 8.0, 3),  # a third link of the chain: shadowed on day 3
        (-4.0, 1.0, None),  # before the cycle: its first day
    )
    for cuts in ([1, 2, 3, 4, 5, 6], [3], [5], []):
        feed(rows, cuts, START, END)
    assert full(rows, START, END) == [
        (START, 1.0),
        (START + timedelta(days=1), 5.0),
        (START + timedelta(days=3.5), 7.0),
    ]


def test_a_days_last_reading_corrected_to_nothing_asks_for_the_whole_history() -> None:
    rows = _rows((1.1, 10.0, None), (1.5, 20.0, None), (2.0, math.nan, 2))
    state = DailyState.build([r.reading for r in rows[:2]], cycle_start=START, cycle_end=END)
    assert not state.add([rows[2].reading], {2: reading_key(rows[1].reading)})
    rebuilt = DailyState.build([r.reading for r in rows], cycle_start=START, cycle_end=END)
    assert rebuilt.daily() == full(rows, START, END) == [(START + timedelta(days=1.1), 10.0)]


def test_the_state_needs_every_readings_id() -> None:
    with pytest.raises(ValueError, match="id"):
        DailyState.build([Reading(at=START, value=1.0)], cycle_start=START, cycle_end=END)


def test_a_back_dated_correction_does_not_undo_a_later_one() -> None:
    rows = _rows(
        (1.0, 10.0, None),
        (3.0, 30.0, 1),  # day 1 reads 30
        (2.0, 20.0, 1),  # written later, dated before the correction above: day 1 still reads 30
    )
    for cuts in ([1, 2], [2], []):
        feed(rows, cuts, START, END)
    assert full(rows, START, END) == [(START + timedelta(days=1), 30.0)]
