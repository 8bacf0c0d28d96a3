from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from ambit.accounts.models import Membership, Organisation, Team, TeamMember, User


def membership_list(*, actor: Membership, include_inactive: bool = False) -> QuerySet[Membership]:
    qs = Membership.objects.filter(organisation_id=actor.organisation_id).select_related("user", "manager__user")
    return qs if include_inactive else qs.filter(is_active=True)


def membership_get(*, actor: Membership, membership_id: int) -> Membership:
    m = membership_list(actor=actor, include_inactive=True).filter(pk=membership_id).first()
    if m is None:
        raise Http404("No such member.")
    return m


def memberships_of_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def team_list(*, actor: Membership, include_archived: bool = False) -> QuerySet[Team]:
    """The organisation's teams; archived ones only when asked (pickers and lists skip them)."""
    qs = Team.objects.filter(organisation_id=actor.organisation_id).select_related("parent")
    return qs if include_archived else qs.filter(archived_at__isnull=True)


def team_get(*, actor: Membership, team_id: int | None = None, slug: str | None = None) -> Team:
    # An archived team's page and objectives stay readable by their address.
    qs = team_list(actor=actor, include_archived=True)
    team = qs.filter(pk=team_id).first() if team_id is not None else qs.filter(slug=slug).first()
    if team is None:
        raise Http404("No such team.")
    return team


def team_members(*, actor: Membership, team: Team) -> QuerySet[TeamMember]:
    if team.organisation_id != actor.organisation_id:
        raise Http404("No such team.")
    return (
        TeamMember.objects.filter(team=team)
        .select_related("membership__user")
        .order_by("-is_lead", "membership__user__full_name")
    )


def team_tree(*, actor: Membership, include_archived: bool = False) -> list[Team]:
    """Every team of the organisation with ``children_list`` and ``depth`` set, roots first,
    depth-first: one query, however deep the tree (archived teams only when asked)."""
    teams = list(
        team_list(actor=actor, include_archived=include_archived).prefetch_related(
            Prefetch("team_members", queryset=TeamMember.objects.select_related("membership__user"))
        )
    )
    by_parent: dict[int | None, list[Team]] = {}
    for t in teams:
        by_parent.setdefault(t.parent_id, []).append(t)
    out: list[Team] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for t in sorted(by_parent.get(parent_id, []), key=lambda x: x.name.lower()):
            t.depth = depth  # type: ignore[attr-defined]
            t.children_list = by_parent.get(t.pk, [])  # type: ignore[attr-defined]
            out.append(t)
            walk(t.pk, depth + 1)

    walk(None, 0)
    return out


def organisation_get(*, actor: Membership) -> Organisation:
    return actor.organisation


def subtree_ids(root_id: int, links: Iterable[tuple[int, int | None]]) -> set[int]:
    """``root_id`` and every team below it, from the organisation's (id, parent id) pairs already
    loaded: no query."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in links:
        children.setdefault(parent, []).append(pk)
    found: set[int] = set()
    todo = [root_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, []))
    return found


def team_subtree_ids(team: Team, teams: Iterable[Team]) -> set[int]:
    """``team`` and every team below it, from the organisation's teams already loaded."""
    return subtree_ids(team.pk, ((t.pk, t.parent_id) for t in teams))
