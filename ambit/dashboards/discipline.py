"""Check-in discipline: on time / late / missed, by team and by person (issue 17). The contract the
team and person dashboards and the cycle report use.

The unit is a person's **check-in period**: the organisation's cadence cut from Mondays
(``engine.checkin_period_start``: every week, or every other week), clipped to the cycle. A person
is due in a period when they own a key result that was running through it: the key result is
active, its objective active (or since closed), and it existed when the period began or was checked
in by the end of the period's grace days (imported key results often carry older check-ins). Then:

- **on time**: they checked in on one of those key results during the period;
- **late**: not during the period, but within the organisation's grace days after it;
- **missed**: neither, once the grace days are over.

Only final outcomes count: a period whose grace days are still running and that has no check-in yet
is left out, so a number shown for a day never changes afterwards. ``as_of`` shows the cycle as it
stood at the end of that day: only periods begun by then, only check-ins made by then, and the
objectives' and key results' states and teams then (worked back from the audit log, ``rewind``).

A team's row sums, over the owners of the key results of the team's own objectives, their periods
counted over those key results only (so a person in two teams counts in each for their key results
there, and the rows of a team's subtree add up). Individual objectives (no team) count only by person.

Cost: two queries (three on a past day, four when a team changed since), whatever the size: the key
results in scope with their first check-in, and one aggregate of the check-ins per key result and
period.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from ambit.accounts.models import Organisation, Team
from ambit.dashboards.rewind import KEY_RESULT, OBJECTIVE, changes_since, rewind
from ambit.dashboards.trends import midnight
from ambit.okrs import engine
from ambit.okrs.models import CheckIn, KeyResult, KeyResultState, ObjectiveState
from ambit.okrs.selectors import objective_base

if TYPE_CHECKING:
    from ambit.accounts.models import Membership
    from ambit.okrs.models import Cycle

ON_TIME, LATE, MISSED = "on_time", "late", "missed"
OUTCOME_LABELS = {ON_TIME: "On time", LATE: "Late", MISSED: "Missed"}
_COUNTED_OBJECTIVE_STATES = (ObjectiveState.ACTIVE, ObjectiveState.CLOSED)


@dataclass(frozen=True)
class DisciplineRow:
    name: str  # the team's or the person's name
    key: int  # team id or membership id
    on_time: int  # check-in periods met within the cadence
    late: int  # met, but after the cadence's due day (within the grace)
    missed: int  # periods with no check-in at all
    rate: float | None  # on_time / (on_time + late + missed); None when nothing was due

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.missed


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive (the cycle's last day for the last period)
    outcome: str | None  # ON_TIME, LATE, MISSED; None while it is open with no check-in yet


@dataclass(frozen=True)
class _Bounds:
    start: dt.date
    end: dt.date
    opens: dt.datetime
    closes: dt.datetime  # end of the period (exclusive), never after the moment shown
    grace_ends: dt.datetime  # end of the grace days (exclusive), never after the moment shown
    final: bool  # the grace days were over by the moment shown


@dataclass(frozen=True)
class _Kr:
    pk: int
    owner_id: int
    owner_name: str
    team_id: int | None
    team_name: str
    created_at: dt.datetime
    first_at: dt.datetime | None


def _organisation(cycle: Cycle, actor: Membership | None) -> Organisation:
    if actor is None:
        return cycle.organisation
    if actor.organisation_id != cycle.organisation_id:
        raise Http404("No such cycle.")
    return actor.organisation  # already loaded with the member: no query


def _moment(org: Organisation, as_of: dt.date | None) -> tuple[dt.date, dt.datetime, dt.tzinfo, bool]:
    """The day shown, the exclusive end of what is known, the time zone, and whether it is today."""
    tz = zoneinfo.ZoneInfo(org.time_zone or "UTC")
    now = timezone.now()
    today = timezone.localtime(now, tz).date()
    if as_of is None or as_of >= today:
        return today, now, tz, True
    return as_of, midnight(as_of + dt.timedelta(days=1), tz), tz, False


def periods(cycle: Cycle, org: Organisation, *, day: dt.date, moment: dt.datetime, tz: dt.tzinfo) -> list[_Bounds]:
    """The cycle's check-in periods begun by ``day``, oldest first."""
    step = dt.timedelta(days=org.checkin_cadence_days)
    grace = dt.timedelta(days=org.stale_grace_days)
    last_day = min(day, cycle.end_date)
    out: list[_Bounds] = []
    begin = engine.checkin_period_start(cycle.start_date, org.checkin_cadence_days)
    while begin <= last_day:
        start = max(begin, cycle.start_date)
        end = min(begin + step - dt.timedelta(days=1), cycle.end_date)
        opens, closes = midnight(start, tz), midnight(end + dt.timedelta(days=1), tz)
        out.append(
            _Bounds(start, end, opens, min(closes, moment), min(closes + grace, moment), closes + grace <= moment)
        )
        begin += step
    return out


