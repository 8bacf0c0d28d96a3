"""Build spreadsheets the way other programs (and people) do, for the import tests."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook, load_workbook

from ambit.sheets.layout import COLUMNS, OKR_SHEET

HEADERS = [c.header for c in COLUMNS]


def xlsx(rows: list[list[Any]], headers: list[str] | None = None, sheet: str = OKR_SHEET) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(headers or HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(
    rows: list[list[Any]], headers: list[str] | None = None, delimiter: str = ",", encoding: str = "utf-8"
) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter)
    w.writerow(headers or HEADERS)
    for row in rows:
        w.writerow(row)
    return out.getvalue().encode(encoding)


def row(**cells: Any) -> list[Any]:
    """A row in the exporter's column order from keyword cells (missing cells empty)."""
    return [cells.get(c.key) for c in COLUMNS]


def edit_xlsx(data: bytes, edits: dict[tuple[str, str], Any]) -> bytes:
    """Change cells of the OKR sheet: ``{(row id, column key): value}``."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb[OKR_SHEET]
    col = {c.key: i for i, c in enumerate(COLUMNS, start=1)}
    for r in range(2, ws.max_row + 1):
        rid = ws.cell(row=r, column=1).value
        for (target, key), value in edits.items():
            if rid == target:
                ws.cell(row=r, column=col[key]).value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def append_xlsx(data: bytes, rows: list[list[Any]]) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb[OKR_SHEET]
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
