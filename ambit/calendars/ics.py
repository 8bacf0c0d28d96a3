"""The calendar of an organisation's cadence, as iCalendar (RFC 5545) built with ``icalendar``.

Pure: it takes the charter, the cycles and their sprints already read, and returns the bytes.
What each event is, derived from what the data holds (cycles have only a start, an end and a
state; PRODUCT.md §1 and §4 give the rituals around them):

- **Check-in**: for each cycle people check in during (every cycle except an annual one that
  has quarters or periods inside it, which would repeat theirs), one recurring event at the
  charter's reminder weekday and hour in the organisation's time zone, the first on or after
  the cycle's start, then every 7 days (weekly) or 14 (bi-weekly), the last on or before its
  end; 30 minutes long. The start carries the time zone (``TZID``) and the calendar its
  ``VTIMEZONE``, so the hour stays the same local hour across daylight-saving changes.
- **Planning**: all day, from one sprint (the charter's sprint length) before the cycle's start
  to the day before it: the next cycle is planned during the current one's last sprint
  ("burn from both ends", seed 002).
- **Start**: all day, on the cycle's first day.
- **Review**: all day, on the cycle's last day: score the key results and reflect.
- **Close**: all day, on the day after the cycle's last day: the period is over; roll over
  what is unfinished and close the cycle.
- **Sprints**: all day, "Sprint N starts" on its first day and "Sprint N ends" on its last.

A cycle still in *planning* has its start, review and close marked ``TENTATIVE`` (its dates may
yet move); every other event is ``CONFIRMED``. Each description says the cycle's state now.
UIDs name the object and the event (``cycle-12-start@…``), never the feed, so a client updates
an event when its dates move instead of adding another. ``DTSTAMP`` and ``LAST-MODIFIED`` are
the source row's last change, so two fetches with no change between them are byte-identical
(the view's ETag relies on it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event

from ambit.accounts.models import Organisation
from ambit.okrs.models import Cycle, CycleKind, CycleState, Sprint

PRODID = "-//Ambit//OKR cadence//EN"
UID_DOMAIN = "ambit.calendar"
CHECKIN_MINUTES = 30
# Calendar clients that honour it poll about this often (RFC 7986 REFRESH-INTERVAL; X-PUBLISHED-TTL
# for Outlook and Apple).
REFRESH = dt.timedelta(hours=1)


@dataclass(frozen=True)
class FeedSubject:
    """Whose calendar this is, and where its events link to (absolute addresses)."""

    name: str
    checkin_url: str
    checkin_text: str
    cycle_url: Callable[[Cycle], str]


# Events another app adds to one person's feed (a 1:1's next meeting, ``ambit.oneonones``): the app
# registers a provider when it starts, so this module never imports it (the dependency points from
# that app to calendars, not back). A team's feed, which the whole team reads, gets none of them.
PersonEvents = Callable[[int, Organisation, str], list[Event]]
_person_event_providers: list[PersonEvents] = []


def register_person_events(provider: PersonEvents) -> PersonEvents:
    """Add ``provider(membership_id, organisation, base_url)`` to every person's feed."""
    if provider not in _person_event_providers:
        _person_event_providers.append(provider)
    return provider


def person_events(membership_id: int, organisation: Organisation, base_url: str) -> list[Event]:
    """The registered providers' events for one person's feed (absolute links from ``base_url``)."""
    return [e for provider in _person_event_providers for e in provider(membership_id, organisation, base_url)]


# Events another app adds to one team's feed (sprint planning, ``ambit.initiatives``): registered
# the same way, so this module imports none of those apps either.
TeamEvents = Callable[[int, Organisation, str], list[Event]]
_team_event_providers: list[TeamEvents] = []


def register_team_events(provider: TeamEvents) -> TeamEvents:
    """Add ``provider(team_id, organisation, base_url)`` to every team's feed."""
    if provider not in _team_event_providers:
        _team_event_providers.append(provider)
    return provider


def team_events(team_id: int, organisation: Organisation, base_url: str) -> list[Event]:
    """The registered providers' events for one team's feed (absolute links from ``base_url``)."""
    return [e for provider in _team_event_providers for e in provider(team_id, organisation, base_url)]


