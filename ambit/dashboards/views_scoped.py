"""The team dashboard (``dashboards:team``, ``/teams/<slug>/dashboard/``: the team's subtree) and the
person dashboard (``dashboards:person``, ``/people/<membership id>/dashboard/``: the key results a
person owns). Like the organisation's: ``?cycle=``, ``?as_of=``, pageable lists (HTMX appends the
next rows), every list downloadable as CSV or XLSX (``?export=<list>.csv|xlsx``). A team or person
of another organisation is a 404; objectives the viewer may not see are left out everywhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from ambit.accounts.selectors import membership_get, team_get
from ambit.core.http import MemberRequest
from ambit.core.web import member_required, render_page
from ambit.dashboards import charts_small, exports, views
from ambit.dashboards.scoped import TeamSummary, person_dashboard_summary, team_dashboard_summary
from ambit.dashboards.selectors import STATUS_ORDER, AsOf
from ambit.dashboards.views import (
    ALWAYS_COUNTED,
    LISTS,
    _legend,
    _link,
    _list_context,
    as_of_from,
    bad_as_of,
    export_links,
    heat_tree_html,
    kept_html,
    lazy_part,
)
from ambit.okrs import charts
from ambit.okrs.models import Cycle
from ambit.okrs.views_common import cycle_switcher_context, selected_cycle

TEAM_EXPORTS = ("at_risk", "stale", "teams", "discipline_people")
PERSON_EXPORTS = ("key_results", "at_risk", "stale", "discipline")


def _statuses(counts: dict[str, int]) -> list[tuple[str, int]]:
    return [(s, counts.get(s, 0)) for s in STATUS_ORDER if counts.get(s, 0) or s in ALWAYS_COUNTED]


def team_parts(cycle: Cycle, as_of: AsOf, summary: TeamSummary, *, shown: set[str]) -> dict[str, SafeString]:
    """The team page's long tables (a row per team below it, a row per person), each rendered
    once per summary; in a large subtree each loads when opened (``views.LAZY_PARTS``)."""

    def discipline() -> str:
        if not summary.discipline:
            return ""
        context = {
            "rows": summary.discipline,
            "who": "Person",
            "caption": "Check-in periods by person",
            "link_people": True,
            "cycle": cycle,
        }
        return render_to_string("dashboards/partials/discipline_table.html", context)

    parts: dict[str, Callable[[], SafeString]] = {
        "heat_tree": lambda: heat_tree_html(summary, cycle, as_of),
        "discipline_people": lambda: kept_html(summary, "discipline-people", as_of, discipline),
    }
    return {f"{name}_html": render_part() for name, render_part in parts.items() if name in shown}


@member_required
@require_GET
def team_dashboard(request: MemberRequest, slug: str) -> HttpResponse:
    actor = request.member
    team = team_get(actor=actor, slug=slug)
    cycle = selected_cycle(request, actor)
    form, as_of, status = as_of_from(request, actor)
    wanted = exports.requested(request, TEAM_EXPORTS)
    if wanted is not None:
        if cycle is None:
            raise Http404("No such export.")
        if status == 400:
            return bad_as_of(form)
        summary = team_dashboard_summary(actor=actor, team=team, cycle=cycle, as_of=as_of)
        name, fmt = wanted
        tables = {
            "at_risk": lambda: exports.at_risk_table(request, actor, summary.at_risk),
            "stale": lambda: exports.stale_table(request, actor, summary.stale),
            "teams": lambda: exports.heat_table(summary.heat, summary.expected),
            "discipline_people": lambda: exports.discipline_table(summary.discipline, "Person"),
        }
        filename = exports.filename(actor, cycle.name, as_of.day, team.slug, name.replace("_", "-"))
        return exports.respond(tables[name](), fmt, filename=filename)

    params: dict[str, Any] = {"cycle": cycle.pk if cycle else None, "as_of": None if as_of.is_today else as_of.day}
    context: dict[str, Any] = {
        "team": team,
        "cycle": cycle,
        "form": form,
        "as_of": as_of,
        "summary": None,
        "form_action": request.path,
        **cycle_switcher_context(actor, cycle, request.path),
        "switcher_keep": {"as_of": as_of.day.isoformat()} if not as_of.is_today else {},
    }
    if cycle is not None:
        summary = team_dashboard_summary(actor=actor, team=team, cycle=cycle, as_of=as_of)
        part = request.GET.get("part")
        if getattr(request, "htmx", False) and part in LISTS:
            entries = summary.at_risk if part == "at_risk" else summary.stale
            lst = _list_context(request, actor, part, entries, params, appended=True)
            return render(request, "dashboards/partials/dashboard_rows.html", {"lst": lst, "cycle": cycle})
        sizes = {"heat_tree": len(summary.heat), "discipline_people": len(summary.discipline)}
        if getattr(request, "htmx", False) and part in sizes:
            html = team_parts(cycle, as_of, summary, shown={part})[f"{part}_html"]
            return lazy_part(part, html, "Nobody in this team has key results due yet.")
        lazy = {p for p, rows in sizes.items() if rows > views.INLINE_ROWS and part != p}
        spec = charts.ChartSpec(
            chart_id="team-progress-chart",
            title=f"{team.name} progress over {cycle.name}",
            start=cycle.start_date,
            end=cycle.end_date,
            actual=summary.history,
            forecast=summary.forecast,
            today=summary.day,
            past=not summary.is_today,
        )
        context.update(
            summary=summary,
            statuses=_statuses(summary.status_counts),
            legend=_legend(actor),
            at_risk=_list_context(request, actor, "at_risk", summary.at_risk, params),
            stale=_list_context(request, actor, "stale", summary.stale, params),
            **team_parts(cycle, as_of, summary, shown=set(sizes) - lazy),
            lazy=lazy,
            opened=part if part in sizes else "",
            part_urls={p: _link(request, params, part=p) for p in sizes},
            progress_chart=mark_safe(charts.progress_chart(spec)),
            exports=export_links(request, params, TEAM_EXPORTS),
            today_url=_link(request, {"cycle": cycle.pk}),
            kpi_url=reverse("kpis:board") + f"?team={team.slug}",
        )
    return render_page(request, "dashboards/team_dashboard.html", context, status=status)


@member_required
@require_GET
def person_dashboard(request: MemberRequest, membership_id: int) -> HttpResponse:
    actor = request.member
    member = membership_get(actor=actor, membership_id=membership_id)
    cycle = selected_cycle(request, actor)
    form, as_of, status = as_of_from(request, actor)
    wanted = exports.requested(request, PERSON_EXPORTS)
    person = member.user.get_full_name()
    if wanted is not None:
        if cycle is None:
            raise Http404("No such export.")
        if status == 400:
            return bad_as_of(form)
        summary = person_dashboard_summary(actor=actor, member=member, cycle=cycle, as_of=as_of)
        name, fmt = wanted
        tables = {
            "key_results": lambda: exports.person_table(summary.key_results),
            "at_risk": lambda: exports.at_risk_table(request, actor, summary.at_risk),
            "stale": lambda: exports.stale_table(request, actor, summary.stale),
            "discipline": lambda: exports.periods_table(summary.periods),
        }
        filename = exports.filename(actor, cycle.name, as_of.day, person, name.replace("_", "-"))
        return exports.respond(tables[name](), fmt, filename=filename)

    params: dict[str, Any] = {"cycle": cycle.pk if cycle else None, "as_of": None if as_of.is_today else as_of.day}
    context: dict[str, Any] = {
        "person": member,
        "person_name": person,
        "is_self": member.pk == actor.pk,
        "cycle": cycle,
        "form": form,
        "as_of": as_of,
        "summary": None,
        "form_action": request.path,
        **cycle_switcher_context(actor, cycle, request.path),
        "switcher_keep": {"as_of": as_of.day.isoformat()} if not as_of.is_today else {},
    }
    if cycle is not None:
        summary = person_dashboard_summary(actor=actor, member=member, cycle=cycle, as_of=as_of)
        part = request.GET.get("part")
        if getattr(request, "htmx", False) and part in LISTS:
            entries = summary.at_risk if part == "at_risk" else summary.stale
            lst = _list_context(request, actor, part, entries, params, appended=True)
            return render(request, "dashboards/partials/dashboard_rows.html", {"lst": lst, "cycle": cycle})
        context.update(
            summary=summary,
            statuses=_statuses(summary.status_counts),
            rows=[(kr, charts_small.confidence_sparkline(kr.trend)) for kr in summary.key_results],
            at_risk=_list_context(request, actor, "at_risk", summary.at_risk, params),
            stale=_list_context(request, actor, "stale", summary.stale, params),
            exports=export_links(request, params, PERSON_EXPORTS),
            today_url=_link(request, {"cycle": cycle.pk}),
        )
    return render_page(request, "dashboards/person_dashboard.html", context, status=status)
