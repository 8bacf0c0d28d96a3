"""The planning workbook's reading sheets beside the OKR sheet: "Initiatives" (``initiatives.py``)
and "KPIs" (here), one header row and a row per record, every cell through
``ambit.core.spreadsheet.set_safe_cell`` like the OKR sheet, so user text never becomes a formula.

The upload reads both back (``reference_import.py``): a row with an ID updates that KPI or
initiative, a row without one creates it, through the kpis and initiatives services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ambit.accounts.models import Membership, Team
from ambit.core.spreadsheet import set_safe_cell
from ambit.kpis.selectors import kpi_list

KPIS_SHEET = "KPIs"
# (header, width)
KPI_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Team", 14),
    ("KPI", 36),
    ("Owner email", 28),
    ("Unit", 10),
    ("Better when", 12),
    ("Healthy at", 12),
    ("Critical at", 12),
    ("Update", 10),
    ("Latest value", 12),
    ("Band", 10),
    ("Last reading", 12),
    ("Fed by key results", 48),
    ("ID", 10),
)
KPI_ID_PREFIX = "KPI"


def write_reference_sheet(
    wb: Workbook, title: str, columns: Sequence[tuple[str, int]], rows: Sequence[Sequence[Any]]
) -> None:
    """A sheet of ``rows`` under ``columns``' headers; dates shown as dates."""
    ws = wb.create_sheet(title)
    for col, (header, width) in enumerate(columns, start=1):
        cell = set_safe_cell(ws, 1, col, header)
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            cell = set_safe_cell(ws, r, col, "" if value is None else value)
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"


def kpi_rows(*, actor: Membership, team: Team | None = None) -> list[list[Any]]:
    """The organisation's live KPIs (a team's export: that team's), by team then name: two queries."""
    qs = kpi_list(actor=actor, team=team).prefetch_related("links__key_result").order_by("team__name", "name", "pk")
    rows: list[list[Any]] = []
    for kpi in qs:
        rows.append(
            [
                kpi.team.slug if kpi.team else "",
                kpi.name,
                kpi.owner.user.email if kpi.owner else "",
                kpi.unit,
                kpi.get_direction_display(),
                kpi.healthy_threshold,
                kpi.critical_threshold,
                kpi.get_cadence_display(),
                kpi.current_value,
                kpi.get_current_band_display() if kpi.current_band else "",
                kpi.last_reading_at.date() if kpi.last_reading_at else None,
                "; ".join(link.key_result.title for link in kpi.links.all()),
                f"{KPI_ID_PREFIX}{kpi.pk}",
            ]
        )
    return rows
