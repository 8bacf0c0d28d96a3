"""Read what people really type into a planning spreadsheet: numbers, dates, text.

No library does exactly this. Babel parses numbers of one locale but not ``1.2k``, currency signs
or percent signs mixed in; ``price-parser`` guesses the decimal separator instead of taking the
declared one, so ``1,200`` could silently become 1.2. Here the rules are explicit and small:

- the declared locale decides the decimal separator: ``en`` uses ``.`` (``,`` groups thousands),
  ``de`` and ``fr`` use ``,`` (``.``, a space or a thin/no-break space group thousands);
- thousands groups must have exactly three digits, so ``1,5`` in ``en`` is an error that says to
  declare the locale rather than a silent 15;
- a currency sign or code (``$ € £ ¥ CHF EUR USD GBP``) before or after, a trailing ``%``, a
  suffix ``k``/``m``/``bn`` (thousand, million, billion), a sign (``-``, ``+``, ``−``) or
  accounting parentheses are accepted; the sign or code found is returned so the caller can fill
  an empty unit;
- numbers from the spreadsheet itself (int, float, Decimal) pass through; booleans and dates do
  not, because a date in a number column is nearly always Excel rewriting ``1/2`` as 2 January.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ambit.core.services import quoted

LOCALES = ("en", "de", "fr")

_CURRENCY_SIGNS = {"$": "$", "€": "€", "£": "£", "¥": "¥"}
_CURRENCY_CODES = {"CHF": "CHF", "EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}
_SUFFIXES = {"k": Decimal(1_000), "m": Decimal(1_000_000), "mn": Decimal(1_000_000), "bn": Decimal(1_000_000_000)}
_SPACES = "\u00a0\u202f\u2009\u2007 "
_MINUS = "-\u2212\u2013"
# Decimal arithmetic overflows past an exponent of 999,999 and a string of thousands of digits is
# no plan's number: anything beyond 10^±1000 is refused here, the rest by the shared number rule.
_MAX_EXPONENT = 1_000


class ParseError(ValueError):
    """A cell that cannot be read: ``message`` says what is wrong, ``hint`` how to fix it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class ParsedNumber:
    value: Decimal
    unit: str = ""  # "%", a currency sign or code, or "" when the cell carried none


