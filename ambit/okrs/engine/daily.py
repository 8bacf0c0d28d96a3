"""The forecast's daily readings kept between writes: :class:`DailyState`.

``forecast.daily_readings`` reduces a whole history to one reading per calendar day, each day's
last, a correction standing in for the reading it corrects. Done from every check-in on every
write, its cost grows with the history (an automated feed writes many times a day). This state
gives the same readings, exactly, and takes new check-ins in any number of chunks at a cost bound
by the days of the cycle, not by the check-ins behind them.

How ``daily_readings`` sees a history (``forecast._corrected``): readings in order of
``(at, id)`` (the order the database gives them), each one either opening a *slot* — its time
and value — or, when it corrects a reading already seen (through chains of corrections), putting
its value in that reading's slot. A day's reading is its last slot (in that order) whose value
is finite, at its time moved into the cycle.

What is kept, per day: the slots from that day's last finite one on (every slot of the day while
none of its slots is finite), each with the ids of every reading that maps to it (its opener and
the corrections of it, chains included). A slot before the day's last finite one is *shadowed*:
whatever a later correction puts in it, the day still shows the finite slot after it. So:

- a new reading opens a slot in its day, after the kept ones or (a back-dated one) in its place
  among them, or before the day's last finite slot, where it is shadowed and nothing is kept;
- a correction of a reading seen before it either lands in a kept slot (its id among the kept
  ones): the slot takes its value unless a later correction already set it, as in the full pass;
  or in a shadowed slot: no effect on any day, and it must not open a slot of its own;
- a correction of a reading not seen before it (not a reading of this history, or one later in
  the order) opens a slot of its own, as in the full pass.

Whether a corrected reading was "seen" cannot be told from the kept days alone (shadowed ids are
not kept, so the state stays small): the caller says, with ``targets``, where each corrected
reading sits in the order when it is a reading of the history at all.

The one thing the kept slots cannot answer is a day whose last finite slot is corrected to a
non-finite value while shadowed slots stand before it: :meth:`DailyState.add` then answers False
and the caller builds the state again from the whole history (:meth:`DailyState.build`).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from .forecast import Reading, _day

# A reading's place in the order: its time, then its id (the database's order of check-ins).
Key = tuple[datetime, int]


def reading_key(reading: Reading) -> Key:
    """Where ``reading`` sits in a history's order; the state needs every reading's id."""
    if reading.id is None:
        raise ValueError(f"A kept history needs every reading's id: {reading!r} has none")
    return reading.at, reading.id


@dataclass(slots=True)
class _Slot:
    key: Key  # the reading that opened it
    moved: datetime  # its time moved into the cycle
    value: float
    fixed: Key  # the reading whose value it holds: its opener or the latest correction in the order
    ids: list[int]  # every reading that maps to it


@dataclass(slots=True)
class _Day:
    slots: list[_Slot]  # from the day's last finite slot on; every slot of the day while ``whole``
    whole: bool


@dataclass(slots=True)
class DailyState:
    """One history's daily readings, kept so that later readings can be added in chunks."""

    cycle_start: datetime
    cycle_end: datetime
    days: dict[date, _Day]

    @classmethod
    def build(cls, readings: Sequence[Reading], *, cycle_start: datetime, cycle_end: datetime) -> DailyState:
        """The state of a whole history, by the full pass ``daily_readings`` makes."""
        slots: list[_Slot] = []
        slot_of: dict[int, _Slot] = {}
        for reading in sorted(readings, key=reading_key):
            key = reading_key(reading)
            slot = slot_of.get(reading.corrects) if reading.corrects is not None else None
            if slot is None:
                slot = _Slot(key, min(max(reading.at, cycle_start), cycle_end), reading.value, key, [])
                slots.append(slot)
            else:
                slot.value, slot.fixed = reading.value, key
            slot.ids.append(key[1])
            slot_of[key[1]] = slot
        by_day: dict[date, list[_Slot]] = {}
        for slot in slots:
            by_day.setdefault(_day(slot.moved, cycle_start), []).append(slot)
        state = cls(cycle_start, cycle_end, {})
        for day, kept in by_day.items():
            state.days[day] = _Day(kept, whole=True)
            state._settle(state.days[day])
        return state

    def add(self, readings: Sequence[Reading], targets: Mapping[int, Key]) -> bool:
        """Add readings not in the state yet (newer ids than every one in it, at any time).

        ``targets`` gives, for the readings they correct that are readings of this history but
        not among ``readings``, where they sit in the order (``reading_key``); a corrected id
        missing from it and from ``readings`` is not a reading of this history. False when the
        kept slots cannot say the result (see the module's docstring): build the state again."""
        added = sorted(readings, key=reading_key)
        order = {**targets, **{r.id: reading_key(r) for r in added if r.id is not None}}
        kept: dict[int, tuple[_Day, _Slot]] | None = None
        for reading in added:
            key = reading_key(reading)
            corrects = reading.corrects
            if corrects is not None and corrects in order and order[corrects] < key:
                if kept is None:
                    kept = {i: (d, s) for d in self.days.values() for s in d.slots for i in s.ids}
                # A slot dropped from its day since this map was made is shadowed now: changing
                # it changes no day, as for a slot never kept.
                found = kept.get(corrects)
                if found is None:
                    continue  # a shadowed slot: no day shows it
                day, slot = found
                if key > slot.fixed:
                    slot.value, slot.fixed = reading.value, key
                slot.ids.append(key[1])
                kept[key[1]] = found
                if not self._settle(day):
                    return False
                continue
            slot = _Slot(key, min(max(reading.at, self.cycle_start), self.cycle_end), reading.value, key, [key[1]])
            opened = self._open(slot)
            if opened is not None and kept is not None:
                kept[key[1]] = (opened, slot)
        return True

    def _open(self, slot: _Slot) -> _Day | None:
        """Put a new slot in its day; the day when it is kept there, None when shadowed."""
        on = _day(slot.moved, self.cycle_start)
        day = self.days.get(on)
        if day is None:
            day = self.days[on] = _Day([slot], whole=True)
            return day
        first = day.slots[0]
        if slot.key < first.key and math.isfinite(first.value):
            day.whole = False  # before the day's last finite slot: shadowed
            return None
        bisect.insort(day.slots, slot, key=lambda s: s.key)
        self._settle(day)
        return day if any(s is slot for s in day.slots) else None

    @staticmethod
    def _settle(day: _Day) -> bool:
        """Keep the day's slots from its last finite one on; False when a shadowed slot, not
        kept, might now be the day's reading."""
        last = next((i for i in range(len(day.slots) - 1, -1, -1) if math.isfinite(day.slots[i].value)), None)
        if last is None:
            return day.whole
        if last > 0:
            del day.slots[:last]
            day.whole = False
        return True

    def daily(self) -> list[tuple[datetime, float]]:
        """What ``daily_readings`` gives for every reading added: one (time, value) per day."""
        out = []
        for on in sorted(self.days):
            slot = self.days[on].slots[0]
            if math.isfinite(slot.value):
                out.append((slot.moved, slot.value))
        return out
