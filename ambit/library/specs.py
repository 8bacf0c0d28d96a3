"""What a template is, whoever keeps it: the built-in library (``builtin.py``, versioned with the
code) and an organisation's own templates (``models.OkrTemplate``) are both read as a
:class:`TemplateSpec`, so the list page, the API and "Use template" treat them alike.

Pure: no database, no request.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db import models

from ambit.core.services import plain_number


class Function(models.TextChoices):
    """The part of the organisation a template is written for (seed 003's starter library)."""

    COMPANY = "company", "Company level"
    ENGINEERING = "engineering", "Engineering"
    PRODUCT = "product", "Product"
    SALES = "sales", "Sales"
    MARKETING = "marketing", "Marketing"
    CUSTOMER_SUCCESS = "customer_success", "Customer success"
    PEOPLE = "people", "People (HR)"
    FINANCE = "finance", "Finance"
    OPERATIONS = "operations", "Operations"


# The kinds a template's key result may have: those the new-objective form's rows take
# (``okrs.forms.ROW_KINDS``), so "Use template" can always fill them.
KR_KINDS = {"increase": "Increase to", "decrease": "Decrease to", "binary": "Done / not done"}
# The new-objective form takes this many key results at once (``okrs.forms.KR_ROWS``).
MAX_KEY_RESULTS = 5


@dataclass(frozen=True)
class KrSpec:
    title: str
    kind: str
    start: Decimal | None
    target: Decimal | None
    unit: str = ""

    @property
    def direction(self) -> str:
        """Which way the number should move: ``up``, ``down``, or empty for done / not done."""
        return {"increase": "up", "decrease": "down"}.get(self.kind, "")

    @property
    def kind_label(self) -> str:
        return KR_KINDS.get(self.kind, self.kind)

    @property
    def start_text(self) -> str:
        return "" if self.start is None else plain_number(self.start)

    @property
    def target_text(self) -> str:
        return "" if self.target is None else plain_number(self.target)

    def as_json(self) -> dict[str, Any]:
        """How an organisation's template stores it (``OkrTemplate.key_results``)."""
        return {
            "title": self.title,
            "kind": self.kind,
            "start": self.start_text or None,
            "target": self.target_text or None,
            "unit": self.unit,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KrSpec:
        def number(value: Any) -> Decimal | None:
            return None if value in (None, "") else Decimal(str(value))

        return cls(
            title=str(data.get("title", "")),
            kind=str(data.get("kind", "increase")),
            start=number(data.get("start")),
            target=number(data.get("target")),
            unit=str(data.get("unit") or ""),
        )


@dataclass(frozen=True)
class TemplateSpec:
    key: str  # "builtin:<slug>" or "org:<id>": unique across both sources
    function: str
    title: str
    description: str
    key_results: tuple[KrSpec, ...]
    ambition: str = "committed"
    builtin: bool = True
    pk: int | None = None
    created_by_name: str = ""
    can_manage: bool = False

    @property
    def function_label(self) -> str:
        return Function(self.function).label if self.function in Function.values else self.function

    @property
    def dom_id(self) -> str:
        return "tpl-" + self.key.replace(":", "-")

    def matches(self, words: list[str]) -> bool:
        """Every word appears in the title, the description or a key result's title."""
        blob = search_text(self.title, self.description, [kr.title for kr in self.key_results])
        return all(word in blob for word in words)

    def prefill(self) -> dict[str, str]:
        """The new-objective form's GET parameters that fill it with this template
        (``okrs.views_edit.objective_create`` reads them as initial values)."""
        params = {"title": self.title, "description": self.description, "ambition": self.ambition}
        for i, kr in enumerate(self.key_results[:MAX_KEY_RESULTS]):
            params |= {f"kr-{i}-title": kr.title, f"kr-{i}-kind": kr.kind}
            if kr.kind != "binary":
                params |= {f"kr-{i}-start_value": kr.start_text, f"kr-{i}-target_value": kr.target_text}
                params[f"kr-{i}-unit"] = kr.unit
        return params

    def use_query(self, *, cycle_id: int | None = None, team_id: int | None = None) -> str:
        params = self.prefill()
        if cycle_id is not None:
            params["cycle"] = str(cycle_id)
        if team_id is not None:
            params["team"] = str(team_id)
        return urlencode(params)


def search_text(title: str, description: str, kr_titles: list[str]) -> str:
    """The lower-cased text a search looks through (stored on ``OkrTemplate.search_text``)."""
    return "\n".join([title, description, *kr_titles]).casefold()


def search_words(query: str) -> list[str]:
    return [word for word in query.casefold().split() if word][:10]
