"""The demo's initiatives (``seed_demo`` sends ``okrs.signals.demo_seeded``): each key result of the
first few team objectives of the current quarter gets two or three initiatives, some linked to an
issue, some planned into the running sprint and some into the sprint before (one of those done in
it, one carried over), so the sprint planning page and the objective pages show a team at work.
Through the services, as each team's lead (the admin where a team has none)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from ambit.accounts.models import Membership, Organisation, Role, TeamMember
from ambit.dashboards.selectors import org_today
from ambit.initiatives import services
from ambit.initiatives.models import Initiative, InitiativeStatus
from ambit.okrs.models import Cycle, CycleKind, CycleState, KeyResultState, Objective, ObjectiveState, Sprint

TEAMS = 3  # teams whose key results get initiatives
# (title, link) per initiative of a key result, in order: the first is done last sprint, the
# second was planned last sprint and carried into this one, the third waits in the backlog.
WORK: tuple[tuple[str, str], ...] = (
    ("Spike: measure where the time goes", "https://github.com/northwind/platform/issues/412"),
    ("Ship the first improvement behind a flag", "https://northwind.atlassian.net/browse/PLAT-231"),
    ("Write the runbook and share it at the demo", ""),
)


def _current_cycle(organisation: Organisation, today: dt.date) -> Cycle | None:
    qs = Cycle.objects.filter(organisation=organisation, state=CycleState.ACTIVE).exclude(kind=CycleKind.ANNUAL)
    return qs.filter(start_date__lte=today, end_date__gte=today).first() or qs.order_by("-start_date").first()


def seed_initiatives(*, organisation: Organisation, now: dt.datetime | None = None) -> int:
    """Returns how many initiatives were made; none when the organisation already has some."""
    if Initiative.objects.filter(organisation=organisation).exists():
        return 0
    admin = Membership.objects.filter(organisation=organisation, role=Role.ADMIN, is_active=True).first()
    today = org_today(organisation, now)
    cycle = _current_cycle(organisation, today)
    if admin is None or cycle is None:
        return 0
    sprints = list(Sprint.objects.filter(cycle=cycle).order_by("number"))
    current = next((s for s in sprints if s.start_date <= today <= s.end_date), None)
    previous = next((s for s in sprints if current is not None and s.number == current.number - 1), None)
    objectives = list(
        Objective.objects.filter(cycle=cycle, team__isnull=False, team__kind="team", state=ObjectiveState.ACTIVE)
        .select_related("team")
        .prefetch_related("key_results__owner")
        .order_by("team__name", "position", "pk")
    )
    leads = {
        link.team_id: link.membership
        for link in TeamMember.objects.filter(team__organisation=organisation, is_lead=True).select_related(
            "membership__organisation", "membership__user"
        )
    }
    seen_teams: list[int] = []
    made = 0
    for objective in objectives:
        team_id = objective.team_id or 0  # team objectives only (filtered above)
        if team_id not in seen_teams:
            if len(seen_teams) == TEAMS:
                continue
            seen_teams.append(team_id)
        actor = leads.get(team_id) or admin
        for kr in objective.key_results.all():
            if kr.state != KeyResultState.ACTIVE:
                continue
            for n, (title, link) in enumerate(WORK):
                initiative = services.initiative_create(
                    actor=actor,
                    key_result=kr,
                    title=title,
                    owner=kr.owner,
                    link_url=link,
                    due_date=current.end_date if current is not None and n < 2 else None,
                )
                made += 1
                if previous is not None and n < 2:
                    services.initiative_plan(
                        actor=actor, initiative=initiative, sprint=previous, today=previous.start_date
                    )
                if n == 0:
                    services.initiative_set_status(actor=actor, initiative=initiative, status=InitiativeStatus.DONE)
                    if previous is not None:
                        # Done during the sprint it was planned into (the demo's past, not today).
                        done_at = timezone.make_aware(dt.datetime.combine(previous.end_date, dt.time(15)))
                        Initiative.objects.filter(pk=initiative.pk).update(done_at=done_at)
                elif n == 1 and current is not None:
                    services.initiative_set_status(
                        actor=actor, initiative=initiative, status=InitiativeStatus.IN_PROGRESS
                    )
                    services.initiative_plan(actor=actor, initiative=initiative, sprint=current, today=today)
    return made


def on_demo_seeded(
    sender: Any, *, organisations: Sequence[Organisation], now: dt.datetime | None, **kwargs: Any
) -> None:
    for organisation in organisations:
        seed_initiatives(organisation=organisation, now=now)
