"""Request plumbing: refuse NUL characters at the door. (The acting membership is attached by
``ambit.accounts.middleware``.)"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError

NUL = "\x00"
NUL_MESSAGE = (
    "This request contains a NUL character (\\x00 or %00) in its address or form fields. Remove it and try again."
)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# The REST API answers for itself: its query parameters are all typed (a NUL fails to parse as
# an id, a number or a choice) and its text fields use the shared rule, so a NUL gets the 422
# problem document its OpenAPI description promises rather than an undocumented plain 400.
API_PREFIX = "/api/"


def _has_nul(pairs: Iterable[tuple[str, list[str]]]) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in pairs)


def request_has_nul(request: HttpRequest) -> bool:
    """True when the path, the query string or a submitted form field holds a NUL.

    JSON bodies are left to the API, whose schemas answer a field-level 422; only form bodies are
    read here (reading them is what Django's CSRF check does next anyway).
    """
    if request.path.startswith(API_PREFIX):
        return False
    if NUL in request.path or _has_nul(request.GET.lists()):
        return True
    if request.method == "POST" and request.content_type in _FORM_TYPES:
        try:
            return _has_nul(request.POST.lists())
        except MultiPartParserError:
            return False  # a broken upload is the view's to report
    return False


class RefuseNulMiddleware:
    """Answer 400 to any request carrying a NUL character.

    PostgreSQL cannot store NUL in text, nor even compare against it: ``?q=%00`` reaching a
    ``WHERE title ILIKE ...`` is a 500. No legitimate address or form value contains one, so the
    request is refused before any view or query sees it. Other control characters are refused
    per field by the services (``ambit.core.validation.clean_text``), with a message on the field.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request_has_nul(request):
            return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
