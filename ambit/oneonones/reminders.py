"""The day-before reminder of a 1:1 meeting (``Kind.ONE_ON_ONE``), to both people, once per
meeting and person (keyed by the meeting). It carries the agenda's counts only, never its text."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from ambit.accounts.models import Membership
from ambit.notify.models import Kind
from ambit.notify.produce import Draft, produce
from ambit.notify.scheduler import register_producer
from ambit.oneonones.agenda import build_agenda, zone_of
from ambit.oneonones.models import Item, ItemKind, Meeting

PRODUCER = "one_on_one_reminder"


def _name(member: Membership) -> str:
    return member.user.get_full_name() or member.user.email


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def produce_reminders(now: dt.datetime) -> int:
    """Remind both people of each meeting due tomorrow in its organisation's time zone."""
    upcoming = list(
        Meeting.objects.filter(
            held=False,
            date__gte=(now - dt.timedelta(days=1)).date(),
            date__lte=(now + dt.timedelta(days=2)).date(),
            one_on_one__manager__is_active=True,
            one_on_one__report__is_active=True,
        )
        .select_related(
            "organisation",
            "one_on_one__manager__user",
            "one_on_one__manager__organisation",
            "one_on_one__report__user",
            "one_on_one__report__organisation",
        )
        .order_by("pk")
    )
    due = [m for m in upcoming if m.date == now.astimezone(zone_of(m.organisation)).date() + dt.timedelta(days=1)]
    if not due:
        return 0
    kinds: dict[int, list[tuple[str, bool]]] = {}
    for meeting_id, kind, done in Item.objects.filter(meeting__in=due).values_list("meeting_id", "kind", "done"):
        kinds.setdefault(meeting_id, []).append((kind, done))
    drafts: list[Draft] = []
    for meeting in due:
        one = meeting.one_on_one
        previous = Meeting.objects.filter(one_on_one=one, held=True).order_by("-date").values_list("date", flat=True)
        since = previous.first() or meeting.date - dt.timedelta(days=one.cadence_days)
        agenda = build_agenda(report=one.report, organisation=meeting.organisation, since=since, now=now)
        items = kinds.get(meeting.pk, [])
        points = sum(1 for k, _ in items if k == ItemKind.TALKING_POINT)
        actions = sum(1 for k, d in items if k == ItemKind.ACTION and not d)
        body = (
            f"Agenda: {_plural(len(agenda.rows), 'key result')} ({agenda.flagged_count} behind or at risk), "
            f"{_plural(agenda.warning_count, 'early warning')}, {_plural(points, 'talking point')}, "
            f"{_plural(actions, 'open action item')}."
        )
        url = reverse("oneonones:detail", kwargs={"one_on_one_id": one.pk})
        data = {
            "one_on_one": one.pk,
            "meeting": meeting.pk,
            "date": meeting.date.isoformat(),
            "key_results": len(agenda.rows),
            "flagged": agenda.flagged_count,
            "warnings": agenda.warning_count,
            "talking_points": points,
            "open_actions": actions,
        }
        for recipient, other in ((one.manager, one.report), (one.report, one.manager)):
            drafts.append(
                Draft(
                    recipient=recipient,
                    kind=Kind.ONE_ON_ONE,
                    key=f"one_on_one:meeting:{meeting.pk}",
                    title=f"Your 1:1 with {_name(other)} is tomorrow ({meeting.date:%a %-d %b})",
                    body=body,
                    url=url,
                    data=data,
                )
            )
    return produce(drafts, now=now)


register_producer(PRODUCER, produce_reminders)
