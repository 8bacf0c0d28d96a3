"""Comment counts for other apps' templates, which load them with ``{% load discussion %}`` (a
template library, not an import: the apps that show comments need not import this one)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django import template

from ambit.accounts.models import Membership
from ambit.discussion import selectors
from ambit.initiatives.models import Initiative

register = template.Library()


@register.simple_tag
def initiative_comment_counts(member: Membership | None, initiatives: Iterable[Initiative]) -> dict[int, int]:
    """``{% initiative_comment_counts membership initiatives as counts %}``: live comments per
    initiative, one query for the whole list."""
    if member is None:
        return {}
    return selectors.initiative_counts(actor=member, initiatives=list(initiatives))


@register.filter
def count_for(counts: Mapping[int, int] | None, pk: int) -> int:
    """``{{ counts|count_for:i.pk }}``: the count of one object, 0 when it has none."""
    return (counts or {}).get(pk, 0)
