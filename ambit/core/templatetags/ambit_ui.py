"""Shared UI helpers for every Ambit template: ``{% load ambit_ui %}``.

- ``{% progress_bar value expected label %}`` — the accessible progress bar with its expected-pace
  marker (values are shares 0–1; ``expected`` may be None; optional ``status=`` tints the fill).
- ``{{ share|pct }}`` — 0.423 → "42%".
- ``{{ status|status_label }}`` — "at_risk" → "At risk" (badges always show this text).
- ``{% url_if 'ns:name' arg … as var %}`` — the URL, or "" when it does not resolve (for links to
  features that may not be installed).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from ambit.core.display import pct, share, status_label

register = template.Library()

# The wording lives in ambit.core.display so the dashboard's tags and CSV use the same words.
register.filter("pct", pct)
register.filter("status_label", status_label)


def _clamp_pct(share: float | None) -> float | None:
    if share is None:
        return None
    return round(max(0.0, min(1.0, share)) * 100, 1)


@register.inclusion_tag("partials/progress_bar.html")
def progress_bar(
    value: Any, expected: Any = None, label: str = "Progress", status: str = "", large: bool = False
) -> dict[str, Any]:
    """Bar width is progress clamped to 0–100%; the marker shows where pace says we should be."""
    value_share = share(value) or 0.0
    exp = share(expected)
    return {
        "value_pct": _clamp_pct(value_share),
        "expected_pct": _clamp_pct(exp),
        "label": label,
        "status": status or "",
        "large": large,
        "text": pct(value_share) + (f", expected {pct(exp)}" if exp is not None else ""),
    }


@register.simple_tag
def url_if(name: str, *args: Any, **kwargs: Any) -> str:
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""
