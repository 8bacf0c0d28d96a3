"""The check-in reminder (issue 14, item 1): on the charter's day and hour, in the person's time
zone, each member with key results due is told which ones (only those not checked in this
period); nobody with nothing due gets anything. It links to their check-in with a signed link.

People are grouped by the moment their reminder falls (the organisation's hour and time zone, or
their own from ``Preference``); a group is worked out once per period and then marked, so the
ticks in between cost two queries per organisation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ambit.accounts.models import Membership, Organisation, Role
from ambit.notify import marks
from ambit.notify.links import checkin_path
from ambit.notify.models import Kind, Preference
from ambit.notify.produce import Draft, preferences_of, produce
from ambit.notify.schedule import Moment, due_moment
from ambit.notify.scheduler import register_producer
from ambit.notify.selectors import active_members, due_key_results
from ambit.okrs.models import KeyResult

PRODUCER = "checkin_reminder"


@dataclass(frozen=True)
class Slot:
    """When a group of people is reminded: a time zone and an hour."""

    time_zone: str
    hour: int


def _slot(org: Organisation, preference: Preference | None) -> Slot:
    tz = (preference.time_zone if preference is not None else "") or org.time_zone or "UTC"
    hour = preference.reminder_hour if preference is not None and preference.reminder_hour is not None else None
    return Slot(tz, org.reminder_hour if hour is None else hour)


def _mark_key(moment: Moment, slot: Slot) -> str:
    return f"{moment.local_day.isoformat()}|{slot.time_zone}|{slot.hour}"


def _due_slots(org: Organisation, now: dt.datetime) -> dict[Slot, Moment]:
    """The slots of this organisation whose moment has passed this period and are not done yet."""
    overrides = (
        Preference.objects.filter(organisation=org)
        .exclude(reminder_hour__isnull=True, time_zone="")
        .values_list("time_zone", "reminder_hour")
        .distinct()
    )
    slots = {Slot(org.time_zone or "UTC", org.reminder_hour)}
    for tz, hour in overrides:
        slots.add(Slot(tz or org.time_zone or "UTC", org.reminder_hour if hour is None else hour))
    moments: dict[Slot, Moment] = {}
    for slot in slots:
        moment = due_moment(
            now,
            weekday=org.reminder_weekday,
            hour=slot.hour,
            time_zone=slot.time_zone,
            cadence_days=org.checkin_cadence_days,
        )
        if moment is not None:
            moments[slot] = moment
    done = marks.handled(org.pk, PRODUCER, [_mark_key(m, s) for s, m in moments.items()])
    return {s: m for s, m in moments.items() if _mark_key(m, s) not in done}


def reminder_draft(
    member: Membership, moment: Moment, due: list[KeyResult], *, now: dt.datetime, version: int
) -> Draft:
    count = len(due)
    noun = "key result" if count == 1 else "key results"
    return Draft(
        recipient=member,
        kind=Kind.CHECKIN_REMINDER,
        key=moment.local_day.isoformat(),
        title=f"Time to check in: {count} {noun} to update",
        body="\n".join(f"• {kr.title} ({kr.objective.title})" for kr in due),
        url=checkin_path(member, at=now, version=version),
        data={
            "key_results": [{"id": kr.pk, "title": kr.title, "objective": kr.objective.title} for kr in due],
            "period_start": moment.period_start.isoformat(),
        },
    )


def reminders_for_organisation(org: Organisation, now: dt.datetime) -> int:
    slots = _due_slots(org, now)
    if not slots:
        return 0
    members = [m for m in active_members(org) if m.role != Role.VIEWER]
    prefs = preferences_of(m.pk for m in members)
    chosen = [(m, slots[slot]) for m in members if (slot := _slot(org, prefs.get(m.pk))) in slots]
    due = due_key_results(organisation=org, owner_ids=[m.pk for m, _ in chosen], now=now)
    drafts = [
        reminder_draft(
            m,
            moment,
            due[m.pk],
            now=now,
            version=prefs[m.pk].link_version if m.pk in prefs else 0,
        )
        for m, moment in chosen
        if due.get(m.pk)
    ]
    produced = produce(drafts, now=now)
    for slot, moment in slots.items():
        marks.mark(org.pk, PRODUCER, _mark_key(moment, slot))
    return produced


def produce_reminders(now: dt.datetime) -> int:
    return sum(reminders_for_organisation(org, now) for org in Organisation.objects.all())


register_producer(PRODUCER, produce_reminders)
