"""Reads behind the team dashboard (a team's subtree) and the person dashboard (the key results a
person owns), for one cycle, today or as of a past day.

Same shape as the organisation's summary (``selectors``): the objectives the viewer may see are
loaded once with their key results (rewound to the day shown), the engine (``compute_metrics``)
gives every number, and the result is cached under the organisation's data version, the day, the
objectives the viewer may see and what is looked at, so a repeated view runs a fixed handful of
queries. Only the objectives in scope are loaded, so the cost follows the team's (or person's)
size, not the organisation's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ambit.accounts.models import Membership, Team
from ambit.accounts.selectors import team_list
from ambit.dashboards import kept
from ambit.dashboards.discipline import (
    LATE,
    MISSED,
    ON_TIME,
    DisciplineRow,
    Period,
    discipline_by_person,
    discipline_timeline,
)
from ambit.dashboards.entries import ListEntry
from ambit.dashboards.heat import HeatRow, heat_rows, subtree_ids
from ambit.dashboards.rewind import OBJECTIVE, Then, changes_since, rewind
from ambit.dashboards.selectors import (
    CACHE_PREFIX,
    STATUS_ORDER,
    AsOf,
    _at_risk,
    _objectives_seen,
    _stale,
    cache_seconds,
    objectives_as_of,
    org_time_zone,
    visibility_fingerprint,
)
from ambit.dashboards.trends import forecast, history_samples, midnight, progress_history, readings
from ambit.okrs import engine
from ambit.okrs.metrics import Metrics, compute_metrics
from ambit.okrs.metrics_then import LinksThen, aligned
from ambit.okrs.models import Alignment, CheckIn, Cycle, KeyResult, Objective, ObjectiveState

K = TypeVar("K", bound=kept.Keepable)
CONFIDENCE_POINTS = 12  # the confidence trend shows at most this many latest readings per key result


def _view(actor: Membership, cycle: Cycle, as_of: AsOf, what: str) -> str:
    """The cache key of ``what`` (without the data version): the day and the actor's view of the cycle."""
    if cycle.organisation_id != actor.organisation_id:
        raise Http404("No such cycle.")
    seen = visibility_fingerprint(actor=actor, cycle=cycle)
    return f"{CACHE_PREFIX}:{what}:{actor.organisation_id}:{cycle.pk}:{as_of.day.isoformat()}:{seen}"


def _kept(
    actor: Membership, cycle: Cycle, as_of: AsOf, view: str, compute: Callable[[], K], refresh: kept.Refresh
) -> K:
    return kept.kept(
        organisation_id=actor.organisation_id, view=view, seconds=cache_seconds(as_of), compute=compute, refresh=refresh
    )


def _day(as_of: AsOf) -> dt.date | None:
    return None if as_of.is_today else as_of.day


@dataclass
class Loaded:
    objectives: list[Objective]
    scope: QuerySet[Objective]  # the objectives' ids, as a subquery (a superset on a past day)
    then: Then | None
    links: LinksThen | None
    metrics: Metrics


def load_scoped(
    actor: Membership,
    cycle: Cycle,
    as_of: AsOf,
    where: Q,
    keep: Callable[[Objective], bool] = lambda o: True,
) -> Loaded:
    """The objectives of ``cycle`` the actor sees that match ``where`` (and, on a past day, those
    that moved team since: ``keep`` decides after rewinding), with their key results, milestones
    and checkpoints, rewound to ``as_of``, and the engine's metrics over them."""
    org = actor.organisation
    seen = _objectives_seen(actor, cycle)
    then = None if as_of.is_today else rewind(changes_since(actor.organisation_id, as_of.moment))
    if then is not None:
        moved = list(then.changed(OBJECTIVE, "team_id"))
        where = where | Q(pk__in=moved) if moved else where
    scope = seen.filter(where)
    objectives = objectives_as_of(actor, cycle, scope, as_of)
    if then is not None:
        then.rewind_objectives(objectives)
        objectives = [o for o in objectives if o.state != ObjectiveState.CANCELLED]
    objectives = [o for o in objectives if keep(o)]
    links = then.links_at(as_of.moment) if then is not None else None
    metrics = compute_metrics(organisation=org, objectives=objectives, now=as_of.now, then=links)
    return Loaded(objectives, scope, then, links, metrics)


