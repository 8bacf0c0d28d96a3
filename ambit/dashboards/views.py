"""The organisation dashboard (``dashboards:organisation``): where the selected cycle stands, today or as of
a past day, with each list pageable (``?at_risk_page=``, ``?stale_page=``; HTMX appends the next
rows) and exportable as CSV (``?export=at_risk.csv`` and friends)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from ambit.accounts.models import Membership
from ambit.core.display import status_label
from ambit.core.forms import DateInput
from ambit.core.http import MemberRequest
from ambit.core.params import parse_page
from ambit.core.spreadsheet import SafeCsvWriter
from ambit.core.web import member_required, render_page
from ambit.dashboards.selectors import (
    NO_DATA,
    STATUS_ORDER,
    AsOf,
    DashboardRow,
    DashboardSummary,
    ListEntry,
    cache_seconds,
    dashboard_as_of,
    dashboard_rows,
    dashboard_summary,
    org_today,
    page_of,
)
from ambit.okrs import charts, engine
from ambit.okrs.models import Cycle
from ambit.okrs.views_common import cycle_switcher_context, selected_cycle

LISTS = {"at_risk": "at-risk key results", "stale": "stale key results"}
# Statuses the headline always counts (closed and cancelled only when there are some).
ALWAYS_COUNTED = (
    engine.STATUS_ON_TRACK,
    engine.STATUS_AT_RISK,
    engine.STATUS_BEHIND,
    engine.STATUS_STALE,
    engine.STATUS_NOT_STARTED,
)
EXPORTS = ("at_risk.csv", "stale.csv", "teams.csv", "discipline.csv")
EXPORT_BATCH = 500


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        required=False,
        label="As of",
        input_formats=["%Y-%m-%d"],
        widget=DateInput(),
        error_messages={"invalid": "Enter the date as YYYY-MM-DD, for example 2026-03-31."},
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["as_of"].widget.attrs["max"] = today.isoformat()

    def clean_as_of(self) -> dt.date | None:
        day: dt.date | None = self.cleaned_data.get("as_of")
        if day is not None and day > self.today:
            raise ValidationError(
                f"Choose today ({self.today.day} {self.today:%B %Y}) or an earlier day: "
                "the dashboard cannot show the future."
            )
        return day


def _page_number(request: HttpRequest, name: str) -> int:
    return parse_page(request.GET.get(name))


def _link(request: HttpRequest, params: dict[str, Any], **changes: Any) -> str:
    """This page's URL with ``params`` and ``changes`` (None drops a parameter, page 1 is implied)."""
    merged = {**params, **changes}
    query = urlencode({k: v for k, v in merged.items() if v is not None and not (k.endswith("_page") and v == 1)})
    return f"{request.path}?{query}" if query else request.path


def _list_context(
    request: HttpRequest,
    actor: Membership,
    name: str,
    entries: Sequence[ListEntry],
    params: dict[str, Any],
    *,
    appended: bool = False,
) -> dict[str, Any]:
    page = page_of(entries, _page_number(request, f"{name}_page"))
    next_url = _link(request, params, **{f"{name}_page": page.number + 1}) if page.has_next else ""
    return {
        "name": name,
        "noun": LISTS[name],
        "page": page,
        "rows": dashboard_rows(actor=actor, entries=page.entries),
        "next_url": next_url,
        "more_url": f"{next_url}&part={name}" if next_url else "",
        "previous_url": _link(request, params, **{f"{name}_page": page.number - 1}) if page.has_previous else "",
        "shown_from": 1 if appended else page.first_index,
        "appended": appended,
        "export_url": _link(request, params, export=f"{name}.csv"),
    }


def _discipline_chart(summary: DashboardSummary) -> str:
    bars = [charts.DisciplineBar(w.start, w.on_time, w.late, w.missed, w.complete) for w in summary.discipline]
    return charts.discipline_chart(chart_id="discipline-chart", title="Check-in discipline by week", bars=bars)


