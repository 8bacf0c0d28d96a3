"""Plain decimal numbers in the person's locale (ambit.core.numbers)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ambit.core.numbers import (
    NumberFormatError,
    format_plain_decimal,
    number_locale_from_header,
    parse_plain_decimal,
)


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("1,234.5", "en", "1234.5"),
        ("1234.5", "en", "1234.5"),
        (" 40 ", "en", "40"),
        (".5", "en", "0.5"),
        ("-5", "en", "-5"),
        ("\u22125", "en", "-5"),
        ("1.234,5", "de", "1234.5"),
        ("1234,5", "de", "1234.5"),
        ("1 234,5", "fr", "1234.5"),
        ("1\u202f234,5", "fr", "1234.5"),
        ("2.000.000", "de", "2000000"),
    ],
)
def test_plain_numbers_in_the_locale_are_read(text: str, locale: str, expected: str) -> None:
    assert parse_plain_decimal(text, locale=locale) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("1e3", "en"),
        ("1E3", "en"),
        ("1_000", "en"),
        ("1,5", "en"),  # a German decimal in English notation is not silently 15
        ("1.5", "de"),
        ("1.234 567", "de"),  # two different separators
        ("12,34,567", "en"),
        ("NaN", "en"),
        ("Infinity", "en"),
        ("0x10", "en"),
        ("", "en"),
        ("-", "en"),
        ("1.2.3", "en"),
        ("1k", "en"),
    ],
)
def test_anything_but_a_plain_number_is_refused_with_an_example(text: str, locale: str) -> None:
    with pytest.raises(NumberFormatError) as exc:
        parse_plain_decimal(text, locale=locale)
    assert ("1,234.5" if locale == "en" else "1.234,5") in exc.value.message


def test_formatting_round_trips_through_the_parser() -> None:
    for locale in ("en", "de", "fr"):
        for value in (Decimal("1234.5000"), Decimal("1E+3"), Decimal("-0.25"), Decimal("0")):
            text = format_plain_decimal(value, locale=locale)
            assert "E" not in text
            assert parse_plain_decimal(text, locale=locale) == value
    assert format_plain_decimal(Decimal("1234.50"), locale="de") == "1234,5"


def test_the_browser_language_picks_the_locale() -> None:
    assert number_locale_from_header("de-CH,de;q=0.9,en;q=0.8") == "de"
    assert number_locale_from_header("fr-FR") == "fr"
    assert number_locale_from_header("nl-NL,en-GB;q=0.8") == "en"
    assert number_locale_from_header("") == "en"
