"""OKR templates: the built-in library and the organisation's own (read only)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from ambit.api.common import actor_of
from ambit.api.schemas import reads
from ambit.library.selectors import template_search
from ambit.library.specs import KrSpec, TemplateSpec

router = Router(tags=["okr templates"])

FunctionName = Literal[
    "company", "engineering", "product", "sales", "marketing", "customer_success", "people", "finance", "operations"
]


class OkrTemplateFilter(Schema):
    q: str = Field("", max_length=200, description="Words that must all appear in the title, description or a KR.")
    function: FunctionName | None = None


class OkrTemplateKeyResultOut(Schema):
    title: str
    kind: Literal["increase", "decrease", "binary"]
    direction: Literal["up", "down", ""] = Field(description="Which way the number moves; empty for done / not done.")
    start: float | None
    target: float | None
    unit: str


class OkrTemplateOut(Schema):
    key: str = Field(description="`builtin:<slug>` for the built-in library, `org:<id>` for the organisation's own.")
    builtin: bool
    template_id: int | None = Field(description="The organisation's template id; null for a built-in one.")
    function: FunctionName
    title: str
    description: str
    ambition: Literal["committed", "aspirational"]
    key_results: list[OkrTemplateKeyResultOut]


class OkrTemplateList(Schema):
    items: list[OkrTemplateOut]
    count: int


def _kr_out(kr: KrSpec) -> dict[str, Any]:
    return {
        "title": kr.title,
        "kind": kr.kind,
        "direction": kr.direction,
        "start": None if kr.start is None else float(kr.start),
        "target": None if kr.target is None else float(kr.target),
        "unit": kr.unit,
    }


def _template_out(spec: TemplateSpec) -> dict[str, Any]:
    return {
        "key": spec.key,
        "builtin": spec.builtin,
        "template_id": spec.pk,
        "function": spec.function,
        "title": spec.title,
        "description": spec.description,
        "ambition": spec.ambition,
        "key_results": [_kr_out(kr) for kr in spec.key_results],
    }


@router.get("/okr-templates", response=reads(OkrTemplateList), operation_id="okr_template_list")
def okr_template_list(request: HttpRequest, filters: Query[OkrTemplateFilter]) -> Any:
    """The organisation's own templates, then the built-in library, searched by `q` and `function`."""
    found = template_search(actor=actor_of(request), query=filters.q, function=filters.function or "")
    items = [_template_out(spec) for spec in (*found.own, *found.builtin)]
    return {"items": items, "count": len(items)}
