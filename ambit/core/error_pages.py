"""The pages for refusals (403), things that are not there (404) and things that are gone (410).

Each shows, in the site layout, the reason the service or selector gave (``PermissionDenied`` and
``Http404`` messages are written for people: "Approval is required: your lead or a champion
activates your objective."), so a refusal says what happened and what to do, never a bare
"403 Forbidden". Wired in ``ambit.urls`` as ``handler403`` and ``handler404``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

DENIED_DEFAULT = "You don't have permission to do this. Ask your lead or an OKR champion if you think you should."
NOT_FOUND_DEFAULT = "There is nothing here: the link may be mistyped, or what it pointed to was removed."
GONE_DEFAULT = "This link no longer works."


def _reason(exception: Exception | None, default: str) -> str:
    """The exception's own message when it carries one written for people (a plain string);
    Django's resolver passes a dict of internals for unknown URLs, which nobody should read."""
    if exception is None or not exception.args or not isinstance(exception.args[0], str):
        return default
    return str(exception.args[0]).strip() or default


def error_page(request: HttpRequest, *, status: int, message: str) -> HttpResponse:
    """Render ``<status>.html`` with ``message``; used by the handlers and by views that answer 410."""
    return render(request, f"{status}.html", {"message": message}, status=status)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, status=403, message=_reason(exception, DENIED_DEFAULT))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, status=404, message=_reason(exception, NOT_FOUND_DEFAULT))