def _history(actor: Membership, cycle: Cycle, loaded: Loaded, as_of: AsOf) -> list[tuple[dt.datetime, float]]:
    """Mean progress of the loaded objectives at each sample (``trends.progress_history``)."""
    org = actor.organisation
    tz = org_time_zone(org)
    samples = history_samples(start=cycle.start_date, end=cycle.end_date, moment=as_of.moment, tz=tz)
    if not samples or not loaded.objectives:
        return []
    ids = {o.pk for o in loaded.objectives}
    classic: dict[int, list[tuple[int, float]]] = {}
    if org.child_blend > 0:
        links = Alignment.objects.filter(organisation_id=org.pk, parent_id__in=loaded.scope.values("pk"))
        for child, parent, weight in aligned(links, loaded.links, ids):
            if child in ids:
                classic.setdefault(parent, []).append((child, weight))
    krs = KeyResult.objects.filter(organisation_id=org.pk, objective__in=loaded.scope.values("pk"))
    read = readings(key_results=krs, samples=samples)
    return progress_history(organisation=org, objectives=loaded.objectives, samples=samples, read=read, classic=classic)


def _counts(loaded: Loaded, pairs: list[tuple[Objective, KeyResult]]) -> tuple[dict[str, int], int]:
    counts = dict.fromkeys(STATUS_ORDER, 0)
    done = 0
    for _o, kr in pairs:
        km = loaded.metrics.kr(kr)
        counts[km.status] = counts.get(km.status, 0) + 1
        done += km.status != engine.STATUS_CANCELLED and km.progress >= 1.0
    return counts, done


# --- Team ---------------------------------------------------------------------------------------


@dataclass
class TeamSummary:
    team_id: int
    cycle_id: int
    day: dt.date
    is_today: bool
    computed_at: dt.datetime
    objective_count: int
    key_result_count: int
    done_count: int
    progress: float | None
    expected: float
    status: str
    status_counts: dict[str, int]
    heat: list[HeatRow]
    at_risk: Sequence[ListEntry]
    stale: Sequence[ListEntry]
    history: list[tuple[dt.datetime, float]]
    forecast: float | None
    discipline: list[DisciplineRow]
    cache_key: str = ""
    compute_seconds: float = 0.0
    behind: bool = False  # shown after a write it does not include yet (``kept``)


def team_dashboard_summary(*, actor: Membership, team: Team, cycle: Cycle, as_of: AsOf) -> TeamSummary:
    view, compute = team_view(actor, team, cycle, as_of)
    return _kept(actor, cycle, as_of, view, compute, kept.Refresh("team", actor.pk, cycle.pk, team.pk, _day(as_of)))


def team_view(actor: Membership, team: Team, cycle: Cycle, as_of: AsOf) -> tuple[str, Callable[[], TeamSummary]]:
    """The team dashboard's cache key (without the data version) and how to compute it."""
    if team.organisation_id != actor.organisation_id:
        raise Http404("No such team.")
    view = _view(actor, cycle, as_of, f"team-{team.pk}")
    return view, lambda: compute_team_summary(actor=actor, team=team, cycle=cycle, as_of=as_of)


def compute_team_summary(*, actor: Membership, team: Team, cycle: Cycle, as_of: AsOf) -> TeamSummary:
    org = actor.organisation
    rows = team_list(actor=actor, include_archived=True).values_list("id", "parent_id", "name", "slug", "archived_at")
    # Archived teams below stay out of the map (as everywhere); the team itself may be archived.
    teams = [(tid, pid, name, slug) for tid, pid, name, slug, archived in rows if archived is None or tid == team.pk]
    subtree = subtree_ids(teams, team.pk)
    loaded = load_scoped(actor, cycle, as_of, Q(team_id__in=subtree), keep=lambda o: o.team_id in subtree)
    expected = engine.expected_progress(start=cycle.start_date, end=cycle.end_date, on=as_of.day)
    thresholds = engine.PaceThresholds(on_track=org.pace_on_track, at_risk=org.pace_at_risk)
    progress_by_obj = {o.pk: loaded.metrics.objective(o).progress for o in loaded.objectives}
    pairs = [(o, kr) for o in loaded.objectives for kr in o.key_results.all()]
    counts, done = _counts(loaded, pairs)
    progress = engine.team_progress(progress_by_obj.values())
    history = _history(actor, cycle, loaded, as_of)
    tz = org_time_zone(org)
    return TeamSummary(
        team_id=team.pk,
        cycle_id=cycle.pk,
        day=as_of.day,
        is_today=as_of.is_today,
        computed_at=timezone.now(),
        objective_count=len(loaded.objectives),
        key_result_count=len(pairs),
        done_count=done,
        progress=progress,
        expected=expected,
        status=(
            engine.STATUS_NOT_STARTED
            if progress is None
            else engine.pace_status(progress=progress, expected=expected, thresholds=thresholds)
        ),
        status_counts=counts,
        heat=heat_rows(
            teams,
            [team.pk],
            [(o.team_id, progress_by_obj[o.pk]) for o in loaded.objectives],
            expected=expected,
            thresholds=thresholds,
        ),
        at_risk=_at_risk(pairs, loaded.metrics),
        stale=_stale(pairs, loaded.metrics, midnight(cycle.start_date, tz), as_of),
        history=history,
        forecast=forecast(start=cycle.start_date, end=cycle.end_date, history=history, moment=as_of.moment, tz=tz),
        discipline=discipline_by_person(
            cycle, team_ids=subtree, as_of=None if as_of.is_today else as_of.day, actor=actor
        ),
    )


