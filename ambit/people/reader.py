"""Open an uploaded people file (CSV or XLSX) with the planning sheet's safety rules.

The refusals are the planning sheet's own (``ambit.sheets.reader``): the same size and row limits,
the same checks for macros, zip bombs, password protection, old .xls files, broken packages, XML
entities, formulas (in XLSX cells and as ``=…`` CSV cells) and binary or badly encoded CSV, with
the same messages. Only the columns differ: this module maps the people file's headers.

Headers are matched case- and space-insensitively (``Manager email``, ``manager_email`` and
``MANAGER  EMAIL`` are one column); unknown headers and missing required ones refuse the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from ambit.core.services import quoted
from ambit.sheets.layout import MAX_BLANK_GAP, MAX_ROWS, MAX_UPLOAD_BYTES
from ambit.sheets.reader import (
    _ENCRYPTION_STREAM,
    CFB_MAGIC,
    SheetRefused,
    _csv_rows,
    _decode,
    too_large,
    xlsx_rows,
)

PEOPLE_SHEET = "People"


@dataclass(frozen=True)
class PeopleColumn:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False


COLUMNS: tuple[PeopleColumn, ...] = (
    PeopleColumn("name", "Name", ("full name", "person"), True),
    PeopleColumn("email", "Email", ("email address", "e-mail"), True),
    PeopleColumn("team", "Team", ("team path", "teams", "department"), False),
    PeopleColumn("role", "Role", (), False),
    PeopleColumn("manager", "Manager email", ("manager", "manager e-mail", "reports to"), False),
    PeopleColumn("lead", "Lead", ("is lead", "team lead", "leads team"), False),
    PeopleColumn("title", "Title", ("job title", "position"), False),
)
BY_KEY = {c.key: c for c in COLUMNS}
HEADERS = [c.header for c in COLUMNS]


def _norm(header: str) -> str:
    return re.sub(r"[\s_]+", " ", header.strip().lower())


_LOOKUP = {_norm(name): c.key for c in COLUMNS for name in (c.header, c.key, *c.aliases)}


@dataclass
class PeopleRow:
    number: int  # as the spreadsheet program shows it
    cells: dict[str, Any]


@dataclass
class PeopleSheet:
    kind: str  # "csv" or "xlsx"
    columns: list[str]
    rows: list[PeopleRow] = field(default_factory=list)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _map_headers(headers: list[Any]) -> dict[int, str]:
    mapping: dict[int, str] = {}
    unknown: list[str] = []
    seen: dict[str, str] = {}
    for i, h in enumerate(headers):
        if _is_empty(h):
            continue
        text = str(h).strip()
        key = _LOOKUP.get(_norm(text))
        if key is None:
            unknown.append(text)
            continue
        if key in seen:
            raise SheetRefused(
                f"The columns {quoted(seen[key])} and {quoted(text)} both mean “{BY_KEY[key].header}”.",
                "Keep one of them.",
            )
        seen[key] = text
        mapping[i] = key
    if unknown:
        raise SheetRefused(
            f"Unknown column header{'s' if len(unknown) > 1 else ''} "
            + ", ".join(quoted(u[:60]) for u in unknown[:10])
            + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
            + ".",
            "Use the headers of the example file: " + ", ".join(HEADERS) + ".",
        )
    missing = [c.header for c in COLUMNS if c.required and c.key not in mapping.values()]
    if missing:
        raise SheetRefused(
            f"The file has no “{'”, “'.join(missing)}” column.",
            "Start from the example file; its first row holds the headers: " + ", ".join(HEADERS) + ".",
        )
    return mapping


def _collect(kind: str, rows: Iterable[tuple[int, list[Any]]]) -> PeopleSheet:
    """Header = first non-empty row; then every non-empty row, keyed by column."""
    mapping: dict[int, str] | None = None
    out: PeopleSheet | None = None
    previous = 0
    for physical, values in rows:
        if all(_is_empty(v) for v in values):
            continue
        if previous and physical - previous > MAX_BLANK_GAP:
            raise SheetRefused(
                f"Row {physical:,} holds something {physical - previous - 1:,} empty rows below the rest "
                f"(row {previous:,}).",
                "Delete what is on that row, or move it up to the other rows, and upload again.",
            )
        previous = physical
        if mapping is None:
            mapping = _map_headers(list(values))
            out = PeopleSheet(kind=kind, columns=list(mapping.values()))
            continue
        assert out is not None
        cells = {key: values[i] for i, key in mapping.items() if i < len(values)}
        if all(_is_empty(v) for v in cells.values()):
            continue
        out.rows.append(PeopleRow(number=physical, cells=cells))
        if len(out.rows) > MAX_ROWS:
            raise SheetRefused(
                f"The file has more than {MAX_ROWS:,} rows, the most one upload takes.",
                "Split it, e.g. one file per department.",
            )
    if out is None:
        raise SheetRefused("The file is empty.", "Download the example file, fill it in and upload it again.")
    return out


def _people_sheet(wb: Any) -> tuple[str, ReadOnlyWorksheet]:
    names = wb.sheetnames
    match = next((n for n in names if n.strip().lower() == PEOPLE_SHEET.lower()), names[0] if names else None)
    if match is None:
        raise SheetRefused("The workbook has no sheet.", "Put the people on a sheet named “People”.")
    ws = wb[match]
    if not isinstance(ws, ReadOnlyWorksheet):
        raise SheetRefused(
            f"The sheet {quoted(match)} is a chart, not a table.", "Put the people on a sheet named “People”."
        )
    return match, ws


def _read_xlsx(data: bytes, filename: str) -> PeopleSheet:
    _, rows = xlsx_rows(data, filename, _people_sheet)
    return _collect("xlsx", rows)


def _read_csv(text: str) -> PeopleSheet:
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    formulas: list[str] = []
    rows = [(n, values) for n, values in _csv_rows(text, delimiter, formulas) if values]
    if formulas:
        raise SheetRefused(
            f"The CSV file holds formulas (cells starting with “=”, {', '.join(formulas[:10])}).",
            "Replace them by their values, or start the text with an apostrophe, and upload again.",
        )
    return _collect("csv", rows)


def read_people_file(data: bytes, filename: str = "") -> PeopleSheet:
    """The file's rows by column key, or ``SheetRefused`` saying why the file cannot be read."""
    if not data:
        raise SheetRefused("The file is empty.", "Choose the filled-in file and upload it again.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise too_large(len(data))
    if data.startswith(CFB_MAGIC):
        if _ENCRYPTION_STREAM in data:
            raise SheetRefused(
                "The file is password-protected, so Ambit cannot read it.", "Remove the password and upload again."
            )
        raise SheetRefused(
            "This is an old Excel 97–2003 file (.xls).", "Save it as “Excel Workbook (.xlsx)” and upload that."
        )
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, filename)
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        raise SheetRefused(
            "The file is damaged: it is named like a spreadsheet but its content is not one.",
            "Open it in your spreadsheet program, save it again as .xlsx and upload that.",
        )
    text = _decode(data)
    if text is None or not text.strip():
        raise SheetRefused(
            "The file is not a spreadsheet, or its text is not in a known encoding.",
            "Save it as CSV UTF-8 (or as .xlsx) and upload that.",
        )
    return _read_csv(text)
