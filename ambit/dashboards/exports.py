"""Every dashboard list as a download: CSV or XLSX, the same table either way.

A dashboard asks for ``?export=<list>.csv`` or ``?export=<list>.xlsx`` (``?export=<list>&format=xlsx``
too). Each list is a :class:`Table` (a header row and typed cells); :func:`respond` writes it. Text
goes through the shared formula-injection guard (``core.spreadsheet``: a cell starting with
``= + - @`` gets an apostrophe), numbers and dates stay typed: a negative gap is the number -29.5 in
both, and the XLSX cells are numbers and dates a spreadsheet can sum and sort.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Font

from ambit.accounts.models import Membership
from ambit.core.display import status_label
from ambit.core.spreadsheet import SafeCsvWriter, set_safe_cell
from ambit.dashboards.discipline import OUTCOME_LABELS, DisciplineRow, Period
from ambit.dashboards.entries import ListEntry
from ambit.dashboards.heat import NO_DATA, HeatRow
from ambit.dashboards.selectors import DashboardRow, dashboard_rows

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_BATCH = 500


@dataclass
class Table:
    title: str  # the sheet's title (at most 31 characters in XLSX)
    header: list[str]
    rows: Iterable[Sequence[object]]


def requested(request: HttpRequest, names: Iterable[str]) -> tuple[str, str] | None:
    """``(list, format)`` the request asks to export, None when it asks for none; 404 for a list
    or format that does not exist."""
    raw = request.GET.get("export")
    if not raw:
        return None
    name, dot, ext = raw.rpartition(".")
    if not dot:
        name, ext = raw, request.GET.get("format", "csv")
    if name not in names or ext not in FORMATS:
        raise Http404("No such export.")
    return name, ext


def respond(table: Table, fmt: str, *, filename: str) -> HttpResponse:
    """``table`` as an attachment named ``filename`` plus the format's extension."""
    if fmt == "xlsx":
        response = HttpResponse(_xlsx(table), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = SafeCsvWriter(csv.writer(response))
        writer.writerow(table.header)
        for row in table.rows:
            writer.writerow(row)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _xlsx(table: Table) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = (table.title or "Export")[:31]
    bold = Font(bold=True)
    for c, title in enumerate(table.header, start=1):
        set_safe_cell(ws, 1, c, title).font = bold
    widths = [len(h) for h in table.header]
    for r, row in enumerate(table.rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = set_safe_cell(ws, r, c, value)
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            if c <= len(widths):
                widths[c - 1] = max(widths[c - 1], min(60, len(str(value or ""))))
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=1, column=c).column_letter].width = width + 2
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def filename(actor: Membership, cycle_name: str, day: dt.date, *parts: str) -> str:
    stem = "-".join(slugify(p) for p in parts if p)
    return f"{slugify(actor.organisation.slug)}-{slugify(cycle_name)}-{day.isoformat()}-{stem}"


def pct(share: float | None) -> Decimal | None:
    # A number (not text), so a negative gap stays "-12.5" for spreadsheets to sum.
    return None if share is None else Decimal(f"{share * 100:.1f}")


# --- The lists ----------------------------------------------------------------------------------


def _rows_in_batches(actor: Membership, entries: Sequence[ListEntry]) -> Iterator[DashboardRow]:
    for i in range(0, len(entries), EXPORT_BATCH):
        yield from dashboard_rows(actor=actor, entries=entries[i : i + EXPORT_BATCH])


def _kr_cells(request: HttpRequest, row: DashboardRow) -> list[object]:
    kr = row.key_result
    url = request.build_absolute_uri(reverse("okrs:objective-detail", args=[kr.objective_id])) + f"#kr-{kr.pk}"
    team = kr.objective.team.name if kr.objective.team else ""
    return [kr.owner.user.get_full_name(), kr.objective.title, team, url]


def at_risk_table(request: HttpRequest, actor: Membership, entries: Sequence[ListEntry]) -> Table:
    header = ["Key result", "Status", "Progress (%)", "Expected (%)", "Gap (points)", "Owner", "Objective", "Team"]

    def rows() -> Iterator[list[object]]:
        for row in _rows_in_batches(actor, entries):
            e = row.entry
            cells = [status_label(e.status), pct(e.progress), pct(e.expected), pct(e.gap)]
            yield [row.key_result.title, *cells, *_kr_cells(request, row)]

    return Table("At risk", [*header, "Link"], rows())


def stale_table(request: HttpRequest, actor: Membership, entries: Sequence[ListEntry]) -> Table:
    header = ["Key result", "Last check-in", "Days silent", "Progress (%)", "Owner", "Objective", "Team", "Link"]

    def rows() -> Iterator[list[object]]:
        for row in _rows_in_batches(actor, entries):
            last = row.entry.last_checkin_at
            day = last.date().isoformat() if last else ""
            yield [row.key_result.title, day, row.entry.days_silent, pct(row.entry.progress), *_kr_cells(request, row)]

    return Table("Stale", header, rows())


def heat_table(rows: Sequence[HeatRow], expected: float) -> Table:
    """Every team at any depth; "Level" is the depth below the first row's level (0)."""
    names = {r.team_id: r.name for r in rows}
    header = ["Team", "Level", "Parent", "Progress (%)", "Expected (%)", "Status", "Objectives"]
    body = [
        [
            r.name,
            r.depth,
            names.get(r.parent_id, "") if r.parent_id is not None else "",
            pct(r.progress),
            pct(expected),
            "" if r.status == NO_DATA else status_label(r.status),
            r.objective_count,
        ]
        for r in rows
    ]
    return Table("Progress by team", header, body)


def discipline_table(rows: Sequence[DisciplineRow], who: str) -> Table:
    header = [who, "Periods due", "On time", "Late", "Missed", "On time (%)"]
    body = [[r.name, r.due, r.on_time, r.late, r.missed, pct(r.rate)] for r in rows]
    return Table(f"Discipline by {who.lower()}", header, body)


def periods_table(periods: Sequence[Period]) -> Table:
    body = [[p.start, p.end, OUTCOME_LABELS.get(p.outcome or "", "Open")] for p in periods]
    return Table("Check-in periods", ["Period starting", "Period ending", "Check-in"], body)


def person_table(rows: Sequence[Any]) -> Table:
    """A person's key results (``scoped.PersonKeyResult``)."""
    header = ["Key result", "Objective", "Status", "Progress (%)", "Expected (%)", "Confidence", "Last check-in"]
    body = [
        [
            r.title,
            r.objective_title,
            status_label(r.status),
            pct(r.progress),
            pct(r.expected),
            r.confidence,
            r.last_checkin_at.date() if r.last_checkin_at else None,
        ]
        for r in rows
    ]
    return Table("Key results", header, body)
