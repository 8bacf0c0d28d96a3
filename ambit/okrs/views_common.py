"""Helpers shared by the OKR pages (and My week): the selected cycle and the cycle switcher.

The web plumbing every app shares (``member_required``, ``render_page``, the typed request) is in
``ambit.core.web`` and ``ambit.core.http``."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest

from ambit.accounts.models import Membership
from ambit.core.params import parse_id
from ambit.okrs.models import Cycle
from ambit.okrs.selectors import cycle_current, cycle_get, cycle_list


def cycle_from_param(*, actor: Membership, value: str | None) -> Cycle | None:
    """The cycle a ``cycle`` parameter names (404 when it is not this organisation's); a missing
    or malformed id means the current cycle, as if no parameter had been given."""
    cycle_id = parse_id(value)
    if cycle_id is not None:
        return cycle_get(actor=actor, cycle_id=cycle_id)
    return cycle_current(actor=actor)


def selected_cycle(request: HttpRequest, actor: Membership) -> Cycle | None:
    """The cycle chosen with ``?cycle=<id>`` (see ``cycle_from_param``)."""
    return cycle_from_param(actor=actor, value=request.GET.get("cycle"))


def cycle_switcher_context(actor: Membership, cycle: Cycle | None, target: str) -> dict[str, Any]:
    """Context for ``okrs/partials/cycle_switcher.html``: a GET form to ``target``."""
    return {"switcher_cycles": list(cycle_list(actor=actor)), "switcher_cycle": cycle, "switcher_target": target}


def id_param(request: HttpRequest, name: str) -> int | None:
    """``?<name>=<id>``: None when absent or blank; a malformed id is a 404 (no such object)."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    number = parse_id(raw)
    if number is None:
        raise Http404(f"No such {name}.")
    return number
