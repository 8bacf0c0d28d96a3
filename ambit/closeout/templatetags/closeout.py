"""``{{ value|score }}``: a score as people read it (0.8 → "0.8", 0.65 → "0.65", 1 → "1.0")."""

from __future__ import annotations

from django import template

from ambit.okrs.services.objectives import score_text

register = template.Library()


@register.filter
def score(value: float | None) -> str:
    return "—" if value is None else score_text(float(value))
