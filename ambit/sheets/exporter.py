"""Write a cycle's planning workbook (XLSX) or the same rows as CSV.

One row per key result with the objective's columns repeated; an objective without key results
gets one row of its own. The hidden ``ID`` column makes the round trip exact. A cycle in planning
with no OKRs yet gets a template: one clearly marked example row per team. Every cell is written
through ``ambit.core.spreadsheet``: user text can never become a formula, numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Alignment as CellAlignment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ambit.accounts.models import Membership, Team
from ambit.core.display import pct
from ambit.core.spreadsheet import SafeCsvWriter, set_safe_cell
from ambit.okrs.metrics import Metrics, compute_metrics
from ambit.okrs.models import Ambition, Cycle, CycleState, KeyResult, KeyResultKind, Objective, Visibility
from ambit.sheets.initiatives import initiative_rows, write_initiatives_sheet
from ambit.sheets.layout import (
    COLUMNS,
    EXAMPLE_PREFIX,
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    OKR_SHEET,
    SHEET_COLUMNS,
    Column,
    format_parent,
    format_row_id,
)
from ambit.sheets.origin import rollover_origins
from ambit.sheets.progress_from import ProgressFrom, progress_from
from ambit.sheets.reference import KPI_COLUMNS, KPIS_SHEET, kpi_rows, write_reference_sheet
from ambit.sheets.selectors import SheetData, SheetLists, sheet_data, sheet_lists

Row = dict[str, Any]


def _number(value: Decimal | float | None) -> int | float | None:
    if value is None:
        return None
    d = Decimal(str(value))
    return int(d) if d == d.to_integral_value() else float(d)


def _objective_cells(o: Objective, parents: list[Objective]) -> Row:
    return {
        "team": o.team.slug if o.team else "",
        "objective": o.title,
        "objective_description": o.description,
        "owner": o.owner.user.email,
        "ambition": o.ambition,
        "visibility": o.visibility,
        "theme": o.theme.title if o.theme else "",
        "parent": "; ".join(format_parent(p.pk, p.title) for p in parents),
        "plan_start": o.plan_start,  # blank when it is the default: the upload then keeps the default
        "state": o.state,
    }


def _kr_cells(kr: KeyResult) -> Row:
    return {
        "kr": kr.title,
        "kr_owner": kr.owner.user.email,
        "kind": kr.kind,
        "start": _number(kr.start_value),
        "target": _number(kr.target_value),
        "stretch": _number(kr.stretch_target),
        "unit": kr.unit,
        "weight": _number(kr.weight),
        "progress_from": progress_from(kr),
        "kr_plan_start": kr.plan_start,
    }


def _score_cells(o: Objective, metrics: Metrics) -> Row:
    """The objective's score (set, else suggested) and its verdict, as the objective page reads them."""
    m = metrics.objective(o)
    score = o.score if o.score is not None else m.suggested_score
    return {"objective_score": score, "objective_verdict": m.verdict or ""}


def _kr_score_cells(kr: KeyResult, metrics: Metrics) -> Row:
    m = metrics.kr(kr)
    return {"kr_score": kr.score if kr.score is not None else m.suggested_score, "kr_verdict": m.verdict}


def _forecast_cells(kr: KeyResult, metrics: Metrics) -> Row:
    """The key result's forecast as its pages show it (``partials/forecast.html``): the projected
    progress and the projected score (``Forecast.score``, the score rule applied to it); blank
    with the reason while it is too early, blank without a check-in."""
    fc = metrics.kr(kr).forecast
    if fc is None:
        return {}
    if fc.note is not None:
        return {"forecast_note": fc.note}
    return {"forecast_progress": fc.progress, "forecast_score": fc.score}


def okr_rows(data: SheetData, metrics: Metrics) -> list[Row]:
    rows: list[Row] = []
    origins = rollover_origins(data.objectives)
    for o in data.objectives:
        base = {
            **_objective_cells(o, data.parents.get(o.pk, [])),
            **_score_cells(o, metrics),
            **origins.get(o.pk, {}),
        }
        krs = data.key_results.get(o.pk, [])
        if not krs:
            rows.append({"id": format_row_id(o.pk, None), **base})
        for kr in krs:
            rows.append(
                {
                    "id": format_row_id(o.pk, kr.pk),
                    **base,
                    **_kr_cells(kr),
                    **_kr_score_cells(kr, metrics),
                    **_forecast_cells(kr, metrics),
                }
            )
    return rows


