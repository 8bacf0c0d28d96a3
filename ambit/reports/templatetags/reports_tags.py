"""Filters of the cycle report's templates: ``{% load reports_tags %}``."""

from __future__ import annotations

from typing import Any

from django import template

from ambit.core.display import share
from ambit.reports import display

register = template.Library()

# The PDF's bars: a track this many millimetres wide, the done part drawn as its left border
# (one box per bar, solid colours: the cheapest bar WeasyPrint lays out and writes).
BAR_MM = 32.0


@register.filter
def bar_mm(value: Any, width: Any = BAR_MM) -> str:
    """The done part of a bar ``width`` millimetres wide (the PDF's default bar) at ``value``."""
    number = share(value) or 0.0
    return f"{max(0.0, min(1.0, number)) * float(width):.2f}"


@register.filter
def score(value: float | None, places: int = 2) -> str:
    return display.score_text(value, int(places))


register.filter("verdict_label", display.verdict_label)
register.filter("band_label", display.band_label)
register.filter("confidence_text", display.confidence_text)


@register.filter
def level_label(value: str) -> str:
    return display.LEVEL_LABELS.get(value, value.capitalize())


@register.filter
def answer(answers: dict[str, str], key: str) -> str:
    return answers.get(key, "")


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)
