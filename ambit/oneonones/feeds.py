"""The next 1:1 in both people's calendar feeds (``ambit.calendars.ics.person_events``).

One recurring event per 1:1, starting at its next meeting at its hour in the organisation's time
zone and repeating every ``cadence_days``: when a meeting is held (or moved) the start moves, and
the UID, which names the 1:1, makes calendar clients update the event instead of adding another.
It says who meets whom and links to the 1:1; never its notes or talking points. Times are written
in UTC, so the feed needs no extra VTIMEZONE.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from icalendar import Event

from ambit.accounts.models import Organisation
from ambit.calendars.ics import UID_DOMAIN, register_person_events
from ambit.oneonones.agenda import zone_of
from ambit.oneonones.models import OneOnOne

MEETING_MINUTES = 30


def _name(membership: object) -> str:
    user = membership.user  # type: ignore[attr-defined]
    return str(user.get_full_name() or user.email)


def one_on_one_events(membership_id: int, organisation: Organisation, base_url: str) -> list[Event]:
    """The 1:1s of this person (as manager or report), one query."""
    rows = (
        OneOnOne.objects.filter(organisation_id=organisation.pk)
        .filter(Q(manager_id=membership_id) | Q(report_id=membership_id))
        .filter(manager__is_active=True, report__is_active=True)
        .select_related("manager__user", "report__user")
        .order_by("pk")
    )
    zone = zone_of(organisation)
    events: list[Event] = []
    for one in rows:
        start = dt.datetime.combine(one.next_on, dt.time(one.hour), tzinfo=zone).astimezone(dt.UTC)
        url = base_url + reverse("oneonones:detail", kwargs={"one_on_one_id": one.pk})
        stamp = one.updated_at.astimezone(dt.UTC)
        event = Event.new(
            uid=f"one-on-one-{one.pk}@{UID_DOMAIN}",
            stamp=stamp,
            last_modified=stamp,
            start=start,
            end=start + dt.timedelta(minutes=MEETING_MINUTES),
            summary=f"1:1 {_name(one.manager)} / {_name(one.report)}",
            description=f"Your 1:1: the agenda is built from the OKRs; add your talking points before.\n\n{url}",
            url=url,
            categories=["OKR"],
        )
        event.add("rrule", {"FREQ": "DAILY", "INTERVAL": one.cadence_days})
        event.add("status", "CONFIRMED")
        event.add("class", "PRIVATE")
        events.append(event)
    return events


register_person_events(one_on_one_events)
