"""Helpers shared by the OKR pages: the acting member, the cycle switcher, HTMX-aware rendering."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ambit.accounts.models import Membership
from ambit.core.params import parse_id
from ambit.okrs.models import Cycle
from ambit.okrs.selectors import cycle_current, cycle_get, cycle_list


def member_of(request: HttpRequest) -> Membership:
    """The membership ``member_required`` attached to the request."""
    return request.member  # type: ignore[attr-defined,no-any-return]


def selected_cycle(request: HttpRequest, actor: Membership) -> Cycle | None:
    """``?cycle=<id>`` when given (404 when it is not this organisation's), else the current one."""
    raw = request.GET.get("cycle", "").strip()
    if raw:
        cycle_id = parse_id(raw)
        if cycle_id is None:
            raise Http404("No such cycle.")
        return cycle_get(actor=actor, cycle_id=cycle_id)
    return cycle_current(actor=actor)


def cycle_switcher_context(actor: Membership, cycle: Cycle | None, target: str) -> dict[str, Any]:
    """Context for ``okrs/partials/cycle_switcher.html``: a GET form to ``target``."""
    return {"switcher_cycles": list(cycle_list(actor=actor)), "switcher_cycle": cycle, "switcher_target": target}


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, fragment: str | None = None, status: int = 200
) -> HttpResponse:
    """The whole page, or only ``fragment`` when HTMX asks for it."""
    if fragment and getattr(request, "htmx", False):
        return render(request, fragment, context, status=status)
    return render(request, template, context, status=status)
