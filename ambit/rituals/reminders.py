"""The rituals' timed reminders, registered with the scheduler (``ambit.notify.scheduler``):

* ``standup_reminder``: on weekdays, from the team's standup hour (``RitualSettings.standup_hour``,
  default 9) in the organisation's time zone, each member of the team who has not posted today's
  standup is reminded once that day (key: the local day, so someone in two teams hears it once).
* ``week_plan_reminder``: Monday 9:00 local, those who have not set the week's commitments;
  Friday 15:00 local, those who have not shared the week's wins; once per person, week and kind.

Each organisation's handled periods are marked (``notify.marks``), so the ticks in between cost a
couple of queries per organisation."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from ambit.accounts.models import Membership, Organisation, Role, Team, TeamMember
from ambit.notify import marks
from ambit.notify.models import Kind
from ambit.notify.produce import Draft, produce
from ambit.notify.schedule import due_moment, zone
from ambit.notify.scheduler import register_producer
from ambit.rituals.models import DEFAULT_STANDUP_HOUR, RitualSettings, Standup, WeekPlan
from ambit.rituals.selectors import iso_week_label, monday_of

STANDUP_PRODUCER = "standup_reminder"
WEEK_PRODUCER = "week_plan_reminder"
COMMITMENTS_AT = (0, 9)  # Monday 9:00 local
WINS_AT = (4, 15)  # Friday 15:00 local


def _links(organisation: Organisation, team_ids: list[int]) -> list[TeamMember]:
    return list(
        TeamMember.objects.filter(
            team_id__in=team_ids,
            membership__organisation=organisation,
            membership__is_active=True,
            membership__user__is_active=True,
        )
        .exclude(membership__role=Role.VIEWER)
        .select_related("membership__user", "membership__organisation", "team")
        .order_by("team__name", "pk")
    )


def standup_reminders_for(organisation: Organisation, now: dt.datetime) -> int:
    local = now.astimezone(zone(organisation.time_zone))
    today = local.date()
    if today.weekday() >= 5:
        return 0
    hours = dict(RitualSettings.objects.filter(organisation=organisation).values_list("team_id", "standup_hour"))
    teams = Team.objects.filter(organisation=organisation, archived_at__isnull=True).values_list("pk", flat=True)
    due = [t for t in teams if local.hour >= hours.get(t, DEFAULT_STANDUP_HOUR)]
    keys = {t: f"{t}:{today.isoformat()}" for t in due}
    handled = marks.handled(organisation.pk, STANDUP_PRODUCER, list(keys.values()))
    due = [t for t in due if keys[t] not in handled]
    if not due:
        return 0
    links = _links(organisation, due)
    posted = set(
        Standup.objects.filter(
            organisation=organisation, day=today, author_id__in=[link.membership_id for link in links]
        ).values_list("author_id", flat=True)
    )
    chosen: dict[int, TeamMember] = {}
    for link in links:
        if link.membership_id not in posted:
            chosen.setdefault(link.membership_id, link)
    drafts = [
        Draft(
            recipient=link.membership,
            kind=Kind.STANDUP_REMINDER,
            key=today.isoformat(),
            title="Time for your standup: yesterday, today, blockers",
            body=f"Post your standup for {today:%A %d %B} to {link.team.name}.",
            url=reverse("rituals:standup", args=[link.team.slug]),
            data={"day": today.isoformat(), "team": link.team.slug},
        )
        for link in chosen.values()
    ]
    produced = produce(drafts, now=now)
    for t in due:
        marks.mark(organisation.pk, STANDUP_PRODUCER, keys[t])
    return produced


def produce_standup_reminders(now: dt.datetime) -> int:
    return sum(standup_reminders_for(org, now) for org in Organisation.objects.all())


def _week_people(organisation: Organisation) -> list[Membership]:
    team_ids = list(
        Team.objects.filter(organisation=organisation, archived_at__isnull=True).values_list("pk", flat=True)
    )
    people: dict[int, Membership] = {}
    for link in _links(organisation, team_ids):
        people.setdefault(link.membership_id, link.membership)
    return list(people.values())


def week_reminders_for(organisation: Organisation, now: dt.datetime) -> int:
    produced = 0
    for what, (weekday, hour) in (("commitments", COMMITMENTS_AT), ("wins", WINS_AT)):
        moment = due_moment(now, weekday=weekday, hour=hour, time_zone=organisation.time_zone, cadence_days=7)
        if moment is None:
            continue
        monday = monday_of(moment.local_day)
        week = iso_week_label(monday)
        key = f"{week}:{what}"
        if marks.done(organisation.pk, WEEK_PRODUCER, key):
            continue
        people = _week_people(organisation)
        plans = WeekPlan.objects.filter(organisation=organisation, week_start=monday)
        done_field = "committed_at" if what == "commitments" else "wins_shared_at"
        done = set(plans.filter(**{f"{done_field}__isnull": False}).values_list("author_id", flat=True))
        title = (
            f"Monday commitments: what will you get done this week ({week})?"
            if what == "commitments"
            else f"Friday wins: mark your commitments and share this week's wins ({week})"
        )
        drafts = [
            Draft(
                recipient=m,
                kind=Kind.WEEK_PLAN_REMINDER,
                key=key,
                title=title,
                url=reverse("rituals:week-plan"),
                data={"week": week, "what": what},
            )
            for m in people
            if m.pk not in done
        ]
        produced += produce(drafts, now=now)
        marks.mark(organisation.pk, WEEK_PRODUCER, key)
    return produced


def produce_week_reminders(now: dt.datetime) -> int:
    return sum(week_reminders_for(org, now) for org in Organisation.objects.all())


register_producer(STANDUP_PRODUCER, produce_standup_reminders)
register_producer(WEEK_PRODUCER, produce_week_reminders)
