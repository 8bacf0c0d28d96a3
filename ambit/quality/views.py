"""The planning-readiness board (issue 15, seed 002) and its "Remind late teams" button."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ambit.core.http import MemberRequest
from ambit.core.params import parse_id
from ambit.core.web import member_required, render_page
from ambit.okrs.models import CycleState
from ambit.okrs.selectors import cycle_current, cycle_get, cycle_list
from ambit.okrs.views_common import cycle_switcher_context
from ambit.quality.selectors import STATES, readiness_board
from ambit.quality.services import Reminded, remind_late_teams

FILTER_STATES = {key for key, _ in STATES}


@member_required
@require_GET
def readiness_select(request: MemberRequest) -> HttpResponse:
    """``/planning/readiness/``: the board of the cycle chosen (``?cycle=``), else of the next
    cycle in planning, else of the current one."""
    actor = request.member
    cycle_id = parse_id(request.GET.get("cycle"))
    cycle = cycle_get(actor=actor, cycle_id=cycle_id) if cycle_id is not None else None
    if cycle is None:
        planning = cycle_list(actor=actor, state=CycleState.PLANNING).exclude(kind="annual")
        cycle = planning.first() or cycle_current(actor=actor)
    if cycle is None:
        return render_page(request, "quality/readiness.html", {"board": None, "rows": []})
    return redirect("quality:readiness", pk=cycle.pk)


@member_required
@require_GET
def readiness(request: MemberRequest, pk: int) -> HttpResponse:
    actor = request.member
    cycle = cycle_get(actor=actor, cycle_id=pk)  # another organisation's: 404
    board = readiness_board(actor=actor, cycle=cycle)
    state = request.GET.get("state", "")
    late_only = request.GET.get("late") == "1"
    rows = [r for r in board.rows if (state not in FILTER_STATES or r.state == state) and (not late_only or r.is_late)]
    context: dict[str, Any] = {
        "board": board,
        "rows": rows,
        "filter_state": state if state in FILTER_STATES else "",
        "late_only": late_only,
        "states": STATES,
        "can_remind": actor.can_write and actor.is_org_wide_editor,
        **cycle_switcher_context(actor, cycle, reverse("quality:readiness-select")),
    }
    return render_page(request, "quality/readiness.html", context)


def _reminded_message(result: Reminded) -> str:
    parts = []
    if result.sent:
        leads = ", ".join(m.user.get_full_name() or m.user.email for m in result.leads)
        teams = ", ".join(t.name for t in result.teams)
        parts.append(f"Reminded {leads} (for {teams}).")
    elif result.teams:
        parts.append("Those leads were already reminded today: nothing was sent again.")
    else:
        parts.append("No team is late: nobody to remind.")
    if result.without_lead:
        parts.append(f"No lead to remind in {', '.join(t.name for t in result.without_lead)}.")
    return " ".join(parts)


@member_required
@require_POST
def remind(request: MemberRequest, pk: int) -> HttpResponse:
    actor = request.member
    cycle = cycle_get(actor=actor, cycle_id=pk)
    result = remind_late_teams(actor=actor, cycle=cycle)  # champions and admins only (403)
    (messages.success if result.sent else messages.info)(request, _reminded_message(result))
    return redirect("quality:readiness", pk=cycle.pk)
