"""Overview pages: teams, the company alignment tree, cycles."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from ambit.accounts.models import Membership, Team
from ambit.accounts.selectors import team_get, team_members, team_tree
from ambit.core.forms import errors_on
from ambit.core.http import MemberRequest
from ambit.core.page_cache import PageCache
from ambit.core.params import parse_page
from ambit.core.permissions import can_check_in, can_create_objective_for, require_org_editor
from ambit.core.web import member_required, render_page
from ambit.okrs import engine, services
from ambit.okrs.access import with_access
from ambit.okrs.data_version import kept_page_key
from ambit.okrs.forms import CycleForm
from ambit.okrs.models import Cycle
from ambit.okrs.selectors import cycle_list, objective_get
from ambit.okrs.selectors_tree import (
    UNALIGNED_PAGE,
    alignment_levels,
    group_by_big_move,
    team_overview,
    tree_cycles,
    tree_gap_count,
    tree_unaligned_count,
)
from ambit.okrs.services.periods import next_cycle_initial
from ambit.okrs.views_common import cycle_switcher_context, selected_cycle


@member_required
def team_list(request: MemberRequest) -> HttpResponse:
    actor = request.member
    return render_page(request, "okrs/team_list.html", {"teams": team_tree(actor=actor)})


@member_required
def team_detail(request: MemberRequest, slug: str) -> HttpResponse:
    """A team's page. Its body is kept between writes (``core.page_cache``)."""
    actor = request.member
    team = team_get(actor=actor, slug=slug)
    cycle = selected_cycle(request, actor)
    context: dict[str, Any] = {
        "page_cache": PageCache(
            key=kept_page_key(request, member=actor, view=f"team-{team.pk}"),
            build=lambda: _team_body(actor, team, cycle),
        ),
        "team": team,
        "cycle": cycle,
        # The header's unread badge brings its reader's unacknowledged early warnings on this team.
        "warnings_scope": f"team:{team.slug}",
        "can_create": cycle is not None and can_create_objective_for(actor, team_id=team.pk, owner_id=actor.pk),
        **cycle_switcher_context(actor, cycle, reverse("okrs:team-detail", kwargs={"slug": team.slug})),
    }
    return render_page(request, "okrs/team_detail.html", context)


def _team_body(actor: Membership, team: Team, cycle: Cycle | None) -> dict[str, Any]:
    """What the team page's body shows: its people, its objectives with their key results and metrics."""
    context: dict[str, Any] = {"members": list(team_members(actor=actor, team=team)), "overview": None}
    if cycle is not None:
        overview = team_overview(actor=actor, team=team, cycle=cycle)
        context["overview"] = overview
        context["cycle_expected"] = engine.expected_progress(
            start=cycle.start_date, end=cycle.end_date, on=timezone.localdate()
        )
        with_access(actor, overview.objectives)
        context["rows"] = [
            (
                o,
                overview.metrics.objective(o),
                [(kr, overview.metrics.kr(kr), can_check_in(actor, kr, o)) for kr in o.key_results.all()],
            )
            for o in overview.objectives
        ]
    return context


@member_required
def company(request: MemberRequest) -> HttpResponse:
    """The company alignment tree. Its title line and body are kept between writes
    (``core.page_cache``)."""
    actor = request.member
    cycle = selected_cycle(request, actor)
    context: dict[str, Any] = {
        "page_cache": PageCache(
            key=kept_page_key(request, member=actor, view="company"),
            build=lambda: _company_body(actor, cycle),
        ),
        "cycle": cycle,
        **cycle_switcher_context(actor, cycle, reverse("okrs:company")),
    }
    return render_page(request, "okrs/company.html", context)


def _company_body(actor: Membership, cycle: Cycle | None) -> dict[str, Any]:
    """The roots only: each level below loads when opened (tree_children), so the page costs the
    same for ten people or ten thousand."""
    if cycle is None:
        return {"groups": []}
    roots = alignment_levels(actor=actor, cycle=cycle, depth=1)
    unaligned = tree_unaligned_count(actor=actor, cycle=cycle)
    return {
        "groups": group_by_big_move(actor=actor, roots=roots),
        "tree_cycles": tree_cycles(cycle=cycle),
        "unaligned_count": unaligned,
        "gap_count": tree_gap_count(actor=actor, cycle=cycle, unaligned=unaligned),
    }


@member_required
def tree_unaligned(request: MemberRequest) -> HttpResponse:
    """Objectives below the company level with no live parent in the cycle, a page at a time
    (HTMX appends the next page; without it, a page of its own)."""
    actor = request.member
    cycle = selected_cycle(request, actor)
    if cycle is None:
        raise Http404("No cycle yet.")
    page = parse_page(request.GET.get("page"))
    offset = (page - 1) * UNALIGNED_PAGE
    nodes = alignment_levels(actor=actor, cycle=cycle, unaligned=True, offset=offset, limit=UNALIGNED_PAGE + 1)
    context = {
        "nodes": nodes[:UNALIGNED_PAGE],
        "cycle": cycle,
        "next_page": page + 1 if len(nodes) > UNALIGNED_PAGE else None,
        "count": tree_unaligned_count(actor=actor, cycle=cycle) if not request.htmx else None,
    }
    if request.htmx:
        return render(request, "okrs/partials/tree_unaligned.html", context)
    return render_page(request, "okrs/company_unaligned.html", context)


@member_required
def tree_children(request: MemberRequest, pk: int) -> HttpResponse:
    """One more level of the alignment tree: the objectives supporting ``pk`` in the selected
    cycle (HTMX fragment; without HTMX the objective page lists them)."""
    actor = request.member
    objective = objective_get(actor=actor, objective_id=pk)
    if not request.htmx:
        return redirect("okrs:objective-detail", pk=objective.pk)
    cycle = selected_cycle(request, actor) or objective.cycle
    nodes = alignment_levels(actor=actor, cycle=cycle, under=objective, depth=1)
    return render(request, "okrs/partials/tree_children.html", {"nodes": nodes, "parent": objective, "cycle": cycle})


@member_required
@require_http_methods(["GET", "POST"])
def cycle_list_view(request: MemberRequest) -> HttpResponse:
    actor = request.member
    form = (
        # Prefilled with the next period of the charter's calendar (fiscal-year start, cadence).
        CycleForm(request.POST or None, actor=actor, initial=next_cycle_initial(actor))
        if actor.is_org_wide_editor
        else None
    )
    if request.method == "POST":
        require_org_editor(actor, "create cycles")
        if form is not None and form.is_valid():
            data = form.cleaned_data
            with errors_on(form):
                cycle = services.cycle_create(
                    actor=actor,
                    name=data["name"],
                    kind=data["kind"],
                    parent=data["parent"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    state=data["state"],
                )
            if not form.errors:
                messages.success(request, f"Cycle “{cycle.name}” created.")
                return redirect("okrs:cycle-list")
    cycles = list(cycle_list(actor=actor).select_related("parent"))
    status = 400 if form is not None and form.errors else 200
    return render_page(request, "okrs/cycle_list.html", {"cycles": cycles, "form": form}, status=status)
