"""/api/v1/: the ninja API, its locally served docs assets, and problem+json for any other path."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, path, re_path
from django.views.decorators.csrf import csrf_exempt

from ambit.api.api import api
from ambit.api.docs_assets import docs_asset
from ambit.api.problems import problem


def _problem_on_405(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            return problem(405, f"{request.method} is not allowed here; use {allowed}.", headers={"Allow": allowed})
        return response

    return wrapped


def _ninja_patterns() -> list[Any]:
    patterns, _app, _namespace = api.urls
    out: list[Any] = []
    for p in patterns:
        if isinstance(p, URLPattern):
            out.append(URLPattern(p.pattern, _problem_on_405(p.callback), p.default_args, p.name))
        else:
            out.append(p)
    return out


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return problem(404, "There is no API endpoint at this path; see /api/v1/docs.")


urlpatterns = [
    path("docs/assets/<str:name>", docs_asset, name="api-docs-asset"),
    path("", (_ninja_patterns(), "api", "api")),
    re_path(r"^(?P<rest>.*)$", not_found),
]
