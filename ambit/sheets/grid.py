"""The planning grid: a cycle's OKRs as an editable table with exactly the planning sheet's columns.

The grid never has rules of its own. Its rows come from the exporter's row building
(``exporter.okr_rows``), written as text the way the CSV download writes them; what is posted back
is turned into the reader's row model (``grid_sheet``: a ``RawSheet`` whose row numbers are the
grid's, the header being row 1) and handed to ``services.sheet_import`` as the planning sheet that
model reads back to (``sheet_bytes``), so the dry run, the permission checks per row, the apply
(all or nothing, refused when the plan changed since the dry run) and the report are the upload's.
The sheet and the grid cannot disagree because they are the same import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ambit.accounts.models import Membership, Team
from ambit.core.permissions import can_edit_objective
from ambit.core.spreadsheet import SafeCsvWriter
from ambit.okrs.metrics import compute_metrics
from ambit.okrs.models import Cycle
from ambit.okrs.selectors import objective_list
from ambit.sheets.exporter import okr_rows
from ambit.sheets.layout import BY_KEY, COLUMNS, MAX_ROWS, parse_row_id
from ambit.sheets.reader import RawRow, RawSheet
from ambit.sheets.report import ImportReport, Problem
from ambit.sheets.selectors import sheet_data
from ambit.sheets.services import plan_digest, sheet_import

GRID_SHEET = "Planning grid"
FIRST_ROW = 2  # the header is row 1, as in the downloaded sheet: report rows are grid rows
KEYS = tuple(c.key for c in COLUMNS)
OBJECTIVE_LEVEL = tuple(c.key for c in COLUMNS if c.level == "objective")
_KEY_BY_HEADER = {c.header: c.key for c in COLUMNS}

Cells = dict[str, str]


class GridRefused(Exception):
    """The posted grid itself is malformed (not a cell value: those are the importer's to judge)."""


def cell_text(value: Any) -> str:
    """A cell as the CSV download writes it (``csv.writer`` calls ``str``), blank for nothing."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def blank_row() -> Cells:
    return dict.fromkeys(KEYS, "")


def is_blank(cells: Mapping[str, str]) -> bool:
    return not any(v.strip() for v in cells.values())


# --- Reading: the cycle's rows as the download has them ---------------------------------------


@dataclass
class GridData:
    rows: list[Cells]
    editable: set[int]  # objective ids the actor may edit


def grid_rows(*, actor: Membership, cycle: Cycle, team: Team | None) -> GridData:
    """The download's rows (``okr_rows``) as text. Without a team: only the objectives the actor
    may edit; with one, all of the team's (the others shown read-only). A fixed number of queries."""
    data = sheet_data(actor=actor, cycle=cycle, team=team)
    editable = {o.pk for o in data.objectives if can_edit_objective(actor, o)}
    if team is None:
        data.objectives = [o for o in data.objectives if o.pk in editable]
    metrics = compute_metrics(organisation=actor.organisation, objectives=data.objectives, with_forecast=False)
    rows = [{k: cell_text(r.get(k)) for k in KEYS} for r in okr_rows(data, metrics)]
    return GridData(rows=rows, editable=editable)


def editable_objectives(*, actor: Membership, cycle: Cycle) -> set[int]:
    """Ids of the cycle's objectives the actor may edit (one query)."""
    return {
        o.pk for o in objective_list(actor=actor, cycle=cycle, with_key_results=False) if can_edit_objective(actor, o)
    }


def row_objective_id(cells: Mapping[str, str]) -> int | None:
    parsed = parse_row_id(cells.get("id", "")) if cells.get("id", "").strip() else None
    return parsed[0] if parsed else None


# --- The posted grid --------------------------------------------------------------------------


def rows_from_post(post: Mapping[str, Any]) -> list[Cells]:
    """The grid's rows from a form post: ``grid`` (the JSON grid.js sends, a list of
    ``{column key: text}``) or, without JavaScript, one field per cell (``r-<i>-<key>``)."""
    packed = post.get("grid")
    if packed:
        try:
            data = json.loads(packed)
        except (ValueError, RecursionError):  # RecursionError: "[[[[…" nested thousands deep
            raise GridRefused("The grid could not be read.") from None
        if not isinstance(data, list):
            raise GridRefused("The grid could not be read.")
        if len(data) > MAX_ROWS:
            raise GridRefused(f"The grid holds more than {MAX_ROWS:,} rows, the most one save takes.")
        rows: list[Cells] = []
        for item in data:
            if not isinstance(item, dict) or not all(isinstance(v, str) for v in item.values()):
                raise GridRefused("The grid could not be read.")
            rows.append({k: str(item.get(k, "")) for k in KEYS})
        return rows
    try:
        count = int(post.get("rows", "0"))
    except ValueError:
        raise GridRefused("The grid could not be read.") from None
    if count < 0:
        raise GridRefused("The grid could not be read.")
    if count > MAX_ROWS:
        raise GridRefused(f"The grid holds more than {MAX_ROWS:,} rows, the most one save takes.")
    return [{k: str(post.get(f"r-{i}-{k}", "")) for k in KEYS} for i in range(count)]


def insert_below(rows: list[Cells], index: int) -> list[Cells]:
    """A new key result row under ``rows[index]``, for the same objective: the objective's columns
    copied and, for an objective already in Ambit, only its "O…" id kept (the sheet's own rule for
    a new key result of an existing objective)."""
    if not 0 <= index < len(rows):
        return [*rows, blank_row()]
    source = rows[index]
    new = blank_row()
    for key in OBJECTIVE_LEVEL:
        new[key] = source.get(key, "")
    objective_id = row_objective_id(source)
    new["id"] = f"O{objective_id}" if objective_id is not None else ""
    return [*rows[: index + 1], new, *rows[index + 1 :]]


def remove_row(rows: list[Cells], index: int) -> list[Cells]:
    return [r for i, r in enumerate(rows) if i != index]


# --- The adapter: grid rows → the reader's row model → the sheet import ----------------------


def grid_sheet(rows: list[Cells]) -> RawSheet:
    """The grid as the reader's model: every column, blank rows left out but counted, so a
    problem's row number is the grid's."""
    out = RawSheet(sheet=GRID_SHEET, kind="csv", columns=list(KEYS))
    for i, cells in enumerate(rows):
        values = {k: cells.get(k, "") for k in KEYS}
        if not is_blank(values):
            out.rows.append(RawRow(number=FIRST_ROW + i, cells=values))
    return out


def sheet_bytes(raw: RawSheet) -> bytes:
    """``raw`` as the planning sheet (CSV, headers from the layout, text protected from formula
    injection as every export is) that ``reader.read_upload`` reads back to the same rows."""
    out = io.StringIO()
    writer = SafeCsvWriter(csv.writer(out, lineterminator="\r\n"))
    writer.writerow([BY_KEY[k].header for k in raw.columns])
    by_number = {r.number: r for r in raw.rows}
    last = max(by_number, default=1)
    for number in range(FIRST_ROW, last + 1):
        row = by_number.get(number)
        writer.writerow([row.cells.get(k, "") if row else "" for k in raw.columns])
    return out.getvalue().encode("utf-8")


def grid_import(
    *, actor: Membership, cycle: Cycle, rows: list[Cells], dry_run: bool = True, expected_digest: str = ""
) -> ImportReport:
    """The planning sheet's import (``sheet_import``) of the grid's rows: a dry run, or the apply
    of the dry run whose ``plan_digest`` is ``expected_digest``."""
    if not dry_run and not expected_digest:
        return ImportReport(
            sheet=GRID_SHEET,
            dry_run=False,
            problems=[Problem(GRID_SHEET, None, None, "Nothing was checked yet.", "Press “Check” first.")],
        )
    report = sheet_import(
        actor=actor,
        cycle=cycle,
        data=sheet_bytes(grid_sheet(rows)),
        filename=GRID_SHEET,
        locale="en",
        dry_run=dry_run,
        expected_digest=expected_digest,
    )
    for p in report.problems:
        if p.row is None and p.message.startswith("Ambit changed since the dry run"):
            p.hint = "Press “Check” again to see what would change now, then apply."
    return report


def applicable_digest(report: ImportReport) -> str:
    """The digest an apply must bring back: only for a clean dry run with something to do."""
    return plan_digest(report) if report.dry_run and report.ok and (report.created or report.updated) else ""


# --- Problems back onto the grid's cells --------------------------------------------------------


@dataclass
class GridErrors:
    cells: dict[tuple[int, str], list[str]] = field(default_factory=dict)  # (row index, key) → messages
    rows: dict[int, list[str]] = field(default_factory=dict)  # row index → messages without a column
    general: list[Problem] = field(default_factory=list)  # about the whole grid
    first: tuple[int, str] | None = None  # the cell to focus

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.cells.values()) + sum(len(v) for v in self.rows.values()) + len(self.general)


def map_problems(report: ImportReport, row_count: int) -> GridErrors:
    errors = GridErrors()
    for p in sorted(report.problems, key=lambda p: p.row or 0):
        index = (p.row - FIRST_ROW) if p.row is not None else -1
        if not 0 <= index < row_count:
            errors.general.append(p)
            continue
        text = f"{p.message} {p.hint}".strip()
        key = _KEY_BY_HEADER.get(p.column or "")
        if key is None:
            errors.rows.setdefault(index, []).append(text)
            key = "objective"
        else:
            errors.cells.setdefault((index, key), []).append(text)
        if errors.first is None:
            errors.first = (index, key)
    return errors
