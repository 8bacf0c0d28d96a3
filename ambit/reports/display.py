"""How a report's values read, the same in the PDF, the XLSX and on the page: one wording."""

from __future__ import annotations

from typing import Any

from django.utils.text import slugify

from ambit.core.display import status_label
from ambit.okrs import engine
from ambit.reports.data import VERDICT_ORDER, CycleReport
from ambit.retros.selectors import QUESTIONS

VERDICT_LABELS = {
    engine.VERDICT_MET: "Met",
    engine.VERDICT_SUCCESS: "Success",
    engine.VERDICT_PARTIAL: "Partial",
    engine.VERDICT_MISSED: "Missed",
    engine.VERDICT_MISS: "Miss",
}
SUMMARY_VERDICT_LABELS = {"met": "Met (or success)", "partial": "Partial", "missed": "Missed (or miss)"}
BAND_LABELS = {engine.BAND_RED: "Red", engine.BAND_YELLOW: "Yellow", engine.BAND_GREEN: "Green"}
LEVEL_LABELS = {"company": "Company", "department": "Department", "team": "Team", "individual": "Individual"}


def verdict_label(value: str | None) -> str:
    return VERDICT_LABELS.get(value or "", "—")


def band_label(value: str | None) -> str:
    return BAND_LABELS.get(value or "", "—")


def score_text(value: float | None, places: int = 2) -> str:
    """A score as people read it: a key result's in tenths ("0.7"), an objective's weighted mean
    to two places ("0.65"); an em dash when there is none."""
    if value is None:
        return "—"
    return f"{engine.round_half_up(value, places):.{places}f}"


def confidence_text(value: float | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value.capitalize()
    return f"{value:g}"


def filename(report: CycleReport, extension: str) -> str:
    """``northwind-q3-2026-platform.pdf``: organisation, cycle and (for a team report) team."""
    parts = [report.organisation.slug, report.cycle.name]
    if report.team is not None:
        parts.append(report.team.slug)
    stem = "-".join(s for s in (slugify(p) for p in parts) if s) or "cycle-report"
    return f"{stem}.{extension}"


def report_context(report: CycleReport) -> dict[str, Any]:
    """What the report's templates read besides the report itself."""
    summary = report.summary
    return {
        "report": report,
        "cycle": report.cycle,
        "summary": summary,
        "verdicts": [(SUMMARY_VERDICT_LABELS[v], summary.verdicts[v], v) for v in VERDICT_ORDER],
        "statuses": [(s, status_label(s), n) for s, n in summary.statuses.items()],
        "questions": QUESTIONS,
        "team_reflections": [r for r in report.reflections if r.objective_id is None],
        "objective_reflections": [r for r in report.reflections if r.objective_id is not None],
    }
