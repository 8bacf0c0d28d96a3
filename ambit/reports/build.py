"""The cycle report's builders: one gathering (``cycle_report_data``), two formats.

``cycle_report_pdf(cycle)`` and ``cycle_report_xlsx(cycle)`` are what the downloads, the API, the
``cycle_report`` command and the closing announcement call. Without a ``viewer`` a report holds
only the objectives everyone in the organisation may see; with one, what that member may see.
"""

from __future__ import annotations

from ambit.accounts.models import Membership, Team
from ambit.okrs.models import Cycle
from ambit.reports.data import CycleReport, cycle_report_data
from ambit.reports.display import filename
from ambit.reports.pdf import PdfUnavailable, pdf_unavailable, render_pdf
from ambit.reports.xlsx import render_xlsx

__all__ = [
    "FORMATS",
    "PdfUnavailable",
    "cycle_report_attachment",
    "cycle_report_data",
    "cycle_report_file",
    "cycle_report_pdf",
    "cycle_report_xlsx",
    "pdf_unavailable",
]

# Extension → content type: the formats a report comes in.
FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def cycle_report_pdf(cycle: Cycle, *, team: Team | None = None, viewer: Membership | None = None) -> bytes:
    """The report as PDF (``PdfUnavailable`` when WeasyPrint cannot load here)."""
    unavailable = pdf_unavailable()
    if unavailable:
        raise PdfUnavailable(unavailable)
    return render_pdf(cycle_report_data(cycle, team=team, viewer=viewer))


def cycle_report_xlsx(cycle: Cycle, *, team: Team | None = None, viewer: Membership | None = None) -> bytes:
    return render_xlsx(cycle_report_data(cycle, team=team, viewer=viewer))


def cycle_report_file(
    cycle: Cycle, extension: str, *, team: Team | None = None, viewer: Membership | None = None
) -> tuple[bytes, str, str]:
    """(content, file name, content type) of the report in ``extension`` ("pdf" or "xlsx")."""
    if extension not in FORMATS:
        raise ValueError(f"A cycle report comes as {' or '.join(FORMATS)}, not “{extension}”.")
    if extension == "pdf" and (unavailable := pdf_unavailable()):
        raise PdfUnavailable(unavailable)
    report: CycleReport = cycle_report_data(cycle, team=team, viewer=viewer)
    content = render_pdf(report) if extension == "pdf" else render_xlsx(report)
    return content, filename(report, extension), FORMATS[extension]


def cycle_report_attachment(cycle: Cycle, *, team: Team | None = None) -> tuple[str, bytes, str]:
    """(file name, content, content type) to attach to the closing announcement: everyone's view
    (public objectives only) as PDF, or as XLSX where this server cannot make PDFs."""
    extension = "xlsx" if pdf_unavailable() else "pdf"
    content, name, content_type = cycle_report_file(cycle, extension, team=team)
    return name, content, content_type
