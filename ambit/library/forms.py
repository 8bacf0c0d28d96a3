"""The template form: what a template says, and its key results as the same rows the
new-objective form uses (``okrs.forms.KeyResultRowFormSet``, prefix "kr"), so a template fills
that form field for field."""

from __future__ import annotations

from typing import Any

from django import forms

from ambit.library.specs import Function, KrSpec
from ambit.okrs.forms import KeyResultRowForm, KeyResultRowFormSet
from ambit.okrs.models import Ambition

ROWS_PREFIX = "kr"


class TemplateForm(forms.Form):
    function = forms.ChoiceField(choices=[("", "— choose a function —"), *Function.choices])
    title = forms.CharField(
        max_length=300, label="Objective", help_text="Qualitative and inspiring, as people will read it."
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Why it matters")
    ambition = forms.ChoiceField(choices=Ambition.choices, initial=Ambition.COMMITTED)


def rows_formset(data: Any = None, *, key_results: list[dict[str, Any]] | None = None) -> Any:
    """The key-result rows, bound to ``data`` or filled with ``key_results`` (template shape)."""
    if data is not None:
        return KeyResultRowFormSet(data, prefix=ROWS_PREFIX)
    initial = [
        {
            "title": kr.get("title", ""),
            "kind": kr.get("kind", "increase"),
            "start_value": kr.get("start") or "",
            "target_value": kr.get("target") or "",
            "unit": kr.get("unit", ""),
        }
        for kr in key_results or []
    ]
    return KeyResultRowFormSet(prefix=ROWS_PREFIX, initial=initial or None)


def kr_rows(specs: tuple[KrSpec, ...]) -> list[dict[str, Any]]:
    return [spec.as_json() for spec in specs]


def filled_rows(rows: Any) -> list[KeyResultRowForm]:
    return [row for row in rows if not row.is_blank]


def row_payload(row: KeyResultRowForm) -> dict[str, Any]:
    """A valid row shaped for ``services.template_create``."""
    data = row.cleaned_data
    return {
        "title": data["title"],
        "kind": data["kind"],
        "start": data.get("start_value") or "",
        "target": data.get("target_value") or "",
        "unit": data.get("unit") or "",
    }
