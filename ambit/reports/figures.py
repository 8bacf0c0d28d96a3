"""The report's charts: the same SVG the app draws (``okrs.charts``), from the report's data."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe

from ambit.okrs import charts
from ambit.reports.data import CycleReport, ReportObjective


def _svg(spec: charts.ChartSpec) -> SafeString:
    # charts.progress_chart escapes every text it writes.
    return mark_safe(charts.progress_chart(spec))


def objective_chart(report: CycleReport, objective: ReportObjective) -> SafeString | None:
    if objective.series is None:
        return None
    cycle = report.cycle
    spec = charts.ChartSpec(
        chart_id=f"objective-{objective.id}-chart",
        title=f"{objective.title}: progress over time",
        start=cycle.start_date,
        end=cycle.end_date,
        actual=objective.series,
        width=520,
        height=170,
    )
    return _svg(spec)


def progress_chart(report: CycleReport) -> SafeString | None:
    """The scope's progress line, as the dashboard draws the organisation's."""
    if not report.history:
        return None
    cycle = report.cycle
    spec = charts.ChartSpec(
        chart_id="report-progress-chart",
        title=f"Progress of {report.scope} over {cycle.name}",
        start=cycle.start_date,
        end=cycle.end_date,
        actual=report.history,
    )
    return _svg(spec)
