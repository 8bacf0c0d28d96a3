"""Open an uploaded planning file safely and turn its OKR sheet into raw rows.

Refuses, with a message that says what to do, anything that is not a plain spreadsheet: other
file types, corrupt or password-protected files, old .xls, files with formulas or macros, files
over the size or row limits, and sheets whose headers we don't know. Nothing here touches the
database.

A malformed file must end in a ``SheetRefused``, never in a traceback: openpyxl's read-only mode
parses the worksheet XML while rows are iterated, so every row is materialised inside the same
error handling that opens the workbook (``_damaged_file``). XML is parsed by defusedxml (openpyxl
switches to it when it is installed), so entity declarations are refused instead of expanded.
The work done is bounded by the real content, not by what the file declares: unpacked bytes are
counted while decompressing, the declared sheet dimension is ignored, at most ``MAX_COLUMNS``
columns and ``MAX_PHYSICAL_ROWS`` rows are read and rows far below the data are refused.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import ParseError as XmlParseError

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.cell.read_only import EMPTY_CELL
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from ambit.core.services import quoted
from ambit.core.spreadsheet import unescape_cell
from ambit.sheets.layout import (
    BY_KEY,
    COLUMNS,
    MAX_BLANK_GAP,
    MAX_COLUMNS,
    MAX_PHYSICAL_ROWS,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    MAX_UPLOAD_BYTES,
    OKR_SHEET,
    REQUIRED,
    column_for_header,
    is_read_only_header,
)

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
_CHUNK = 64 * 1024
# More NUL bytes than this in the first 8 KB: a binary file (or UTF-16), not a CSV.
_MAX_NULS = 8
_DAMAGED_HINT = "Open it in Excel or LibreOffice and save it again as .xlsx"


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
        if is_read_only_header(text):
            continue
        key = column_for_header(text)
        if key is None:
            unknown.append(text)
            continue
        if key in seen:
            raise SheetRefused(
                f"Sheet “{sheet}”: the columns {quoted(seen[key])} and {quoted(text)} both mean "
                f"“{BY_KEY[key].header}”.",
                "Keep one of them.",
            )
        seen[key] = text
        mapping[i] = key
    if unknown:
        raise SheetRefused(
            f"Sheet “{sheet}”: unknown column header{'s' if len(unknown) > 1 else ''} "
            + ", ".join(quoted(u) for u in unknown[:10])
            + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
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


def _collect(sheet: str, kind: str, rows: Iterable[tuple[int, list[Any]]]) -> RawSheet:
    """Header = first non-empty row; then every non-empty row, keyed by column.

    ``rows`` pairs each row's number (as people see it) with its values; blank rows may be left out.
    """
    mapping: dict[int, str] | None = None
    out: RawSheet | None = None
    previous = 0
    for physical, values in rows:
        if all(_is_empty(v) for v in values):
            continue
        if previous and physical - previous > MAX_BLANK_GAP:
            raise SheetRefused(
                f"Sheet {quoted(sheet)}: row {physical:,} holds something {physical - previous - 1:,} "
                f"empty rows below the rest (row {previous:,}).",
                "Delete what is on that row, or move it up to the other rows, and upload again.",
            )
        previous = physical
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


def _too_long() -> SheetRefused:
    return SheetRefused(
        f"The sheet goes on past row {MAX_PHYSICAL_ROWS:,}, far below any planning sheet's data.",
        "Delete the rows below your data (select them, right-click → Delete) and upload again.",
    )


# --- XLSX ---------------------------------------------------------------------------------------


def _damaged(detail: str) -> SheetRefused:
    return SheetRefused(f"This file is damaged or not a spreadsheet we can read: {detail}.", _DAMAGED_HINT)


# What zipfile, zlib, the XML parser and openpyxl raise for a broken package or an impossible
# value (a shared-string or style index out of range, "abc" in a number cell, a row number of
# 99,999,999, a number of more than 4,300 digits, a date past the year 9999, ...).
_DAMAGED_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    XmlParseError,
    InvalidFileException,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    ArithmeticError,  # OverflowError and the decimal module's errors
    RecursionError,
    NotImplementedError,  # an unsupported zip compression method
)


def _describe(exc: BaseException) -> str:
    """A short, plain reason for a damaged file, without echoing the file's content at length."""
    if isinstance(exc, XmlParseError):
        return f"its XML is broken ({str(exc)[:80]})"
    if isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError | NotImplementedError):
        return "its zip packaging is broken"
    if isinstance(exc, KeyError):
        return "a part of the workbook is missing"
    if isinstance(exc, ValueError) and "digits" in str(exc):
        return "a cell holds a number of thousands of digits"
    if isinstance(exc, RecursionError):
        return "its structure is nested too deeply"
    return "a cell or a part holds a value that is not valid"


