"""The demo's last team check-in (``seed_demo`` sends ``okrs.signals.demo_seeded``): Platform met two
weeks ago, decided something and left one action open, so the next check-in opens with it carried
over. Built through the services, as its lead, dated in the past."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from ambit.accounts.models import Membership, Organisation, Team, TeamMember
from ambit.notify.schedule import zone
from ambit.teammeetings import services
from ambit.teammeetings.cadence import CADENCE_DAYS, MEETING_HOUR
from ambit.teammeetings.models import ItemKind, TeamMeeting

DEMO_TEAM = "platform"
DECISION = "Latency before features this sprint: the checkout work waits until p95 is under 300 ms."
ACTION = "Write the cache warm-up runbook and share it in the channel"
DONE_ACTION = "Book the load test environment for the week after next"


def _people(team: Team) -> tuple[Membership | None, Membership | None]:
    links = list(
        TeamMember.objects.filter(team=team, membership__is_active=True)
        .select_related("membership__organisation", "membership__user")
        .order_by("-is_lead", "membership__user__full_name")
    )
    lead = next((link.membership for link in links if link.is_lead), None)
    other = next((link.membership for link in links if not link.is_lead), None)
    return lead, other


def seed_check_in(*, organisation: Organisation, now: dt.datetime | None = None) -> TeamMeeting | None:
    """One ended check-in of the demo team two weeks before ``now``; None when the team is missing
    or already has check-ins (a second run adds nothing)."""
    team = Team.objects.filter(organisation=organisation, slug=DEMO_TEAM).first()
    if team is None or TeamMeeting.objects.filter(team=team).exists():
        return None
    lead, other = _people(team)
    if lead is None:
        return None
    end = now or timezone.now()
    day = end.astimezone(zone(organisation.time_zone)).date() - dt.timedelta(days=CADENCE_DAYS)
    started = dt.datetime.combine(day, dt.time(MEETING_HOUR), tzinfo=zone(organisation.time_zone))
    meeting = services.meeting_start(actor=lead, team=team, now=started)
    services.item_add(actor=lead, meeting=meeting, kind=ItemKind.DECISION, text=DECISION)
    services.item_add(
        actor=lead,
        meeting=meeting,
        kind=ItemKind.ACTION,
        text=ACTION,
        owner=other or lead,
        due_on=day + dt.timedelta(days=CADENCE_DAYS - 2),
    )
    booked = services.item_add(actor=lead, meeting=meeting, kind=ItemKind.ACTION, text=DONE_ACTION, owner=lead)
    services.item_update(actor=lead, item=booked, done=True, now=started + dt.timedelta(minutes=30))
    return services.meeting_end(actor=lead, meeting=meeting, now=started + dt.timedelta(minutes=40))


def on_demo_seeded(
    sender: Any, *, organisations: Sequence[Organisation], now: dt.datetime | None, **kwargs: Any
) -> None:
    for organisation in organisations:
        seed_check_in(organisation=organisation, now=now)
