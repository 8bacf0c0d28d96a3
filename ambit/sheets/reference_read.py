"""Read the planning workbook's "Initiatives" and "KPIs" sheets back from an upload.

Only after ``reader.read_upload`` accepted the file (a real workbook, no macros, no zip bomb, no
external links): the same cell reading applies (``reader._xlsx_rows``: formula cells noted, the
export's protecting apostrophe taken off, percent cells as "40%"). A sheet that is absent is not
read (a note says so); one whose header row was changed, or that holds formulas, is a problem that
keeps the whole upload from being applied. Nothing here touches the database.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from ambit.core.services import quoted
from ambit.core.validation import control_characters
from ambit.sheets.layout import MAX_ROWS
from ambit.sheets.reader import RawRow, SheetRefused, _damaged_file, _is_empty, _xlsx_rows
from ambit.sheets.report import Problem


class _Missing(Exception):
    pass


@dataclass
class RefSheet:
    """One reference sheet as read: its name in the file, its rows (writable columns only, by key)
    and the problems found while reading (each naming the sheet, the row and the column)."""

    name: str
    present: set[str] = field(default_factory=set)
    rows: list[RawRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # key → header as written in the file
    refused: bool = False  # formulas, a changed header or too many rows: no row is read


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip().lower()


def _pick(name: str) -> Any:
    def pick(wb: Any) -> tuple[str, ReadOnlyWorksheet]:
        match = next((n for n in wb.sheetnames if n.strip().lower() == name.lower()), None)
        if match is None:
            raise _Missing
        ws = wb[match]
        if not isinstance(ws, ReadOnlyWorksheet):
            raise SheetRefused(f"The sheet {quoted(match)} is a chart, not a table.", "Keep it as downloaded.")
        return match, ws

    return pick


def load_sheets(data: bytes, names: list[str]) -> dict[str, tuple[str, list[tuple[int, list[Any]]], list[str]]]:
    """Each named sheet present in the workbook: its name in the file, its non-blank rows and the
    cells holding formulas. One opening of the workbook for all of them."""
    out: dict[str, tuple[str, list[tuple[int, list[Any]]], list[str]]] = {}
    with _damaged_file():
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        for name in names:
            formulas: list[str] = []
            try:
                with _damaged_file():
                    match, ws = _pick(name)(wb)
                    rows = list(_xlsx_rows(ws, formulas))
            except _Missing:
                continue
            out[name] = (match, rows, formulas)
    finally:
        wb.close()
    return out


def collect(
    name: str,
    rows: list[tuple[int, list[Any]]],
    formulas: list[str],
    columns: Mapping[str, str | None],
    required: tuple[str, ...],
) -> RefSheet:
    """The sheet's rows keyed by ``columns`` (header → key; ``None``: a column for reading only,
    skipped). The header row is the first non-empty row."""
    sheet = RefSheet(name=name)
    if formulas:
        shown = ", ".join(formulas[:10]) + (f" and {len(formulas) - 10} more" if len(formulas) > 10 else "")
        sheet.problems.append(
            Problem(
                name,
                None,
                None,
                f"Sheet {quoted(name)} holds formulas ({shown}).",
                "Replace them by their values (copy, then Paste special → Values only) and upload again.",
            )
        )
        sheet.refused = True
        return sheet
    lookup = {_norm(h): (h, key) for h, key in columns.items()}
    mapping: dict[int, str] | None = None
    for number, values in rows:
        if all(_is_empty(v) for v in values):
            continue
        if mapping is None:
            mapping = _map_headers(sheet, number, values, lookup, required)
            if mapping is None:
                sheet.refused = True
                return sheet
            continue
        cells = {key: values[i] for i, key in mapping.items() if i < len(values)}
        if all(_is_empty(v) for v in cells.values()):
            continue
        _strip_control_characters(sheet, number, cells)
        sheet.rows.append(RawRow(number=number, cells=cells))
        if len(sheet.rows) > MAX_ROWS:
            sheet.problems.append(
                Problem(name, None, None, f"Sheet {quoted(name)} has more than {MAX_ROWS:,} rows.", "Split the file.")
            )
            sheet.rows, sheet.refused = [], True
            return sheet
    return sheet


def _map_headers(
    sheet: RefSheet,
    number: int,
    values: list[Any],
    lookup: dict[str, tuple[str, str | None]],
    required: tuple[str, ...],
) -> dict[int, str] | None:
    mapping: dict[int, str] = {}
    unknown: list[str] = []
    for i, value in enumerate(values):
        if _is_empty(value):
            continue
        text = str(value).strip()
        found = lookup.get(_norm(text))
        if found is None:
            unknown.append(text)
            continue
        header, key = found
        if key is None:
            continue
        if key in sheet.present:
            unknown.append(text)
            continue
        sheet.present.add(key)
        sheet.headers[key] = header
        mapping[i] = key
    expected = ", ".join(quoted(h) for h in lookup_headers(lookup))
    if unknown:
        sheet.problems.append(
            Problem(
                sheet.name,
                number,
                None,
                f"Sheet {quoted(sheet.name)}: unknown or repeated column header "
                + ", ".join(quoted(u) for u in unknown[:10])
                + ".",
                f"Keep the headers of the downloaded workbook: {expected}.",
            )
        )
    missing = [h for h, key in lookup.values() if key in required and key not in sheet.present]
    if missing:
        sheet.problems.append(
            Problem(
                sheet.name,
                number,
                None,
                f"Sheet {quoted(sheet.name)} has no {', '.join(quoted(m) for m in missing)} column.",
                f"Keep the headers of the downloaded workbook: {expected}.",
            )
        )
    return None if sheet.problems else mapping


def lookup_headers(lookup: dict[str, tuple[str, str | None]]) -> list[str]:
    return [h for h, _ in lookup.values()]


def _strip_control_characters(sheet: RefSheet, number: int, cells: dict[str, Any]) -> None:
    """Report each cell holding control characters (the OKR sheet's rule), then read it without them."""
    for key, value in cells.items():
        if not isinstance(value, str):
            continue
        found = control_characters(value)
        if not found:
            continue
        sheet.problems.append(
            Problem(
                sheet.name,
                number,
                sheet.headers.get(key, key),
                f"The cell contains control characters ({', '.join(found[:3])}).",
                "Remove them (retype the cell) and upload again.",
            )
        )
        for label in found:
            value = value.replace(chr(int(label[2:], 16)), "")
        cells[key] = value
