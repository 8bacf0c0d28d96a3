"""Cycle reports in the API (issue 17): the same files as the report page's downloads
(``ambit.reports.build``), as the token's member may see them. Another organisation's cycle or
team is a 404."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from ambit.accounts.selectors import team_get
from ambit.api.common import actor_of, resolve
from ambit.api.problems import problem
from ambit.api.schemas import READ_ERRORS, Id, Problem
from ambit.okrs.selectors import cycle_get
from ambit.reports.build import FORMATS, PdfUnavailable, cycle_report_file

router = Router(tags=["cycle reports"])

_BINARY = {"schema": {"type": "string", "format": "binary"}}
_FILE_RESPONSE = {
    "responses": {
        200: {
            "description": (
                "The report file, with a `Content-Disposition: attachment` header naming it "
                "(e.g. `acme-q3-2026-platform.pdf`)."
            ),
            "content": {content_type: _BINARY for content_type in FORMATS.values()},
        }
    }
}


class ReportQuery(Schema):
    format: Literal["pdf", "xlsx"] = Field("pdf", description="`pdf` or `xlsx`.")
    team: str | None = Field(
        None, max_length=80, description="A team's slug: the report covers it and the teams below it."
    )


@router.get(
    "/cycles/{cycle_id}/report",
    response={**dict.fromkeys(READ_ERRORS, Problem), 503: Problem},
    operation_id="cycle_report",
    openapi_extra=_FILE_RESPONSE,
)
def cycle_report(request: HttpRequest, cycle_id: Id, query: Query[ReportQuery]) -> Any:
    """The cycle's report as a PDF or XLSX file: every objective the caller may see (of the team's
    subtree with `team`) with its key results, progress, suggested and recorded scores, bands,
    verdicts and final confidence; reflections and lessons; check-in discipline by team; progress
    over time (charts in the PDF, a table and a chart in the XLSX). 503 when this server cannot
    make PDFs (its PDF library cannot load); XLSX always works."""
    actor = actor_of(request)
    cycle = cycle_get(actor=actor, cycle_id=cycle_id)
    cycle._state.fields_cache["organisation"] = actor.organisation  # the same row: no query
    team = resolve("team", team_get, actor=actor, slug=query.team) if query.team else None
    try:
        content, name, content_type = cycle_report_file(cycle, query.format, team=team, viewer=actor)
    except PdfUnavailable as exc:
        return problem(503, str(exc))
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
