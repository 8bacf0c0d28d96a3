"""Template tags of the OKR templates pages."""

from __future__ import annotations

from django import template
from django.urls import reverse

from ambit.library.specs import TemplateSpec

register = template.Library()


@register.simple_tag
def use_template_url(spec: TemplateSpec, cycle_id: int | None = None, team_id: int | None = None) -> str:
    """The new-objective form, filled with ``spec`` (and the cycle and team being planned, if any)."""
    return reverse("okrs:objective-create") + "?" + spec.use_query(cycle_id=cycle_id, team_id=team_id)
