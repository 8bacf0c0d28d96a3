"""The REST API: one NinjaAPI under /api/v1/, token auth, problem+json errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.main import Exc
from ninja.openapi.docs import DocsBase
from ninja.parser import Parser
from ninja.types import DictStrAny

from ambit.api import openapi
from ambit.api.auth import TokenAuth, rate_limit_headers
from ambit.api.problems import HANDLERS, problem
from ambit.api.routers import approvals, checkins, cycles, key_results, objectives, org, strategy

DESCRIPTION = """\
The Ambit REST API: organisation, strategy, cycles, objectives, key results, check-ins and the
computed progress, status, forecast and score, over the same rules as the web app.

**Authentication.** Send a personal API token as `Authorization: Bearer amb_…`. A token acts as
the member who created it, with that member's role; a read-only token can only read. Create
tokens under Settings → API tokens, or with `manage.py create_api_token`.

**Errors.** Every failure is an RFC 9457 `application/problem+json` document with `type`,
`title`, `status`, `detail` and, for validation errors, `errors: [{field, message}]`. Anything
outside your organisation is a 404, never a 403.

**Confidence** is always on the organisation's scale (`confidence_scale` of
`GET /organisation`): whole numbers 0–10, 0.0–1.0, or `red` / `yellow` / `green`.

**Pagination.** Lists are ordered by id and return `{items, next_cursor}`; pass `next_cursor`
as `cursor` for the next page. `limit` is 1–200 (default 50).

**Rate limit.** Each token may make `API_RATE_LIMIT` requests a minute (600 by default);
past that the answer is 429 with `Retry-After`. Every response carries `RateLimit-Limit`,
`RateLimit-Remaining` and `RateLimit-Reset` (seconds) so a client can pace itself.
"""


class LocalSwagger(DocsBase):
    """Swagger UI from the assets bundled in django-ninja, served by us: nothing from a CDN.

    The page runs under the site's strict Content-Security-Policy unchanged: its scripts are
    files (ninja's swagger-ui-init.js boots Swagger UI from a JSON data block, which is not
    executed), and Swagger UI styles elements through the DOM, which CSP does not restrict.
    """

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {"url": self.get_openapi_url(api, kwargs), "layout": "BaseLayout", "deepLinking": True}
        return render(request, "api/docs.html", {"api": api, "swagger_settings": settings})


class BodyNotAnObject(ValueError):
    """A JSON body that parsed but is not an object (``true``, ``0.5``, ``[]``, ``"x"``, ``null``)."""

    message = 'The request body must be a JSON object, e.g. {"title": "…"}.'


class ObjectBodyParser(Parser):
    """JSON bodies must be objects: every body this API takes is one.

    django-ninja would otherwise hand a bare ``true`` to the schema, whose ORM-friendly validator
    reads it like an object with no attributes, so a PATCH of ``true`` became an empty PATCH
    answered 200.
    """

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise BodyNotAnObject(BodyNotAnObject.message)
        return data


def _on_http_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """django-ninja turns any parser error into HttpError(400, "Cannot parse request body"); a body
    of the wrong JSON type is a validation problem (422) naming the body instead."""
    if isinstance(exc.__cause__, BodyNotAnObject):
        return problem(422, BodyNotAnObject.message, errors=[("body", BodyNotAnObject.message)])
    return _HANDLERS[HttpError](request, exc)


_HANDLERS: dict[type[Exception], Callable[[HttpRequest, Exception], HttpResponse]] = dict(HANDLERS)


class AmbitAPI(NinjaAPI):
    """NinjaAPI with the document finished for clients (``ambit.api.openapi``) and the rate-limit
    headers on every response: successes start from the temporal response, failures from the
    exception handlers."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        return openapi.finish(super().get_openapi_schema(*args, **kwargs))

    def create_temporal_response(self, request: HttpRequest) -> HttpResponse:
        response = super().create_temporal_response(request)
        for name, value in rate_limit_headers(request).items():
            response[name] = value
        return response

    def on_exception(self, request: HttpRequest, exc: Exc[Any]) -> HttpResponse:
        response = super().on_exception(request, exc)
        for name, value in rate_limit_headers(request).items():
            response[name] = value
        return response


api = AmbitAPI(
    title="Ambit API",
    version="1.0.0",
    description=DESCRIPTION,
    auth=TokenAuth(),
    docs=LocalSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
    parser=ObjectBodyParser(),
)

for exc_class, handler in HANDLERS:
    api.add_exception_handler(exc_class, handler)
api.add_exception_handler(HttpError, _on_http_error)  # type: ignore[arg-type]

api.add_router("", org.router)
api.add_router("", strategy.router)
api.add_router("", cycles.router)
api.add_router("", objectives.router)
api.add_router("", key_results.router)
api.add_router("", checkins.router)
api.add_router("", approvals.router)
api.add_router("", "ambit.api.routers.library.router")  # OKR templates (issue 15)
api.add_router("", "ambit.api.routers.people.router")  # people import (issue 15)
api.add_router("", "ambit.api.routers.rituals.router")  # standups and week plans (issue 16)
api.add_router("", "ambit.api.routers.kpis.router")  # KPIs (issue 16)
api.add_router("", "ambit.api.routers.oneonones.router")  # 1:1s, private to their two people (issue 16)
api.add_router("", "ambit.api.routers.comments.router")  # comments with mentions (issue 16)
api.add_router("", "ambit.api.routers.initiatives.router")  # initiatives and sprint planning (issue 16)
api.add_router("", "ambit.api.routers.teammeetings.router")  # bi-weekly team check-ins (issue 16)
api.add_router("", "ambit.api.routers.reviews.router")  # monthly reviews (issue 16)
api.add_router("", "ambit.api.routers.closeout.router")  # scoring, the close checklist, closing (issue 17)
api.add_router("", "ambit.api.routers.retros.router")  # reflections and dependencies (issue 17)
api.add_router("", "ambit.api.routers.rollover.router")  # rolling OKRs into the next cycle (issue 17)
api.add_router("", "ambit.api.routers.reports.router")  # cycle reports (issue 17)
api.add_router("", "ambit.api.routers.present.router")  # presentation links and the quarter's wins (issue 17)
api.add_router("", "ambit.api.routers.trash.router")  # the trash (issue 17)
