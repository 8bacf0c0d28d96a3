"""The finishing touches django-ninja leaves to us on the OpenAPI document.

Each one is something a generated client or an OpenAPI linter relies on: error bodies typed as
problem documents, the response headers the API really sends, a ``servers`` entry, described
tags, and no component nothing refers to (each would become a dead model in the client).
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings

from ambit.api.problems import PROBLEM_CONTENT_TYPE

TAGS: list[dict[str, str]] = [
    {
        "name": "organisation",
        "description": "The organisation's charter, its members, invitations and teams.",
    },
    {
        "name": "strategy",
        "description": "Mission and vision, values and big moves: what the objectives serve.",
    },
    {
        "name": "cycles",
        "description": "Planning periods with their sprints, the current cycle and the alignment tree.",
    },
    {
        "name": "objectives",
        "description": "Objectives with their computed metrics, state changes, scores and alignment.",
    },
    {
        "name": "key results",
        "description": "Key results with progress, status, forecast and score; milestones; duality.",
    },
    {
        "name": "check-ins",
        "description": "Readings of a key result's value and confidence, and corrections of them.",
    },
    {
        "name": "approvals",
        "description": "Drafts → proposed → approved: propose, approve (one or many), send back, the queue.",
    },
    {
        "name": "kpis",
        "description": "KPIs: lasting health metrics with bands, their readings, and key results feeding them.",
    },
    {
        "name": "comments",
        "description": "Threads on objectives and key results, with @mentions; edit and delete by the author.",
    },
    {
        "name": "rituals",
        "description": "The daily standup, Monday commitments and Friday wins.",
    },
    {
        "name": "1:1s",
        "description": "Bi-weekly 1:1s: readable only by the manager and the report, admins included.",
    },
    {
        "name": "initiatives",
        "description": "Initiatives: the work that should move a key result, planned into sprints.",
    },
    {
        "name": "team check-ins",
        "description": "Bi-weekly team check-ins: what moved, decisions and action items carried over.",
    },
    {
        "name": "monthly reviews",
        "description": "Monthly reviews of behind and at-risk key results, with their owners' commentary.",
    },
    {
        "name": "closing the quarter",
        "description": "End of the cycle: each owner's scoring, the close checklist, closing and reopening.",
    },
    {
        "name": "reflections",
        "description": "The four reflection questions and lessons, per objective and team; dependencies.",
    },
    {
        "name": "rollover",
        "description": "Rolling unfinished OKRs into the next cycle, keeping their history and links.",
    },
    {
        "name": "cycle reports",
        "description": "The cycle report of the organisation or a team, as PDF or XLSX.",
    },
    {
        "name": "presentation",
        "description": "Read-only presentation links with an expiry, and the quarter's wins.",
    },
    {
        "name": "trash",
        "description": "Deleted objectives, key results, KPIs and initiatives: kept 30 days, restorable.",
    },
    {
        "name": "okr templates",
        "description": "The library of OKR templates by function, built in and the organisation's own.",
    },
]

# The project's licence (pyproject.toml), as an SPDX identifier.
LICENSE = {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"}

_INTEGER = {"type": "integer", "minimum": 0}
HEADERS: dict[str, dict[str, Any]] = {
    "RateLimit-Limit": {
        "description": "Requests allowed in the current one-minute window (IETF draft RateLimit header fields).",
        "schema": _INTEGER,
    },
    "RateLimit-Remaining": {
        "description": "Requests left in the current window.",
        "schema": _INTEGER,
    },
    "RateLimit-Reset": {
        "description": "Seconds until the current window ends and the count starts again.",
        "schema": _INTEGER,
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": _INTEGER,
    },
    "WWW-Authenticate": {
        "description": 'The authentication scheme to use: `Bearer realm="ambit"`.',
        "schema": {"type": "string"},
    },
}
RATE_LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
HEADERS_BY_STATUS = {"401": ("WWW-Authenticate",), "429": ("Retry-After",)}

_REF = re.compile(r'"#/components/schemas/([^"]+)"')


def _header_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _finish_responses(schema: dict[str, Any]) -> None:
    """Error bodies are problem documents; every response declares the headers it carries."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for code, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(code).startswith(("4", "5")) and "application/json" in content:
                    response["content"] = {PROBLEM_CONTENT_TYPE: content["application/json"]}
                names = RATE_LIMIT_HEADERS + HEADERS_BY_STATUS.get(str(code), ())
                response["headers"] = {name: _header_ref(name) for name in names}


def _drop_unused_components(schema: dict[str, Any]) -> None:
    """Keep only the schemas reachable from the paths (ninja also lists its query-parameter
    models, whose fields it flattens into parameters)."""
    components: dict[str, Any] = schema.get("components", {}).get("schemas", {})
    reachable: set[str] = set()
    pending = set(_REF.findall(json.dumps(schema.get("paths", {}))))
    while pending:
        name = pending.pop()
        if name in reachable or name not in components:
            continue
        reachable.add(name)
        pending |= set(_REF.findall(json.dumps(components[name])))
    for name in set(components) - reachable:
        del components[name]


def server_url() -> str:
    """Where the API is served: ``SITE_URL`` when set, else relative to the document ("/")."""
    return str(settings.SITE_URL).rstrip("/") or "/"


def finish(schema: dict[str, Any]) -> dict[str, Any]:
    _finish_responses(schema)
    _drop_unused_components(schema)
    schema.setdefault("components", {})["headers"] = HEADERS
    schema["info"]["license"] = LICENSE
    schema["servers"] = [{"url": server_url()}]
    schema["tags"] = TAGS
    return schema