def _key_results(
    cycle: Cycle,
    *,
    team_ids: set[int] | None,
    owner_id: int | None,
    actor: Membership | None,
    moment: dt.datetime,
    is_today: bool,
) -> tuple[list[_Kr], QuerySet[KeyResult]]:
    """The key results whose owners were due, as they stood at ``moment``."""
    krs = KeyResult.objects.filter(organisation_id=cycle.organisation_id, objective__cycle_id=cycle.pk)
    if actor is not None:
        krs = krs.filter(objective__in=objective_base(actor=actor).filter(cycle_id=cycle.pk).values("pk"))
    if owner_id is not None:
        krs = krs.filter(owner_id=owner_id)
    kr_states: dict[int, Any] = {}
    objective_states: dict[int, Any] = {}
    teams_then: dict[int, Any] = {}
    if is_today:
        krs = krs.filter(state=KeyResultState.ACTIVE, objective__state__in=_COUNTED_OBJECTIVE_STATES)
        if team_ids is not None:
            krs = krs.filter(objective__team_id__in=team_ids)
    else:
        then = rewind(changes_since(cycle.organisation_id, moment))
        kr_states = then.changed(KEY_RESULT, "state")
        objective_states = then.changed(OBJECTIVE, "state")
        teams_then = then.changed(OBJECTIVE, "team_id")
        krs = krs.filter(created_at__lt=moment)
        if team_ids is not None:
            krs = krs.filter(Q(objective__team_id__in=team_ids) | Q(objective_id__in=list(teams_then)))
    first = CheckIn.objects.filter(key_result=OuterRef("pk")).order_by("created_at").values("created_at")[:1]
    rows = krs.annotate(first_at=Subquery(first)).values_list(
        "pk",
        "owner_id",
        "owner__user__full_name",
        "owner__user__email",
        "objective_id",
        "objective__team_id",
        "objective__team__name",
        "state",
        "objective__state",
        "created_at",
        "first_at",
    )
    out: list[_Kr] = []
    for (
        pk,
        owner,
        full_name,
        email,
        objective_id,
        team_id,
        team_name,
        state,
        objective_state,
        created,
        first_at,
    ) in rows:
        if not is_today:
            state = kr_states.get(pk, state)
            objective_state = objective_states.get(objective_id, objective_state)
            if objective_id in teams_then:
                team_id, team_name = teams_then[objective_id], ""
            if state != KeyResultState.ACTIVE or objective_state not in _COUNTED_OBJECTIVE_STATES:
                continue
            if team_ids is not None and team_id not in team_ids:
                continue
        out.append(_Kr(pk, owner, full_name or email, team_id, team_name or "", created, first_at))
    missing = {k.team_id for k in out if k.team_id is not None and not k.team_name}
    if missing:  # a team an objective has moved from since: its name as it is today
        names = dict(
            Team.objects.filter(organisation_id=cycle.organisation_id, pk__in=missing).values_list("pk", "name")
        )
        out = [k if k.team_name or k.team_id is None else _replace_team(k, names.get(k.team_id, "")) for k in out]
    return out, krs


def _replace_team(kr: _Kr, name: str) -> _Kr:
    return _Kr(kr.pk, kr.owner_id, kr.owner_name, kr.team_id, name, kr.created_at, kr.first_at)


def _heard(
    cycle: Cycle, krs: list[_Kr], scope: QuerySet[KeyResult], bounds: list[_Bounds]
) -> dict[int, list[tuple[int, int]]]:
    """Per key result, per period: check-ins (during the period, by the end of its grace days)."""
    if not krs or not bounds:
        return {}
    counts: dict[str, Any] = {}
    for i, b in enumerate(bounds):
        counts[f"on{i}"] = Count("pk", filter=Q(created_at__gte=b.opens, created_at__lt=b.closes))
        counts[f"any{i}"] = Count("pk", filter=Q(created_at__gte=b.opens, created_at__lt=b.grace_ends))
    rows = (
        CheckIn.objects.filter(
            organisation_id=cycle.organisation_id,
            key_result_id__in=scope.values("pk"),
            created_at__gte=bounds[0].opens,
            created_at__lt=max(b.grace_ends for b in bounds),
        )
        .values("key_result_id")
        .annotate(**counts)
        .order_by()
    )
    wanted = {k.pk for k in krs}
    out: dict[int, list[tuple[int, int]]] = {}
    for row in rows:
        if row["key_result_id"] in wanted:
            out[row["key_result_id"]] = [(row[f"on{i}"], row[f"any{i}"]) for i in range(len(bounds))]
    return out


