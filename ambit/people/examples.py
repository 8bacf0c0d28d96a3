"""The example files offered on the import page: the header row and two example rows."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from ambit.core.spreadsheet import SafeCsvWriter, set_safe_cell
from ambit.people.reader import HEADERS, PEOPLE_SHEET

EXAMPLE_ROWS = [
    ["Grace Hopper", "grace@example.com", "Engineering", "champion", "", "yes", "VP Engineering"],
    ["Ada Lovelace", "ada@example.com", "Engineering / Platform", "member", "grace@example.com", "no", "Engineer"],
]
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def example_file(fmt: str) -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        writer = SafeCsvWriter(csv.writer(out, lineterminator="\r\n"))
        writer.writerow(HEADERS)
        for row in EXAMPLE_ROWS:
            writer.writerow(row)
        return out.getvalue().encode("utf-8")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = PEOPLE_SHEET
    for r, row in enumerate([HEADERS, *EXAMPLE_ROWS], start=1):
        for c, value in enumerate(row, start=1):
            set_safe_cell(ws, r, c, value)
    for letter, width in zip("ABCDEFG", (22, 28, 30, 12, 28, 8, 20), strict=True):
        ws.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
