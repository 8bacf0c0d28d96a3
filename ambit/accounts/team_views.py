"""The team-tree editor (``/settings/teams/``): the tree, create, rename, move, archive and restore,
leads and members. Champions and admins see it; the services let admins alone change teams."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ambit.accounts import services
from ambit.accounts.models import Team
from ambit.accounts.selectors import membership_get, membership_list, team_get, team_members, team_tree
from ambit.accounts.setup_forms import TeamForm, TeamMemberForm
from ambit.accounts.setup_views import champions_and_admins
from ambit.core.errors import Conflict
from ambit.core.forms import errors_on
from ambit.core.http import MemberRequest
from ambit.core.web import member_required

editor_required = member_required(permission=functools.partial(champions_and_admins, what="manage teams"))


def _pickable(teams: list[Team], exclude: Team | None = None) -> list[Team]:
    """Teams a new parent can be chosen from: not archived, not the team itself."""
    return [t for t in teams if t.archived_at is None and (exclude is None or t.pk != exclude.pk)]


@editor_required
@require_http_methods(["GET", "POST"])
def team_tree_page(request: MemberRequest) -> HttpResponse:
    member = request.member
    levels = list(member.organisation.levels or [])
    teams = team_tree(actor=member, include_archived=True)
    form = TeamForm(request.POST or None, teams=_pickable(teams), levels=levels)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            team = services.team_create(
                actor=member,
                name=data["name"],
                kind=data["kind"],
                parent=data["parent"],
                description=data["description"],
            )
        if not form.errors:
            messages.success(request, f"Team “{team.name}” created.")
            return redirect("setup:teams")
    context = {
        "teams": teams,
        "form": form,
        "can_edit": member.is_admin,
        "archived_count": sum(1 for t in teams if t.archived_at is not None),
    }
    return render(request, "accounts/setup/teams.html", context, status=400 if form.errors else 200)


@editor_required
@require_http_methods(["GET", "POST"])
def team_edit(request: MemberRequest, pk: int) -> HttpResponse:
    member = request.member
    team = team_get(actor=member, team_id=pk)
    teams = team_tree(actor=member, include_archived=True)
    initial = {"name": team.name, "kind": team.kind, "parent": team.parent_id, "description": team.description}
    form = TeamForm(
        request.POST or None,
        initial=initial,
        teams=_pickable(teams, team),
        levels=list(member.organisation.levels or []),
    )
    if team.kind not in dict(form.fields["kind"].choices):  # type: ignore[attr-defined]
        # A team of a level the charter no longer uses keeps its kind until someone changes it.
        form.fields["kind"].choices = [(team.kind, team.get_kind_display()), *form.fields["kind"].choices]  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.team_update(
                actor=member,
                team=team,
                name=data["name"],
                kind=data["kind"],
                parent=data["parent"],
                description=data["description"],
            )
        if not form.errors:
            messages.success(request, f"Team “{team.name}” saved.")
            return redirect("setup:team-edit", pk=team.pk)
    links = list(team_members(actor=member, team=team))
    in_team = {link.membership_id for link in links}
    people = membership_list(actor=member).exclude(pk__in=in_team).order_by("user__full_name", "user__email")
    context = {
        "team": team,
        "form": form,
        "member_form": TeamMemberForm(people=people),
        "links": links,
        "can_edit": member.is_admin,
    }
    return render(request, "accounts/setup/team_edit.html", context, status=400 if form.errors else 200)


def _refusal(request: MemberRequest, exc: ValidationError | Conflict) -> None:
    messages.error(request, exc.message if isinstance(exc, Conflict) else "; ".join(exc.messages))


@editor_required
@require_POST
def team_archive(request: MemberRequest, pk: int) -> HttpResponse:
    member = request.member
    team = team_get(actor=member, team_id=pk)
    restore = request.POST.get("restore") == "1"
    try:
        if restore:
            services.team_restore(actor=member, team=team)
        else:
            services.team_archive(actor=member, team=team)
    except (ValidationError, Conflict) as exc:
        _refusal(request, exc)
    else:
        messages.success(request, f"Team “{team.name}” {'restored' if restore else 'archived'}.")
    return redirect("setup:team-edit", pk=team.pk)


@editor_required
@require_POST
def team_member_add(request: MemberRequest, pk: int) -> HttpResponse:
    member = request.member
    team = team_get(actor=member, team_id=pk)
    form = TeamMemberForm(request.POST, people=membership_list(actor=member))
    if not form.is_valid():
        messages.error(request, "Choose a person to add.")
    else:
        person = form.cleaned_data["membership"]
        services.team_member_set(actor=member, team=team, membership=person, is_lead=form.cleaned_data["is_lead"])
        messages.success(request, f"{person.user.get_full_name()} added to {team.name}.")
    return redirect("setup:team-edit", pk=team.pk)


@editor_required
@require_POST
def team_member_change(request: MemberRequest, pk: int, membership_id: int) -> HttpResponse:
    """``action=lead`` / ``unlead`` / ``remove`` for one person in the team."""
    member = request.member
    team = team_get(actor=member, team_id=pk)
    person = membership_get(actor=member, membership_id=membership_id)
    action = request.POST.get("action", "")
    name = person.user.get_full_name()
    if action in ("lead", "unlead"):
        if not team_members(actor=member, team=team).filter(membership=person).exists():
            messages.error(request, f"{name} is not in {team.name}: add them first.")
        else:
            services.team_member_set(actor=member, team=team, membership=person, is_lead=action == "lead")
            messages.success(request, f"{name} {'now leads' if action == 'lead' else 'no longer leads'} {team.name}.")
    elif action == "remove":
        services.team_member_remove(actor=member, team=team, membership=person)
        messages.success(request, f"{name} removed from {team.name}.")
    else:
        messages.error(request, "Unknown action: choose make lead, stop leading or remove.")
    return redirect("setup:team-edit", pk=team.pk)
