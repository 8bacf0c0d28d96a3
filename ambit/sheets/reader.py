"""Open an uploaded planning file safely and turn its OKR sheet into raw rows.

Refuses, with a message that says what to do, anything that is not a plain spreadsheet: other
file types, corrupt or password-protected files, old .xls, files with formulas or macros, files
over the size or row limits, and sheets whose headers we don't know. Nothing here touches the
database.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ambit.sheets.layout import (
    BY_KEY,
    COLUMNS,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    MAX_UPLOAD_BYTES,
    OKR_SHEET,
    REQUIRED,
    column_for_header,
)

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
# Rows that exist only as formatting can push a sheet far past its data; stop reading there.
_MAX_PHYSICAL_ROWS = MAX_ROWS * 10


class SheetRefused(Exception):
    """The whole file is refused: ``message`` says why, ``hint`` what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass
class RawRow:
    number: int  # the row number people see in their spreadsheet program
    cells: dict[str, Any]


@dataclass
class RawSheet:
    sheet: str
    kind: str  # "xlsx" or "csv"
    columns: list[str]  # column keys present in the file, in file order
    rows: list[RawRow] = field(default_factory=list)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _map_headers(sheet: str, headers: list[Any]) -> dict[int, str]:
    mapping: dict[int, str] = {}
    unknown: list[str] = []
    seen: dict[str, str] = {}
    for i, h in enumerate(headers):
        if _is_empty(h):
            continue
        text = str(h).strip()
        key = column_for_header(text)
        if key is None:
            unknown.append(text)
            continue
        if key in seen:
            raise SheetRefused(
                f"Sheet “{sheet}”: the columns “{seen[key]}” and “{text}” both mean “{BY_KEY[key].header}”.",
                "Keep one of them.",
            )
        seen[key] = text
        mapping[i] = key
    if unknown:
        raise SheetRefused(
            f"Sheet “{sheet}”: unknown column header{'s' if len(unknown) > 1 else ''} "
            + ", ".join(f"“{u}”" for u in unknown)
            + ".",
            "Use the headers of the downloaded workbook: " + ", ".join(c.header for c in COLUMNS) + ".",
        )
    missing = [BY_KEY[k].header for k in REQUIRED if k not in mapping.values()]
    if missing:
        raise SheetRefused(
            f"Sheet “{sheet}” has no “{'”, “'.join(missing)}” column.",
            "Start from a downloaded workbook; its first row holds the headers.",
        )
    return mapping


def _collect(sheet: str, kind: str, rows: Any) -> RawSheet:
    """Header = first non-empty row; then every non-empty row, keyed by column."""
    mapping: dict[int, str] | None = None
    out: RawSheet | None = None
    for physical, values in enumerate(rows, start=1):
        if physical > _MAX_PHYSICAL_ROWS:
            raise _too_many_rows()
        if all(_is_empty(v) for v in values):
            continue
        if mapping is None:
            mapping = _map_headers(sheet, list(values))
            out = RawSheet(sheet=sheet, kind=kind, columns=list(mapping.values()))
            continue
        assert out is not None
        cells = {key: values[i] for i, key in mapping.items() if i < len(values)}
        if all(_is_empty(v) for v in cells.values()):
            continue
        out.rows.append(RawRow(number=physical, cells=cells))
        if len(out.rows) > MAX_ROWS:
            raise _too_many_rows()
    if out is None:
        raise SheetRefused(f"Sheet “{sheet}” is empty.", "Download the workbook, fill it in and upload it again.")
    return out


def _too_many_rows() -> SheetRefused:
    return SheetRefused(
        f"The file has more than {MAX_ROWS:,} rows, the most one upload takes.",
        "Split it, e.g. one file per team (download per team from the cycle page).",
    )


# --- XLSX ---------------------------------------------------------------------------------------


def _check_zip(data: bytes, filename: str) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = zf.namelist()
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise SheetRefused(
            "The file is damaged: it looks like an .xlsx but cannot be opened.",
            "Open it in your spreadsheet program, save it again as .xlsx and upload that.",
        ) from None
    lowered = [n.lower() for n in names]
    if filename.lower().endswith((".xlsm", ".xltm")) or any(n.endswith("vbaproject.bin") for n in lowered):
        raise SheetRefused(
            "The file contains macros, which Ambit does not accept.",
            "Save it as a plain “Excel Workbook (.xlsx)”, without macros, and upload that.",
        )
    if "xl/workbook.xml" not in lowered:
        if "mimetype" in lowered and b"opendocument.spreadsheet" in zf.read(names[lowered.index("mimetype")]):
            raise SheetRefused(
                "This is an OpenDocument spreadsheet (.ods).", "Save it as .xlsx (File → Save as) and upload that."
            )
        raise SheetRefused("The file is not a spreadsheet.", "Upload the .xlsx or .csv planning workbook.")
    if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        raise SheetRefused(
            "The file unpacks to more than 100 MB, far more than a planning sheet needs.",
            "Remove images and other sheets, or split the file per team.",
        )


