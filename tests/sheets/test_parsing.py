"""The number, date and text parser for what people type into spreadsheets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ambit.sheets.parsing import ParsedNumber, ParseError, clean_text, parse_date, parse_number


@pytest.mark.parametrize(
    ("text", "locale", "value", "unit"),
    [
        ("42", "en", "42", ""),
        ("  42  ", "en", "42", ""),
        ("3.5", "en", "3.5", ""),
        (".5", "en", "0.5", ""),
        ("40%", "en", "40", "%"),
        ("40 %", "fr", "40", "%"),
        ("1,200", "en", "1200", ""),
        ("1,234,567.89", "en", "1234567.89", ""),
        ("1.2k", "en", "1200", ""),
        ("3M", "en", "3000000", ""),
        ("2bn", "en", "2000000000", ""),
        ("$3,000", "en", "3000", "$"),
        ("-$3", "en", "-3", "$"),
        ("$-3", "en", "-3", "$"),
        ("(1,000)", "en", "-1000", ""),
        ("−7", "en", "-7", ""),
        ("+7", "en", "7", ""),
        ("€3.000,50", "de", "3000.50", "€"),
        ("3.000,50 €", "de", "3000.50", "€"),
        ("1,2k", "de", "1200", ""),
        ("1 200,5", "fr", "1200.5", ""),
        ("1\u202f200,5", "fr", "1200.5", ""),
        ("1\u00a0200", "fr", "1200", ""),
        ("CHF 1'000", "en", None, None),
        ("EUR 12", "en", "12", "€"),
        ("12 USD", "en", "12", "$"),
        ("1.5e3", "en", "1500", ""),
        ("£9.99", "en", "9.99", "£"),
    ],
)
def test_parse_number(text: str, locale: str, value: str | None, unit: str | None) -> None:
    if value is None:
        with pytest.raises(ParseError):
            parse_number(text, locale=locale)
        return
    assert unit is not None
    assert parse_number(text, locale=locale) == ParsedNumber(Decimal(value), unit)


@pytest.mark.parametrize("value", [None, "", "   ", "\u00a0"])
def test_empty_cells_are_none(value: str | None) -> None:
    assert parse_number(value) is None


@pytest.mark.parametrize(
    ("value", "expected"), [(7, Decimal(7)), (0.1, Decimal("0.1")), (Decimal("2.50"), Decimal("2.50"))]
)
def test_spreadsheet_numbers_pass_through(value: Decimal | float, expected: Decimal) -> None:
    assert parse_number(value) == ParsedNumber(expected)


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("1,5", "en"),
        ("1.2", "de"),
        ("1,20,0", "en"),
        ("12abc", "en"),
        ("1.2.3", "en"),
        ("%", "en"),
        ("k", "en"),
        ("1,2,3", "de"),
        ("--5", "en"),
    ],
)
def test_not_numbers(text: str, locale: str) -> None:
    with pytest.raises(ParseError) as exc:
        parse_number(text, locale=locale)
    assert exc.value.hint


def test_decimal_comma_in_english_points_to_the_locale() -> None:
    with pytest.raises(ParseError) as exc:
        parse_number("1,5", locale="en")
    assert "German or French" in exc.value.hint


def test_dates_and_booleans_are_not_numbers() -> None:
    with pytest.raises(ParseError, match="into a date"):
        parse_number(dt.datetime(2026, 1, 2))
    with pytest.raises(ParseError, match="yes/no"):
        parse_number(True)


def test_unknown_locale_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="locale"):
        parse_number("1", locale="xx")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 3, 31), dt.date(2026, 3, 31)),
        (dt.datetime(2026, 3, 31, 0, 0), dt.date(2026, 3, 31)),
        ("2026-03-31", dt.date(2026, 3, 31)),
        (" 2026-03-31 ", dt.date(2026, 3, 31)),
        ("2026-03-31T10:00:00", dt.date(2026, 3, 31)),
        (None, None),
        ("", None),
    ],
)
def test_parse_date(value: dt.datetime | dt.date | str | None, expected: dt.date | None) -> None:
    assert parse_date(value) == expected


def test_parse_date_refuses_ambiguous_text() -> None:
    with pytest.raises(ParseError, match="not a date") as exc:
        parse_date("03/04/2026")
    assert "YYYY-MM-DD" in exc.value.hint


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ""), ("  a  ", "a"), (3.0, "3"), (2.5, "2.5"), (dt.date(2026, 1, 2), "2026-01-02"), ("a\u00a0", "a")],
)
def test_clean_text(value: dt.date | float | str | None, expected: str) -> None:
    assert clean_text(value) == expected