def _outcomes(
    krs: list[_Kr], bounds: list[_Bounds], heard: dict[int, list[tuple[int, int]]]
) -> list[str | bool | None]:
    """One person's outcome in each period over ``krs``: an outcome, None while it is open, or
    False when nothing of theirs was running then (not due)."""
    out: list[str | bool | None] = []
    nothing = [(0, 0)] * len(bounds)
    for i, b in enumerate(bounds):
        due = on = any_time = 0
        for kr in krs:
            if kr.created_at < b.opens or (kr.first_at is not None and kr.first_at < b.grace_ends):
                due += 1
                got_on, got_any = heard.get(kr.pk, nothing)[i]
                on += got_on
                any_time += got_any
        if not due:
            out.append(False)
        elif on:
            out.append(ON_TIME)
        elif any_time:
            out.append(LATE)
        else:
            out.append(MISSED if b.final else None)
    return out


def _row(name: str, key: int, outcomes: list[list[str | bool | None]]) -> DisciplineRow:
    flat = [o for person in outcomes for o in person]
    on_time, late, missed = flat.count(ON_TIME), flat.count(LATE), flat.count(MISSED)
    total = on_time + late + missed
    return DisciplineRow(name, key, on_time, late, missed, on_time / total if total else None)


def _sorted(rows: list[DisciplineRow]) -> list[DisciplineRow]:
    return sorted(rows, key=lambda r: (r.name.lower(), r.key))


def _scope(
    cycle: Cycle,
    team_ids: set[int] | None,
    as_of: dt.date | None,
    actor: Membership | None,
    owner_id: int | None = None,
) -> tuple[list[_Kr], list[_Bounds], dict[int, list[tuple[int, int]]]]:
    org = _organisation(cycle, actor)
    day, moment, tz, is_today = _moment(org, as_of)
    bounds = periods(cycle, org, day=day, moment=moment, tz=tz)
    if not bounds:
        return [], [], {}
    krs, scope = _key_results(
        cycle, team_ids=team_ids, owner_id=owner_id, actor=actor, moment=moment, is_today=is_today
    )
    return krs, bounds, _heard(cycle, krs, scope, bounds)


def discipline_by_team(
    cycle: Cycle,
    *,
    team_ids: set[int] | None = None,
    as_of: dt.date | None = None,
    actor: Membership | None = None,
) -> list[DisciplineRow]:
    """One row per team with key results in scope (``team_ids``: only those teams), by name.
    ``actor``: count only the objectives they may see (the report counts all)."""
    krs, bounds, heard = _scope(cycle, team_ids, as_of, actor)
    by_team: dict[int, dict[int, list[_Kr]]] = defaultdict(lambda: defaultdict(list))
    names: dict[int, str] = {}
    for kr in krs:
        if kr.team_id is not None:
            by_team[kr.team_id][kr.owner_id].append(kr)
            names[kr.team_id] = kr.team_name
    return _sorted(
        [
            _row(names[tid], tid, [_outcomes(mine, bounds, heard) for mine in owners.values()])
            for tid, owners in by_team.items()
        ]
    )


def discipline_by_person(
    cycle: Cycle,
    *,
    team_ids: set[int] | None = None,
    as_of: dt.date | None = None,
    actor: Membership | None = None,
) -> list[DisciplineRow]:
    """One row per owner of key results in scope (of ``team_ids``' objectives, if given), by name."""
    krs, bounds, heard = _scope(cycle, team_ids, as_of, actor)
    by_owner: dict[int, list[_Kr]] = defaultdict(list)
    for kr in krs:
        by_owner[kr.owner_id].append(kr)
    return _sorted(
        [_row(mine[0].owner_name, owner, [_outcomes(mine, bounds, heard)]) for owner, mine in by_owner.items()]
    )


def discipline_timeline(
    cycle: Cycle, *, owner_id: int, as_of: dt.date | None = None, actor: Membership | None = None
) -> list[Period]:
    """One person's periods of ``cycle`` up to ``as_of``, each with its outcome (those in which
    nothing of theirs was running are left out)."""
    krs, bounds, heard = _scope(cycle, None, as_of, actor, owner_id=owner_id)
    outcomes = _outcomes(krs, bounds, heard)
    return [
        Period(b.start, b.end, o if isinstance(o, str) else None)
        for b, o in zip(bounds, outcomes, strict=True)
        if o is not False
    ]
