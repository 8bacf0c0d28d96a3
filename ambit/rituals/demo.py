"""The demo's standups and weekly reflections (``seed_demo`` sends ``okrs.signals.demo_seeded``):
Platform's people posted today's standup, one of them blocked on a key result (its lead hears of
it), and the team's member wrote last week's reflection, so the team's standup page, the lead's
inbox and the 1:1 agenda (``ambit.oneonones.demo``) show a running ritual. Through the services,
as of the demo's ``now``; a second run adds nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from ambit.accounts.models import Membership, Organisation, Role, Team, TeamMember
from ambit.rituals import reflections, services
from ambit.rituals.models import Standup
from ambit.rituals.selectors import active_key_results_of, local_today, monday_of
from ambit.rituals.services import LineIn

DEMO_TEAM = "platform"
BLOCKER = "Waiting on the data team for production read access: can't verify the cache fix"
LEARNED = "Profiling before optimising saved two days on the cache work."
IN_MY_WAY = "Production read access is still pending, so every fix waits on someone else to check it."
# (yesterday, today) for the people without a blocker, in turn.
UPDATES = (
    ("Reviewed the rate-limit change", "Finish the load test plan"),
    ("Closed two on-call tickets", "Rotate the staging certificates"),
    ("Drafted the status page copy", "Walk the team through the incident review"),
)


def team_and_report(organisation: Organisation) -> tuple[Team | None, Membership | None, Membership | None]:
    """The demo team, its lead, and the lead's first direct report in it (by id) who owns an active
    key result: the one blocked in today's standup, with a reflection and a 1:1 (``oneonones.demo``)."""
    team = Team.objects.filter(organisation=organisation, slug=DEMO_TEAM).first()
    if team is None:
        return None, None, None
    links = list(
        TeamMember.objects.filter(team=team, membership__is_active=True)
        .select_related("membership__organisation", "membership__user")
        .order_by("membership_id")
    )
    lead = next((link.membership for link in links if link.is_lead), None)
    for link in links:
        m = link.membership
        if lead is not None and m.manager_id == lead.pk and m.role != Role.VIEWER and active_key_results_of(m).exists():
            return team, lead, m
    return team, lead, None


def seed_rituals(*, organisation: Organisation, now: dt.datetime | None = None) -> int:
    """Today's standups of the demo team (``team_and_report``'s member names a key result in a
    blocker) and that member's reflection of last week. Returns how many standups it posted."""
    team, _, blocked = team_and_report(organisation)
    if team is None:
        return 0
    now = now or timezone.now()
    today = local_today(organisation, now)
    links = list(
        TeamMember.objects.filter(team=team, membership__is_active=True)
        .exclude(membership__role=Role.VIEWER)
        .select_related("membership__organisation", "membership__user")
        .order_by("is_lead", "membership__user__full_name", "pk")
    )
    if not links or Standup.objects.filter(author__in=[link.membership for link in links]).exists():
        return 0
    posted = 0
    people = [link.membership for link in links[:4]]
    if blocked is not None and blocked not in people:
        people[-1] = blocked
    for n, member in enumerate(people):
        krs = list(active_key_results_of(member)[:1])
        kr_id = krs[0].pk if krs else None
        if member == blocked:
            services.standup_post(
                actor=member,
                yesterday=[LineIn("Finished the cache key audit", kr_id)],
                today=[LineIn("Pair with the lead on the p95 regression")],
                blockers=[LineIn(BLOCKER, kr_id)],
                day=today,
                now=now,
            )
        else:
            yesterday, plan = UPDATES[n % len(UPDATES)]
            services.standup_post(
                actor=member, yesterday=[LineIn(yesterday, kr_id)], today=[LineIn(plan)], day=today, now=now
            )
        posted += 1
    if blocked is not None:
        reflections.save_reflection(
            actor=blocked,
            week_start=monday_of(today) - dt.timedelta(days=7),
            learned=LEARNED,
            in_my_way=IN_MY_WAY,
            now=now,
        )
    return posted


def on_demo_seeded(
    sender: Any, *, organisations: Sequence[Organisation], now: dt.datetime | None, **kwargs: Any
) -> None:
    for organisation in organisations:
        seed_rituals(organisation=organisation, now=now)
