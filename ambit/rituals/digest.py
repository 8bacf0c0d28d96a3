""" "Wins of the week" in the weekly digest (``ambit.notify.digest.register_section``): the Friday
wins shared during the digest's week, by the team's people (a team digest) or anyone (the
organisation's). One query per digest, whatever the number of people."""

from __future__ import annotations

import datetime as dt

from ambit.accounts.models import Organisation, Team, TeamMember
from ambit.notify.digest import DigestSection, register_section
from ambit.notify.schedule import zone
from ambit.rituals.models import ItemKind, WeekItem

LIMIT = 10


def wins_of_the_week(
    organisation: Organisation, team: Team | None, week_start: dt.date, week_ending: dt.date
) -> list[DigestSection]:
    tz = zone(organisation.time_zone)
    start = dt.datetime.combine(week_start, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(week_ending + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    items = WeekItem.objects.filter(
        kind=ItemKind.WIN,
        plan__organisation=organisation,
        plan__wins_shared_at__gte=start,
        plan__wins_shared_at__lt=end,
        plan__author__is_active=True,
    )
    if team is not None:
        items = items.filter(plan__author_id__in=TeamMember.objects.filter(team=team).values("membership_id"))
    rows = list(
        items.order_by("plan__wins_shared_at", "plan_id", "position").values_list(
            "text", "plan__author__user__full_name", "plan__author__user__email"
        )[: LIMIT + 1]
    )
    if not rows:
        return []
    lines = [f"{text} ({name or email})" for text, name, email in rows[:LIMIT]]
    if len(rows) > LIMIT:
        lines.append("… and more on the team's week page")
    return [DigestSection(heading="Wins of the week", lines=lines)]


register_section("rituals.wins", wins_of_the_week)
