"""The planning workbook's "Initiatives" sheet (issue 16): one row per initiative of the exported
objectives' key results, for reading and sharing. Every cell goes through
``ambit.core.spreadsheet.set_safe_cell`` like the OKR sheet, so user text never becomes a formula.

The upload reads the OKR sheet only: initiatives are changed in Ambit or through the API.
"""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ambit.accounts.models import Membership, Team
from ambit.core.spreadsheet import set_safe_cell
from ambit.initiatives.selectors import initiative_list
from ambit.okrs.models import Cycle

INITIATIVES_SHEET = "Initiatives"
# (header, width)
COLUMNS: tuple[tuple[str, int], ...] = (
    ("Team", 14),
    ("Objective", 36),
    ("Key result", 36),
    ("Initiative", 40),
    ("Owner email", 28),
    ("Status", 12),
    ("Due", 12),
    ("Link", 40),
    ("Link key", 18),
    ("Sprint", 8),
)


def initiative_rows(*, actor: Membership, cycle: Cycle, team: Team | None = None) -> list[list[Any]]:
    """The rows, in the OKR sheet's order (objective, key result, then each one's initiatives); one query."""
    qs = (
        initiative_list(actor=actor, team=team)
        .filter(key_result__objective__cycle=cycle)
        .select_related("key_result__objective__team")
        .order_by(
            "key_result__objective__position",
            "key_result__objective_id",
            "key_result__position",
            "key_result_id",
            "position",
            "pk",
        )
    )
    rows: list[list[Any]] = []
    for i in qs:
        objective = i.key_result.objective
        rows.append(
            [
                objective.team.slug if objective.team else "",
                objective.title,
                i.key_result.title,
                i.title,
                i.owner.user.email if i.owner else "",
                i.status,
                i.due_date,
                i.link_url,
                i.link_key,
                i.sprint.number if i.sprint else None,
            ]
        )
    return rows


def write_initiatives_sheet(wb: Workbook, rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(INITIATIVES_SHEET)
    for col, (header, width) in enumerate(COLUMNS, start=1):
        cell = set_safe_cell(ws, 1, col, header)
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            cell = set_safe_cell(ws, r, col, "" if value is None else value)
            if col == 7 and value is not None:
                cell.number_format = "yyyy-mm-dd"
