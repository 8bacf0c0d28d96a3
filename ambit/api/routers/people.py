"""People and teams import: the same check and apply as ``/settings/people/import/`` and
``manage.py import_people`` (``ambit.people.services.import_people``)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from ambit.api.auth import rate_limit_headers
from ambit.api.common import actor_of
from ambit.api.enums import RoleName
from ambit.api.problems import problem
from ambit.api.schemas import WRITE_ERRORS, Problem
from ambit.core.web import site_url
from ambit.people.report import PeopleImportReport
from ambit.people.services import import_people, require_importer
from ambit.sheets.layout import MAX_UPLOAD_BYTES

router = Router(tags=["organisation"])


class ImportRowErrorOut(Schema):
    field: str = Field(description="The column at fault, e.g. `Email`, `Manager email`.")
    message: str


class ImportRowOut(Schema):
    number: int = Field(description="The row number as a spreadsheet program shows it (the header is row 1).")
    email: str
    name: str
    action: str = Field(description="`invite`, `update`, `unchanged` or `error`.")
    role: RoleName | None = Field(
        description="The role the row gives; null when it is blank (no change) or not a role."
    )
    team: str = Field(description="The team path, e.g. `Engineering / Platform`; empty when none.")
    lead: bool
    manager: str = Field(description="The manager's email address; empty when the row leaves it unchanged.")
    changes: list[str] = Field(description="What applying the row does (or did), in words.")
    teams_to_create: list[str]
    warnings: list[str]
    errors: list[ImportRowErrorOut]


class ImportCountsOut(Schema):
    invite: int
    update: int
    unchanged: int
    error: int
    teams: int


class PeopleImportOut(Schema):
    """The report of a people import, dry run or applied."""

    filename: str
    dry_run: bool
    applied: bool = Field(description="True when the import was written (never for a dry run).")
    ok: bool = Field(description="False when the file was refused or a row has errors: nothing was written.")
    refused: str = Field(description="Why the whole file was refused; empty otherwise.")
    hint: str
    summary: str
    counts: ImportCountsOut
    teams_to_create: list[str]
    invitations_sent: int
    rows: list[ImportRowOut]


class PeopleImportProblem(Problem):
    """A 422 problem document; when the file was read, ``report`` holds the whole report."""

    report: PeopleImportOut | None = Field(
        None, description="The import's report, every row with its errors (absent when no file was sent)."
    )


_ERRORS = {code: Problem for code in WRITE_ERRORS if code != 422}


def _problem(request: HttpRequest, report: PeopleImportReport) -> HttpResponse:
    """The report as a 422 problem document: each error in ``errors``, the report beside them."""
    if report.refused:
        errors = [("file", f"{report.refused} {report.hint}".strip())]
    else:
        errors = [("file", f"Row {r.number}, {e.field}: {e.message}") for r in report.error_rows for e in r.errors]
    response = problem(422, report.summary, errors=errors, headers=rate_limit_headers(request))
    body = json.loads(response.content)
    body["report"] = report.as_dict()
    response.content = json.dumps(body).encode()
    return response


@router.post(
    "/people/import",
    response={200: PeopleImportOut, 422: PeopleImportProblem, **_ERRORS},
    operation_id="people_import",
)
def people_import(request: HttpRequest, file: File[UploadedFile], dry_run: bool = True) -> Any:
    """Import people and teams from a CSV or XLSX file (multipart field `file`; admins only).

    Columns: Name, Email, Team (path such as `Engineering / Platform`, `/` or `>` between names),
    Role, Manager email, Lead (yes/no), Title. With `dry_run=true` (the default) nothing changes
    and the report says, per row, what would happen; with `dry_run=false` everything is applied or,
    when a row has an error, nothing. Invitations are emailed after the import is saved, never
    twice to one address. A refused file or a row with errors answers a 422 problem document whose
    `errors` name each row's problem and whose `report` is the whole report."""
    actor = actor_of(request)
    require_importer(actor, actor.organisation)
    data = file.read(MAX_UPLOAD_BYTES + 1)
    report = import_people(
        file=data,
        filename=file.name or "upload",
        organisation=actor.organisation,
        actor=actor,
        dry_run=dry_run,
        base_url=site_url(request),
    )
    if not report.ok:
        return _problem(request, report)
    return Status(200, report.as_dict())