def _cell_value(cell: Any) -> Any:
    value = getattr(cell, "value", None)
    fmt = getattr(cell, "number_format", "") or ""
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in fmt:
        # Excel stores a typed "40%" as 0.4 shown with a percent format.
        return f"{(Decimal(repr(value)) * 100).normalize():f}%"
    return value


def _read_xlsx(data: bytes, filename: str) -> RawSheet:
    from openpyxl import load_workbook

    _check_zip(data, filename)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many unrelated types for a broken package
        raise SheetRefused(
            "The file is damaged: the workbook inside cannot be read.",
            "Open it in your spreadsheet program, save it again as .xlsx and upload that.",
        ) from None
    try:
        names = wb.sheetnames
        match = next((n for n in names if n.strip().lower() == OKR_SHEET.lower()), None)
        if match is None and len(names) == 1:
            match = names[0]
        if match is None:
            raise SheetRefused(
                f"The workbook has no sheet named “{OKR_SHEET}” (it has {', '.join(names)}).",
                f"Put the objectives and key results on a sheet named “{OKR_SHEET}”.",
            )
        ws = wb[match]
        formulas: list[str] = []
        rows: list[list[Any]] = []
        for row in ws.iter_rows():
            values = []
            for cell in row:
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f" or (
                    isinstance(value, str) and value.startswith("=") and getattr(cell, "data_type", "s") != "s"
                ):
                    formulas.append(getattr(cell, "coordinate", "?"))
                values.append(_cell_value(cell))
            rows.append(values)
            if len(rows) > _MAX_PHYSICAL_ROWS:
                raise _too_many_rows()
        if formulas:
            shown = ", ".join(formulas[:10]) + (f" and {len(formulas) - 10} more" if len(formulas) > 10 else "")
            raise SheetRefused(
                f"Sheet “{match}” holds formulas ({shown}).",
                "Replace them by their values (copy, then Paste special → Values only) and upload again.",
            )
        return _collect(match, "xlsx", rows)
    finally:
        wb.close()


# --- CSV ----------------------------------------------------------------------------------------


def _decode(data: bytes) -> str | None:
    if b"\x00" in data[:8192]:
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _unquote(value: str) -> str:
    # Our CSV export protects text that starts like a formula with an apostrophe.
    if value.startswith("'") and value[1:2] in ("=", "+", "@", "-"):
        return value[1:]
    return value


def _read_csv(text: str, filename: str) -> RawSheet:
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if len(rows) > _MAX_PHYSICAL_ROWS:
        raise _too_many_rows()
    formulas = [
        f"row {r}" for r, row in enumerate(rows, start=1) for v in row if v.startswith("=") and len(v.strip()) > 1
    ]
    if formulas:
        raise SheetRefused(
            f"The CSV file holds formulas (cells starting with “=”, {', '.join(formulas[:10])}).",
            "Replace them by their values, or start the text with an apostrophe, and upload again.",
        )
    return _collect(filename or "CSV", "csv", [[_unquote(v) for v in row] for row in rows])


def too_large(size: int) -> SheetRefused:
    return SheetRefused(
        f"The file is {size / (1024 * 1024):.1f} MB; uploads are limited to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.",
        "Remove images and other sheets, or split the file per team.",
    )


# --- Entry point --------------------------------------------------------------------------------


def read_upload(data: bytes, filename: str = "") -> RawSheet:
    if not data:
        raise SheetRefused("The file is empty.", "Choose the filled-in workbook and upload it again.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise too_large(len(data))
    if data.startswith(CFB_MAGIC):
        if _ENCRYPTION_STREAM in data:
            raise SheetRefused(
                "The file is password-protected, so Ambit cannot read it.",
                "Remove the password (File → Info → Protect workbook / Save with password off) and upload again.",
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
        raise SheetRefused("The file is not a spreadsheet.", "Upload the .xlsx or .csv planning workbook.")
    return _read_csv(text, filename)
