"""``{% review_prompt %}``: on My week, the open monthly reviews where the person owns key results
still without commentary, with a link to write it (one query; nothing shown when none)."""

from __future__ import annotations

from typing import Any

from django import template

from ambit.reviews.selectors import commentary_owed

register = template.Library()


@register.inclusion_tag("reviews/partials/week_prompt.html", takes_context=True)
def review_prompt(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    member = getattr(request, "member", None) if request is not None else None
    return {"owed": commentary_owed(member=member) if member is not None else []}
