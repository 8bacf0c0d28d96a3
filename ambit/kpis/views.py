"""KPI pages: the board (company, or one team with ``?team=<slug>``), a KPI's page (history chart,
readings, record a reading, linked key results), create and edit. Every write goes through
``services``; another organisation's KPI is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ambit.core.forms import errors_on
from ambit.core.http import MemberRequest
from ambit.core.permissions import require_writer
from ambit.core.services import plain_number
from ambit.core.web import member_required, render_page
from ambit.kpis import charts, selectors, services
from ambit.kpis.forms import COMPANY, KpiForm, LinkForm, ReadingForm
from ambit.kpis.models import Kpi
from ambit.okrs import engine
from ambit.trash.notice import moved_to_trash

HISTORY_ROWS = 100  # readings listed on a KPI's page (the chart draws them all)


def _spark(kpi: Kpi, recent: list[Any]) -> str:
    points = [(r.recorded_at, float(r.value)) for r in recent]
    svg = charts.sparkline(
        points=points,
        healthy=float(kpi.healthy_threshold),
        critical=float(kpi.critical_threshold),
        direction=kpi.direction,
    )
    return mark_safe(svg)


@member_required
@require_GET
def board(request: MemberRequest) -> HttpResponse:
    actor = request.member
    teams = selectors.teams(actor=actor)
    slug = request.GET.get("team", "")
    team = selectors.team_by_slug(actor=actor, slug=slug) if slug and slug != "company" else None
    kpis = list(selectors.kpi_list(actor=actor, team=team, company_only=slug == "company"))
    board_rows = selectors.board(kpis, now=timezone.now())
    rows = [{"row": row, "spark": _spark(row.kpi, row.recent)} for row in board_rows]
    led = actor.led_team_ids() if actor.can_write and not actor.is_org_wide_editor else set()
    context = {
        "rows": rows,
        "teams": teams,
        "team": team,
        "slug": slug,
        "can_create": actor.can_write and (actor.is_org_wide_editor or bool(led)),
        "counts": {b: sum(1 for r in board_rows if r.kpi.current_band == b) for b in engine.KPI_BANDS},
    }
    return render_page(request, "kpis/board.html", context)


def _kpi_form(request: MemberRequest, data: Any = None, initial: dict[str, Any] | None = None) -> KpiForm:
    actor = request.member
    return KpiForm(data, initial=initial, teams=selectors.teams(actor=actor), people=selectors.people(actor=actor))


@member_required(permission=require_writer)
@require_http_methods(["GET", "POST"])
def kpi_new(request: MemberRequest) -> HttpResponse:
    actor = request.member
    initial: dict[str, Any] = {"owner": str(actor.pk)}
    slug = request.GET.get("team", "")
    if slug:
        initial["team"] = str(selectors.team_by_slug(actor=actor, slug=slug).pk)
    form = _kpi_form(request, request.POST or None, initial)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            kpi = services.kpi_create(actor=actor, **form.service_kwargs())
        if not form.errors:
            messages.success(request, f"KPI “{kpi.name}” created. Record its first reading.")
            return redirect("kpis:detail", kpi_id=kpi.pk)
    return render_page(request, "kpis/form.html", {"form": form, "kpi": None}, status=400 if form.errors else 200)


@member_required
@require_http_methods(["GET", "POST"])
def kpi_edit(request: MemberRequest, kpi_id: int) -> HttpResponse:
    actor = request.member
    kpi = selectors.kpi_get(actor=actor, kpi_id=kpi_id)
    if not services.can_manage(actor, kpi.team_id):
        raise PermissionDenied(services.MANAGE_DENIED if kpi.team_id else services.COMPANY_DENIED)
    initial = {
        "name": kpi.name,
        "team": str(kpi.team_id) if kpi.team_id else COMPANY,
        "owner": str(kpi.owner_id or ""),
        "unit": kpi.unit,
        "direction": kpi.direction,
        "healthy_threshold": plain_number(kpi.healthy_threshold),
        "critical_threshold": plain_number(kpi.critical_threshold),
        "cadence": kpi.cadence,
        "description": kpi.description,
    }
    form = _kpi_form(request, request.POST or None, initial)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.kpi_update(actor, kpi, **form.service_kwargs())
        if not form.errors:
            messages.success(request, "KPI saved.")
            return redirect("kpis:detail", kpi_id=kpi.pk)
    return render_page(request, "kpis/form.html", {"form": form, "kpi": kpi}, status=400 if form.errors else 200)


def _detail(
    request: MemberRequest, kpi: Kpi, *, reading_form: ReadingForm | None = None, link_form: LinkForm | None = None
) -> HttpResponse:
    actor = request.member
    history = list(selectors.readings(kpi=kpi))
    can_manage = services.can_manage(actor, kpi.team_id) and not kpi.is_archived
    if link_form is None and can_manage:
        link_form = LinkForm(choices=_link_choices(request))
    svg = charts.kpi_chart(
        chart_id=f"kpi-{kpi.pk}",
        name=kpi.name,
        points=[(r.recorded_at, float(r.value)) for r in history],
        healthy=float(kpi.healthy_threshold),
        critical=float(kpi.critical_threshold),
        direction=kpi.direction,
        unit=kpi.unit,
    )
    context = {
        "kpi": kpi,
        "chart": mark_safe(svg),
        "history": history[::-1][:HISTORY_ROWS],
        "total": len(history),
        "stale": engine.kpi_is_stale(kpi.last_reading_at, kpi.cadence_days, timezone.now()),
        "can_manage": can_manage,
        "can_record": services.can_record(actor, kpi),
        "reading_form": reading_form or ReadingForm(),
        "links": selectors.links(kpi=kpi),
        "link_form": link_form,
    }
    bad = (reading_form is not None and reading_form.errors) or (link_form is not None and link_form.errors)
    return render_page(request, "kpis/detail.html", context, status=400 if bad else 200)


def _link_choices(request: MemberRequest) -> list[tuple[str, str]]:
    krs = selectors.linkable_key_results(actor=request.member)[:500]
    return [("", "Choose a key result…"), *((str(kr.pk), f"{kr.objective.title} — {kr.title}") for kr in krs)]


@member_required
@require_GET
def kpi_detail(request: MemberRequest, kpi_id: int) -> HttpResponse:
    return _detail(request, selectors.kpi_get(actor=request.member, kpi_id=kpi_id))


@member_required(permission=require_writer)
@require_POST
def reading_add(request: MemberRequest, kpi_id: int) -> HttpResponse:
    actor = request.member
    kpi = selectors.kpi_get(actor=actor, kpi_id=kpi_id)
    form = ReadingForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            reading = services.kpi_record_reading(actor=actor, kpi=kpi, **form.cleaned_data)
        if not form.errors:
            messages.success(request, f"Reading recorded: {kpi.name} is {reading.get_band_display().lower()}.")
            return redirect("kpis:detail", kpi_id=kpi.pk)
    return _detail(request, kpi, reading_form=form)


@member_required(permission=require_writer)
@require_POST
def kpi_archive(request: MemberRequest, kpi_id: int) -> HttpResponse:
    kpi = selectors.kpi_get(actor=request.member, kpi_id=kpi_id)
    services.kpi_archive(actor=request.member, kpi=kpi)
    messages.success(request, f"“{kpi.name}” archived: it keeps its history and leaves the boards.")
    return redirect("kpis:board")


@member_required(permission=require_writer)
@require_POST
def kpi_delete(request: MemberRequest, kpi_id: int) -> HttpResponse:
    kpi = selectors.kpi_get(actor=request.member, kpi_id=kpi_id)
    notice = moved_to_trash(f"The KPI “{kpi.name}”")
    services.kpi_delete(actor=request.member, kpi=kpi)
    messages.success(request, notice)
    return redirect("kpis:board")


@member_required(permission=require_writer)
@require_POST
def link_add(request: MemberRequest, kpi_id: int) -> HttpResponse:
    actor = request.member
    kpi = selectors.kpi_get(actor=actor, kpi_id=kpi_id)
    form = LinkForm(request.POST, choices=_link_choices(request))
    if form.is_valid():
        key_result = selectors.key_result_get(actor=actor, key_result_id=int(form.cleaned_data["key_result"]))
        with errors_on(form):
            services.kpi_link(actor=actor, kpi=kpi, key_result=key_result)
        if not form.errors:
            messages.success(request, f"“{key_result.title}” now feeds this KPI: its next check-ins become readings.")
            return redirect("kpis:detail", kpi_id=kpi.pk)
    return _detail(request, kpi, link_form=form)


@member_required(permission=require_writer)
@require_POST
def link_delete(request: MemberRequest, kpi_id: int, link_id: int) -> HttpResponse:
    actor = request.member
    kpi = selectors.kpi_get(actor=actor, kpi_id=kpi_id)
    link = selectors.link_get(actor=actor, kpi=kpi, link_id=link_id)
    services.kpi_unlink(actor=actor, link=link)
    messages.success(request, "Key result unlinked: its check-ins no longer feed this KPI.")
    return redirect("kpis:detail", kpi_id=kpi.pk)
