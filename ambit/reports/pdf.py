"""The cycle report as PDF, with WeasyPrint.

WeasyPrint needs Debian's pango (``libpango-1.0-0``, ``libpangoft2-1.0-0``): when it cannot load,
``pdf_unavailable()`` says why in words and every surface shows that instead of failing.

WeasyPrint never fetches a URL here: its fetcher answers ``data:`` URIs and this project's own
static files, read from disk through the static files finders; anything else is refused (a
report holds what people typed, and no network request may come out of rendering it).
"""

from __future__ import annotations

import functools
import logging
import mimetypes
import posixpath
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from ambit.reports.data import CycleReport
from ambit.reports.display import report_context
from ambit.reports.figures import objective_chart, progress_chart

# Relative URLs in the report's HTML resolve under this base; the fetcher maps it to static files.
STATIC_BASE = "file:///ambit-static/"
PDF_TEMPLATE = "reports/pdf/report.html"
UNAVAILABLE = (
    "PDF reports are not available on this server: the PDF library (WeasyPrint) cannot load ({reason}). "
    "An administrator installs Debian's pango (apt-get install libpango-1.0-0 libpangoft2-1.0-0). "
    "The XLSX download works without it."
)


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot load here; the message says why and what to install."""


@functools.cache
def _weasyprint() -> tuple[Any, str]:
    """The ``weasyprint`` module, or None and the reason it cannot load (missing system libraries
    raise OSError at import)."""
    # One INFO line per stylesheet and laid-out page: thousands for a large organisation's report.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        return None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return weasyprint, ""


def pdf_unavailable() -> str:
    """Why PDF reports cannot be made here, in words; "" when they can."""
    module, reason = _weasyprint()
    return "" if module is not None else UNAVAILABLE.format(reason=reason)


def static_file(url: str) -> Path | None:
    """The project's static file a report URL names (under ``STATIC_BASE``), or None."""
    if not url.startswith(STATIC_BASE):
        return None
    relative = posixpath.normpath(unquote(urlsplit(url).path).removeprefix(urlsplit(STATIC_BASE).path))
    if relative.startswith(("/", "..")) or relative in ("", "."):
        return None
    found = finders.find(relative)
    return Path(found) if isinstance(found, str) else None


def _fetcher(weasyprint: Any) -> Any:
    """A WeasyPrint URL fetcher that opens ``data:`` URIs and our static files, nothing else."""

    class LocalOnly(weasyprint.urls.URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=1)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = static_file(url)
            if path is None:
                raise ValueError(f"A report fetches nothing from outside: refused {url[:80]}")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return weasyprint.urls.URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": kind})

    return LocalOnly()


def report_html(report: CycleReport) -> str:
    """The report as the HTML WeasyPrint lays out (also handy to look at in a browser)."""
    context = report_context(report)
    context["progress_chart"] = progress_chart(report)
    context["charts"] = {o.id: objective_chart(report, o) for o in report.objectives if o.series is not None}
    return render_to_string(PDF_TEMPLATE, context)


def render_pdf(report: CycleReport) -> bytes:
    weasyprint, reason = _weasyprint()
    if weasyprint is None:
        raise PdfUnavailable(UNAVAILABLE.format(reason=reason))
    document = weasyprint.HTML(string=report_html(report), base_url=STATIC_BASE, url_fetcher=_fetcher(weasyprint))
    return document.write_pdf()  # type: ignore[no-any-return]
