"""The cycle report as an XLSX workbook (openpyxl, write-only: thousands of rows stream out).

Four sheets: Summary (with the progress line as a table and a chart), Objectives & key results,
Reflections, Discipline. Cells are typed: numbers are numbers, shares are numbers formatted as
percentages, dates are dates; each sheet's header row is frozen and its columns sized.
"""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from ambit.core.display import status_label
from ambit.reports.data import CycleReport, ReportKeyResult, ReportObjective
from ambit.reports.display import LEVEL_LABELS, SUMMARY_VERDICT_LABELS, band_label, verdict_label
from ambit.retros.selectors import QUESTIONS

PERCENT = "0%"
SCORE_1 = "0.0"
SCORE_2 = "0.00"
NUMBER = "#,##0.####"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
BOLD = Font(bold=True)

# (header, width, number format) per column of the objectives sheet.
OKR_COLUMNS: Sequence[tuple[str, int, str | None]] = (
    ("Row", 13, None),
    ("Objective", 44, None),
    ("Key result", 44, None),
    ("Team", 20, None),
    ("Owner", 22, None),
    ("Level", 12, None),
    ("Ambition", 13, None),
    ("Status", 12, None),
    ("Progress", 10, PERCENT),
    ("Suggested score", 10, SCORE_2),
    ("Recorded score", 10, SCORE_2),
    ("Score", 9, SCORE_2),
    ("Band", 9, None),
    ("Verdict", 10, None),
    ("Confidence", 11, None),
    ("Start", 11, NUMBER),
    ("Target", 11, NUMBER),
    ("Final value", 11, NUMBER),
    ("Unit", 9, None),
    ("Weight", 8, NUMBER),
    ("Score note", 40, None),
    ("Objective id", 11, None),
    ("Key result id", 11, None),
)


def _cell(ws: WriteOnlyWorksheet, value: Any, number_format: str | None = None, *, bold: bool = False) -> Any:
    cell = WriteOnlyCell(ws, value=value)
    if number_format and value is not None and not isinstance(value, str):
        cell.number_format = number_format
    if bold:
        cell.font = BOLD
    return cell


def _sheet(wb: Workbook, title: str, columns: Sequence[tuple[str, int, str | None]]) -> WriteOnlyWorksheet:
    """A sheet with its columns sized and its header row frozen; the caller appends the header."""
    ws = wb.create_sheet(title)
    for i, (_header, width, _fmt) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.append([_cell(ws, header, bold=True) for header, _w, _f in columns])
    return ws


def _row(ws: WriteOnlyWorksheet, columns: Sequence[tuple[str, int, str | None]], values: Iterable[Any]) -> None:
    ws.append([_cell(ws, v, fmt) for (_h, _w, fmt), v in zip(columns, values, strict=True)])


