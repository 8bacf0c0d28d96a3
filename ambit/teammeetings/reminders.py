"""The reminder of a team check-in, the morning before (``Kind.TEAM_MEETING``).

From :data:`REMIND_HOUR` local time on the day before a check-in day (``cadence``), each active
member of each team is reminded once per team and day (the notification key names both, so a
second scheduler, or a second tick, produces nothing new). Each organisation's handled days are
marked (``notify.marks``), so the ticks in between cost a query or two per organisation."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.urls import reverse

from ambit.accounts.models import Organisation, TeamMember
from ambit.notify import marks
from ambit.notify.models import Kind
from ambit.notify.produce import Draft, produce
from ambit.notify.schedule import zone
from ambit.notify.scheduler import register_producer
from ambit.teammeetings.cadence import MEETING_HOUR, rhythm_of
from ambit.teammeetings.models import ItemKind, TeamMeetingItem

PRODUCER = "team_meeting_reminder"
REMIND_HOUR = 9  # local time, the day before


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def reminders_for(organisation: Organisation, now: dt.datetime) -> int:
    local = now.astimezone(zone(organisation.time_zone))
    if local.hour < REMIND_HOUR:
        return 0
    tomorrow = local.date() + dt.timedelta(days=1)
    key = tomorrow.isoformat()
    if marks.done(organisation.pk, PRODUCER, key):
        return 0
    rhythm = rhythm_of(organisation_id=organisation.pk, on=tomorrow)
    if rhythm is None or rhythm.next_on(tomorrow) != tomorrow:
        return 0
    links = list(
        TeamMember.objects.filter(
            team__organisation=organisation,
            team__archived_at__isnull=True,
            membership__organisation=organisation,
            membership__is_active=True,
            membership__user__is_active=True,
        )
        .select_related("membership__user", "membership__organisation", "team")
        .order_by("team__name", "pk")
    )
    open_actions = dict(
        TeamMeetingItem.objects.filter(organisation=organisation, kind=ItemKind.ACTION, done=False)
        .values("team_id")
        .annotate(n=Count("pk"))
        .values_list("team_id", "n")
    )
    drafts = [
        Draft(
            recipient=link.membership,
            kind=Kind.TEAM_MEETING,
            key=f"team_meeting:{link.team_id}:{key}",
            title=f"The {link.team.name} check-in is tomorrow ({tomorrow:%a %-d %b}, {MEETING_HOUR}:00)",
            body=(
                f"{_plural(open_actions.get(link.team_id, 0), 'open action item')} to go over. "
                "Check in on your key results before it: the meeting starts from what moved."
            ),
            url=reverse("teammeetings:meeting", kwargs={"slug": link.team.slug}),
            data={"team": link.team.slug, "day": key, "open_actions": open_actions.get(link.team_id, 0)},
        )
        for link in links
    ]
    produced = produce(drafts, now=now)
    marks.mark(organisation.pk, PRODUCER, key)
    return produced


def produce_reminders(now: dt.datetime) -> int:
    return sum(reminders_for(org, now) for org in Organisation.objects.all())


register_producer(PRODUCER, produce_reminders)
