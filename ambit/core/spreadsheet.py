"""Cells for the spreadsheets Ambit writes (CSV and XLSX), safe from formula injection.

A spreadsheet program runs a cell as a formula when its text starts with ``=``, ``+``, ``-`` or
``@`` (some also after leading spaces, or in the full-width forms ``＝ ＋ － ＠`` they normalise),
and a leading tab, carriage return or line feed can smuggle one past a naive check. Following
OWASP's CSV-injection guidance, such text gets one leading apostrophe, which spreadsheets show as
text. Numbers stay numbers: only text is ever prefixed, so a negative start value is still ``-5``.

Every exporter writes its cells through :func:`safe_cell` / :class:`SafeCsvWriter` (CSV) or
:func:`set_safe_cell` (XLSX), and the sheet importer undoes exactly that prefix with
:func:`unescape_cell`, so export → import gives back the original text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

QUOTE = "'"
# Characters that start a formula (also after leading spaces), with their full-width forms.
FORMULA_TRIGGERS = frozenset("=+-@＝＋－＠")
# Characters that are dangerous as the very first character of a cell.
LEADING_CONTROLS = frozenset("\t\r\n")

Number = int | float | Decimal
CellValue = str | Number | dt.date | None


def _starts_like_formula(text: str) -> bool:
    if text[:1] in LEADING_CONTROLS:
        return True
    return text.lstrip()[:1] in FORMULA_TRIGGERS


def needs_quote(text: str) -> bool:
    """Whether ``text`` must be written with a protective apostrophe.

    Text that already starts with apostrophes before a dangerous character gets one more, so
    that :func:`unescape_cell` (which removes exactly one) restores it unchanged.
    """
    return _starts_like_formula(text.lstrip(QUOTE))


def escape_text(text: str) -> str:
    """``text`` as it is safe to write into a spreadsheet cell."""
    return QUOTE + text if needs_quote(text) else text


def unescape_cell(value: Any) -> Any:
    """Undo :func:`escape_text` on a cell read back from our own export; other values pass."""
    if isinstance(value, str) and value.startswith(QUOTE) and needs_quote(value[1:]):
        return value[1:]
    return value


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def safe_cell(value: object) -> CellValue:
    """A value ready for a CSV writer: numbers and dates as they are, everything else as safe text."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal | dt.date) and not isinstance(value, bool):
        return value
    return escape_text(str(value))


class _RowWriter(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


class SafeCsvWriter:
    """Wraps a ``csv.writer`` so that every row it writes goes through :func:`safe_cell`."""

    def __init__(self, writer: _RowWriter) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([safe_cell(v) for v in row])


def set_safe_cell(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    """Write ``value`` into an openpyxl sheet: numbers and dates as such, anything else as text.

    openpyxl turns a string starting with ``=`` into a formula cell unless the cell's type is set
    to string afterwards, so user text can never become a formula; the apostrophe keeps the text
    safe when the user's spreadsheet program later saves the sheet as CSV.
    """
    cell = ws.cell(row=row, column=column)
    if value is None:
        cell.value = None
    elif _is_number(value) or isinstance(value, dt.date):
        cell.value = value
    else:
        cell.value = escape_text(str(value))
        cell.data_type = "s"
    return cell