def _root_cause(exc: BaseException) -> BaseException:
    # load_workbook re-raises what went wrong as a generic ValueError "from" the real error.
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return exc


@contextmanager
def _damaged_file() -> Iterator[None]:
    """Turn what a broken package makes zipfile, the XML parser or openpyxl raise into a refusal."""
    try:
        yield
    except _DAMAGED_ERRORS as exc:
        cause = _root_cause(exc)
        if isinstance(cause, DefusedXmlException):
            raise SheetRefused(
                "The file declares XML entities, which spreadsheets never need and Ambit never reads.",
                _DAMAGED_HINT,
            ) from None
        raise _damaged(_describe(cause)) from None


def _check_unpacked_size(zf: zipfile.ZipFile) -> None:
    """Decompress every part in chunks and count the real bytes: a zip's declared sizes can lie.

    zipfile also checks each part's CRC at its end, so a part whose size was forged is refused
    here, before openpyxl reads anything.
    """
    infos = zf.infolist()
    if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        raise _unpacks_too_large()
    total = 0
    for info in infos:
        with zf.open(info) as part:
            while chunk := part.read(_CHUNK):
                total += len(chunk)
                if total > MAX_UNPACKED_BYTES:
                    raise _unpacks_too_large()


def _unpacks_too_large() -> SheetRefused:
    return SheetRefused(
        f"The file unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB, far more than a planning "
        "sheet needs.",
        "Remove images and other sheets, or split the file per team.",
    )


def _check_zip(data: bytes, filename: str) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = zf.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
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
    try:
        with _damaged_file():
            _check_unpacked_size(zf)
    except RuntimeError:  # zipfile: "File ... is encrypted, password required"
        raise SheetRefused(
            "The file is password-protected, so Ambit cannot read it.",
            "Remove the password and upload again.",
        ) from None
    if "xl/workbook.xml" not in lowered:
        if "mimetype" in lowered and b"opendocument.spreadsheet" in zf.read(names[lowered.index("mimetype")]):
            raise SheetRefused(
                "This is an OpenDocument spreadsheet (.ods).", "Save it as .xlsx (File → Save as) and upload that."
            )
        raise SheetRefused("The file is not a spreadsheet.", "Upload the .xlsx or .csv planning workbook.")


def _cell_value(cell: Any) -> Any:
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        # Excel stores a typed "40%" as 0.4 shown with a percent format.
        return f"{(Decimal(repr(value)) * 100).normalize():f}%"
    return value


def _okr_sheet(wb: Any) -> tuple[str, ReadOnlyWorksheet]:
    names = wb.sheetnames
    match = next((n for n in names if n.strip().lower() == OKR_SHEET.lower()), None)
    if match is None and len(names) == 1:
        match = names[0]
    if match is None:
        shown = ", ".join(quoted(n) for n in names[:10]) + (", …" if len(names) > 10 else "")
        raise SheetRefused(
            f"The workbook has no sheet named “{OKR_SHEET}” (it has {shown or 'none'}).",
            f"Put the objectives and key results on a sheet named “{OKR_SHEET}”.",
        )
    ws = wb[match]
    if not isinstance(ws, ReadOnlyWorksheet):
        raise SheetRefused(
            f"The sheet {quoted(match)} is a chart, not a table.",
            f"Put the objectives and key results on a sheet named “{OKR_SHEET}”.",
        )
    return match, ws


def _xlsx_rows(ws: ReadOnlyWorksheet, formulas: list[str]) -> Iterator[tuple[int, list[Any]]]:
    """The sheet's non-blank rows as values, noting formula cells in ``formulas``.

    The declared dimension is dropped (``reset_dimensions``): read-only openpyxl pads every row
    to it, and ``A1:XFD1048576`` with one far cell costs minutes. Blank rows between real ones
    still come as padding, cheap to skip, and reading stops at ``MAX_PHYSICAL_ROWS``.
    """
    ws.reset_dimensions()
    blank: tuple[Any, ...] | None = None
    for physical, row in enumerate(ws.iter_rows(max_col=MAX_COLUMNS), start=1):
        if physical > MAX_PHYSICAL_ROWS:
            raise _too_long()
        # openpyxl yields one shared tuple for every missing row: recognise it without a scan.
        if row is blank:
            continue
        if all(cell is EMPTY_CELL for cell in row):
            blank = row
            continue
        values = []
        for cell in row:
            value = cell.value
            if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=") and cell.data_type != "s"):
                formulas.append(getattr(cell, "coordinate", "?"))
            # Our export prefixes formula-like text with one apostrophe (also in XLSX, for a
            # later save as CSV): take it off again so export → import is stable.
            values.append(unescape_cell(_cell_value(cell)))
        yield physical, values