def _parents_for_team(team: Team, lists: SheetLists) -> list[Objective]:
    ancestors: set[int] = set()
    by_id = {t.pk: t for t in lists.teams}
    cursor = by_id.get(team.parent_id) if team.parent_id else None
    while cursor is not None and cursor.pk not in ancestors:
        ancestors.add(cursor.pk)
        cursor = by_id.get(cursor.parent_id) if cursor.parent_id else None
    return [p for p in lists.parents_available if p.team_id in ancestors]


def template_rows(cycle: Cycle, lists: SheetLists, team: Team | None) -> list[Row]:
    """One example row per team (or for the one team), aligned to what it can support."""
    rows: list[Row] = []
    end = f"{cycle.end_date.day} {cycle.end_date:%B}"
    for t in [team] if team is not None else lists.teams:
        lead = lists.team_leads.get(t.pk)
        parents = _parents_for_team(t, lists)
        rows.append(
            {
                "id": "",
                "team": t.slug,
                "objective": f"{EXAMPLE_PREFIX} {t.name}: what should be different by {end}?",
                "objective_description": "Replace this row, or copy it once per objective. Rows still starting "
                f"with {EXAMPLE_PREFIX} are skipped on upload.",
                "owner": lead.user.email if lead else "",
                "ambition": Ambition.COMMITTED.value,
                "visibility": Visibility.PUBLIC.value,
                "theme": "",
                "parent": format_parent(parents[0].pk, parents[0].title) if parents else "",
                "kr": "How you will measure it",
                "kr_owner": lead.user.email if lead else "",
                "kind": KeyResultKind.INCREASE.value,
                "start": 0,
                "target": 100,
                "stretch": None,
                "unit": "",
                "weight": 1,
                "progress_from": ProgressFrom.CHECK_INS.value,
            }
        )
    return rows


def export_rows(*, actor: Membership, cycle: Cycle, team: Team | None = None) -> tuple[list[Row], SheetLists, bool]:
    """Rows to write, the reference lists, and whether the rows are a template."""
    data = sheet_data(actor=actor, cycle=cycle, team=team)
    lists = sheet_lists(actor=actor, cycle=cycle)
    metrics = compute_metrics(organisation=actor.organisation, objectives=data.objectives, with_forecast=True)
    rows = okr_rows(data, metrics)
    is_template = not rows and cycle.state == CycleState.PLANNING
    if is_template:
        rows = template_rows(cycle, lists, team)
    return rows, lists, is_template


# --- XLSX ---------------------------------------------------------------------------------------

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_EXAMPLE_FILL = PatternFill("solid", fgColor="FFF2CC")


def _write_header(ws: Worksheet, headers: list[str], widths: list[int]) -> None:
    for i, (h, w) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = set_safe_cell(ws, 1, i, h)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"


def _list_range(col: str, n: int) -> str:
    return f"'{LISTS_SHEET}'!${col}$2:${col}${n + 1}"


def _write_lists(wb: Workbook, lists: SheetLists) -> dict[str, str]:
    """The reference sheet; returns the validation formula for each enumerated column."""
    ws = wb.create_sheet(LISTS_SHEET)
    columns: list[tuple[str, int, list[Any]]] = [
        ("Team slug", 16, [t.slug for t in lists.teams]),
        ("Team name", 24, [t.name for t in lists.teams]),
        ("Person email", 28, [m.user.email for m in lists.people]),
        ("Person name", 24, [m.user.full_name for m in lists.people]),
        ("Kind", 12, list(KeyResultKind.values)),
        ("Kind means", 22, list(KeyResultKind.labels)),
        ("Ambition", 14, list(Ambition.values)),
        ("Visibility", 12, list(Visibility.values)),
        ("Parent objective", 48, [format_parent(p.pk, p.title) for p in lists.parents_available]),
        ("Parent's team", 16, [p.team.slug if p.team else "(individual)" for p in lists.parents_available]),
        ("Parent's cycle", 16, [p.cycle.name for p in lists.parents_available]),
        ("Theme (big move)", 30, [b.title for b in lists.themes if not b.is_archived]),
        ("Progress from", 16, list(ProgressFrom.values)),
    ]
    _write_header(ws, [c[0] for c in columns], [c[1] for c in columns])
    for col, (_, _, values) in enumerate(columns, start=1):
        for r, v in enumerate(values, start=2):
            set_safe_cell(ws, r, col, v)
    letters = {name: get_column_letter(i) for i, (name, _, _) in enumerate(columns, start=1)}
    counts = {name: len(values) for name, _, values in columns}
    formulas = {}
    for key, name in (
        ("team", "Team slug"),
        ("owner", "Person email"),
        ("kr_owner", "Person email"),
        ("kind", "Kind"),
        ("ambition", "Ambition"),
        ("visibility", "Visibility"),
        ("parent", "Parent objective"),
        ("theme", "Theme (big move)"),
        ("progress_from", "Progress from"),
    ):
        if counts[name]:
            formulas[key] = _list_range(letters[name], counts[name])
    return formulas


