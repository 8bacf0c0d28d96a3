"""How a share reads as a percentage on every surface (issue 12: one rounding everywhere)."""

from __future__ import annotations

import pytest

from ambit.core.display import pct
from ambit.core.templatetags.ambit_ui import progress_bar


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        # Half up on the decimal people see, as a spreadsheet's "0%" cell shows it: the binary
        # float's half-even said 74 % for 0.745 and 12 % for 0.125.
        (0.745, "75%"),
        (0.125, "13%"),
        (0.135, "14%"),
        (0.7449, "74%"),
        (0.423, "42%"),
        (0, "0%"),
        (1, "100%"),
        (1.3, "130%"),
        (-0.0001, "0%"),  # never "-0%"
        (-0.125, "-13%"),
        ("0.5", "50%"),
        (None, "—"),
        ("", "—"),
        ("n/a", "—"),
        (float("nan"), "—"),
        (float("inf"), "—"),
    ],
)
def test_pct_rounds_half_up(value: object, shown: str) -> None:
    assert pct(value) == shown


def test_pct_with_digits_and_huge_values() -> None:
    assert pct(0.42345, 1) == "42.3%"
    assert pct(0.42355, 1) == "42.4%"
    assert pct(1e300).startswith("1000000000")


def test_progress_bar_speaks_the_same_percentages() -> None:
    assert progress_bar(0.745, 0.125)["text"] == "75%, expected 13%"
