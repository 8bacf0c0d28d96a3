"""Reads of OKR templates: the built-in library and the acting member's organisation's own,
searched together. An organisation's template is never visible to another one (404)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from ambit.accounts.models import Membership
from ambit.library.builtin import BUILTIN
from ambit.library.models import OkrTemplate
from ambit.library.services import can_manage_template
from ambit.library.specs import Function, TemplateSpec, search_words

_FUNCTION_ORDER = {value: index for index, value in enumerate(Function.values)}


@dataclass(frozen=True)
class TemplateSearch:
    query: str
    function: str
    own: list[TemplateSpec]
    builtin: list[TemplateSpec]

    @property
    def count(self) -> int:
        return len(self.own) + len(self.builtin)


def own_template_base(*, actor: Membership) -> QuerySet[OkrTemplate]:
    if not actor.is_active:
        return OkrTemplate.objects.none()
    return OkrTemplate.objects.filter(organisation_id=actor.organisation_id)


def template_get(*, actor: Membership, template_id: int) -> OkrTemplate:
    template = own_template_base(actor=actor).select_related("created_by__user").filter(pk=template_id).first()
    if template is None:
        raise Http404("No such OKR template.")
    return template


def template_search(*, actor: Membership, query: str = "", function: str = "") -> TemplateSearch:
    """Built-in and own templates whose title, description or key-result titles hold every word
    of ``query``, of ``function`` when one is given (an unknown function filters nothing out).
    One query, whatever the number of templates."""
    words = search_words(query)
    function = function if function in Function.values else ""
    qs = own_template_base(actor=actor).select_related("created_by__user")
    if function:
        qs = qs.filter(function=function)
    for word in words:
        qs = qs.filter(search_text__contains=word)
    own = sorted(
        (t.spec(can_manage=can_manage_template(actor, t)) for t in qs),
        key=lambda s: (_FUNCTION_ORDER.get(s.function, 99), s.title.casefold(), s.pk or 0),
    )
    builtin = [t for t in BUILTIN if (not function or t.function == function) and t.matches(words)]
    return TemplateSearch(query=" ".join(query.split()), function=function, own=own, builtin=builtin)
