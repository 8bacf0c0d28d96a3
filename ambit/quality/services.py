"""The readiness board's one write: remind the leads of late teams to plan (issue 15, seed 002)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership, Team
from ambit.core.audit import audit_record
from ambit.core.models import AuditAction
from ambit.core.permissions import require_org_editor, require_same_org
from ambit.notify.models import Kind
from ambit.notify.produce import Draft, produce
from ambit.okrs.models import Cycle
from ambit.quality.selectors import readiness_board


@dataclass
class Reminded:
    """Who a reminder went to: ``sent`` counts the new notifications (a second click the same day
    sends none); ``without_lead`` are late teams nobody leads."""

    teams: list[Team] = field(default_factory=list)
    leads: list[Membership] = field(default_factory=list)
    sent: int = 0
    without_lead: list[Team] = field(default_factory=list)


def reminder_key(cycle: Cycle, team: Team, day: dt.date) -> str:
    """One reminder per lead, team, cycle and day: a double click (or two champions) sends once."""
    return f"planning-reminder:{cycle.pk}:{team.pk}:{day.isoformat()}"


def _draft(lead: Membership, cycle: Cycle, team: Team, day: dt.date, days_left: int) -> Draft:
    when = (
        f"{cycle.name} starts in {days_left} day{'s' if days_left != 1 else ''}"
        if days_left > 0
        else f"{cycle.name} has started"
    )
    return Draft(
        recipient=lead,
        kind=Kind.PLANNING_REMINDER,
        key=reminder_key(cycle, team, day),
        title=f"Time to plan {team.name}'s OKRs for {cycle.name}",
        body=f"{when}, and {team.name} has no proposed OKRs yet. Draft them and propose them for approval.",
        url=f"{reverse('okrs:objective-create')}?cycle={cycle.pk}&team={team.pk}",
        data={"cycle_id": cycle.pk, "team_id": team.pk},
    )


@transaction.atomic
def remind_late_teams(*, actor: Membership, cycle: Cycle, now: dt.datetime | None = None) -> Reminded:
    """Send a planning reminder to the leads of the teams with nothing yet or only drafts."""
    require_org_editor(actor, "remind teams to plan")
    require_same_org(actor, cycle.organisation_id)
    now = now or timezone.now()
    org = actor.organisation
    day = timezone.localtime(now, zoneinfo.ZoneInfo(org.time_zone or "UTC")).date()
    board = readiness_board(actor=actor, cycle=cycle, today=day)
    result = Reminded()
    drafts: list[Draft] = []
    for row in board.late:
        if not row.leads:
            result.without_lead.append(row.team)
            continue
        result.teams.append(row.team)
        for lead in row.leads:
            drafts.append(_draft(lead, cycle, row.team, day, board.days_left))
            if lead not in result.leads:
                result.leads.append(lead)
    result.sent = produce(drafts, now=now)
    if result.sent:
        audit_record(
            actor=actor,
            organisation=org,
            action=AuditAction.PLANNING_REMIND,
            obj=cycle,
            changes={
                "teams": [None, [t.name for t in result.teams]],
                "leads": [None, [m.user.email for m in result.leads]],
                "sent": [None, result.sent],
            },
        )
    return result
