"""One error format for every failure: RFC 9457 ``application/problem+json``.

Services raise Django's ValidationError / PermissionDenied / Http404 and ``core.errors.Conflict``;
this module is the one place that turns them (and ninja's own errors) into problem documents.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from ambit.core.errors import Conflict

logger = logging.getLogger("ambit.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "urn:ambit:problem:"

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Validation failed",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}
SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    422: "validation",
    429: "rate-limited",
    500: "server-error",
    503: "unavailable",
}

# Services name model fields ("owner"); the API's bodies name references "<field>_id".
FIELD_ALIASES = {
    "owner": "owner_id",
    "team": "team_id",
    "cycle": "cycle_id",
    "theme": "theme_id",
    "parent": "parent_id",
    "manager": "manager_id",
    "__all__": "non_field_errors",
}


class NotFoundIn(Http404):
    """A 404 caused by an id in the request body or query: names the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many requests.")
        self.retry_after = retry_after


def problem(
    status: int,
    detail: str,
    *,
    errors: Iterable[tuple[str, str]] = (),
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + SLUGS.get(status, str(status)),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "errors": [{"field": f, "message": m} for f, m in errors],
    }
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field(name: str) -> str:
    return FIELD_ALIASES.get(name, name)


def django_validation_errors(exc: DjangoValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [(_field(field), msg) for field, msgs in exc.message_dict.items() for msg in msgs]
    return [("non_field_errors", msg) for msg in exc.messages]


# The tags pydantic puts in an error's location for the member of a union that failed ("float",
# "constrained-float", "literal['red','yellow','green']"): they name a type, not a request field.
_TYPE_TAGS = frozenset({"float", "int", "str", "bool", "none", "date", "datetime", "decimal", "list", "dict"})


def _is_union_tag(part: str) -> bool:
    return (not part.isidentifier() and not part.isdigit()) or part in _TYPE_TAGS


def _ninja_field(loc: list[Any]) -> str:
    # loc is ("body" | "query" | "path", <param name>, *field path); the param name is internal.
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif len(parts) > 1:
        parts = parts[1:]
    # A union field fails once per member, each located under the member's type tag: drop the
    # tags (never the first part, the field itself) so every error names the request field.
    parts = parts[:1] + [p for p in parts[1:] if not _is_union_tag(p)]
    return ".".join(parts) or "body"


def _merged(errors: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One error per field: a union's members' messages read as one set of alternatives."""
    by_field: dict[str, list[str]] = {}
    for field, message in errors:
        messages = by_field.setdefault(field, [])
        if message not in messages:
            messages.append(message)
    merged: list[tuple[str, str]] = []
    prefix = "Input should be "
    for field, messages in by_field.items():
        if len(messages) > 1 and all(m.startswith(prefix) for m in messages):
            text = prefix + "; or ".join(m[len(prefix) :] for m in messages)
        else:
            text = "; ".join(messages)
        merged.append((field, text))
    return merged


def _on_django_validation(request: HttpRequest, exc: Exception) -> HttpResponse:
    assert isinstance(exc, DjangoValidationError)
    errors = django_validation_errors(exc)
    detail = "; ".join(f"{f}: {m}" for f, m in errors) or "The request is not valid."
    return problem(422, detail, errors=errors)


def _on_ninja_validation(request: HttpRequest, exc: Exception) -> HttpResponse:
    assert isinstance(exc, NinjaValidationError)
    errors = _merged([(_ninja_field(list(e.get("loc", ()))), str(e.get("msg", "Invalid value."))) for e in exc.errors])
    detail = "; ".join(f"{f}: {m}" for f, m in errors) or "The request is not valid."
    return problem(422, detail, errors=errors)


def _on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    errors = [(exc.field, str(exc))] if isinstance(exc, NotFoundIn) else []
    return problem(404, str(exc) or "Not found.", errors=errors)


def _on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(403, str(exc) or "You may not do this.")


def _on_conflict(request: HttpRequest, exc: Exception) -> HttpResponse:
    assert isinstance(exc, Conflict)
    errors = [(_field(exc.field), exc.message)] if exc.field else []
    return problem(409, exc.message, errors=errors)


def _on_integrity_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A safety net: services validate first, but a race (or a rule they miss) ends here.
    logger.warning("Integrity error in %s %s: %s", request.method, request.path, exc)
    return problem(409, "The change clashes with existing data (a duplicate or a reference in use).")


def _on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        401,
        "Send a valid API token: “Authorization: Bearer amb_…” (create one under Settings → API tokens).",
        headers={"WWW-Authenticate": 'Bearer realm="ambit"'},
    )


def _on_rate_limited(request: HttpRequest, exc: Exception) -> HttpResponse:
    assert isinstance(exc, RateLimited)
    return problem(
        429,
        f"Rate limit reached: try again in {exc.retry_after} seconds.",
        headers={"Retry-After": str(exc.retry_after)},
    )


def _on_http_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    assert isinstance(exc, HttpError)
    return problem(exc.status_code, str(exc))


def _on_bad_multipart(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A file upload whose body is not the multipart/form-data its Content-Type promises.
    return problem(
        400,
        f"The request body is not valid multipart/form-data ({exc}): send the file as a form field "
        "with a Content-Type carrying its boundary.",
    )


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled error in %s %s", request.method, request.path, exc_info=exc)
    return problem(500, "Something went wrong on our side; the error has been logged.")


HANDLERS: list[tuple[type[Exception], Any]] = [
    (DjangoValidationError, _on_django_validation),
    (NinjaValidationError, _on_ninja_validation),
    (Http404, _on_not_found),
    (PermissionDenied, _on_forbidden),
    (Conflict, _on_conflict),
    (IntegrityError, _on_integrity_error),
    (AuthenticationError, _on_unauthenticated),
    (RateLimited, _on_rate_limited),
    (HttpError, _on_http_error),
    (MultiPartParserError, _on_bad_multipart),
    (Exception, _on_unexpected),
]