def clean_text(value: Any) -> str:
    """A cell as text: None → "", numbers without a spurious ".0", surrounding spaces removed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\u00a0", " ").strip()


def _strip_unit(text: str) -> tuple[str, str]:
    unit = ""
    for code, sign in _CURRENCY_CODES.items():
        if text.upper().startswith(code):
            return text[len(code) :].strip(_SPACES), sign
        if text.upper().endswith(code):
            return text[: -len(code)].strip(_SPACES), sign
    if text.endswith("%"):
        return text[:-1].strip(_SPACES), "%"
    for sign in _CURRENCY_SIGNS:
        if text.startswith(sign):
            return text[1:].strip(_SPACES), sign
        if text.endswith(sign):
            return text[:-1].strip(_SPACES), sign
    return text, unit


def _split_sign(text: str) -> tuple[int, str]:
    if text.startswith("(") and text.endswith(")"):
        return -1, text[1:-1].strip(_SPACES)
    if text and text[0] in _MINUS:
        return -1, text[1:].strip(_SPACES)
    if text.startswith("+"):
        return 1, text[1:].strip(_SPACES)
    return 1, text


def _group_ok(integer_part: str, sep: str) -> bool:
    groups = integer_part.split(sep)
    return 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]) and all(g.isdigit() for g in groups)


def _digits(body: str, locale: str, original: str) -> Decimal:
    decimal_sep, group_seps = (".", (",",)) if locale == "en" else (",", (".", *_SPACES))
    if locale == "en" and re.fullmatch(r"\d+(\.\d+)?[eE][+-]?\d+", body):
        return Decimal(body)
    if decimal_sep in body:
        integer_part, _, fraction = body.rpartition(decimal_sep)
        if not fraction.isdigit() or decimal_sep in integer_part:
            raise _not_a_number(original, locale)
    else:
        integer_part, fraction = body, ""
    used = {s for s in group_seps if s in integer_part}
    if len(used) > 1:
        raise _not_a_number(original, locale)
    if used:
        (sep,) = used
        if not _group_ok(integer_part, sep):
            raise _not_a_number(original, locale)
        integer_part = integer_part.replace(sep, "")
    if integer_part == "" and fraction:
        integer_part = "0"
    if not integer_part.isdigit():
        raise _not_a_number(original, locale)
    return Decimal(f"{integer_part}.{fraction}" if fraction else integer_part)


def _not_a_number(original: str, locale: str) -> ParseError:
    if locale == "en" and re.fullmatch(r"[\d.]*\d,\d{1,2}", original.strip(_SPACES + "$€£%")):
        return ParseError(
            f"{quoted(original)} is not a number in English notation (a comma groups thousands there).",
            "Write it with a decimal point (1.5), or upload with the locale set to German or French.",
        )
    example = "1,200.50" if locale == "en" else "1.200,50"
    return ParseError(f"{quoted(original)} is not a number.", f"Enter digits, e.g. 42, 3.5, 40%, 1.2k or {example}.")


def _in_range(number: Decimal, shown: str) -> Decimal:
    """``number`` if later arithmetic can handle it; NaN, infinity and 10^±1000 are refused."""
    if not number.is_finite():
        raise ParseError(f"{quoted(shown)} is not a finite number.", "Enter digits, e.g. 42 or 3.5.")
    if number and abs(number.adjusted()) > _MAX_EXPONENT:
        size = "large" if number.adjusted() > 0 else "small"
        raise ParseError(
            f"{quoted(shown)} is a far too {size} number.",
            "Enter the number with a few digits, e.g. 1.2bn or 0.5, and pick the unit to match.",
        )
    return number


def parse_number(value: Any, *, locale: str = "en") -> ParsedNumber | None:
    """Parse one cell as a number. ``None`` for an empty cell; ``ParseError`` for anything else
    that is not a number in ``locale`` ("en", "de" or "fr")."""
    if locale not in LOCALES:
        raise ValueError(f"Unknown locale {locale!r}: use one of {', '.join(LOCALES)}.")
    if value is None:
        return None
    if isinstance(value, bool):
        raise ParseError("A yes/no value is not a number.", "Enter a number, e.g. 1 or 0.")
    if isinstance(value, dt.date | dt.time):
        shown = value.isoformat() if not isinstance(value, dt.datetime) else value.date().isoformat()
        raise ParseError(
            f"The spreadsheet turned this cell into a date ({shown}).",
            "Format the cell as Number or Text and type the number again (e.g. 1/2 becomes 0.5).",
        )
    if isinstance(value, int | Decimal):
        return ParsedNumber(_in_range(Decimal(value), "this number"))
    if isinstance(value, float):
        return ParsedNumber(_in_range(Decimal(repr(value)), repr(value)))
    original = str(value)
    text = original.strip(_SPACES + "\t\r\n")
    if not text:
        return None
    sign, body = _split_sign(text)
    had_sign = body != text
    body, unit = _strip_unit(body)
    if unit and not had_sign:
        # Both "-$3" and "$-3" occur in the wild.
        sign, body = _split_sign(body)
    factor = Decimal(1)
    suffix = re.search(r"(bn|mn|k|m)$", body, flags=re.IGNORECASE)
    if suffix and unit != "%":
        factor = _SUFFIXES[suffix.group(1).lower()]
        body = body[: suffix.start()].strip(_SPACES)
    if not body:
        raise _not_a_number(original, locale)
    try:
        number = _in_range(_digits(body, locale, original), original)
    except InvalidOperation:
        raise _not_a_number(original, locale) from None
    return ParsedNumber(sign * number * factor, unit)


def parse_date(value: Any) -> dt.date | None:
    """A date cell (from the spreadsheet) or ISO text ``YYYY-MM-DD``; ``None`` when empty."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = clean_text(value)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10] if re.match(r"\d{4}-\d{2}-\d{2}[ T]", text) else text)
    except ValueError:
        raise ParseError(
            f"{quoted(text)} is not a date.", "Enter the date as a date cell or as YYYY-MM-DD, e.g. 2026-03-31."
        ) from None
