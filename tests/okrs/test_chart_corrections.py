"""Charts drop a corrected check-in's value and draw its correction in its place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ambit.okrs import charts
from ambit.okrs.plausibility import unusual_value_concerns

T0 = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)


def _at(days: int) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


def test_a_corrected_value_is_not_drawn_and_its_fix_takes_its_place() -> None:
    points = [
        charts.CheckInPoint(when=_at(0), value=10, id=1),
        charts.CheckInPoint(when=_at(7), value=400, id=2),  # a slip: 40 was meant
        charts.CheckInPoint(when=_at(8), value=40, id=3, corrects=2),
        charts.CheckInPoint(when=_at(14), value=50, id=4),
    ]
    series = charts.kr_progress_series(kind="increase", start=0, target=100, points=points)
    assert series == [(_at(0), 0.1), (_at(7), 0.4), (_at(14), 0.5)]


def test_chains_of_corrections_keep_the_last_fix() -> None:
    points = [
        charts.CheckInPoint(when=_at(0), value=400, id=1),
        charts.CheckInPoint(when=_at(1), value=4, id=2, corrects=1),
        charts.CheckInPoint(when=_at(2), value=40, id=3, corrects=2),
    ]
    assert charts.kr_progress_series(kind="increase", start=0, target=100, points=points) == [(_at(0), 0.4)]


def test_plausible_values_raise_no_concern_and_slips_do() -> None:
    def concerns(value: str, current: str | None = None) -> list[str]:
        return unusual_value_concerns(
            value=Decimal(value),
            start=Decimal(0),
            target=Decimal(100),
            current=Decimal(current) if current is not None else None,
        )

    assert concerns("150") == [] and concerns("0") == [] and concerns("200") == []
    assert concerns("1000") == ["1000 is far outside this key result's range (0 → 100)."]
    assert concerns("-5") == ["-5 is negative, while this key result has only known positive numbers."]
    assert len(concerns("-500")) == 2
    # Measured against what the key result already knows: 350 is plausible after 300.
    assert concerns("350", current="300") == []
