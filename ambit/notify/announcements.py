"""Announcements (issue 14, item 5): a cycle that moves to *active* is announced to every active
member of its organisation, once per cycle (key ``cycle:<id>``).

Read from the cycle's state on each tick, not by changing the cycle services: an active cycle not
handled yet is announced when the audit log shows it became active recently (created active, or
moved to active, within :data:`RECENT`); an older one (active before notifications existed) is
only marked handled, so installing Ambit's notifications announces nothing out of date.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from ambit.accounts.models import Organisation
from ambit.core.models import AuditAction, AuditEntry
from ambit.notify import marks
from ambit.notify.models import Kind
from ambit.notify.produce import Draft, produce
from ambit.notify.scheduler import register_producer
from ambit.notify.selectors import active_members
from ambit.okrs.models import Cycle, CycleState

PRODUCER = "announcement"
RECENT = dt.timedelta(days=7)


def _became_active_at(cycles: list[Cycle]) -> dict[int, dt.datetime]:
    """When each cycle last became active, by its audit entries (one query)."""
    entries = AuditEntry.objects.filter(
        object_type=Cycle._meta.label_lower,
        object_id__in=[str(c.pk) for c in cycles],
        action__in=[AuditAction.CYCLE_CREATE, AuditAction.CYCLE_UPDATE],
    ).order_by("created_at", "id")
    out: dict[int, dt.datetime] = {}
    for entry in entries:
        state = (entry.changes or {}).get("state")
        if (entry.action == AuditAction.CYCLE_CREATE and state == CycleState.ACTIVE) or (
            isinstance(state, list) and len(state) == 2 and state[1] == CycleState.ACTIVE
        ):
            out[int(entry.object_id)] = entry.created_at
    return out


def _draft_all(org: Organisation, cycle: Cycle) -> list[Draft]:
    url = reverse("front:home") + f"?cycle={cycle.pk}"
    when = f"{cycle.start_date:%-d %b} – {cycle.end_date:%-d %b %Y}"
    return [
        Draft(
            recipient=member,
            kind=Kind.ANNOUNCEMENT,
            key=f"cycle:{cycle.pk}",
            title=f"{cycle.name} has started",
            body=f"{cycle.name} ({when}) is now active: its OKRs are live and check-ins count from today.",
            url=url,
            data={"cycle": cycle.pk},
        )
        for member in active_members(org)
    ]


def announcements_for_organisation(org: Organisation, now: dt.datetime) -> int:
    active = list(Cycle.objects.filter(organisation=org, state=CycleState.ACTIVE))
    keys = {c.pk: f"cycle:{c.pk}" for c in active}
    done = marks.handled(org.pk, PRODUCER, list(keys.values()))
    waiting = [c for c in active if keys[c.pk] not in done]
    if not waiting:
        return 0
    since = _became_active_at(waiting)
    produced = 0
    for cycle in waiting:
        became = since.get(cycle.pk)
        if became is not None and became > now:
            continue  # a tick for an earlier moment: not active yet then
        if became is not None and now - became <= RECENT:
            produced += produce(_draft_all(org, cycle), now=now)
        marks.mark(org.pk, PRODUCER, keys[cycle.pk])
    return produced


def produce_announcements(now: dt.datetime) -> int:
    return sum(announcements_for_organisation(org, now) for org in Organisation.objects.all())


register_producer(PRODUCER, produce_announcements)