def org_zone(organisation: Organisation) -> ZoneInfo:
    """The charter's time zone; UTC if the stored name is unknown to this server's tz database."""
    try:
        return ZoneInfo(organisation.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def _uid(name: str) -> str:
    return f"{name}@{UID_DOMAIN}"


def _all_day(
    *,
    uid: str,
    summary: str,
    start: dt.date,
    end: dt.date | None = None,
    description: str,
    url: str,
    stamp: dt.datetime,
    tentative: bool = False,
) -> Event:
    """An all-day event from ``start`` to ``end`` inclusive (DTEND is exclusive in iCalendar)."""
    event = Event.new(
        uid=_uid(uid),
        stamp=_utc(stamp),
        last_modified=_utc(stamp),
        start=start,
        end=(end or start) + dt.timedelta(days=1),
        summary=summary,
        description=f"{description}\n\n{url}",
        url=url,
        categories=["OKR"],
    )
    event.add("status", "TENTATIVE" if tentative else "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    return event


def checkin_cycles(cycles: Sequence[Cycle], parent_ids: set[int]) -> list[Cycle]:
    """The cycles people check in during: all but an annual cycle that contains others."""
    return [c for c in cycles if not (c.kind == CycleKind.ANNUAL and c.pk in parent_ids)]


def checkin_dates(organisation: Organisation, cycle: Cycle) -> list[dt.date]:
    """Every check-in day of ``cycle`` by the charter (what the recurring event expands to)."""
    step = organisation.checkin_cadence_days
    first = cycle.start_date + dt.timedelta(days=(organisation.reminder_weekday - cycle.start_date.weekday()) % 7)
    return [first + dt.timedelta(days=d) for d in range(0, (cycle.end_date - first).days + 1, step)]


def _checkin_event(organisation: Organisation, cycle: Cycle, subject: FeedSubject, zone: ZoneInfo) -> Event | None:
    days = checkin_dates(organisation, cycle)
    if not days:
        return None
    start = dt.datetime.combine(days[0], dt.time(organisation.reminder_hour), tzinfo=zone)
    weekly = organisation.checkin_cadence_days == 7
    stamp = max(organisation.updated_at, cycle.updated_at)
    event = Event.new(
        uid=_uid(f"cycle-{cycle.pk}-checkin"),
        stamp=_utc(stamp),
        last_modified=_utc(stamp),
        start=start,
        end=start + dt.timedelta(minutes=CHECKIN_MINUTES),
        summary=f"{'Weekly' if weekly else 'Bi-weekly'} OKR check-in ({cycle.name})",
        description=f"{subject.checkin_text}\n\n{subject.checkin_url}",
        url=subject.checkin_url,
        categories=["OKR"],
    )
    rule: dict[str, object] = {"FREQ": "WEEKLY", "COUNT": len(days)}
    if not weekly:
        rule["INTERVAL"] = organisation.checkin_cadence_days // 7
    event.add("rrule", rule)
    event.add("status", "CONFIRMED")
    return event


def _cycle_events(organisation: Organisation, cycle: Cycle, subject: FeedSubject) -> list[Event]:
    url = subject.cycle_url(cycle)
    state = CycleState(cycle.state).label
    now = f"{cycle.name} runs {cycle.start_date:%-d %b %Y} – {cycle.end_date:%-d %b %Y}; it is {state.lower()} now."
    tentative = cycle.state == CycleState.PLANNING
    stamp = cycle.updated_at
    plan_days = max(organisation.sprint_length_days, 1)
    return [
        _all_day(
            uid=f"cycle-{cycle.pk}-planning",
            summary=f"Plan {cycle.name}",
            start=cycle.start_date - dt.timedelta(days=plan_days),
            end=cycle.start_date - dt.timedelta(days=1),
            description=f"Draft, align and agree the OKRs for {cycle.name} before it starts. {now}",
            url=url,
            stamp=stamp,
        ),
        _all_day(
            uid=f"cycle-{cycle.pk}-start",
            summary=f"{cycle.name} starts",
            start=cycle.start_date,
            description=f"The first day of {cycle.name}: its OKRs are live. {now}",
            tentative=tentative,
            url=url,
            stamp=stamp,
        ),
        _all_day(
            uid=f"cycle-{cycle.pk}-review",
            summary=f"{cycle.name} review",
            start=cycle.end_date,
            description=f"The last day of {cycle.name}: score the key results and reflect. {now}",
            tentative=tentative,
            url=url,
            stamp=stamp,
        ),
        _all_day(
            uid=f"cycle-{cycle.pk}-close",
            summary=f"{cycle.name} closes",
            start=cycle.end_date + dt.timedelta(days=1),
            description=f"{cycle.name} is over: roll over what is unfinished and close the cycle. {now}",
            tentative=tentative,
            url=url,
            stamp=stamp,
        ),
    ]


def _sprint_events(sprint: Sprint, cycle: Cycle, subject: FeedSubject) -> list[Event]:
    url = subject.cycle_url(cycle)
    goal = f" Goal: {sprint.goal.strip()}" if sprint.goal.strip() else ""
    span = f"{sprint.start_date:%-d %b} – {sprint.end_date:%-d %b %Y}"
    return [
        _all_day(
            uid=f"sprint-{sprint.pk}-start",
            summary=f"Sprint {sprint.number} starts ({cycle.name})",
            start=sprint.start_date,
            description=f"Sprint {sprint.number} of {cycle.name}, {span}: plan it.{goal}",
            url=url,
            stamp=sprint.updated_at,
        ),
        _all_day(
            uid=f"sprint-{sprint.pk}-end",
            summary=f"Sprint {sprint.number} ends ({cycle.name})",
            start=sprint.end_date,
            description=f"The last day of sprint {sprint.number} of {cycle.name}, {span}.{goal}",
            url=url,
            stamp=sprint.updated_at,
        ),
    ]


def _list_onsets_in_rdate(calendar: Calendar) -> None:
    """Repeat each time-zone observance's first onset (its DTSTART) among its RDATEs.

    ``icalendar`` writes an observance as a DTSTART plus RDATEs for the later changes. ical.js
    (the parser of Thunderbird and Nextcloud Calendar; libical had the same bug until 2014,
    libical issue 156) takes the onsets of an observance that has RDATEs from the RDATEs alone,
    so it would miss the first change, putting a check-in an hour off until the next one. RFC 5545
    makes the onsets the union of DTSTART and RDATE, so the repeat changes nothing for others."""
    for zone in calendar.timezones:
        for observance in zone.subcomponents:
            if "RDATE" in observance and "RRULE" not in observance:
                observance.add("rdate", observance.decoded("dtstart"))


def build_calendar(
    *,
    organisation: Organisation,
    cycles: Sequence[Cycle],
    parent_ids: set[int],
    sprints: Sequence[Sprint],
    subject: FeedSubject,
    calendar_uid: str,
    extra: Sequence[Event] = (),
) -> bytes:
    """The feed's bytes: ``cycles`` in date order, ``parent_ids`` the ids of cycles that contain
    others, ``sprints`` those of ``cycles``."""
    zone = org_zone(organisation)
    calendar = Calendar.new(
        prodid=PRODID,
        name=subject.name,
        description=f"The OKR cadence of {organisation.name} in Ambit.",
        refresh_interval=REFRESH,
        uid=calendar_uid,
        calscale="GREGORIAN",
        method="PUBLISH",
    )
    calendar.add("x-wr-timezone", zone.key)
    calendar.add("x-published-ttl", REFRESH)
    by_id = {c.pk: c for c in cycles}
    checkins = [
        event
        for c in checkin_cycles(cycles, parent_ids)
        if (event := _checkin_event(organisation, c, subject, zone)) is not None
    ]
    for event in checkins:
        calendar.add_component(event)
    for cycle in cycles:
        for event in _cycle_events(organisation, cycle, subject):
            calendar.add_component(event)
    for sprint in sprints:
        owner = by_id.get(sprint.cycle_id)
        if owner is not None:
            for event in _sprint_events(sprint, owner, subject):
                calendar.add_component(event)
    # Events of other apps (``person_events``): their times are in UTC, so they need no VTIMEZONE.
    for event in extra:
        calendar.add_component(event)
    if checkins:
        # Only the check-ins carry a time (and so a TZID); the span bounds the rules it writes.
        first = min(c.start_date for c in cycles) - dt.timedelta(days=1)
        last = max(c.end_date for c in cycles) + dt.timedelta(days=1)
        calendar.add_missing_timezones(first_date=first, last_date=last)
        _list_onsets_in_rdate(calendar)
    body: bytes = calendar.to_ical()
    return body
