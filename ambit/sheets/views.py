"""The cycle's planning-sheet page: download links, upload with a dry run, then confirm.

The dry run and the apply each run as an ``ImportJob`` in the background: the response shows the
report when the job has already finished (always with TASKS_BACKEND=immediate), otherwise a
progress card that polls the job until its report is ready.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from ambit.accounts.models import Membership
from ambit.accounts.selectors import team_get, team_list
from ambit.core.http import MemberRequest
from ambit.core.web import member_required
from ambit.okrs.models import Cycle
from ambit.okrs.selectors import cycle_get
from ambit.sheets.exporter import export_filename, export_workbook
from ambit.sheets.layout import MAX_ROWS, MAX_UPLOAD_BYTES
from ambit.sheets.models import ImportJob
from ambit.sheets.parsing import LOCALES
from ambit.sheets.reader import too_large
from ambit.sheets.report import ImportReport, Problem
from ambit.sheets.selectors import import_job_for_token, import_job_get
from ambit.sheets.services import import_job_start, report_from_json, upload_gone_report
from ambit.sheets.uploads import UploadGone, upload_load, upload_store

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
LOCALE_LABELS = {"en": "English (1,200.50)", "de": "German (1.200,50)", "fr": "French (1 200,50)"}


def _cycle(request: MemberRequest, cycle_id: int) -> tuple[Membership, Cycle]:
    actor = request.member
    return actor, cycle_get(actor=actor, cycle_id=cycle_id)


_FRAGMENTS = {"sheets/report.html": "sheets/_report.html", "sheets/job.html": "sheets/_job.html"}


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    if getattr(request, "htmx", False):
        template = _FRAGMENTS.get(template, template)
    return render(request, template, context, status=status)


@member_required
@require_GET
def cycle_page(request: MemberRequest, cycle_id: int) -> HttpResponse:
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
def download(request: MemberRequest, cycle_id: int) -> HttpResponse:
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


def _job_context(job: ImportJob) -> dict[str, Any]:
    """The progress card while the job runs, the report (with the apply button) once it is done."""
    if not job.finished or job.report is None:
        return {"cycle": job.cycle, "job": job}
    report = report_from_json(job.report)
    # A dry run can be confirmed once: not after its apply job exists.
    token = job.token if job.dry_run and not hasattr(job, "apply_job") else ""
    return {**_report_context(job.cycle, report, token, job.locale), "job": job}


def _job_response(request: HttpRequest, job: ImportJob, *, posted: bool = False) -> HttpResponse:
    """Answer with the job page (or its fragment for HTMX). After a POST, a finished job answers
    200 or, when its report has problems, 422, as the synchronous pages did; a running one 202."""
    context = _job_context(job)
    status = 200
    if posted:
        status = 202 if "report" not in context else (200 if context["report"].ok else 422)
    return _page(request, "sheets/job.html", context, status=status)


@member_required
@require_POST
def upload(request: MemberRequest, cycle_id: int) -> HttpResponse:
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
    token = upload_store(membership_id=actor.pk, cycle_id=cycle.pk, data=data, filename=name, locale=locale)
    job = import_job_start(actor=actor, cycle=cycle, token=token, filename=name, locale=locale)
    return _job_response(request, job, posted=True)


@member_required
@require_POST
def apply(request: MemberRequest, cycle_id: int) -> HttpResponse:
    actor, cycle = _cycle(request, cycle_id)
    token = request.POST.get("token", "")
    try:
        stored = upload_load(token=token, membership_id=actor.pk)
    except UploadGone:
        return _page(request, "sheets/report.html", _report_context(cycle, upload_gone_report()), status=410)
    if stored.cycle_id != cycle.pk:
        raise Http404("No such upload for this cycle.")
    dry_run = import_job_for_token(actor=actor, cycle=cycle, token=token)
    if dry_run is None:
        return _page(request, "sheets/report.html", _report_context(cycle, upload_gone_report()), status=410)
    job = import_job_start(
        actor=actor, cycle=cycle, token=token, filename=stored.filename, locale=stored.locale, source=dry_run
    )
    return _job_response(request, job, posted=True)


@member_required
@require_GET
def job_page(request: MemberRequest, job_id: int) -> HttpResponse:
    actor = request.member
    job = import_job_get(actor=actor, job_id=job_id)
    return _job_response(request, job)


@member_required
@require_GET
def job_progress(request: MemberRequest, job_id: int) -> HttpResponse:
    """The polled fragment: progress while the job runs, the report once it is done. Always 200
    (HTMX swaps only successful responses), even for a report with problems."""
    actor = request.member
    job = import_job_get(actor=actor, job_id=job_id)
    return render(request, "sheets/_job.html", _job_context(job))
