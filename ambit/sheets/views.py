"""The cycle's planning-sheet page: download links, upload with a dry run, then confirm."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from ambit.accounts.models import Membership
from ambit.accounts.selectors import team_get, team_list
from ambit.core.permissions import require_same_org
from ambit.front.decorators import member_required
from ambit.okrs.models import Cycle
from ambit.okrs.selectors import cycle_get
from ambit.sheets.exporter import export_filename, export_workbook
from ambit.sheets.layout import MAX_ROWS, MAX_UPLOAD_BYTES
from ambit.sheets.parsing import LOCALES
from ambit.sheets.reader import too_large
from ambit.sheets.report import ImportReport, Problem
from ambit.sheets.services import sheet_import
from ambit.sheets.uploads import UploadGone, upload_discard, upload_load, upload_store

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
LOCALE_LABELS = {"en": "English (1,200.50)", "de": "German (1.200,50)", "fr": "French (1 200,50)"}


def _cycle(request: HttpRequest, cycle_id: int) -> tuple[Membership, Cycle]:
    actor: Membership = request.member  # type: ignore[attr-defined]
    return actor, cycle_get(actor=actor, cycle_id=cycle_id)


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    if getattr(request, "htmx", False) and template == "sheets/report.html":
        template = "sheets/_report.html"
    return render(request, template, context, status=status)


@member_required
@require_GET
def cycle_page(request: HttpRequest, cycle_id: int) -> HttpResponse:
    actor, cycle = _cycle(request, cycle_id)
    return render(
        request,
        "sheets/cycle.html",
        {
            "cycle": cycle,
            "teams": list(team_list(actor=actor).order_by("name")),
            "locales": LOCALE_LABELS.items(),
            "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
            "max_rows": MAX_ROWS,
        },
    )


@member_required
@require_GET
def download(request: HttpRequest, cycle_id: int) -> HttpResponse:
    actor, cycle = _cycle(request, cycle_id)
    fmt = request.GET.get("format", "xlsx")
    if fmt not in CONTENT_TYPES:
        raise Http404("Unknown format.")
    slug = request.GET.get("team", "").strip()
    team = team_get(actor=actor, slug=slug) if slug else None
    data = export_workbook(actor=actor, cycle=cycle, team=team, fmt=fmt)
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    name = export_filename(org_slug=actor.organisation.slug, cycle=cycle, team=team, fmt=fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _report_context(cycle: Cycle, report: ImportReport, token: str = "", locale: str = "en") -> dict[str, Any]:
    changed = [i for i in report.items if i.action != "unchanged" or any(c.action != "unchanged" for c in i.children)]
    return {
        "cycle": cycle,
        "report": report,
        "changed_items": changed,
        "token": token,
        "locale": locale,
        "can_apply": bool(token) and report.ok and bool(report.created or report.updated),
    }


@member_required
@require_POST
def upload(request: HttpRequest, cycle_id: int) -> HttpResponse:
    actor, cycle = _cycle(request, cycle_id)
    locale = request.POST.get("locale", "en")
    if locale not in LOCALES:
        locale = "en"
    f = request.FILES.get("file")
    if f is None:
        report = ImportReport(sheet="upload")
        report.problems.append(Problem("upload", None, None, "No file was chosen.", "Choose the filled-in workbook."))
        return _page(request, "sheets/report.html", _report_context(cycle, report), status=400)
    name = f.name or "upload"
    if f.size is not None and f.size > MAX_UPLOAD_BYTES:
        refused = too_large(f.size)
        report = ImportReport(sheet=name)
        report.problems.append(Problem(name, None, None, refused.message, refused.hint))
        return _page(request, "sheets/report.html", _report_context(cycle, report), status=413)
    data = f.read(MAX_UPLOAD_BYTES + 1)
    report = sheet_import(actor=actor, cycle=cycle, data=data, filename=name, locale=locale, dry_run=True)
    token = ""
    if report.ok and (report.created or report.updated):
        token = upload_store(membership_id=actor.pk, cycle_id=cycle.pk, data=data, filename=name, locale=locale)
    status = 200 if report.ok else 422
    return _page(request, "sheets/report.html", _report_context(cycle, report, token, locale), status=status)


@member_required
@require_POST
def apply(request: HttpRequest, cycle_id: int) -> HttpResponse:
    actor, cycle = _cycle(request, cycle_id)
    token = request.POST.get("token", "")
    try:
        stored = upload_load(token=token, membership_id=actor.pk)
    except UploadGone:
        report = ImportReport(sheet="upload", dry_run=False)
        report.problems.append(
            Problem(
                "upload",
                None,
                None,
                "This upload is no longer available (uploads are kept for one hour).",
                "Upload the file again.",
            )
        )
        return _page(request, "sheets/report.html", _report_context(cycle, report), status=410)
    if stored.cycle_id != cycle.pk:
        raise Http404("No such upload for this cycle.")
    require_same_org(actor, cycle.organisation_id)
    report = sheet_import(
        actor=actor, cycle=cycle, data=stored.data, filename=stored.filename, locale=stored.locale, dry_run=False
    )
    if report.applied:
        upload_discard(token=token)
    status = 200 if report.ok else 422
    return _page(request, "sheets/report.html", _report_context(cycle, report), status=status)