def _progress_chart(cycle: Cycle, summary: DashboardSummary) -> str:
    spec = charts.ChartSpec(
        chart_id="org-progress-chart",
        title=f"Organisation progress over {cycle.name}",
        start=cycle.start_date,
        end=cycle.end_date,
        actual=summary.history,
        forecast=summary.forecast,
        today=summary.day,
        past=not summary.is_today,
    )
    return charts.progress_chart(spec)


def _heatmap_html(summary: DashboardSummary, cycle: Cycle, as_of: AsOf) -> SafeString:
    """The heat map's cells, rendered once per cached summary (1,250 cells in a large organisation)."""

    def render_cells() -> str:
        context = {"summary": summary, "cycle": cycle}
        return render_to_string("dashboards/partials/dashboard_heatmap.html", context)

    if not summary.cache_key:
        return mark_safe(render_cells())
    # Our own template's output, escaped when rendered; the cache hands back a plain str.
    html = cache.get_or_set(f"{summary.cache_key}:heatmap-html", render_cells, cache_seconds(as_of))
    return mark_safe(str(html))


def _legend(actor: Membership) -> list[tuple[str, str]]:
    org = actor.organisation
    on_track, at_risk = round(-org.pace_on_track * 100), round(-org.pace_at_risk * 100)
    return [
        (engine.STATUS_ON_TRACK, f"On track: at most {on_track} points under the expected pace"),
        (engine.STATUS_AT_RISK, f"At risk: {on_track}–{at_risk} points under"),
        (engine.STATUS_BEHIND, f"Behind: more than {at_risk} points under"),
        (NO_DATA, "No objectives in this cycle"),
    ]


@member_required
@require_GET
def dashboard(request: MemberRequest) -> HttpResponse:
    actor = request.member
    org = actor.organisation
    cycle = selected_cycle(request, actor)
    form = AsOfForm(request.GET if request.GET.get("as_of") else None, today=org_today(org))
    day = form.cleaned_data["as_of"] if form.is_bound and form.is_valid() else None
    as_of = dashboard_as_of(organisation=org, day=day)
    status = 400 if form.is_bound and form.errors else 200
    export = request.GET.get("export")
    if export:
        if cycle is None or export not in EXPORTS:
            raise Http404("No such export.")
        if status == 400:
            message = " ".join(str(e) for e in form.errors["as_of"])
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return _export(request, actor, cycle, as_of, export)

    params: dict[str, Any] = {"cycle": cycle.pk if cycle else None, "as_of": None if as_of.is_today else as_of.day}
    target = reverse("dashboards:organisation")
    context: dict[str, Any] = {
        "cycle": cycle,
        "form": form,
        "as_of": as_of,
        "summary": None,
        **cycle_switcher_context(actor, cycle, target),
        "switcher_keep": {"as_of": as_of.day.isoformat()} if not as_of.is_today else {},
    }
    if cycle is not None:
        summary = dashboard_summary(actor=actor, cycle=cycle, as_of=as_of)
        part = request.GET.get("part")
        if getattr(request, "htmx", False) and part in LISTS:
            entries = summary.at_risk if part == "at_risk" else summary.stale
            list_context = _list_context(request, actor, part, entries, params, appended=True)
            return render(request, "dashboards/partials/dashboard_rows.html", {"lst": list_context, "cycle": cycle})
        counts = summary.status_counts
        context.update(
            summary=summary,
            statuses=[(s, counts.get(s, 0)) for s in STATUS_ORDER if counts.get(s, 0) or s in ALWAYS_COUNTED],
            legend=_legend(actor),
            at_risk=_list_context(request, actor, "at_risk", summary.at_risk, params),
            stale=_list_context(request, actor, "stale", summary.stale, params),
            heatmap_html=_heatmap_html(summary, cycle, as_of),
            discipline_chart=_discipline_chart(summary),
            progress_chart=_progress_chart(cycle, summary),
            exports={name.removesuffix(".csv"): _link(request, params, export=name) for name in EXPORTS},
            today_url=_link(request, {"cycle": cycle.pk}),
        )
    return render_page(request, "dashboards/dashboard.html", context, status=status)


# --- CSV --------------------------------------------------------------------------------------


