"""The rollover page (``/cycles/<id>/rollover/``): a cycle's unfinished objectives with their
progress and status, a checkbox each (for those the member may roll over), a target cycle
(default: the next one after it), "select all below" a threshold, a preview of what each copy
will hold, and the submit; "Nothing to roll over" records the decision. Afterwards the page lists
what was rolled and where.

Anyone in the organisation reads it (the objectives their visibility lets through); champions,
admins and team leads act. Another organisation's cycle is a 404. The options form works without
JavaScript (the page comes back) and with HTMX (only the candidates' part)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ambit.accounts.selectors import team_list, team_subtree_ids
from ambit.core.errors import Conflict
from ambit.core.http import MemberRequest
from ambit.core.params import parse_id, parse_ids
from ambit.core.web import member_required, render_page
from ambit.okrs.models import Cycle, CycleState
from ambit.okrs.selectors import cycle_get
from ambit.rollover import selectors, services

PAGE = "rollover/cycle.html"
PART = "rollover/partials/candidates.html"
# Objectives listed at once: a 10,000-person organisation has thousands unfinished (7 MB of form);
# past this the page asks for a team, whose subtree is listed instead.
SHOWN = 200
# Objectives in a cycle up to which "the whole organisation" is listed without choosing a team.
WHOLE_LIST_UP_TO = 1_000


def _page_url(cycle: Cycle, target: Cycle | None = None) -> str:
    url = reverse("rollover:cycle", kwargs={"cycle_id": cycle.pk})
    return f"{url}?target={target.pk}" if target else url


def _threshold(raw: str | None) -> tuple[int | None, str]:
    """The "select all below" threshold as typed (a whole percent, 1–100), or a message."""
    if raw is None or not raw.strip():
        return None, ""
    try:
        value = int(raw.strip())
    except ValueError:
        return None, "Enter the threshold as a whole percent from 1 to 100."
    if not 1 <= value <= 100:
        return None, "Enter the threshold as a whole percent from 1 to 100."
    return value, ""


def _message(exc: ValidationError | Conflict) -> str:
    return exc.message if isinstance(exc, Conflict) else " ".join(exc.messages)


def _context(
    request: MemberRequest,
    cycle: Cycle,
    *,
    target_id: int | None,
    checked: set[int] | None = None,
    threshold: int | None = None,
    tick: bool = True,
    error: str = "",
) -> dict[str, Any]:
    actor = request.member
    teams = list(team_list(actor=actor).order_by("name"))
    slug = request.GET.get("team", "")
    team = next((t for t in teams if t.slug == slug), None) if slug else None
    choices = selectors.target_choices(actor=actor, source=cycle)
    target = next((c for c in choices if c.pk == target_id), None) or selectors.default_target(cycle, choices)
    if target_id is not None and (target is None or target.pk != target_id) and not error:
        error = "That cycle cannot take rolled-over OKRs: pick a later cycle that is not closed."
    team_ids = team_subtree_ids(team, teams) if team else None
    # A whole large organisation is not listed (its metrics alone take seconds): a team is asked for.
    in_scope = selectors.objective_count(actor=actor, cycle=cycle) if team is None else 0
    found = [] if in_scope > WHOLE_LIST_UP_TO else selectors.candidates(actor=actor, cycle=cycle, team_ids=team_ids)
    hidden = max(0, len(found) - SHOWN)
    found = found[:SHOWN]
    if checked is None:
        below = threshold / 100 if threshold is not None and tick else None
        checked = {c.objective.pk for c in found if below is not None and c.below(below) and c.selectable}
    for c in found:
        c.checked = c.objective.pk in checked
    return {
        "cycle": cycle,
        "teams": teams,
        "team": team,
        "decision": selectors.decision_for(actor=actor, cycle=cycle),
        "candidates": found,
        "hidden": hidden,
        "pick_a_team": in_scope if in_scope > WHOLE_LIST_UP_TO else 0,
        "selectable": sum(1 for c in found if c.selectable),
        "targets": choices,
        "target": target,
        "copy_state": "active" if target is not None and target.state == CycleState.ACTIVE else "draft",
        "threshold": threshold,
        "error": error,
        "rolled": selectors.rolled_pairs(actor=actor, cycle=cycle),
        "can_roll": selectors.can_roll_over_any(actor),
        "can_decide_nothing": selectors.can_decide_nothing(actor),
    }


@member_required
@require_http_methods(["GET", "POST"])
def cycle_rollover(request: MemberRequest, cycle_id: int) -> HttpResponse:
    actor = request.member
    cycle = cycle_get(actor=actor, cycle_id=cycle_id)
    if request.method == "POST":
        return _roll(request, cycle)
    threshold, error = _threshold(request.GET.get("threshold"))
    # "Preview into this cycle" changes the target and keeps the threshold typed, ticking nothing.
    tick = request.GET.get("apply") != "target"
    context = _context(
        request, cycle, target_id=parse_id(request.GET.get("target")), threshold=threshold, tick=tick, error=error
    )
    return render_page(request, PAGE, context, fragment=PART, status=400 if error else 200)


def _roll(request: MemberRequest, cycle: Cycle) -> HttpResponse:
    actor = request.member
    target_id = parse_id(request.POST.get("target"))
    ids = parse_ids(request.POST.getlist("objective"))
    error = ""
    if target_id is None:
        error = "Choose the cycle to roll over into."
    elif not ids:
        error = "Tick the objectives to roll over (or use “select all below”)."
    else:
        target = cycle_get(actor=actor, cycle_id=target_id)
        try:
            result = services.rollover(actor, source=cycle, target=target, objective_ids=sorted(ids))
        except (ValidationError, Conflict) as exc:
            error = _message(exc)
        else:
            n = len(result.rolled)
            messages.success(
                request,
                f"Rolled {n} objective{'' if n == 1 else 's'} over into {target.name}: "
                + ", ".join(f"“{r.copy.title}”" for r in result.rolled)
                + ".",
            )
            for note in result.notes:
                messages.warning(request, note)
            return redirect(_page_url(cycle, target))
    context = _context(request, cycle, target_id=target_id, checked=ids, error=error)
    return render_page(request, PAGE, context, status=400)


@member_required
@require_POST
def cycle_nothing(request: MemberRequest, cycle_id: int) -> HttpResponse:
    actor = request.member
    cycle = cycle_get(actor=actor, cycle_id=cycle_id)
    try:
        services.rollover_nothing(actor, cycle=cycle, note=request.POST.get("note", ""))
    except (ValidationError, Conflict) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, f"Recorded for {cycle.name}: nothing to roll over.")
    return redirect(_page_url(cycle))
