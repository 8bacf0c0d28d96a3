"""The organisation dashboard (``dashboards:organisation``): where the selected cycle stands, today or as of
a past day, with each list pageable (``?at_risk_page=``, ``?stale_page=``; HTMX appends the next
rows) and exportable as CSV or XLSX (``?export=at_risk.csv``, ``?export=at_risk.xlsx`` and friends;
see ``exports``). The helpers here (as-of form, list paging, links) serve the team and person
dashboards too (``views_scoped``)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from ambit.accounts.models import Membership
from ambit.core.display import status_label
from ambit.core.forms import DateInput
from ambit.core.http import MemberRequest
from ambit.core.params import parse_page
from ambit.core.web import member_required, render_page
from ambit.dashboards import exports
from ambit.dashboards.discipline import DisciplineRow, discipline_by_team
from ambit.dashboards.entries import ListEntry
from ambit.dashboards.heat import NO_DATA
from ambit.dashboards.kept import Keepable
from ambit.dashboards.scoped import TeamSummary
from ambit.dashboards.selectors import (
    STATUS_ORDER,
    AsOf,
    DashboardSummary,
    cache_seconds,
    dashboard_as_of,
    dashboard_rows,
    dashboard_summary,
    org_today,
    page_of,
)
from ambit.dashboards.templatetags.dashboard_ui import heat_cells, heat_tree_rows
from ambit.okrs import charts, engine
from ambit.okrs.models import Cycle
from ambit.okrs.views_common import cycle_switcher_context, selected_cycle

LISTS = {"at_risk": "at-risk key results", "stale": "stale key results"}
# Each list's heading, introduction and what it says when empty (the organisation's dashboard
# renders its lists here, to keep them beside the summary; the team and person pages in templates).
LIST_TEXT = {
    "at_risk": (
        "At risk",
        "Key results behind or at risk against the expected pace, the largest shortfall first.",
        "Nothing is at risk or behind.",
    ),
    "stale": (
        "Stale",
        "Key results nobody has checked in on for longer than the check-in cadence and its grace days, "
        "the longest silence first.",
        "Nothing is stale.",
    ),
}
# Statuses the headline always counts (closed and cancelled only when there are some).
ALWAYS_COUNTED = (
    engine.STATUS_ON_TRACK,
    engine.STATUS_AT_RISK,
    engine.STATUS_BEHIND,
    engine.STATUS_STALE,
    engine.STATUS_NOT_STARTED,
)
EXPORTS = ("at_risk", "stale", "teams", "teams_all", "discipline", "discipline_teams")
# Tables with a row per team: in a large organisation (1,250 teams, about a megabyte of HTML) each
# loads when it is opened (HTMX, ``?part=``) or, without JavaScript, on the page it links to.
LAZY_PARTS = ("heat_tree", "discipline_teams")
INLINE_ROWS = 60


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
        "downloads": {fmt: _link(request, params, export=f"{name}.{fmt}") for fmt in exports.FORMATS},
    }


def _list_html(
    request: HttpRequest,
    actor: Membership,
    name: str,
    summary: DashboardSummary,
    params: dict[str, Any],
    cycle: Cycle,
    as_of: AsOf,
) -> SafeString:
    """One list's card with the page the request asks for, rendered once per summary and address
    (its rows' titles, owners and teams are read with it: any change to them is a write, which
    moves the summary's key)."""
    entries = summary.at_risk if name == "at_risk" else summary.stale

    def render_list() -> str:
        title, intro, empty = LIST_TEXT[name]
        lst = _list_context(request, actor, name, entries, params)
        context = {"lst": lst, "title": title, "intro": intro, "empty": empty, "cycle": cycle}
        return render_to_string("dashboards/partials/dashboard_list.html", context)

    address = hashlib.blake2b(request.get_full_path().encode(), digest_size=8).hexdigest()
    return kept_html(summary, f"list-{name}-{address}", as_of, render_list)


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


def kept_html(summary: Keepable, name: str, as_of: AsOf, render_html: Callable[[], str]) -> SafeString:
    """A part of a page drawn from ``summary`` alone, rendered once per summary and kept beside it."""
    if not summary.cache_key:
        return mark_safe(render_html())
    # Our own templates' output, escaped when rendered; the cache hands back a plain str.
    html = cache.get_or_set(f"{summary.cache_key}:{name}-html", render_html, cache_seconds(as_of))
    return mark_safe(str(html))


def _heatmap_html(summary: DashboardSummary, cycle: Cycle, as_of: AsOf, opened: int | None = None) -> SafeString:
    """The heat map: each department and its teams. In a large organisation (more than
    ``INLINE_ROWS`` teams: 1,250 cells were 290 KB of every view) each department's teams load when
    opened (``?part=heat_group&group=<team id>``; ``opened``: one shown open, without JavaScript)."""
    large = len(summary.heat) > INLINE_ROWS
    params: dict[str, str | int] = {"cycle": cycle.pk, "part": "heat_group"}
    if not as_of.is_today:
        params["as_of"] = as_of.day.isoformat()
    group_url = f"{reverse('dashboards:organisation')}?{urlencode(params)}&group="
    context = {"summary": summary, "cycle": cycle, "group_url": group_url if large else "", "opened": opened}

    def render_map() -> str:
        return render_to_string("dashboards/partials/dashboard_heatmap.html", context)

    if opened is not None:
        return mark_safe(render_map())  # a page of its own without JavaScript: not kept
    return kept_html(summary, "heatmap", as_of, render_map)


def _group_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("group", "")
    return int(raw) if raw.isdigit() else None


def _heat_group(summary: DashboardSummary, cycle: Cycle, raw: str | None) -> HttpResponse:
    """One department's teams, for HTMX to put in place when the department is opened."""
    group = next((g for g in summary.heatmap if str(g.cell.team_id) == (raw or "")), None)
    if group is None:
        raise Http404("No such department on this dashboard.")
    label = f"Teams in {group.cell.name}"
    response = HttpResponse(heat_cells(group.children, cycle.pk, summary.expected, label))
    patch_vary_headers(response, ["HX-Request"])
    return response


def _legend(actor: Membership) -> list[tuple[str, str]]:
    org = actor.organisation
    on_track, at_risk = round(-org.pace_on_track * 100), round(-org.pace_at_risk * 100)
    return [
        (engine.STATUS_ON_TRACK, f"On track: at most {on_track} points under the expected pace"),
        (engine.STATUS_AT_RISK, f"At risk: {on_track}–{at_risk} points under"),
        (engine.STATUS_BEHIND, f"Behind: more than {at_risk} points under"),
        (NO_DATA, "No objectives in this cycle"),
    ]


def _discipline_teams(actor: Membership, cycle: Cycle, summary: DashboardSummary) -> list[DisciplineRow]:
    """Discipline by team for the summary's day, kept beside the summary (computed once per write)."""

    def compute() -> list[DisciplineRow]:
        return discipline_by_team(cycle, as_of=None if summary.is_today else summary.day, actor=actor)

    if not summary.cache_key:
        return compute()
    seconds = 10 * 60 if summary.is_today else 24 * 60 * 60
    rows = cache.get_or_set(f"{summary.cache_key}:discipline-teams", compute, seconds)
    return list(rows or [])


def _discipline_teams_html(actor: Membership, cycle: Cycle, summary: DashboardSummary, as_of: AsOf) -> SafeString:
    """The discipline-by-team table (a row per team), or nothing when no team has periods due."""

    def render_table() -> str:
        rows = _discipline_teams(actor, cycle, summary)
        if not rows:
            return ""
        context = {"rows": rows, "who": "Team", "caption": "Check-in periods by team", "cycle": cycle}
        return render_to_string("dashboards/partials/discipline_table.html", context)

    return kept_html(summary, "discipline-teams", as_of, render_table)


def summary_parts(
    actor: Membership, cycle: Cycle, as_of: AsOf, summary: DashboardSummary, *, shown: set[str] | None = None
) -> dict[str, SafeString]:
    """The parts of the page drawn from the summary alone (``shown``: all by default), each
    rendered once per summary and kept beside it. The background refresh
    (``tasks.refresh_dashboard``) renders them all, so the first view after it draws nothing large."""
    parts: dict[str, Callable[[], SafeString]] = {
        "heatmap": lambda: _heatmap_html(summary, cycle, as_of),
        "heat_tree": lambda: heat_tree_html(summary, cycle, as_of),
        "discipline_teams": lambda: _discipline_teams_html(actor, cycle, summary, as_of),
    }
    return {f"{name}_html": render_part() for name, render_part in parts.items() if shown is None or name in shown}


def lazy_part(part: str, html: SafeString, empty: str) -> HttpResponse:
    """A part of a page on its own, for HTMX to put in place when its section is opened."""
    if part == "heat_tree":
        caption = "Progress of every team, sub-teams below their parent"
        html = render_to_string("dashboards/partials/heat_tree.html", {"heat_tree_html": html, "caption": caption})
    response = HttpResponse(html or format_html('<p class="muted">{}</p>', empty))
    patch_vary_headers(response, ["HX-Request"])
    return response


def heat_tree_html(summary: DashboardSummary | TeamSummary, cycle: Cycle, as_of: AsOf) -> SafeString:
    """The heat map at any depth as table rows."""
    return kept_html(summary, "heat-tree", as_of, lambda: str(heat_tree_rows(summary.heat, cycle.pk, summary.expected)))


def as_of_from(request: HttpRequest, actor: Membership) -> tuple[AsOfForm, AsOf, int]:
    """The form, the day shown (today when the form is empty or wrong) and the page's status."""
    org = actor.organisation
    form = AsOfForm(request.GET if request.GET.get("as_of") else None, today=org_today(org))
    day = form.cleaned_data["as_of"] if form.is_bound and form.is_valid() else None
    status = 400 if form.is_bound and form.errors else 200
    return form, dashboard_as_of(organisation=org, day=day), status


def bad_as_of(form: AsOfForm) -> HttpResponse:
    message = " ".join(str(e) for e in form.errors["as_of"])
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def export_links(request: HttpRequest, params: dict[str, Any], names: Sequence[str]) -> dict[str, dict[str, str]]:
    """``{list: {"csv": url, "xlsx": url}}`` for the page's downloads."""
    return {n: {fmt: _link(request, params, export=f"{n}.{fmt}") for fmt in exports.FORMATS} for n in names}


@member_required
@require_GET
def dashboard(request: MemberRequest) -> HttpResponse:
    actor = request.member
    cycle = selected_cycle(request, actor)
    form, as_of, status = as_of_from(request, actor)
    wanted = exports.requested(request, EXPORTS)
    if wanted is not None:
        if cycle is None:
            raise Http404("No such export.")
        if status == 400:
            return bad_as_of(form)
        summary = dashboard_summary(actor=actor, cycle=cycle, as_of=as_of)
        return _export(request, actor, cycle, summary, *wanted)

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
        large = len(summary.heat) > INLINE_ROWS
        if getattr(request, "htmx", False) and part == "heat_group":
            return _heat_group(summary, cycle, request.GET.get("group"))
        if getattr(request, "htmx", False) and part in LAZY_PARTS:
            html = summary_parts(actor, cycle, as_of, summary, shown={part})[f"{part}_html"]
            return lazy_part(part, html, "No team has key results due yet.")
        lazy = {p for p in LAZY_PARTS if large and part != p}
        opened_group = _group_id(request) if part == "heat_group" and large else None
        shown = {"heatmap", *(p for p in LAZY_PARTS if p not in lazy)}
        if opened_group is not None:  # a department opened without JavaScript: drawn, not kept
            shown.discard("heatmap")
        counts = summary.status_counts
        context.update(
            summary=summary,
            statuses=[(s, counts.get(s, 0)) for s in STATUS_ORDER if counts.get(s, 0) or s in ALWAYS_COUNTED],
            legend=_legend(actor),
            at_risk_html=_list_html(request, actor, "at_risk", summary, params, cycle, as_of),
            stale_html=_list_html(request, actor, "stale", summary, params, cycle, as_of),
            **summary_parts(actor, cycle, as_of, summary, shown=shown),
            **({"heatmap_html": _heatmap_html(summary, cycle, as_of, opened=opened_group)} if opened_group else {}),
            lazy=lazy,
            opened=part if part in LAZY_PARTS else "",
            part_urls={p: _link(request, params, part=p) for p in LAZY_PARTS},
            discipline_chart=_discipline_chart(summary),
            progress_chart=_progress_chart(cycle, summary),
            exports=export_links(request, params, EXPORTS),
            today_url=_link(request, {"cycle": cycle.pk}),
        )
    return render_page(request, "dashboards/dashboard.html", context, status=status)


# --- Downloads --------------------------------------------------------------------------------


def _export(
    request: HttpRequest, actor: Membership, cycle: Cycle, summary: DashboardSummary, name: str, fmt: str
) -> HttpResponse:
    tables: dict[str, Callable[[], exports.Table]] = {
        "at_risk": lambda: exports.at_risk_table(request, actor, summary.at_risk),
        "stale": lambda: exports.stale_table(request, actor, summary.stale),
        "teams": lambda: _teams_table(summary),
        "teams_all": lambda: exports.heat_table(summary.heat, summary.expected),
        "discipline": lambda: _weeks_table(summary),
        "discipline_teams": lambda: exports.discipline_table(_discipline_teams(actor, cycle, summary), "Team"),
    }
    filename = exports.filename(actor, cycle.name, summary.day, name.replace("_", "-"))
    return exports.respond(tables[name](), fmt, filename=filename)


def _teams_table(summary: DashboardSummary) -> exports.Table:
    rows = []
    for group in summary.heatmap:
        for cell, parent in [(group.cell, ""), *[(c, group.cell.name) for c in group.children]]:
            department, team = (parent, cell.name) if parent else (cell.name, "")
            status = "" if cell.status == NO_DATA else status_label(cell.status)
            pct = exports.pct
            rows.append([department, team, pct(cell.progress), pct(summary.expected), status, cell.objective_count])
    header = ["Department", "Team", "Progress (%)", "Expected (%)", "Status", "Objectives"]
    return exports.Table("Progress by team", header, rows)


def _weeks_table(summary: DashboardSummary) -> exports.Table:
    header = ["Week starting", "Week ending", "Active key results", "On time", "Late", "Missed", "Final"]
    rows = [
        [w.start.isoformat(), w.end.isoformat(), w.active, w.on_time, w.late, w.missed, "yes" if w.complete else "no"]
        for w in summary.discipline
    ]
    return exports.Table("Discipline by week", header, rows)