def _add_validations(ws: Worksheet, formulas: dict[str, str]) -> None:
    for col, c in enumerate(COLUMNS, start=1):
        formula = formulas.get(c.key)
        if formula is None:
            continue
        # Several parents go in one cell ("#1 …; #2 …"), so the parent list only warns.
        dv = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning" if c.key == "parent" else "stop",
            errorTitle=f"Unknown {c.header.lower()}",
            error=f"Pick a value from the list (sheet “{LISTS_SHEET}”).",
        )
        letter = get_column_letter(col)
        dv.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        ws.add_data_validation(dv)


def _instructions(wb: Workbook, cycle: Cycle, team: Team | None, is_template: bool) -> None:
    ws = wb.create_sheet(INSTRUCTIONS_SHEET)
    scope = f"team {team.name} ({team.slug})" if team else "the whole organisation"
    lines = [
        f"Ambit planning workbook — {cycle.name} ({cycle.start_date} – {cycle.end_date}), {scope}.",
        f"Exported {timezone.now():%Y-%m-%d %H:%M} UTC.",
        "",
        f"Sheet “{OKR_SHEET}”: one row per key result. The objective's columns repeat on each of its rows: "
        "change them on every row of that objective.",
        "A new objective: a new row with an empty ID. Its further key results: more rows with the same team "
        "and objective title (or with the objective title left blank right below it).",
        "A new key result for an existing objective: copy one of its rows, then clear the KR part of the ID "
        "(keep “O12”, drop “-KR34”) — or leave the ID empty and repeat the objective title.",
        "Deleting a row deletes nothing in Ambit: cancel objectives and key results in Ambit itself.",
        "Do not change the hidden ID column (column A): it ties each row to its objective and key result.",
        "The score, verdict and forecast columns at the end are for reading (committed OKRs are met only at "
        "1.0; aspirational ones are a success from 0.7, partial from 0.4; the forecast score is the score the "
        "forecast progress would earn): the upload ignores them.",
        "Enumerated columns (team, owner, kind, ambition, visibility, parent, theme, progress from) take the values on "
        f"“{LISTS_SHEET}”. New objectives start as drafts; State moves one from draft to proposed to active "
        "(approving follows the charter; sending back needs a comment: do it in Ambit).",
        "Plan start, KR plan start: the day from which progress is judged, a day of the cycle (a date cell or "
        "YYYY-MM-DD). Leave it empty for the default: the later of the cycle start and the day it was created.",
        "Parent objective: “#id title” from the list; several parents are separated by “;”. A new objective of "
        "this workbook can also be named by its exact title.",
        "Kind: increase / decrease need start and target; stay_above / stay_below need a target; binary is "
        "done/not done; milestone checklists are created in Ambit (the sheet has no milestones column).",
        "Progress from: check-ins (the default: progress from the key result's own readings), initiatives "
        "(the share of its initiatives done) or child objectives (their progress; switched on here only for a "
        "key result that exists). Only one at a time; a milestone checklist cannot count initiatives.",
        "Numbers may be typed as 40%, 1,200, 1.2k, $3,000 — or 3.000,50 € when you upload with the German or "
        "French locale. A sign in a number fills an empty Unit.",
        "No formulas and no macros: save as a plain .xlsx (or .csv). Limits: 5 MB and 5,000 rows per upload.",
        f"Upload limits: {MAX_UPLOAD_BYTES // (1024 * 1024)} MB, {MAX_ROWS:,} rows. Uploading shows a dry run "
        "first; nothing changes until you confirm, and then everything or nothing is saved.",
        "Sheet “KPIs”: the organisation's KPIs (a team's export: the team's) with their bands, latest reading and "
        "the key results that feed them. The upload reads team, KPI, owner, unit, better when, healthy at, "
        "critical at and update; a row with an ID changes that KPI, a new row without an ID creates one.",
        "Sheet “Initiatives”: the work planned for each key result. The upload reads initiative, owner, status, "
        "due and link; a row with an ID changes that initiative, a new row without an ID adds one to the key "
        "result whose ID (“O12-KR34”, column A of “OKRs”) is in its Key result ID column.",
        "On those two sheets the other columns (latest value, band, last reading, key results, link key, "
        "sprint, team, objective and key result titles) are for reading; deleting a row deletes nothing. "
        "A .csv upload holds the OKR sheet only: initiatives and KPIs need the .xlsx workbook.",
    ]
    if is_template:
        lines.insert(
            2,
            f"This cycle has no OKRs yet: the rows marked {EXAMPLE_PREFIX} are examples, one per team, aligned to "
            "an objective that team can support. Replace them; example rows left as they are are skipped.",
        )
    ws.column_dimensions["A"].width = 120
    for i, line in enumerate(lines, start=1):
        cell = set_safe_cell(ws, i, 1, line)
        cell.alignment = CellAlignment(wrap_text=True, vertical="top")
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)


