"""The initiative pages: a key result's initiatives (an HTMX part of the objective page, with add and
edit), and a team's sprint planning page (``/teams/<slug>/sprints/<number>/``), which is the
team's plan for the sprint. Everything is read through ``selectors`` (404 outside what the member
may see) and written through ``services`` (which check the permission again)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ambit.accounts.models import Membership, Team, TeamMember
from ambit.accounts.selectors import team_get
from ambit.core.forms import errors_on
from ambit.core.http import MemberRequest
from ambit.core.params import parse_id
from ambit.core.web import member_required, render_page
from ambit.dashboards.selectors import org_today
from ambit.initiatives import selectors, services
from ambit.initiatives.forms import GoalForm, InitiativeForm
from ambit.initiatives.models import Initiative
from ambit.okrs.models import Cycle, KeyResult, Sprint
from ambit.okrs.selectors import key_result_get
from ambit.okrs.views_common import cycle_switcher_context, selected_cycle
from ambit.trash.notice import moved_to_trash

# --- A key result's initiatives (on the objective page) ---------------------------------------


def _name(m: Membership) -> str:
    return str(m.user.get_full_name() or m.user.email)


def _owners(actor: Membership, key_result: KeyResult, initiative: Initiative | None = None) -> list[tuple[int, str]]:
    """Who an initiative can be given to on the page: the objective's team, the key result's owner,
    the actor and its current owner (one query; the API takes anyone in the organisation)."""
    people: dict[int, Membership] = {}
    team_id = key_result.objective.team_id
    if team_id is not None:
        for link in TeamMember.objects.filter(team_id=team_id, membership__is_active=True).select_related(
            "membership__user"
        ):
            people[link.membership_id] = link.membership
    for m in (key_result.owner, actor, initiative.owner if initiative else None):
        if m is not None and m.is_active:
            people.setdefault(m.pk, m)
    return sorted(((pk, _name(m)) for pk, m in people.items()), key=lambda p: p[1].lower())


def _owner_of(form: InitiativeForm, actor: Membership, key_result: KeyResult, initiative: Initiative | None) -> Any:
    owner_id = form.cleaned_data["owner"]
    if owner_id is None:
        return None
    for m in (key_result.owner, actor, initiative.owner if initiative else None):
        if m is not None and m.pk == owner_id:
            return m
    return Membership.objects.select_related("user").get(pk=owner_id, organisation_id=actor.organisation_id)


def _kr_context(request: MemberRequest, key_result: KeyResult, form: InitiativeForm | None = None) -> dict[str, Any]:
    actor = request.member
    can_write = services.can_write_initiatives(actor, key_result)
    return {
        "kr": key_result,
        "initiatives": list(selectors.initiative_list(actor=actor, key_result=key_result)),
        "can_write": can_write and not key_result.is_cancelled,
        "form": form
        or (InitiativeForm(owners=_owners(actor, key_result), prefix_id=f"kr{key_result.pk}") if can_write else None),
    }


@member_required
@require_http_methods(["GET"])
def kr_initiatives(request: MemberRequest, key_result_id: int) -> HttpResponse:
    """The key result's initiatives with the add form (loaded into the objective page by HTMX)."""
    key_result = key_result_get(actor=request.member, key_result_id=key_result_id)
    return render(request, "initiatives/partials/kr_initiatives.html", _kr_context(request, key_result))


def _objective_url(key_result: KeyResult) -> str:
    return reverse("okrs:objective-detail", args=[key_result.objective_id]) + f"#kr-{key_result.pk}"


def _after_write(request: MemberRequest, key_result: KeyResult) -> HttpResponse:
    if request.htmx:
        return render(request, "initiatives/partials/kr_initiatives.html", _kr_context(request, key_result))
    return redirect(_back(request, _objective_url(key_result)))


