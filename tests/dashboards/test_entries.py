"""``PackedEntries`` gives back exactly what it was given, as a list would."""

from __future__ import annotations

import datetime as dt
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ambit.dashboards.entries import ListEntry, PackedEntries

instants = st.none() | st.datetimes(
    min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=st.just(dt.UTC)
)
entries = st.builds(
    ListEntry,
    kr_id=st.integers(min_value=1, max_value=2**62),
    status=st.sampled_from(["behind", "at_risk", "stale", "on_track"]),
    progress=st.floats(allow_nan=False, allow_infinity=False),
    expected=st.floats(min_value=0, max_value=1),
    silent_since=instants,
    days_silent=st.integers(min_value=0, max_value=100_000),
    last_checkin_at=instants,
)


@given(st.lists(entries, max_size=50))
def test_round_trip_through_pickle_keeps_every_field(values: list[ListEntry]) -> None:
    packed = pickle.loads(pickle.dumps(PackedEntries(values)))
    assert list(packed) == values and len(packed) == len(values)
    assert packed[3:7] == values[3:7] and packed == values
    if values:
        assert packed[0] == values[0] and packed[-1] == values[-1]


def test_entries_keep_their_time_zone_and_gap() -> None:
    when = dt.datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=dt.UTC)
    [entry] = PackedEntries([ListEntry(7, "stale", 0.25, 0.5, when, 12, None)])
    assert entry == ListEntry(7, "stale", 0.25, 0.5, when, 12, None)
    assert entry.silent_since is not None and entry.silent_since.utcoffset() == dt.timedelta(0)
    assert entry.gap == -0.25


def test_an_index_past_the_end_is_an_index_error() -> None:
    packed = PackedEntries([ListEntry(1, "behind", 0.1, 0.5)])
    with pytest.raises(IndexError):
        packed[1]
    assert packed[5:] == [] and PackedEntries() == []


def test_a_missing_number_is_refused_when_packed() -> None:
    with pytest.raises(ValueError, match="key result 3"):
        PackedEntries([ListEntry(3, "behind", float("nan"), 0.5)])
