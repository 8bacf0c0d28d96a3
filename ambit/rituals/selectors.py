"""Reads of standups and week plans, always scoped to the acting member's organisation, and the
time arithmetic every surface shares (the organisation's local day and ISO week).

Pages read a fixed number of queries whatever the size of the team: the team's members in one,
the day's standups in one, their lines (with the key result each names) in one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from ambit.accounts.models import Membership, Organisation, Team, TeamMember
from ambit.notify.schedule import zone
from ambit.okrs import selectors as okrs_selectors
from ambit.okrs.models import KeyResult, KeyResultState, Objective, ObjectiveState
from ambit.rituals.models import (
    DEFAULT_STANDUP_HOUR,
    ItemKind,
    RitualSettings,
    Section,
    Standup,
    StandupLine,
    WeekItem,
    WeekPlan,
)

BLOCKER_DAYS = 7  # a blocker shows on its key result for a week


def local_today(organisation: Organisation, now: dt.datetime | None = None) -> dt.date:
    """The organisation's local day at ``now`` (its charter's time zone)."""
    return (now or timezone.now()).astimezone(zone(organisation.time_zone)).date()


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def iso_week_label(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(value: str | None, *, default: dt.date) -> dt.date:
    """The Monday of ``value`` ("2026-W49" or any date in the week); ``default``'s week when blank.
    A ValueError names the format."""
    if not value:
        return monday_of(default)
    try:
        if "W" in value.upper():
            year, week = value.upper().split("-W")
            return dt.date.fromisocalendar(int(year), int(week), 1)
        return monday_of(dt.date.fromisoformat(value))
    except ValueError:
        raise ValueError("Give the week as YYYY-Www (2026-W49) or a date in it (2026-11-30).") from None


def team_get(*, actor: Membership, slug: str) -> Team:
    team = Team.objects.filter(organisation_id=actor.organisation_id, slug=slug).first()
    if team is None or not actor.is_active:
        raise Http404("No such team.")
    return team


def team_by_id(*, actor: Membership, team_id: int) -> Team:
    team = Team.objects.filter(organisation_id=actor.organisation_id, pk=team_id).first()
    if team is None or not actor.is_active:
        raise Http404("No such team.")
    return team


def standup_hour_of(team: Team) -> int:
    settings = RitualSettings.objects.filter(team=team).first()
    return settings.standup_hour if settings is not None else DEFAULT_STANDUP_HOUR


def team_people(team: Team) -> list[TeamMember]:
    """The team's active members with their user, leads first, then by name (one query)."""
    links = (
        TeamMember.objects.filter(team=team, membership__is_active=True, membership__user__is_active=True)
        .select_related("membership__user")
        .order_by("-is_lead", "membership__user__full_name", "membership__user__email")
    )
    return list(links)


def lines_prefetch() -> Prefetch[str, QuerySet[StandupLine], str]:
    return Prefetch("lines", queryset=StandupLine.objects.select_related("key_result").order_by("section", "position"))


def standups_on(*, actor: Membership, day: dt.date, author_ids: Iterable[int]) -> dict[int, Standup]:
    """The standups of ``author_ids`` on ``day``, by author, with their lines (two queries)."""
    return standups_in(organisation_id=actor.organisation_id, day=day, author_ids=author_ids)


def standups_in(*, organisation_id: int, day: dt.date, author_ids: Iterable[int]) -> dict[int, Standup]:
    """``standups_on`` for a background job, which acts for no member (the chat post)."""
    rows = Standup.objects.filter(organisation_id=organisation_id, day=day, author_id__in=list(author_ids))
    return {s.author_id: s for s in rows.prefetch_related(lines_prefetch())}


def standup_get(*, actor: Membership, standup_id: int) -> Standup:
    standup = Standup.objects.filter(pk=standup_id, organisation_id=actor.organisation_id).first()
    if standup is None or not actor.is_active:
        raise Http404("No such standup.")
    return standup


