"""The plausibility rule behind "Save anyway" (web) and ``"confirm": true`` (API): the range it
states is exactly the values it lets through, and only typed-number kinds are asked about."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ambit.okrs.models import KeyResult
from ambit.okrs.plausibility import check_in_value_concerns, plausible_bounds, unusual_value_concerns

numbers = st.decimals(min_value=-10_000, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)


@given(start=st.none() | numbers, target=st.none() | numbers, current=st.none() | numbers, value=numbers)
def test_the_stated_range_is_exactly_what_needs_no_confirmation(
    start: Decimal | None, target: Decimal | None, current: Decimal | None, value: Decimal
) -> None:
    concerns = unusual_value_concerns(value=value, start=start, target=target, current=current)
    bounds = plausible_bounds(start=start, target=target, current=current)
    if bounds is None:
        assert concerns == []
    else:
        lowest, highest = bounds
        assert lowest <= highest
        assert (concerns == []) == (lowest <= value <= highest)


def test_the_message_gives_the_range_with_the_unit_and_skips_kinds_without_a_typed_number() -> None:
    kr = KeyResult(kind="decrease", start_value=Decimal(200), target_value=Decimal(137), unit="ms")
    assert check_in_value_concerns(kr, Decimal(150)) == []
    assert check_in_value_concerns(kr, Decimal(-1)) == [
        "-1 ms is far outside this key result's range (200 ms → 137 ms).",
        "-1 ms is negative, while this key result has only known positive numbers.",
        "Plausible values here lie between 74 ms and 263 ms.",
    ]
    percent = KeyResult(kind="increase", start_value=Decimal(0), target_value=Decimal(100), unit="%")
    assert check_in_value_concerns(percent, Decimal("1E+3")) == [
        "1000% is far outside this key result's range (0% → 100%).",
        "Plausible values here lie between 0% and 200%.",
    ]
    binary = KeyResult(kind="binary", start_value=Decimal(0), target_value=Decimal(1))
    assert check_in_value_concerns(binary, Decimal(5)) == []
