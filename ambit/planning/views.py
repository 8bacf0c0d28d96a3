"""The approval queue, the propose / approve / send back actions, and publishing a cycle.

The quarterly OKR meeting's pages are in ``views_meeting``. Every action calls a service of
``ambit.planning.services``; a refusal of the wrong person is the site's 403 page (or 404 outside
the organisation), a refusal of the state or the input is a message on the page it came from.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from ambit.core.errors import Conflict
from ambit.core.http import MemberRequest
from ambit.core.params import parse_ids
from ambit.core.web import member_required, render_page
from ambit.okrs.services.periods import organisation_today
from ambit.okrs.views_common import cycle_switcher_context, selected_cycle
from ambit.planning import selectors, services
from ambit.planning.hub import planning_cycle, planning_hub
from ambit.planning.notes import can_take_notes


def error_text(exc: ValidationError | Conflict) -> str:
    if isinstance(exc, Conflict):
        return exc.message
    if hasattr(exc, "error_dict"):
        return " ".join(m for ms in exc.message_dict.values() for m in ms)
    return " ".join(exc.messages)


def back_to(request: MemberRequest, default: str, *, field: str = "next") -> str:
    """Where to go after the action (``next``, on this site; ``back`` after a refusal, when the
    form gave one), else ``default``."""
    target = request.POST.get(field) or (request.POST.get("next") if field != "next" else "") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@member_required
def hub(request: MemberRequest) -> HttpResponse:
    """``/planning/``: the chosen cycle's planning, step by step (``planning.hub``)."""
    actor = request.member
    cycle = selected_cycle(request, actor) if request.GET.get("cycle") else planning_cycle(actor=actor)
    context: dict[str, Any] = {
        "hub": None
        if cycle is None
        else planning_hub(actor=actor, cycle=cycle, today=organisation_today(actor.organisation)),
        **cycle_switcher_context(actor, cycle, reverse("planning:hub")),
    }
    return render_page(request, "planning/hub.html", context)


@member_required
def approvals(request: MemberRequest) -> HttpResponse:
    actor = request.member
    context = {
        "queue": selectors.approval_queue(actor=actor),
        "mine": selectors.my_proposals(actor=actor),
        "max_bulk": services.MAX_BULK,
    }
    return render_page(request, "planning/approvals.html", context)


@member_required
def approvals_badge(request: MemberRequest) -> HttpResponse:
    """The navigation's "Approvals" link with the number waiting for the reader (the queue's own
    rule): loaded by HTMX after the page (``hx-trigger="load"``), so no page pays for it."""
    count = len(selectors.approval_queue(actor=request.member))
    return render_page(request, "planning/partials/approvals_link.html", {"count": count})


def _row_answer(request: MemberRequest, pk: int, *, done: str = "", error: str = "") -> HttpResponse:
    """For HTMX: the queue row again (with its outcome or the error); else back to the page."""
    if request.htmx:
        objective = selectors.objective_for_approval(actor=request.member, objective_id=pk)
        row = selectors.objective_row(actor=request.member, objective=objective)
        context = {"row": row, "done": done, "error": error, "comment": request.POST.get("comment", "")}
        return render_page(request, "planning/partials/queue_row.html", context)
    if error:
        messages.error(request, error)
        return redirect(back_to(request, reverse("planning:approvals"), field="back"))
    messages.success(request, done)
    return redirect(back_to(request, reverse("planning:approvals")))


@member_required
@require_POST
def approve(request: MemberRequest, pk: int) -> HttpResponse:
    objective = selectors.objective_for_approval(actor=request.member, objective_id=pk)
    try:
        services.objective_approve(actor=request.member, objective=objective, note=request.POST.get("note", ""))
    except (ValidationError, Conflict) as exc:
        return _row_answer(request, pk, error=error_text(exc))
    return _row_answer(request, pk, done=f"Approved “{objective.title}”: it is active.")


@member_required
@require_POST
def send_back(request: MemberRequest, pk: int) -> HttpResponse:
    objective = selectors.objective_for_approval(actor=request.member, objective_id=pk)
    try:
        services.objective_send_back(actor=request.member, objective=objective, comment=request.POST.get("comment", ""))
    except (ValidationError, Conflict) as exc:
        return _row_answer(request, pk, error=error_text(exc))
    return _row_answer(request, pk, done=f"Sent “{objective.title}” back to its owner with your comment.")


@member_required
@require_POST
def propose(request: MemberRequest, pk: int) -> HttpResponse:
    objective = selectors.objective_for_approval(actor=request.member, objective_id=pk)
    try:
        services.objective_propose(actor=request.member, objective=objective, note=request.POST.get("note", ""))
    except (ValidationError, Conflict) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"Proposed “{objective.title}”: it is in its approvers' queue.")
    return redirect(back_to(request, reverse("okrs:objective-detail", kwargs={"pk": objective.pk})))


@member_required
@require_POST
def approve_many(request: MemberRequest) -> HttpResponse:
    ids = sorted(parse_ids(request.POST.getlist("ids")))
    try:
        done = services.objectives_approve_many(actor=request.member, objective_ids=ids)
    except (ValidationError, Conflict) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"Approved {len(done)} objective{'s' if len(done) != 1 else ''}.")
    return redirect(back_to(request, reverse("planning:approvals")))


# --- Publishing -----------------------------------------------------------------------------------


@member_required
@require_http_methods(["GET", "POST"])
def publish(request: MemberRequest, cycle_id: int) -> HttpResponse:
    actor = request.member
    cycle = selectors.cycle_for(actor=actor, cycle_id=cycle_id)
    if request.method == "POST":
        try:
            services.cycle_publish(actor=actor, cycle=cycle)
        except (ValidationError, Conflict) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"{cycle.name} is published: everyone gets the announcement.")
            return redirect(reverse("okrs:company") + f"?cycle={cycle.pk}")
    summary = services.publish_summary(actor=actor, cycle=cycle)
    context: dict[str, Any] = {
        "cycle": cycle,
        "summary": summary,
        "can_publish": actor.is_org_wide_editor and cycle.state == "planning",
        "can_meet": can_take_notes(actor),
    }
    return render_page(request, "planning/publish.html", context)
