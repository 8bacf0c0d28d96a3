"""The cycle report's page and downloads: ``/cycles/<id>/report/`` shows the summary of the report
(the organisation's, or with ``?team=<slug>`` a team's subtree) with its download buttons;
``report.pdf`` and ``report.xlsx`` are the files, as the acting member may see them. Another
organisation's cycle or team is a 404 on every one of them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from ambit.accounts.selectors import team_list
from ambit.core.http import MemberRequest
from ambit.core.web import member_required, render_page
from ambit.reports.build import PdfUnavailable, cycle_report_file, pdf_unavailable
from ambit.reports.display import report_context
from ambit.reports.figures import progress_chart
from ambit.reports.selectors import report_scope, report_summary


def _team_slug(request: MemberRequest) -> str:
    return request.GET.get("team", "").strip()


def _download_url(name: str, cycle_id: int, team_slug: str) -> str:
    url = reverse(name, kwargs={"cycle_id": cycle_id})
    return f"{url}?{urlencode({'team': team_slug})}" if team_slug else url


@member_required
@require_GET
def cycle_report(request: MemberRequest, cycle_id: int) -> HttpResponse:
    actor = request.member
    slug = _team_slug(request)
    cycle, team = report_scope(actor=actor, cycle_id=cycle_id, team_slug=slug)
    report = report_summary(actor=actor, cycle=cycle, team=team)
    context: dict[str, Any] = {
        **report_context(report),
        "team": team,
        "teams": list(team_list(actor=actor).select_related(None).only("name", "slug")),
        "progress_chart": progress_chart(report),
        "pdf_url": _download_url("reports:cycle-pdf", cycle.pk, slug),
        "xlsx_url": _download_url("reports:cycle-xlsx", cycle.pk, slug),
        "pdf_unavailable": pdf_unavailable(),
    }
    return render_page(request, "reports/cycle_report.html", context)


def _download(request: MemberRequest, cycle_id: int, extension: str) -> HttpResponse:
    actor = request.member
    cycle, team = report_scope(actor=actor, cycle_id=cycle_id, team_slug=_team_slug(request))
    try:
        content, name, content_type = cycle_report_file(cycle, extension, team=team, viewer=actor)
    except PdfUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@member_required
@require_GET
def cycle_report_pdf(request: MemberRequest, cycle_id: int) -> HttpResponse:
    return _download(request, cycle_id, "pdf")


@member_required
@require_GET
def cycle_report_xlsx(request: MemberRequest, cycle_id: int) -> HttpResponse:
    return _download(request, cycle_id, "xlsx")
