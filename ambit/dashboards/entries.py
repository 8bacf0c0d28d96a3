"""The at-risk and stale lists of a dashboard summary, packed.

A large organisation's summary holds thousands of list entries (6,000 at risk and 2,300 stale at
10,000 people), and the summary is unpickled on every view: as tuples that was some 8,000 objects
built per request for the 40 rows a page shows. ``PackedEntries`` keeps them as one ``bytes``
value (a fixed-size record per entry), which pickles as a copy, and builds a ``ListEntry`` only
for the rows that are read: a page, or all of them for an export.
"""

from __future__ import annotations

import datetime as dt
import math
import struct
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple, overload


class ListEntry(NamedTuple):
    """One key result in the at-risk or stale list, with what the engine said about it."""

    kr_id: int
    status: str
    progress: float
    expected: float
    silent_since: dt.datetime | None = None
    days_silent: int = 0
    last_checkin_at: dt.datetime | None = None  # as of the day shown

    @property
    def gap(self) -> float:
        return self.progress - self.expected


# kr_id, status (index into the statuses), progress, expected, silent_since, days_silent,
# last_checkin_at (instants as microseconds since the epoch, -1 for none).
_RECORD = struct.Struct("<qBddqiq")
_NONE = -1
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _pack_when(when: dt.datetime | None) -> int:
    if when is None:
        return _NONE
    delta = when - _EPOCH  # aware datetimes only, as Django stores them with USE_TZ
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _unpack_when(value: int) -> dt.datetime | None:
    return None if value == _NONE else _EPOCH + dt.timedelta(microseconds=value)


class PackedEntries(Sequence[ListEntry]):
    """An immutable sequence of ``ListEntry``, stored as bytes (see the module's doc)."""

    def __init__(self, entries: Iterable[ListEntry] = ()) -> None:
        statuses: dict[str, int] = {}
        parts = []
        for e in entries:
            index = statuses.setdefault(e.status, len(statuses))
            if math.isnan(e.progress) or math.isnan(e.expected):
                raise ValueError(f"key result {e.kr_id}: progress and expected must be numbers")
            parts.append(
                _RECORD.pack(
                    e.kr_id,
                    index,
                    e.progress,
                    e.expected,
                    _pack_when(e.silent_since),
                    e.days_silent,
                    _pack_when(e.last_checkin_at),
                )
            )
        self._statuses = tuple(statuses)
        self._data = b"".join(parts)

    def _entry(self, i: int) -> ListEntry:
        kr_id, status, progress, expected, since, days, last = _RECORD.unpack_from(self._data, i * _RECORD.size)
        return ListEntry(
            kr_id, self._statuses[status], progress, expected, _unpack_when(since), days, _unpack_when(last)
        )

    def __len__(self) -> int:
        return len(self._data) // _RECORD.size

    @overload
    def __getitem__(self, index: int) -> ListEntry: ...
    @overload
    def __getitem__(self, index: slice) -> list[ListEntry]: ...
    def __getitem__(self, index: int | slice) -> ListEntry | list[ListEntry]:
        if isinstance(index, slice):
            return [self._entry(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("list entry index out of range")
        return self._entry(index)

    def __iter__(self) -> Iterator[ListEntry]:
        return (self._entry(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedEntries):
            return self._data == other._data and self._statuses == other._statuses
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PackedEntries({list(self)!r})"

    def __getstate__(self) -> tuple[tuple[str, ...], bytes]:
        return self._statuses, self._data

    def __setstate__(self, state: Any) -> None:
        self._statuses, self._data = state
