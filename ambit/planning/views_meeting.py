"""The quarterly OKR meeting: walk the cycle's drafts and proposals top-down, one at a time,
approve or send back, and keep the meeting's notes (decisions, action items, notes) with the cycle.

Full-screen and keyboard-driven (``static/planning/meeting.js``); every key has a button, and
every form works without JavaScript."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ambit.accounts.models import Membership
from ambit.core.errors import Conflict
from ambit.core.http import MemberRequest
from ambit.core.params import parse_id
from ambit.core.web import member_required, render_page
from ambit.okrs.models import Cycle, Objective
from ambit.planning import notes as notes_services
from ambit.planning import selectors
from ambit.planning.models import NoteKind
from ambit.planning.views import back_to, error_text


def _members(actor: Membership) -> list[Membership]:
    return list(
        Membership.objects.filter(organisation_id=actor.organisation_id, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def meeting_url(cycle: Cycle, objective: Objective | None = None) -> str:
    url = reverse("planning:meeting", kwargs={"cycle_id": cycle.pk})
    return f"{url}?at={objective.pk}" if objective is not None else url


@member_required
def meeting(request: MemberRequest, cycle_id: int) -> HttpResponse:
    actor = request.member
    cycle = selectors.cycle_for(actor=actor, cycle_id=cycle_id)
    walk = selectors.meeting_walk(actor=actor, cycle=cycle)
    notes = selectors.meeting_notes(actor=actor, cycle=cycle)
    at = parse_id(request.GET.get("at"))
    index = next((i for i, o in enumerate(walk) if o.pk == at), 0)
    current = walk[index] if walk else None
    item = selectors.meeting_item(actor=actor, objective=current, notes=notes) if current else None
    context: dict[str, Any] = {
        "cycle": cycle,
        "walk": walk,
        "index": index,
        "position": index + 1,
        "item": item,
        "previous": walk[index - 1] if index > 0 else None,
        "next": walk[index + 1] if index + 1 < len(walk) else None,
        "here": meeting_url(cycle, current),
        "cycle_notes": [n for n in notes if n.objective_id is None],
        "note_kinds": NoteKind.choices,
        "members": _members(actor) if notes_services.can_take_notes(actor) else [],
        "can_take_notes": notes_services.can_take_notes(actor),
        "can_publish": actor.is_org_wide_editor and cycle.state == "planning",
    }
    if item is not None and context["next"] is not None:
        context["after"] = meeting_url(cycle, context["next"])
    elif item is not None and context["previous"] is not None:
        context["after"] = meeting_url(cycle, context["previous"])
    else:
        context["after"] = meeting_url(cycle)
    return render_page(request, "planning/meeting.html", context)


@member_required
@require_http_methods(["GET", "POST"])
def notes_page(request: MemberRequest, cycle_id: int) -> HttpResponse:
    """The cycle's meeting notes; POST adds one (from here or from the meeting)."""
    actor = request.member
    cycle = selectors.cycle_for(actor=actor, cycle_id=cycle_id)
    if request.method == "POST":
        _add_note(request, cycle)
        return redirect(back_to(request, reverse("planning:meeting-notes", kwargs={"cycle_id": cycle.pk})))
    notes = selectors.meeting_notes(actor=actor, cycle=cycle)
    can = notes_services.can_take_notes(actor)
    context = {
        "cycle": cycle,
        "notes": notes,
        "decisions": [n for n in notes if n.kind == NoteKind.DECISION],
        "actions": [n for n in notes if n.kind == NoteKind.ACTION],
        "plain": [n for n in notes if n.kind == NoteKind.NOTE],
        "note_kinds": NoteKind.choices,
        "members": _members(actor) if can else [],
        "can_take_notes": can,
    }
    return render_page(request, "planning/notes.html", context)


def _add_note(request: MemberRequest, cycle: Cycle) -> None:
    actor = request.member
    objective = None
    objective_id = parse_id(request.POST.get("objective"))
    if request.POST.get("objective") and objective_id is None:
        raise Http404("No such objective.")
    if objective_id is not None:
        objective = selectors.objective_for_approval(actor=actor, objective_id=objective_id)
    owner = None
    owner_id = parse_id(request.POST.get("owner"))
    if owner_id is not None:
        owner = Membership.objects.filter(pk=owner_id, organisation_id=actor.organisation_id).first()
        if owner is None:
            raise Http404("No such member.")
    try:
        notes_services.meeting_note_add(
            actor=actor,
            cycle=cycle,
            kind=request.POST.get("kind", NoteKind.NOTE),
            text=request.POST.get("text", ""),
            objective=objective,
            owner=owner,
            due_date=request.POST.get("due_date") or None,
        )
    except (ValidationError, Conflict) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "The note is recorded with the cycle.")


@member_required
@require_POST
def note_done(request: MemberRequest, pk: int) -> HttpResponse:
    actor = request.member
    note = selectors.meeting_note_get(actor=actor, note_id=pk)
    try:
        notes_services.meeting_note_update(actor=actor, note=note, done=request.POST.get("done") == "1")
    except (ValidationError, Conflict) as exc:
        messages.error(request, error_text(exc))
    return redirect(back_to(request, reverse("planning:meeting-notes", kwargs={"cycle_id": note.cycle_id})))


@member_required
@require_POST
def note_delete(request: MemberRequest, pk: int) -> HttpResponse:
    actor = request.member
    note = selectors.meeting_note_get(actor=actor, note_id=pk)
    cycle_id = note.cycle_id
    notes_services.meeting_note_delete(actor=actor, note=note)
    messages.success(request, "The note is deleted.")
    return redirect(back_to(request, reverse("planning:meeting-notes", kwargs={"cycle_id": cycle_id})))