def _local(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    # Spreadsheets have no time zones: the organisation's wall-clock time, naive.
    return moment.astimezone(tz).replace(tzinfo=None)


def _confidence(value: float | str | None) -> float | str | None:
    return value.capitalize() if isinstance(value, str) else value


def _summary(wb: Workbook, report: CycleReport, tz: dt.tzinfo) -> None:
    columns = (
        ("Measure", 24, None),
        ("Value", 30, None),
        ("", 3, None),
        ("Date", 18, DATETIME),
        ("Progress", 11, PERCENT),
    )
    ws = _sheet(wb, "Summary", columns)
    s = report.summary
    cycle = report.cycle
    rows: list[tuple[str, Any, str | None]] = [
        ("Organisation", report.organisation.name, None),
        ("Cycle", cycle.name, None),
        ("Scope", report.scope, None),
        ("Starts", cycle.start_date, DATE),
        ("Ends", cycle.end_date, DATE),
        ("State", cycle.get_state_display(), None),
        ("Made for", report.audience, None),
        ("Made at", _local(report.generated_at, tz), DATETIME),
        ("Objectives", s.objective_count, "0"),
        ("Cancelled objectives", s.cancelled_count, "0"),
        ("Key results", s.key_result_count, "0"),
        ("Progress", s.progress, PERCENT),
        ("Mean score", s.mean_score, SCORE_2),
        *((SUMMARY_VERDICT_LABELS[k], n, "0") for k, n in s.verdicts.items()),
        *((f"Status: {status_label(k)}", n, "0") for k, n in s.statuses.items()),
    ]
    history = [(_local(when, tz), value) for when, value in report.history]
    for i in range(max(len(rows), len(history))):
        measure: list[Any] = [None, None]
        if i < len(rows):
            label, value, fmt = rows[i]
            measure = [_cell(ws, label), _cell(ws, value, fmt)]
        line: list[Any] = []
        if i < len(history):  # the progress line beside the measures: "Date", "Progress"
            when, share = history[i]
            line = [_cell(ws, when, DATETIME), _cell(ws, share, PERCENT)]
        ws.append([*measure, None, *line])
    if len(history) >= 2:
        chart = LineChart()
        chart.title = f"Progress of {report.scope}"
        chart.y_axis.title = "Progress"
        chart.y_axis.number_format = PERCENT
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        chart.x_axis.number_format = "d mmm"
        chart.legend = None
        chart.add_data(Reference(ws, min_col=5, min_row=2, max_row=1 + len(history)), titles_from_data=False)
        chart.set_categories(Reference(ws, min_col=4, min_row=2, max_row=1 + len(history)))
        chart.width, chart.height = 18, 8
        ws.add_chart(chart, "G2")


def _objective_values(o: ReportObjective) -> list[Any]:
    return [
        "Objective",
        o.title,
        "",
        o.team,
        o.owner,
        LEVEL_LABELS.get(o.level, o.level),
        o.ambition.capitalize(),
        status_label(o.status),
        o.progress,
        o.suggested_score,
        o.score,
        o.shown_score,
        band_label(o.band) if o.band else "",
        verdict_label(o.verdict) if o.verdict else "",
        None if o.confidence is None else round(o.confidence, 1),
        None,
        None,
        None,
        "",
        None,
        o.score_note,
        o.id,
        None,
    ]


def _kr_values(o: ReportObjective, kr: ReportKeyResult) -> list[Any]:
    return [
        "Key result",
        o.title,
        kr.title,
        o.team,
        kr.owner,
        LEVEL_LABELS.get(o.level, o.level),
        o.ambition.capitalize(),
        status_label(kr.status),
        kr.progress,
        kr.suggested_score,
        kr.score,
        kr.shown_score,
        band_label(kr.band),
        verdict_label(kr.verdict),
        _confidence(kr.confidence),
        kr.start,
        kr.target,
        kr.current,
        kr.unit,
        kr.weight,
        kr.score_note,
        o.id,
        kr.id,
    ]


def _objectives(wb: Workbook, report: CycleReport) -> None:
    ws = _sheet(wb, "Objectives & key results", OKR_COLUMNS)
    for o in report.objectives:
        _row(ws, OKR_COLUMNS, _objective_values(o))
        for kr in o.key_results:
            _row(ws, OKR_COLUMNS, _kr_values(o, kr))


def _reflections(wb: Workbook, report: CycleReport, tz: dt.tzinfo) -> None:
    columns: list[tuple[str, int, str | None]] = [
        ("About", 12, None),
        ("Subject", 36, None),
        ("Team", 20, None),
        ("Author", 22, None),
        ("Updated", 17, DATETIME),
        *((question, 48, None) for _key, question in QUESTIONS),
        ("Dependencies", 40, None),
        ("Objective id", 11, None),
    ]
    ws = _sheet(wb, "Reflections", columns)
    for r in report.reflections:
        values = [
            "Objective" if r.objective_id is not None else "Team",
            r.subject,
            r.team_name,
            r.author_name,
            _local(r.updated_at, tz),
            *(r.answers.get(key, "") for key, _q in QUESTIONS),
            "\n".join(r.dependencies),
            r.objective_id,
        ]
        ws.append([_cell(ws, v, fmt) for (_h, _w, fmt), v in zip(columns, values, strict=True)])


def _discipline(wb: Workbook, report: CycleReport) -> None:
    columns = (
        ("Team", 32, None),
        ("On time", 10, "0"),
        ("Late", 10, "0"),
        ("Missed", 10, "0"),
        ("On-time rate", 12, PERCENT),
    )
    ws = _sheet(wb, "Discipline", columns)
    for row in report.discipline:
        _row(ws, columns, [row.name, row.on_time, row.late, row.missed, row.rate])


def render_xlsx(report: CycleReport) -> bytes:
    tz = zoneinfo.ZoneInfo(report.organisation.time_zone or "UTC")
    wb = Workbook(write_only=True)
    wb.properties.title = f"{report.cycle.name}: cycle report"
    wb.properties.creator = "Ambit"
    _summary(wb, report, tz)
    _objectives(wb, report)
    _reflections(wb, report, tz)
    _discipline(wb, report)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
