"""Plain decimal numbers as a person types them in a form, in their locale.

The planning sheet's parser (``ambit/sheets/parsing.py``) is deliberately generous (``1.2k``,
currency signs, ``1e3``) because spreadsheets are messy. A check-in is typed by hand into one box,
where that generosity turns slips into silent errors: ``1e3`` and ``1_000`` (both valid to Python's
``Decimal``) became 1000 on a 0→100 % key result. Here only the plain form is accepted: an optional
sign, digits grouped by threes with the locale's thousands separator (or not grouped at all), and the
locale's decimal separator. ``en`` writes ``1,234.5``; ``de`` and ``fr`` write ``1.234,5`` (a space or
a no-break space also groups thousands).

Nobody has a stored number locale yet, so the person's browser language (``Accept-Language``)
decides, and ``en`` when it names none of the supported ones.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ambit.core.services import quoted

NUMBER_LOCALES = ("en", "de", "fr")
DEFAULT_NUMBER_LOCALE = "en"

_SPACES = "\u00a0\u202f\u2009 "
_MINUS = "-\u2212"
_EXAMPLES = {"en": "1,234.5", "de": "1.234,5", "fr": "1 234,5"}
_PATTERNS = {
    "en": re.compile(r"(?P<int>\d{1,3}(?:,\d{3})+|\d*)(?:\.(?P<frac>\d+))?"),
    "de": re.compile(
        r"(?P<int>\d{1,3}(?:(?P<sep>[.\u00a0\u202f\u2009 ])\d{3})(?:(?P=sep)\d{3})*|\d*)(?:,(?P<frac>\d+))?"
    ),
}
_PATTERNS["fr"] = _PATTERNS["de"]


class NumberFormatError(ValueError):
    """Text that is not a plain number in the locale; ``message`` says what to type instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def number_example(locale: str) -> str:
    """How a thousand and a bit is written in ``locale``, for help texts and messages."""
    return _EXAMPLES.get(locale, _EXAMPLES[DEFAULT_NUMBER_LOCALE])


def parse_plain_decimal(text: str, *, locale: str = DEFAULT_NUMBER_LOCALE) -> Decimal:
    """The number ``text`` writes in ``locale``; ``NumberFormatError`` for anything else
    (exponents, underscores, letters, two decimal separators, badly grouped thousands)."""
    if locale not in NUMBER_LOCALES:
        raise ValueError(f"Unknown number locale {locale!r}: use one of {', '.join(NUMBER_LOCALES)}.")
    stripped = text.strip(_SPACES + "\t\r\n")
    body = stripped
    negative = False
    if body and body[0] in _MINUS + "+":
        negative = body[0] in _MINUS
        body = body[1:]
    match = _PATTERNS[locale].fullmatch(body)
    if not stripped or match is None or not (match.group("int") or match.group("frac")):
        raise NumberFormatError(
            f"{quoted(text.strip())} is not a number: type digits with an optional decimal part, "
            f"e.g. 42 or {number_example(locale)}."
        )
    digits = re.sub(r"\D", "", match.group("int")) or "0"
    fraction = match.group("frac") or ""
    try:
        number = Decimal(f"{digits}.{fraction}" if fraction else digits)
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise NumberFormatError(f"{quoted(text.strip())} is not a number.") from None
    return -number if negative else number


def number_locale_from_header(accept_language: str) -> str:
    """The first supported language in an ``Accept-Language`` header, by the order the browser
    gives (its quality values are already in preference order in every mainstream browser)."""
    for part in accept_language.split(","):
        tag = part.split(";", 1)[0].strip().lower()
        primary = tag.split("-", 1)[0]
        if primary in NUMBER_LOCALES:
            return primary
    return DEFAULT_NUMBER_LOCALE


def format_plain_decimal(value: Decimal, *, locale: str = DEFAULT_NUMBER_LOCALE) -> str:
    """``value`` written so that ``parse_plain_decimal`` reads it back in ``locale``: no exponent,
    no trailing zeros, no thousands grouping, the locale's decimal separator."""
    number = value.normalize()
    text = format(number.quantize(Decimal(1)) if number == number.to_integral_value() else number, "f")
    return text.replace(".", ",") if locale in ("de", "fr") else text