def _pct(share: float | None) -> Decimal | None:
    # A number (not text), so the writer leaves a negative gap as "-12.5" for spreadsheets to sum.
    return None if share is None else Decimal(f"{share * 100:.1f}")


def _rows_in_batches(actor: Membership, entries: Sequence[ListEntry]) -> Iterator[DashboardRow]:
    for i in range(0, len(entries), EXPORT_BATCH):
        yield from dashboard_rows(actor=actor, entries=entries[i : i + EXPORT_BATCH])


def _kr_cells(request: HttpRequest, row: DashboardRow) -> list[object]:
    kr = row.key_result
    url = request.build_absolute_uri(reverse("okrs:objective-detail", args=[kr.objective_id])) + f"#kr-{kr.pk}"
    team = kr.objective.team.name if kr.objective.team else ""
    return [kr.owner.user.get_full_name(), kr.objective.title, team, url]


def _export(request: HttpRequest, actor: Membership, cycle: Cycle, as_of: AsOf, name: str) -> HttpResponse:
    summary = dashboard_summary(actor=actor, cycle=cycle, as_of=as_of)
    stem = name.removesuffix(".csv").replace("_", "-")
    filename = f"{slugify(actor.organisation.slug)}-{slugify(cycle.name)}-{as_of.day.isoformat()}-{stem}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Every cell goes through the shared formula-injection guard; numbers stay numbers.
    writer = SafeCsvWriter(csv.writer(response))
    writers: dict[str, Callable[[SafeCsvWriter], None]] = {
        "at_risk.csv": lambda w: _write_at_risk(request, actor, summary, w),
        "stale.csv": lambda w: _write_stale(request, actor, summary, w),
        "teams.csv": lambda w: _write_teams(summary, w),
        "discipline.csv": lambda w: _write_discipline(summary, w),
    }
    writers[name](writer)
    return response


def _write_at_risk(request: HttpRequest, actor: Membership, summary: DashboardSummary, writer: SafeCsvWriter) -> None:
    writer.writerow(
        ["Key result", "Status", "Progress (%)", "Expected (%)", "Gap (points)", "Owner", "Objective", "Team", "Link"]
    )
    for row in _rows_in_batches(actor, summary.at_risk):
        e = row.entry
        writer.writerow(
            [
                row.key_result.title,
                status_label(e.status),
                _pct(e.progress),
                _pct(e.expected),
                _pct(e.gap),
                *_kr_cells(request, row),
            ]
        )


def _write_stale(request: HttpRequest, actor: Membership, summary: DashboardSummary, writer: SafeCsvWriter) -> None:
    writer.writerow(
        ["Key result", "Last check-in", "Days silent", "Progress (%)", "Owner", "Objective", "Team", "Link"]
    )
    for row in _rows_in_batches(actor, summary.stale):
        last = row.entry.last_checkin_at
        writer.writerow(
            [
                row.key_result.title,
                last.date().isoformat() if last else "",
                row.entry.days_silent,
                _pct(row.entry.progress),
                *_kr_cells(request, row),
            ]
        )


def _write_teams(summary: DashboardSummary, writer: SafeCsvWriter) -> None:
    writer.writerow(["Department", "Team", "Progress (%)", "Expected (%)", "Status", "Objectives"])
    for group in summary.heatmap:
        for cell, parent in [(group.cell, ""), *[(c, group.cell.name) for c in group.children]]:
            department, team = (parent, cell.name) if parent else (cell.name, "")
            status = "" if cell.status == NO_DATA else status_label(cell.status)
            writer.writerow(
                [
                    department,
                    team,
                    _pct(cell.progress),
                    _pct(summary.expected),
                    status,
                    cell.objective_count,
                ]
            )


def _write_discipline(summary: DashboardSummary, writer: SafeCsvWriter) -> None:
    writer.writerow(["Week starting", "Week ending", "Active key results", "On time", "Late", "Missed", "Final"])
    for w in summary.discipline:
        writer.writerow(
            [
                w.start.isoformat(),
                w.end.isoformat(),
                w.active,
                w.on_time,
                w.late,
                w.missed,
                "yes" if w.complete else "no",
            ]
        )