def _back(request: MemberRequest, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    return nxt if nxt.startswith("/") and not nxt.startswith("//") else default


@member_required
@require_POST
def initiative_add(request: MemberRequest, key_result_id: int) -> HttpResponse:
    actor = request.member
    key_result = key_result_get(actor=actor, key_result_id=key_result_id)
    form = InitiativeForm(request.POST, owners=_owners(actor, key_result), prefix_id=f"kr{key_result.pk}")
    if form.is_valid():
        with errors_on(form):
            services.initiative_create(
                actor=actor,
                key_result=key_result,
                title=form.cleaned_data["title"],
                owner=_owner_of(form, actor, key_result, None),
                status=form.cleaned_data["status"],
                due_date=form.cleaned_data["due_date"],
                link_url=form.cleaned_data["link_url"],
            )
    if form.errors:
        if request.htmx:
            context = _kr_context(request, key_result, form)
            return render(request, "initiatives/partials/kr_initiatives.html", context, status=422)
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    elif not request.htmx:
        messages.success(request, "Initiative added.")
    return _after_write(request, key_result)


def _edit_form(request: MemberRequest, initiative: Initiative, data: Any = None) -> InitiativeForm:
    initial = {
        "title": initiative.title,
        "owner": initiative.owner_id,
        "status": initiative.status,
        "due_date": initiative.due_date,
        "link_url": initiative.link_url,
    }
    owners = _owners(request.member, initiative.key_result, initiative)
    return InitiativeForm(data, owners=owners, initial=initial, prefix_id=f"i{initiative.pk}")


def _writable(request: MemberRequest, initiative_id: int) -> Initiative:
    initiative = selectors.initiative_get(actor=request.member, initiative_id=initiative_id)
    services.require_can_write(request.member, initiative.key_result, initiative)
    return initiative


@member_required
@require_http_methods(["GET", "POST"])
def initiative_edit(request: MemberRequest, initiative_id: int) -> HttpResponse:
    """Edit an initiative: inline on the objective page (HTMX), or as a page of its own."""
    actor = request.member
    initiative = _writable(request, initiative_id)
    key_result = initiative.key_result
    form = _edit_form(request, initiative, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.initiative_update(
                actor=actor,
                initiative=initiative,
                title=form.cleaned_data["title"],
                owner=_owner_of(form, actor, key_result, initiative),
                status=form.cleaned_data["status"],
                due_date=form.cleaned_data["due_date"],
                link_url=form.cleaned_data["link_url"],
            )
        if not form.errors:
            if not request.htmx:
                messages.success(request, "Initiative saved.")
            return _after_write(request, key_result)
    status = 422 if form.errors else 200
    if request.htmx:
        context = {**_kr_context(request, key_result), "editing": initiative.pk, "edit_form": form}
        return render(request, "initiatives/partials/kr_initiatives.html", context, status=status)
    context = {"initiative": initiative, "kr": key_result, "form": form, "next": _back(request, "")}
    return render_page(request, "initiatives/edit.html", context, status=status)


@member_required
@require_POST
def initiative_delete(request: MemberRequest, initiative_id: int) -> HttpResponse:
    initiative = _writable(request, initiative_id)
    key_result = initiative.key_result
    notice = moved_to_trash(f"The initiative “{initiative.title}”")
    services.initiative_delete(actor=request.member, initiative=initiative)
    if request.htmx:
        context = {**_kr_context(request, key_result), "trash_notice": notice}
        return render(request, "initiatives/partials/kr_initiatives.html", context)
    messages.success(request, notice)
    return _after_write(request, key_result)


# --- Sprint planning ----------------------------------------------------------------------------


def _cycle(request: MemberRequest) -> Cycle:
    cycle = selected_cycle(request, request.member)
    if cycle is None:
        raise Http404("No cycle yet.")
    return cycle


def _sprint_url(team: Team, sprint: Sprint) -> str:
    return reverse("initiatives:sprint", args=[team.slug, sprint.number]) + f"?cycle={sprint.cycle_id}"


@member_required
@require_http_methods(["GET"])
def sprint_current(request: MemberRequest, slug: str) -> HttpResponse:
    """The team's plan for the sprint running today (or the next, or the cycle's last)."""
    actor = request.member
    team = team_get(actor=actor, slug=slug)
    cycle = _cycle(request)
    sprint = selectors.current_sprint(selectors.sprints_of(actor=actor, cycle=cycle), org_today(actor.organisation))
    if sprint is None:
        messages.info(request, f"{cycle.name} has no sprints: its sprints are set when the cycle is created.")
        return redirect(reverse("okrs:team-detail", args=[team.slug]) + f"?cycle={cycle.pk}")
    return redirect(_sprint_url(team, sprint))


def _board(request: MemberRequest, slug: str, number: int) -> selectors.SprintBoard:
    return _board_of(request, slug, _cycle(request), number)


def _board_of(request: MemberRequest, slug: str, cycle: Cycle, number: int) -> selectors.SprintBoard:
    actor = request.member
    team = team_get(actor=actor, slug=slug)
    sprint = Sprint.objects.filter(cycle=cycle, number=number).first()
    if sprint is None:
        raise Http404("No such sprint.")
    return selectors.sprint_board(actor=actor, team=team, cycle=cycle, sprint=sprint)


def _board_page(
    request: MemberRequest,
    board: selectors.SprintBoard,
    *,
    goal_form: GoalForm | None = None,
    moved: int | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "board": board,
        "moved": moved,
        "team": board.team,
        "cycle": board.cycle,
        "sprint": board.sprint,
        "goal_form": goal_form or GoalForm(initial={"goal": board.goal}),
        "sprint_url": _sprint_url(board.team, board.sprint),
        **cycle_switcher_context(request.member, board.cycle, reverse("initiatives:sprints", args=[board.team.slug])),
    }
    return render_page(
        request, "initiatives/sprint.html", context, fragment="initiatives/partials/board.html", status=status
    )


@member_required
@require_http_methods(["GET"])
def sprint_detail(request: MemberRequest, slug: str, number: int) -> HttpResponse:
    return _board_page(request, _board(request, slug, number))


@member_required
@require_http_methods(["GET"])
def sprint_now(request: MemberRequest, slug: str) -> HttpResponse:
    """The running sprint's plan at a stable address (a bookmark, the benchmark): the same page as
    its numbered one, whose address the prev/next links and the forms use."""
    actor = request.member
    cycle = _cycle(request)
    sprint = selectors.current_sprint(selectors.sprints_of(actor=actor, cycle=cycle), org_today(actor.organisation))
    if sprint is None:
        raise Http404("This cycle has no sprints.")
    return _board_page(request, _board_of(request, slug, cycle, sprint.number))


@member_required
@require_POST
def sprint_plan(request: MemberRequest, slug: str, number: int) -> HttpResponse:
    """Plan an initiative into this sprint or take it out (a button, or a drag that presses it)."""
    actor = request.member
    board = _board(request, slug, number)
    initiative_id = parse_id(request.POST.get("initiative", ""))
    if initiative_id is None:
        raise Http404("No such initiative.")
    initiative = selectors.initiative_get(actor=actor, initiative_id=initiative_id)
    if initiative.key_result.objective.team_id != board.team.pk:
        raise Http404("No such initiative in this team's plan.")
    into = board.sprint if request.POST.get("action") == "plan" else None
    try:
        services.initiative_plan(actor=actor, initiative=initiative, sprint=into)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        if request.htmx:
            return _board_page(request, board, status=422)
    else:
        what = f"planned into sprint {board.sprint.number}" if into else "moved to the backlog"
        messages.success(request, f"“{initiative.title}” {what}.")
    if request.htmx:
        return _board_page(request, _board(request, slug, number), moved=initiative.pk)
    return redirect(_sprint_url(board.team, board.sprint))


@member_required
@require_POST
def sprint_goal(request: MemberRequest, slug: str, number: int) -> HttpResponse:
    board = _board(request, slug, number)
    form = GoalForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.sprint_goal_set(
                actor=request.member, team=board.team, sprint=board.sprint, goal=form.cleaned_data["goal"]
            )
    if form.errors:
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        messages.success(request, "Sprint goal saved.")
    return redirect(_sprint_url(board.team, board.sprint))
