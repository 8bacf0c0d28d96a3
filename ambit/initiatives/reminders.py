"""The sprint planning reminder (``Kind.SPRINT_PLANNING``): on a sprint's first morning, from
``REMIND_HOUR`` in the organisation's time zone, each lead of a team with live objectives in the
sprint's cycle is reminded once per sprint and team (the notification's key), with a link to the
team's plan for that sprint."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from ambit.accounts.models import Role, TeamMember
from ambit.calendars.ics import org_zone
from ambit.notify.models import Kind
from ambit.notify.produce import Draft, produce
from ambit.notify.scheduler import register_producer
from ambit.okrs.models import CycleKind, CycleState, Objective, ObjectiveState, Sprint

PRODUCER = "sprint_planning_reminder"
REMIND_HOUR = 8  # local: the morning of the sprint's first day, before the planning meeting


def produce_reminders(now: dt.datetime) -> int:
    """Remind the leads of every sprint starting today (local) once its morning has come."""
    window = (now - dt.timedelta(days=1)).date(), (now + dt.timedelta(days=1)).date()
    candidates = (
        Sprint.objects.filter(start_date__range=window)
        .exclude(cycle__kind=CycleKind.ANNUAL)
        .exclude(cycle__state=CycleState.CLOSED)
        .select_related("organisation", "cycle")
        .order_by("pk")
    )
    due = []
    for sprint in candidates:
        local = now.astimezone(org_zone(sprint.organisation))
        if local.date() == sprint.start_date and local.hour >= REMIND_HOUR:
            due.append(sprint)
    if not due:
        return 0
    # The teams doing OKRs in each due sprint's cycle: those with a live objective in it.
    pairs = set(
        Objective.objects.filter(cycle_id__in={s.cycle_id for s in due}, team__isnull=False)
        .exclude(state__in=[ObjectiveState.CANCELLED, ObjectiveState.CLOSED])
        .order_by()
        .values_list("team_id", "cycle_id")
    )
    if not pairs:
        return 0
    links = (
        TeamMember.objects.filter(
            is_lead=True,
            team_id__in={team_id for team_id, _ in pairs},
            team__archived_at__isnull=True,
            membership__is_active=True,
            membership__user__is_active=True,
        )
        .exclude(membership__role=Role.VIEWER)
        .select_related("membership__user", "membership__organisation", "team")
        .order_by("team_id", "pk")
    )
    drafts: list[Draft] = []
    for link in links:
        for sprint in due:
            if (link.team_id, sprint.cycle_id) not in pairs:
                continue
            url = reverse("initiatives:sprint", args=[link.team.slug, sprint.number]) + f"?cycle={sprint.cycle_id}"
            drafts.append(
                Draft(
                    recipient=link.membership,
                    kind=Kind.SPRINT_PLANNING,
                    key=f"sprint_planning:{sprint.pk}:team:{link.team_id}",
                    title=f"Sprint {sprint.number} starts today: plan it with {link.team.name}",
                    body=(
                        f"Sprint {sprint.number} of {sprint.cycle.name} runs {sprint.start_date:%-d %b} – "
                        f"{sprint.end_date:%-d %b}. The plan lists the key results behind pace first, with "
                        "their initiatives and last sprint's results."
                    ),
                    url=url,
                    data={"sprint": sprint.pk, "team": link.team.slug, "cycle": sprint.cycle_id},
                )
            )
    return produce(drafts, now=now)


register_producer(PRODUCER, produce_reminders)