def write_xlsx(
    rows: list[Row],
    lists: SheetLists,
    *,
    cycle: Cycle,
    team: Team | None = None,
    is_template: bool = False,
    initiatives: list[list[Any]] | None = None,
    kpis: list[list[Any]] | None = None,
) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = OKR_SHEET
    _write_header(ws, [c.header for c in SHEET_COLUMNS], [c.width for c in SHEET_COLUMNS])
    ws.column_dimensions["A"].hidden = True
    for r, row in enumerate(rows, start=2):
        for col, c in enumerate(SHEET_COLUMNS, start=1):
            value = row.get(c.key)
            cell = set_safe_cell(ws, r, col, "" if value is None and not c.numeric else value)
            if c.percent:
                cell.number_format = "0%"
        if is_template:
            for col in range(1, len(COLUMNS) + 1):
                ws.cell(row=r, column=col).fill = _EXAMPLE_FILL
    ws.auto_filter.ref = f"A1:{get_column_letter(len(SHEET_COLUMNS))}{max(len(rows) + 1, 2)}"
    _add_validations(ws, _write_lists(wb, lists))
    if initiatives is not None:
        write_initiatives_sheet(wb, initiatives)
    if kpis is not None:
        write_reference_sheet(wb, KPIS_SHEET, KPI_COLUMNS, kpis)
    _instructions(wb, cycle, team, is_template)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- CSV ----------------------------------------------------------------------------------------


def _csv_value(value: Any, column: Column) -> Any:
    # A share as the pages print it ("75%"): spreadsheets read that text back as the number 0.75.
    return pct(value) if column.percent and value is not None else value


def write_csv(rows: list[Row]) -> bytes:
    out = io.StringIO()
    # Text that starts like a formula gets an apostrophe (CSV injection); the importer strips it.
    writer = SafeCsvWriter(csv.writer(out, lineterminator="\r\n"))
    writer.writerow([c.header for c in SHEET_COLUMNS])
    for row in rows:
        writer.writerow([_csv_value(row.get(c.key), c) for c in SHEET_COLUMNS])
    # utf-8-sig: Excel opens UTF-8 CSV correctly only with the byte-order mark.
    return out.getvalue().encode("utf-8-sig")


def export_workbook(*, actor: Membership, cycle: Cycle, team: Team | None = None, fmt: str = "xlsx") -> bytes:
    rows, lists, is_template = export_rows(actor=actor, cycle=cycle, team=team)
    if fmt == "csv":
        return write_csv(rows)
    initiatives = initiative_rows(actor=actor, cycle=cycle, team=team)
    kpis = kpi_rows(actor=actor, team=team)
    return write_xlsx(rows, lists, cycle=cycle, team=team, is_template=is_template, initiatives=initiatives, kpis=kpis)


def export_filename(*, org_slug: str, cycle: Cycle, team: Team | None, fmt: str) -> str:
    parts = [org_slug, slugify(cycle.name) or "cycle"]
    if team is not None:
        parts.append(team.slug)
    return "-".join(p for p in parts if p) + f"-okrs.{fmt}"
