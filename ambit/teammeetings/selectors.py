"""Reads of team check-ins, always scoped to the acting member's organisation: another
organisation's team, meeting or item is a 404, the same as an id that does not exist.

Anyone in the organisation reads a team's check-ins, as they read the team's page; the key results
on the agenda follow the objectives' visibility (``agenda``)."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from ambit.accounts.models import Membership, Team, TeamMember
from ambit.accounts.selectors import team_get as account_team_get
from ambit.teammeetings.models import ItemKind, TeamMeeting, TeamMeetingItem


def team_get(*, actor: Membership, slug: str | None = None, team_id: int | None = None) -> Team:
    if not actor.is_active:
        raise Http404("No such team.")
    return account_team_get(actor=actor, slug=slug, team_id=team_id)


def _meetings(actor: Membership) -> QuerySet[TeamMeeting]:
    if not actor.is_active:
        return TeamMeeting.objects.none()
    return TeamMeeting.objects.filter(organisation_id=actor.organisation_id)


def meeting_list(*, actor: Membership, team: Team) -> QuerySet[TeamMeeting]:
    """The team's check-ins, newest first."""
    if team.organisation_id != actor.organisation_id:
        raise Http404("No such team.")
    return _meetings(actor).filter(team=team).select_related("started_by__user", "ended_by__user")


def meeting_open(*, team: Team) -> TeamMeeting | None:
    """The team's open check-in, if one is under way (one query)."""
    found = TeamMeeting.objects.filter(team=team, ended_at__isnull=True).select_related("started_by__user").first()
    if found is not None:
        found.team = team
    return found


def meeting_get(*, actor: Membership, meeting_id: int) -> TeamMeeting:
    found = _meetings(actor).filter(pk=meeting_id).select_related("team", "started_by__user").first()
    if found is None:
        raise Http404("No such team check-in.")
    return found


def _item_rows() -> QuerySet[TeamMeetingItem]:
    return TeamMeetingItem.objects.select_related("owner__user", "author__user", "key_result", "meeting")


def item_get(*, actor: Membership, item_id: int, team: Team | None = None) -> TeamMeetingItem:
    """An item of one of the organisation's team check-ins (of ``team`` when given), else 404."""
    qs = _item_rows().filter(pk=item_id, organisation_id=actor.organisation_id).select_related("team")
    if team is not None:
        qs = qs.filter(team=team)
    found = qs.first() if actor.is_active else None
    if found is None:
        raise Http404("No such check-in item.")
    return found


def meeting_items(*, meeting: TeamMeeting) -> list[TeamMeetingItem]:
    """The decisions, action items and notes recorded in ``meeting`` (one query)."""
    return list(_item_rows().filter(meeting=meeting).order_by("created_at", "pk"))


def agenda_items(*, team: Team, meeting: TeamMeeting | None) -> tuple[list[TeamMeetingItem], list[TeamMeetingItem]]:
    """(this meeting's items, the open action items of the team's earlier meetings), one query."""
    if meeting is None:
        where = Q(team=team, kind=ItemKind.ACTION, done=False)
    else:
        where = Q(meeting=meeting) | Q(team=team, kind=ItemKind.ACTION, done=False)
    rows = list(_item_rows().filter(where).order_by("created_at", "pk"))
    current = [i for i in rows if meeting is not None and i.meeting_id == meeting.pk]
    carried = [i for i in rows if meeting is None or i.meeting_id != meeting.pk]
    return current, carried


def open_actions(*, actor: Membership, team: Team) -> QuerySet[TeamMeetingItem]:
    """Every action item of the team not done yet, whichever meeting raised it."""
    if team.organisation_id != actor.organisation_id or not actor.is_active:
        raise Http404("No such team.")
    return _item_rows().filter(team=team, kind=ItemKind.ACTION, done=False)


def history(*, actor: Membership, team: Team, limit: int = 26) -> list[TeamMeeting]:
    """The team's ended check-ins, newest first, each with its items (two queries): a year of
    them by default."""
    items = Prefetch("items", queryset=_item_rows().order_by("created_at", "pk"), to_attr="item_list")
    return list(meeting_list(actor=actor, team=team).filter(ended_at__isnull=False).prefetch_related(items)[:limit])


def team_people(*, team: Team) -> list[Membership]:
    """The team's active people, leads first, then by name (one query): owners to pick from."""
    links = (
        TeamMember.objects.filter(team=team, membership__is_active=True, membership__user__is_active=True)
        .select_related("membership__user")
        .order_by("-is_lead", "membership__user__full_name", "membership__user__email")
    )
    return [link.membership for link in links]
