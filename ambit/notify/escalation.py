"""Stale escalation (issue 14, item 2): silence is never green.

A key result with no check-in past the cadence plus the charter's grace (the engine's
``is_stale``, the rule that colours it *stale* everywhere) is shown to its owner; once it has been
stale for a whole period more, to the lead(s) of its objective's team (the owner's manager for an
objective without a team); a period after that, to the organisation's champions.

Each audience gets **one** notification per check-in period, at the charter's reminder moment,
listing what has gone quiet for it (the owner: their stale key results; a lead: those of their
teams stale for over two periods; a champion: every one stale for over three), keyed by the
period and the audience, so it is produced once. Escalating key result by key result would send a
champion of a large organisation thousands of notifications in one go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Q
from django.urls import reverse

from ambit.accounts.models import Membership, Organisation
from ambit.notify import marks
from ambit.notify.models import Kind
from ambit.notify.produce import Draft, produce
from ambit.notify.schedule import Moment, due_moment, zone
from ambit.notify.scheduler import register_producer
from ambit.notify.selectors import champions, team_leads
from ambit.okrs import engine
from ambit.okrs.metrics import plan_start_on
from ambit.okrs.models import CycleState, KeyResult, KeyResultState, ObjectiveState

PRODUCER = "stale"
STEPS = (1, 2, 3)
# A notification lists this many key results by name, then says how many more there are.
LISTED = 25


def _step(kr: KeyResult, org: Organisation, now: dt.datetime, tz: dt.tzinfo) -> int:
    """How far ``kr``'s silence has escalated at ``now``: step n once it would already have been
    stale n − 1 periods ago (0: not stale)."""
    starts = plan_start_on(kr, kr.objective.cycle, tz)
    active_since = dt.datetime.combine(starts, dt.time.min, tzinfo=tz)
    cadence = org.checkin_cadence_days
    reached = 0
    for step in STEPS:
        if not engine.is_stale(
            last_checkin_at=kr.last_checkin_at,
            active_since=active_since,
            now=now - dt.timedelta(days=cadence * (step - 1)),
            cadence_days=cadence,
            grace_days=org.stale_grace_days,
        ):
            break
        reached = step
    return reached


def _candidates(org: Organisation, now: dt.datetime) -> list[KeyResult]:
    """Key results that may be stale: running (active objective of an active or in-review cycle,
    not taking progress from child objectives) and silent for at least cadence + grace."""
    quiet_since = now - dt.timedelta(days=org.checkin_cadence_days + org.stale_grace_days)
    return list(
        KeyResult.objects.filter(
            organisation=org,
            state=KeyResultState.ACTIVE,
            progress_from_children=False,
            objective__state=ObjectiveState.ACTIVE,
            objective__cycle__state__in=[CycleState.ACTIVE, CycleState.REVIEW],
        )
        .filter(Q(last_checkin_at__isnull=True) | Q(last_checkin_at__lt=quiet_since))
        .select_related("objective__cycle", "owner__user", "owner__manager__user", "owner__organisation")
        .defer("description", "objective__description")
        .order_by("last_checkin_at", "id")
    )


def _item(kr: KeyResult, tz: dt.tzinfo) -> dict[str, str]:
    since = (
        f"no check-in since {kr.last_checkin_at.astimezone(tz):%d %b %Y}" if kr.last_checkin_at else "no check-in yet"
    )
    return {
        "title": kr.title,
        "detail": f"{kr.objective.title} · {kr.owner.user.get_full_name()} · {since}",
        "url": reverse("okrs:objective-detail", kwargs={"pk": kr.objective_id}) + f"#kr-{kr.pk}",
    }


def _draft(
    recipient: Membership, audience: str, title: str, krs: Sequence[KeyResult], moment: Moment, tz: dt.tzinfo
) -> Draft:
    items = [_item(kr, tz) for kr in krs[:LISTED]]
    more = len(krs) - len(items)
    body = "\n".join(f"• {i['title']} ({i['detail']})" for i in items) + (f"\n… and {more} more" if more else "")
    return Draft(
        recipient=recipient,
        kind=Kind.STALE,
        key=f"{moment.period_start.isoformat()}:{audience}",
        title=title,
        body=body,
        url=items[0]["url"] if len(krs) == 1 else reverse("dashboards:organisation") + "#stale",
        data={"audience": audience, "total": len(krs), "key_results": [kr.pk for kr in krs], "items": items},
    )


def _count(krs: Sequence[KeyResult]) -> str:
    return "1 key result" if len(krs) == 1 else f"{len(krs)} key results"


def escalations_for_organisation(org: Organisation, now: dt.datetime) -> int:
    cadence = org.checkin_cadence_days
    moment = due_moment(
        now, weekday=org.reminder_weekday, hour=org.reminder_hour, time_zone=org.time_zone, cadence_days=cadence
    )
    if moment is None or marks.done(org.pk, PRODUCER, moment.local_day.isoformat()):
        return 0
    tz = zone(org.time_zone)
    stale = [(kr, step) for kr in _candidates(org, now) if (step := _step(kr, org, now, tz))]
    weeks = cadence // 7
    owners: dict[int, list[KeyResult]] = {}
    leads: dict[int, list[KeyResult]] = {}
    people: dict[int, Membership] = {}
    team_of_lead = team_leads(kr.objective.team_id for kr, step in stale if step >= 2 and kr.objective.team_id)
    for kr, step in stale:
        owners.setdefault(kr.owner_id, []).append(kr)
        people[kr.owner_id] = kr.owner
        if step >= 2:
            team = kr.objective.team_id
            above = team_of_lead.get(team, []) if team else ([kr.owner.manager] if kr.owner.manager else [])
            for lead in above:
                if lead.pk != kr.owner_id and lead.is_active:
                    leads.setdefault(lead.pk, []).append(kr)
                    people[lead.pk] = lead
    drafts: list[Draft] = []
    for pk, krs in owners.items():
        title = (
            f"“{krs[0].title}” has gone quiet" if len(krs) == 1 else f"{len(krs)} of your key results have gone quiet"
        )
        drafts.append(_draft(people[pk], "owner", f"{title}: check in to show where they stand", krs, moment, tz))
    for pk, krs in leads.items():
        title = f"{_count(krs)} in your teams: no check-in for over {2 * weeks} weeks"
        drafts.append(_draft(people[pk], "lead", title, krs, moment, tz))
    longest = [kr for kr, step in stale if step >= 3]
    if longest:
        title = f"{_count(longest)} with no check-in for over {3 * weeks} weeks"
        drafts += [_draft(c, "champion", title, longest, moment, tz) for c in champions(org)]
    produced = produce(drafts, now=now)
    marks.mark(org.pk, PRODUCER, moment.local_day.isoformat())
    return produced


def produce_escalations(now: dt.datetime) -> int:
    return sum(escalations_for_organisation(org, now) for org in Organisation.objects.all())


register_producer(PRODUCER, produce_escalations)