def standup_list(*, actor: Membership, team: Team, day: dt.date) -> list[Standup]:
    ids = [link.membership_id for link in team_people(team)]
    found = standups_on(actor=actor, day=day, author_ids=ids)
    return [found[i] for i in ids if i in found]


def active_key_results_of(member: Membership) -> QuerySet[KeyResult]:
    """What a standup or commitment line may link to: the person's active key results in active
    objectives (one query)."""
    return (
        KeyResult.objects.filter(
            organisation_id=member.organisation_id,
            owner=member,
            state=KeyResultState.ACTIVE,
            objective__state=ObjectiveState.ACTIVE,
        )
        .select_related("objective")
        .order_by("objective__title", "position", "pk")
    )


def lines_of(standup: Standup | None) -> dict[str, list[StandupLine]]:
    out: dict[str, list[StandupLine]] = {s.value: [] for s in Section}
    if standup is not None:
        for line in standup.lines.all():
            out[line.section].append(line)
    return out


@dataclass
class KeyResultBlockers:
    key_result: KeyResult
    lines: list[StandupLine] = field(default_factory=list)


def objective_blockers(
    *, actor: Membership, objective_id: int, now: dt.datetime | None = None
) -> list[KeyResultBlockers]:
    """Blockers raised on ``objective``'s key results in the last week, per key result (404 when
    the actor may not see the objective)."""
    objective: Objective = okrs_selectors.objective_head(actor=actor, objective_id=objective_id)
    since = local_today(actor.organisation, now) - dt.timedelta(days=BLOCKER_DAYS - 1)
    lines = (
        StandupLine.objects.filter(
            section=Section.BLOCKERS,
            key_result__objective_id=objective.pk,
            standup__organisation_id=actor.organisation_id,
            standup__day__gte=since,
        )
        .select_related("key_result", "standup__author__user")
        .order_by("key_result__position", "key_result_id", "-standup__day", "pk")
    )
    grouped: dict[int, KeyResultBlockers] = {}
    for line in lines:
        assert line.key_result is not None
        grouped.setdefault(line.key_result_id or 0, KeyResultBlockers(line.key_result)).lines.append(line)
    return list(grouped.values())


def week_plan_of(member: Membership, monday: dt.date) -> WeekPlan | None:
    return (
        WeekPlan.objects.filter(author=member, week_start=monday)
        .prefetch_related(Prefetch("items", queryset=WeekItem.objects.select_related("key_result")))
        .first()
    )


def week_plans_for(*, actor: Membership, team: Team, monday: dt.date, author_ids: list[int]) -> dict[int, WeekPlan]:
    rows = WeekPlan.objects.filter(organisation_id=actor.organisation_id, week_start=monday, author_id__in=author_ids)
    items = Prefetch("items", queryset=WeekItem.objects.select_related("key_result"))
    return {p.author_id: p for p in rows.prefetch_related(items)}


def items_of(plan: WeekPlan | None, kind: str) -> list[WeekItem]:
    return [i for i in plan.items.all() if i.kind == kind] if plan is not None else []


def commitments_of(plan: WeekPlan | None) -> list[WeekItem]:
    return items_of(plan, ItemKind.COMMITMENT)


def wins_of(plan: WeekPlan | None) -> list[WeekItem]:
    return items_of(plan, ItemKind.WIN)


def blockers_since(*, member: Membership, since: dt.date, limit: int = 20) -> list[StandupLine]:
    """The blockers ``member`` raised in their standups from ``since`` on, newest day first, each
    with the key result it names and its standup (one query). For the 1:1 agenda, whose caller has
    checked the reader is one of the two people of the 1:1."""
    return list(
        StandupLine.objects.filter(
            section=Section.BLOCKERS,
            standup__author_id=member.pk,
            standup__organisation_id=member.organisation_id,
            standup__day__gte=since,
        )
        .select_related("key_result", "standup")
        .order_by("-standup__day", "position", "pk")[:limit]
    )
