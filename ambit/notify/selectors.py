"""Reads of the notifications app: a person's inbox (scoped to the acting membership: another
person's or organisation's notification is a 404) and what the producers need from the OKRs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import Http404

from ambit.accounts.models import Membership, Organisation, Role, TeamMember
from ambit.notify.models import Kind, Notification
from ambit.okrs.metrics import compute_metrics
from ambit.okrs.models import CycleState, KeyResult, KeyResultState, Objective, ObjectiveState
from ambit.okrs.prefetch import attach_key_results

INBOX_LIMIT = 100

# --- The inbox ----------------------------------------------------------------------------------


def notification_list(*, actor: Membership, limit: int = INBOX_LIMIT) -> list[Notification]:
    """The actor's newest notifications first (one query)."""
    return list(
        Notification.objects.filter(organisation_id=actor.organisation_id, recipient=actor).order_by(
            "-created_at", "-id"
        )[:limit]
    )


def notification_get(*, actor: Membership, notification_id: int) -> Notification:
    found = Notification.objects.filter(
        pk=notification_id, organisation_id=actor.organisation_id, recipient=actor
    ).first()
    if found is None:
        raise Http404("No such notification.")
    return found


def unread(*, actor: Membership) -> QuerySet[Notification]:
    return Notification.objects.filter(organisation_id=actor.organisation_id, recipient=actor, read_at__isnull=True)


def unread_count(*, actor: Membership) -> int:
    return unread(actor=actor).count()


WARNINGS_SHOWN = 20


def early_warnings(*, actor: Membership, team_slug: str | None = None) -> list[Notification]:
    """The actor's early warnings not yet acknowledged (read), newest first: all of them, or with
    ``team_slug`` those about key results of that team's objectives (none for a team of another
    organisation). One query, two with a team."""
    found = list(unread(actor=actor).filter(kind=Kind.EARLY_WARNING).order_by("-created_at", "-id")[:WARNINGS_SHOWN])
    if team_slug is None or not found:
        return found
    ids = {n.data.get("key_result") for n in found if isinstance(n.data, dict)}
    in_team = set(
        KeyResult.objects.filter(
            organisation_id=actor.organisation_id,
            pk__in=[i for i in ids if isinstance(i, int)],
            objective__team__slug=team_slug,
        ).values_list("pk", flat=True)
    )
    return [n for n in found if isinstance(n.data, dict) and n.data.get("key_result") in in_team]


# --- For the producers (the system acting for an organisation, not a person) ---------------------


def active_members(organisation: Organisation) -> QuerySet[Membership]:
    return Membership.objects.filter(organisation=organisation, is_active=True, user__is_active=True).select_related(
        "user", "organisation"
    )


def due_key_results(
    *, organisation: Organisation, owner_ids: Iterable[int], now: dt.datetime
) -> dict[int, list[KeyResult]]:
    """Per owner, their key results that are due at ``now`` by the metrics' own rule (``KRMetrics.due``:
    active, in an active objective of an active cycle, not checked in this check-in period, not
    taking its progress from child objectives): what My week lists as due, for many people at once
    in a fixed number of queries."""
    owners = set(owner_ids)
    if not owners:
        return {}
    objectives = list(
        Objective.objects.filter(
            organisation=organisation,
            state=ObjectiveState.ACTIVE,
            cycle__state=CycleState.ACTIVE,
            key_results__owner_id__in=owners,
            key_results__state=KeyResultState.ACTIVE,
        )
        .distinct()
        .select_related("cycle")
        .defer("description")
    )
    if not objectives:
        return {}
    attach_key_results(objectives)
    metrics = compute_metrics(organisation=organisation, objectives=objectives, now=now)
    due: dict[int, list[KeyResult]] = {}
    for objective in objectives:
        for kr in objective.key_results.all():
            km = metrics.krs.get(kr.pk)
            if kr.owner_id in owners and km is not None and km.due and not km.linked:
                kr.objective = objective
                due.setdefault(kr.owner_id, []).append(kr)
    return due


def team_leads(team_ids: Iterable[int]) -> dict[int, list[Membership]]:
    """The active leads of each team (one query)."""
    out: dict[int, list[Membership]] = {}
    rows = TeamMember.objects.filter(
        team_id__in=set(team_ids), is_lead=True, membership__is_active=True
    ).select_related("membership__user", "membership__organisation")
    for link in rows:
        out.setdefault(link.team_id, []).append(link.membership)
    return out


def champions(organisation: Organisation) -> list[Membership]:
    return list(active_members(organisation).filter(role=Role.CHAMPION))