def check_external_links(data: bytes) -> None:
    """Refuse workbooks linked to other files: their cells show values copied from elsewhere."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        if any(n.lower().startswith("xl/externallinks/") for n in zf.namelist()):
            raise SheetRefused(
                "The workbook links to other files (external links), which Ambit does not follow.",
                "Break the links (Data → Edit Links → Break Link), save and upload again.",
            )


def xlsx_rows(
    data: bytes, filename: str, pick: Callable[[Any], tuple[str, ReadOnlyWorksheet]]
) -> tuple[str, list[tuple[int, list[Any]]]]:
    """The rows of the sheet ``pick`` chooses in an uploaded workbook, with its name, after the
    checks every upload gets (the planning sheet's and the people import's): a real workbook, not a
    zip bomb, encrypted or with macros; no links to other files; no formulas (values only)."""
    _check_zip(data, filename)
    check_external_links(data)
    with _damaged_file():
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        formulas: list[str] = []
        with _damaged_file():
            match, ws = pick(wb)
            rows = list(_xlsx_rows(ws, formulas))
    finally:
        wb.close()
    if formulas:
        shown = ", ".join(formulas[:10]) + (f" and {len(formulas) - 10} more" if len(formulas) > 10 else "")
        raise SheetRefused(
            f"Sheet {quoted(match)} holds formulas ({shown}).",
            "Replace them by their values (copy, then Paste special → Values only) and upload again.",
        )
    return match, rows


def _read_xlsx(data: bytes, filename: str) -> RawSheet:
    match, rows = xlsx_rows(data, filename, _okr_sheet)
    return _collect(match, "xlsx", rows)


# --- CSV ----------------------------------------------------------------------------------------


def _decode(data: bytes) -> str | None:
    """The text of a CSV upload; ``None`` for a binary file.

    NUL is valid text but rare in it: a few NULs in otherwise valid UTF-8 are read (and reported
    on their cells); many, or NULs in a file that is not UTF-8, mark an image, a PDF or UTF-16.
    """
    nuls = data[:8192].count(b"\x00")
    if nuls > _MAX_NULS:
        return None
    encodings = ("utf-8-sig",) if nuls else ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _csv_rows(text: str, delimiter: str, formulas: list[str]) -> Iterator[tuple[int, list[Any]]]:
    """The CSV's records, numbered as a spreadsheet program shows them; formulas noted by row."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    physical = 0
    try:
        for physical, record in enumerate(reader, start=1):
            if physical > MAX_PHYSICAL_ROWS:
                raise _too_long()
            if any(v.startswith("=") and len(v.strip()) > 1 for v in record):
                formulas.append(f"row {physical}")
            # Our export protects text that starts like a formula with one apostrophe: take it off.
            yield physical, [unescape_cell(v) for v in record]
    except csv.Error as exc:
        # The csv module's own limit (131,072 characters by default) is far above any column's:
        # a longer cell is a mistake or an attack, refused without raising the global limit.
        if "field larger than field limit" in str(exc):
            raise SheetRefused(
                f"Row {physical + 1:,} of the CSV file holds a cell of more than {csv.field_size_limit():,} "
                "characters, far too long for any column.",
                "Shorten that cell (descriptions take up to 10,000 characters) and upload again.",
            ) from None
        raise SheetRefused(
            f"The CSV file is damaged near row {physical + 1:,}: {str(exc)[:80]}.",
            "Open it in your spreadsheet program, save it again as .csv or .xlsx and upload that.",
        ) from None


def _read_csv(text: str, filename: str) -> RawSheet:
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    formulas: list[str] = []
    rows = [(n, values) for n, values in _csv_rows(text, delimiter, formulas) if values]
    if formulas:
        raise SheetRefused(
            f"The CSV file holds formulas (cells starting with “=”, {', '.join(formulas[:10])}).",
            "Replace them by their values, or start the text with an apostrophe, and upload again.",
        )
    return _collect(filename or "CSV", "csv", rows)


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