# --- Person -------------------------------------------------------------------------------------


@dataclass
class PersonKeyResult:
    kr_id: int
    title: str
    objective_id: int
    objective_title: str
    status: str
    progress: float
    expected: float
    confidence: float | str  # on the organisation's scale
    trend: list[tuple[dt.datetime, int]] = field(default_factory=list)  # (when, 0–10) oldest first
    last_checkin_at: dt.datetime | None = None


@dataclass
class PersonSummary:
    member_id: int
    cycle_id: int
    day: dt.date
    is_today: bool
    key_results: list[PersonKeyResult]
    status_counts: dict[str, int]
    at_risk: Sequence[ListEntry]
    stale: Sequence[ListEntry]
    discipline: DisciplineRow
    periods: list[Period]
    computed_at: dt.datetime = field(default_factory=timezone.now)
    cache_key: str = ""
    compute_seconds: float = 0.0
    behind: bool = False  # shown after a write it does not include yet (``kept``)


def person_dashboard_summary(*, actor: Membership, member: Membership, cycle: Cycle, as_of: AsOf) -> PersonSummary:
    view, compute = person_view(actor, member, cycle, as_of)
    refresh = kept.Refresh("person", actor.pk, cycle.pk, member.pk, _day(as_of))
    return _kept(actor, cycle, as_of, view, compute, refresh)


def person_view(
    actor: Membership, member: Membership, cycle: Cycle, as_of: AsOf
) -> tuple[str, Callable[[], PersonSummary]]:
    """The person dashboard's cache key (without the data version) and how to compute it."""
    if member.organisation_id != actor.organisation_id:
        raise Http404("No such member.")
    view = _view(actor, cycle, as_of, f"person-{member.pk}")
    return view, lambda: compute_person_summary(actor=actor, member=member, cycle=cycle, as_of=as_of)


def _trends(kr_ids: list[int], moment: dt.datetime) -> dict[int, list[tuple[dt.datetime, int]]]:
    """Each key result's confidence readings before ``moment``, oldest first (one query)."""
    out: dict[int, list[tuple[dt.datetime, int]]] = {}
    rows = (
        CheckIn.objects.filter(key_result_id__in=kr_ids, created_at__lt=moment)
        .order_by("key_result_id", "created_at", "id")
        .values_list("key_result_id", "created_at", "confidence")
    )
    for kr_id, when, confidence in rows:
        out.setdefault(kr_id, []).append((when, confidence))
    return {k: v[-CONFIDENCE_POINTS:] for k, v in out.items()}


def compute_person_summary(*, actor: Membership, member: Membership, cycle: Cycle, as_of: AsOf) -> PersonSummary:
    org = actor.organisation
    theirs = KeyResult.objects.filter(organisation_id=org.pk, owner_id=member.pk, objective__cycle_id=cycle.pk)
    loaded = load_scoped(actor, cycle, as_of, Q(pk__in=theirs.values("objective_id")))
    pairs = [(o, kr) for o in loaded.objectives for kr in o.key_results.all() if kr.owner_id == member.pk]
    counts, _done = _counts(loaded, pairs)
    trends = _trends([kr.pk for _o, kr in pairs], as_of.moment)
    rows = []
    for o, kr in pairs:
        km = loaded.metrics.kr(kr)
        rows.append(
            PersonKeyResult(
                kr.pk,
                kr.title,
                o.pk,
                o.title,
                km.status,
                km.progress,
                km.expected,
                km.confidence_display,
                trends.get(kr.pk, []),
                kr.last_checkin_at,
            )
        )
    day = None if as_of.is_today else as_of.day
    periods = discipline_timeline(cycle, owner_id=member.pk, as_of=day, actor=actor)
    outcomes = [p.outcome for p in periods]
    on_time, late, missed = outcomes.count(ON_TIME), outcomes.count(LATE), outcomes.count(MISSED)
    due = on_time + late + missed
    name = member.user.get_full_name()
    tz = org_time_zone(org)
    return PersonSummary(
        member_id=member.pk,
        cycle_id=cycle.pk,
        day=as_of.day,
        is_today=as_of.is_today,
        key_results=rows,
        status_counts=counts,
        at_risk=_at_risk(pairs, loaded.metrics),
        stale=_stale(pairs, loaded.metrics, midnight(cycle.start_date, tz), as_of),
        discipline=DisciplineRow(name, member.pk, on_time, late, missed, on_time / due if due else None),
        periods=periods,
    )
