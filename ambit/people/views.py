"""``/settings/people/import/``: the upload form with example files, the dry-run report, then
"Apply", which applies exactly the bytes that were checked (kept like the planning sheet's
uploads, ``ambit.sheets.uploads``: one hour, same member, refused if the stored file changed)."""

from __future__ import annotations

import functools
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from ambit.core.http import MemberRequest
from ambit.core.permissions import require_admin
from ambit.core.web import member_required, site_url
from ambit.people.examples import CONTENT_TYPES, example_file
from ambit.people.reader import COLUMNS
from ambit.people.report import PeopleImportReport
from ambit.people.services import import_people
from ambit.sheets.layout import MAX_ROWS, MAX_UPLOAD_BYTES
from ambit.sheets.reader import too_large
from ambit.sheets.uploads import UploadGone, upload_discard, upload_load, upload_store

admin_only = member_required(permission=functools.partial(require_admin, what="import people and teams"))
# Marks a stored upload as a people file (the sheets' store keeps a cycle and a locale).
UPLOAD_KIND = "people"


def _page(request: MemberRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    base = {
        "columns": COLUMNS,
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        "max_rows": MAX_ROWS,
        "organisation": request.member.organisation,
    }
    return render(request, "people/import.html", {**base, **context}, status=status)


def _refused(filename: str, message: str, hint: str = "") -> PeopleImportReport:
    return PeopleImportReport(filename=filename, dry_run=True, refused=message, hint=hint)


@admin_only
@require_GET
def import_page(request: MemberRequest) -> HttpResponse:
    return _page(request, {})


@admin_only
@require_GET
def example(request: MemberRequest, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404("Unknown format.")
    response = HttpResponse(example_file(fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="people-import-example.{fmt}"'
    return response


@admin_only
@require_POST
def upload(request: MemberRequest) -> HttpResponse:
    actor = request.member
    f = request.FILES.get("file")
    if f is None:
        report = _refused("", "No file was chosen.", "Choose the filled-in .csv or .xlsx file.")
        return _page(request, {"report": report}, status=400)
    name = f.name or "upload"
    if f.size is not None and f.size > MAX_UPLOAD_BYTES:
        refused = too_large(f.size)
        return _page(request, {"report": _refused(name, refused.message, refused.hint)}, status=413)
    data = f.read(MAX_UPLOAD_BYTES + 1)
    report = import_people(file=data, filename=name, organisation=actor.organisation, actor=actor, dry_run=True)
    token = ""
    if report.ok and report.has_changes:
        token = upload_store(membership_id=actor.pk, cycle_id=0, data=data, filename=name, locale=UPLOAD_KIND)
    return _page(request, {"report": report, "token": token}, status=200 if report.ok else 422)


@admin_only
@require_POST
def apply(request: MemberRequest) -> HttpResponse:
    actor = request.member
    token = request.POST.get("token", "")
    try:
        stored = upload_load(token=token, membership_id=actor.pk)
        if stored.locale != UPLOAD_KIND:
            raise UploadGone
    except UploadGone:
        report = _refused(
            "",
            "The checked file is no longer available: it expired after an hour, was already applied, or changed.",
            "Upload the file again to check it.",
        )
        return _page(request, {"report": report}, status=410)
    report = import_people(
        file=stored.data,
        filename=stored.filename,
        organisation=actor.organisation,
        actor=actor,
        dry_run=False,
        base_url=site_url(request),
    )
    if report.applied or (report.ok and not report.has_changes):
        upload_discard(token=token)
        return _page(request, {"report": report})
    # Something changed since the dry run and a row no longer applies: nothing was written.
    return _page(request, {"report": report}, status=422)
