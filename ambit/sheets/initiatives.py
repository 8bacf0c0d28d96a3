"""The planning workbook's "Initiatives" sheet (issue 16): one row per initiative of the exported
objectives' key results (written by ``reference.write_reference_sheet``).

The upload reads it back (``reference_import.py``): a row with an ID updates that initiative, a
row without one adds an initiative to the key result its "Key result ID" names.
"""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook

from ambit.accounts.models import Membership, Team
from ambit.initiatives.selectors import initiative_list
from ambit.okrs.models import Cycle
from ambit.sheets.layout import format_row_id
from ambit.sheets.reference import write_reference_sheet

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
    ("Key result ID", 14),
    ("ID", 10),
)
INITIATIVE_ID_PREFIX = "I"


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
                format_row_id(objective.pk, i.key_result_id),
                f"{INITIATIVE_ID_PREFIX}{i.pk}",
            ]
        )
    return rows


def write_initiatives_sheet(wb: Workbook, rows: list[list[Any]]) -> None:
    write_reference_sheet(wb, INITIATIVES_SHEET, COLUMNS, rows)
