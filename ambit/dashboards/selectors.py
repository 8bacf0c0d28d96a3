"""Reads behind the organisation dashboard: headline numbers, the team heat map, the at-risk and
stale lists, check-in discipline and progress over time, for one cycle, today or as of a past day.

Cost is built to stay flat from a 200-person organisation to a 10,000-person one:

- The parts that need the Python engine over every key result of the cycle are computed once per
  change and kept in Django's cache (``DashboardSummary``). The key holds the organisation, the
  cycle, the day shown, a cheap data version (the newest audit entry and the newest check-in of the
  organisation: every service write is audited, so any write moves it) and a fingerprint of the
  objectives the viewer may see (members who see the same objectives share one entry).
- A request that finds the summary cached runs a fixed, small number of queries: the version, the
  fingerprint (members only) and the 20 rows each list shows.
- After a write, a summary that takes a second or more (a large organisation) is not computed in
  the request: the previous one is shown, with its time, while the background worker computes the
  next (``kept``), so the first view after a write costs what a cached one does.
- Check-ins are never loaded one by one: discipline is counted in SQL (one aggregate over the
  weeks' range of check-ins), and progress over time reads, per key result, only its latest
  check-in before each sample date (both along the ``(key_result, created_at)`` index); see
  ``selectors_dashboard_trends``.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import math
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ambit.accounts.models import Membership, Organisation
from ambit.accounts.selectors import team_list
from ambit.dashboards import kept
from ambit.dashboards.entries import ListEntry, PackedEntries
from ambit.dashboards.heat import NO_DATA, HeatRow, TeamTuple, children_of, heat_rows
from ambit.dashboards.rewind import KEY_RESULT, OBJECTIVE, Then, changes_since, checkin_annotations, rewind
from ambit.dashboards.trends import (
    DisciplineWeek,
    discipline,
    discipline_weeks,
    forecast,
    history_samples,
    midnight,
    progress_history,
    readings,
)
from ambit.okrs import engine
from ambit.okrs.metrics import Metrics, compute_metrics
from ambit.okrs.metrics_then import LinksThen, aligned
from ambit.okrs.models import (
    Alignment,
    Cycle,
    KeyResult,
    Objective,
    ObjectiveState,
    Visibility,
)
from ambit.okrs.prefetch import attach_key_results
from ambit.okrs.selectors import objective_list

CACHE_PREFIX = "ambit:dashboard:v3"  # v3: packed lists (entries.PackedEntries)
# Today's summary also depends on the clock (staleness, expected pace): recompute at least this often.
TODAY_TTL_SECONDS = 10 * 60
PAST_TTL_SECONDS = 24 * 60 * 60
PAGE_SIZE = 20

AT_RISK_STATUSES = (engine.STATUS_BEHIND, engine.STATUS_AT_RISK)
# Headline order: the statuses people act on first, then the quiet ones.
STATUS_ORDER = (
    engine.STATUS_ON_TRACK,
    engine.STATUS_AT_RISK,
    engine.STATUS_BEHIND,
    engine.STATUS_STALE,
    engine.STATUS_NOT_STARTED,
    engine.STATUS_CLOSED,
    engine.STATUS_CANCELLED,
)
# Objectives that were running (and so count) on a past day.
_COUNTED_OBJECTIVE_STATES = (ObjectiveState.ACTIVE, ObjectiveState.CLOSED)


# --- The day shown ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AsOf:
    """The day the dashboard shows. ``moment`` is the exclusive end of what is known: now for
    today, the start of the next day (in the organisation's time zone) for a past day."""

    day: dt.date
    moment: dt.datetime
    is_today: bool

    @property
    def now(self) -> dt.datetime:
        """The instant the engine reads the cycle at (still inside ``day``)."""
        return self.moment if self.is_today else self.moment - dt.timedelta(microseconds=1)


def org_time_zone(organisation: Organisation) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(organisation.time_zone or "UTC")


def org_today(organisation: Organisation, now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or timezone.now(), org_time_zone(organisation)).date()


def dashboard_as_of(*, organisation: Organisation, day: dt.date | None, now: dt.datetime | None = None) -> AsOf:
    """Today (``day`` None, today or later), or the end of a past ``day``."""
    now = now or timezone.now()
    today = org_today(organisation, now)
    if day is None or day >= today:
        return AsOf(day=today, moment=now, is_today=True)
    return AsOf(day=day, moment=midnight(day + dt.timedelta(days=1), org_time_zone(organisation)), is_today=False)


# --- What the summary holds (pickled into the cache: plain data only) --------------------------


@dataclass
class HeatCell:
    team_id: int
    name: str
    slug: str
    progress: float | None
    objective_count: int
    status: str  # a pace status, or NO_DATA without objectives


@dataclass
class HeatGroup:
    """A top-level team (a department) and the teams right under it."""

    cell: HeatCell
    children: list[HeatCell] = field(default_factory=list)


@dataclass
class DashboardSummary:
    cycle_id: int
    day: dt.date
    is_today: bool
    computed_at: dt.datetime
    objective_count: int
    progress: float | None
    expected: float
    status_counts: dict[str, int]
    key_result_count: int
    done_count: int
    days_left: int  # whole days after the day shown, up to the cycle's last day
    days_to_start: int  # before the cycle: days until it starts
    heatmap: list[HeatGroup]
    at_risk: Sequence[ListEntry]  # PackedEntries
    stale: Sequence[ListEntry]
    discipline: list[DisciplineWeek]
    history: list[tuple[dt.datetime, float]]
    forecast: float | None
    status: str  # the overall progress against the expected pace, by the charter's thresholds
    cache_key: str = ""  # where it is cached; parts rendered from it may be cached beside it
    compute_seconds: float = 0.0  # how long it took to compute
    behind: bool = False  # shown after a write it does not include yet (see ``dashboard_summary``)
    heat: list[HeatRow] = field(default_factory=list)  # every team below the company, at any depth

    def may_stand_in(self, now: dt.datetime) -> bool:
        """Without a worker, may this summary be shown after a write it predates (``kept``)?"""
        return kept.may_stand_in(self, now)


# --- Cache key --------------------------------------------------------------------------------


def _objectives_seen(actor: Membership, cycle: Cycle) -> QuerySet[Objective]:
    # Cancelled ones too: on a past day they may still have been running.
    return objective_list(actor=actor, cycle=cycle, with_key_results=False)


def visibility_fingerprint(*, actor: Membership, cycle: Cycle) -> str:
    """Which objectives of the cycle the actor may see, as a short key. Champions and admins see
    everything. Anyone else sees every public objective (the same for all, and any change to one
    moves the data version) plus the team and private ones visibility lets them: the hash of those
    ids (one query returning only them), so members who see the same objectives share a summary."""
    if actor.is_org_wide_editor:
        return "all"
    extra = _objectives_seen(actor, cycle).exclude(visibility=Visibility.PUBLIC).values_list("pk", flat=True)
    ids = ",".join(map(str, sorted(extra)))
    return "public+" + hashlib.blake2b(ids.encode(), digest_size=12).hexdigest()


def _view_key(actor: Membership, cycle: Cycle, as_of: AsOf) -> str:
    """What is being looked at, whatever the data version: organisation, cycle, day, visibility."""
    seen = visibility_fingerprint(actor=actor, cycle=cycle)
    return f"{CACHE_PREFIX}:{actor.organisation_id}:{cycle.pk}:{as_of.day.isoformat()}:{seen}"


def organisation_view(actor: Membership, cycle: Cycle, as_of: AsOf) -> tuple[str, Callable[[], DashboardSummary]]:
    """The view's cache key (without the data version) and how to compute its summary."""
    if cycle.organisation_id != actor.organisation_id:
        raise Http404("No such cycle.")
    return _view_key(actor, cycle, as_of), lambda: compute_dashboard_summary(actor=actor, cycle=cycle, as_of=as_of)


def dashboard_summary(*, actor: Membership, cycle: Cycle, as_of: AsOf) -> DashboardSummary:
    """The kept summary for the actor's view of ``cycle`` on ``as_of.day``: computed on a miss,
    or, when it is slow to compute, the previous one (marked ``behind``) while the worker
    computes the next (see ``kept``)."""
    view, compute = organisation_view(actor, cycle, as_of)
    refresh = kept.Refresh("organisation", actor.pk, cycle.pk, None, None if as_of.is_today else as_of.day)
    return kept.kept(
        organisation_id=actor.organisation_id, view=view, seconds=cache_seconds(as_of), compute=compute, refresh=refresh
    )


def cache_seconds(as_of: AsOf) -> int:
    return TODAY_TTL_SECONDS if as_of.is_today else PAST_TTL_SECONDS


# --- Computing the summary --------------------------------------------------------------------


def compute_dashboard_summary(*, actor: Membership, cycle: Cycle, as_of: AsOf) -> DashboardSummary:
    org = actor.organisation
    objectives, then = _load_objectives(actor, cycle, as_of)
    links = then.links_at(as_of.moment) if then is not None else None
    metrics = compute_metrics(organisation=org, objectives=objectives, now=as_of.now, then=links)
    expected = engine.expected_progress(start=cycle.start_date, end=cycle.end_date, on=as_of.day)
    thresholds = engine.PaceThresholds(on_track=org.pace_on_track, at_risk=org.pace_at_risk)
    progress_by_obj = {o.pk: metrics.objective(o).progress for o in objectives}

    counts = dict.fromkeys(STATUS_ORDER, 0)
    key_results = [(o, kr) for o in objectives for kr in o.key_results.all()]
    done = 0
    for _o, kr in key_results:
        km = metrics.kr(kr)
        counts[km.status] = counts.get(km.status, 0) + 1
        done += km.status != engine.STATUS_CANCELLED and km.progress >= 1.0
    tz = org_time_zone(org)
    history = _history(actor, cycle, objectives, as_of, tz, links)
    progress = engine.organisation_progress(progress_by_obj.values())
    teams: list[TeamTuple] = list(team_list(actor=actor).values_list("id", "parent_id", "name", "slug"))
    return DashboardSummary(
        cycle_id=cycle.pk,
        day=as_of.day,
        is_today=as_of.is_today,
        computed_at=timezone.now(),
        objective_count=len(objectives),
        progress=progress,
        expected=expected,
        status_counts=counts,
        key_result_count=len(key_results),
        done_count=done,
        days_left=max(0, (cycle.end_date - max(as_of.day, cycle.start_date)).days),
        days_to_start=max(0, (cycle.start_date - as_of.day).days),
        heatmap=_heatmap(teams, objectives, progress_by_obj, expected, thresholds),
        heat=heat_rows(
            teams,
            _first_level(teams),
            [(o.team_id, progress_by_obj[o.pk]) for o in objectives],
            expected=expected,
            thresholds=thresholds,
        ),
        at_risk=_at_risk(key_results, metrics),
        stale=_stale(key_results, metrics, midnight(cycle.start_date, tz), as_of),
        discipline=_discipline(actor, cycle, as_of, tz, then),
        history=history,
        forecast=forecast(start=cycle.start_date, end=cycle.end_date, history=history, moment=as_of.moment, tz=tz),
        status=(
            engine.STATUS_NOT_STARTED
            if progress is None
            else engine.pace_status(progress=progress, expected=expected, thresholds=thresholds)
        ),
    )


def objectives_as_of(actor: Membership, cycle: Cycle, scope: QuerySet[Objective], as_of: AsOf) -> list[Objective]:
    """The objectives of ``scope`` (all in ``cycle``) with their key results, milestones and
    checkpoints (four queries); on a past day only what existed then, each key result annotated
    with its latest check-in by then (not yet rewound: see ``rewind``)."""
    qs = scope.select_related(None).defer("description")
    krs = KeyResult.objects.filter(organisation_id=actor.organisation_id, objective__in=qs.values("pk"))
    krs = krs.defer("description")
    loaded = krs
    if as_of.is_today:
        qs = qs.exclude(state=ObjectiveState.CANCELLED)
    else:
        qs = qs.filter(created_at__lt=as_of.moment)
        krs = krs.filter(created_at__lt=as_of.moment)
        loaded = krs.annotate(**checkin_annotations(as_of.moment))
    objectives = list(qs)
    # Every objective is in ``cycle``: share one copy of it (rewound later) instead of a join.
    shared = copy.copy(cycle)
    for o in objectives:
        o._state.fields_cache["cycle"] = shared
    # prefetch_related by hand: Django's builds a queryset per instance (seconds over 13,000 key results).
    attach_key_results(objectives, loaded, key_result_ids=krs.values("pk"))
    return objectives


def _load_objectives(actor: Membership, cycle: Cycle, as_of: AsOf) -> tuple[list[Objective], Then | None]:
    """The objectives the actor sees in ``cycle`` with their key results, milestones and
    checkpoints loaded (four queries), rewound to ``as_of`` for a past day (one more query, the
    audit entries since; see ``rewind``): only what existed then, each key result's latest
    check-in by then, and states, weights, targets and teams as they were. Returns what was
    different then too (None for today)."""
    objectives = objectives_as_of(actor, cycle, _objectives_seen(actor, cycle), as_of)
    if as_of.is_today:
        return objectives, None
    then = rewind(changes_since(actor.organisation_id, as_of.moment))
    then.rewind_objectives(objectives)
    return [o for o in objectives if o.state != ObjectiveState.CANCELLED], then


# --- Heat map ---------------------------------------------------------------------------------


def _first_level(teams: Sequence[TeamTuple]) -> list[int]:
    """The top of the map: the company's departments (its children), or every root if there are several."""
    children = children_of(teams)
    roots = children.get(None, [])
    return children.get(roots[0], []) if len(roots) == 1 else roots


def _heatmap(
    teams: Sequence[TeamTuple],
    objectives: Sequence[Objective],
    progress_by_obj: dict[int, float],
    expected: float,
    thresholds: engine.PaceThresholds,
) -> list[HeatGroup]:
    """The top two levels under the company (its departments and their teams), each with the
    engine's ``team_progress`` of the objectives anywhere in its subtree."""
    info = {tid: (name, slug) for tid, _, name, slug in teams}
    children: dict[int | None, list[int]] = {}
    for tid, pid, _, _ in teams:
        children.setdefault(pid, []).append(tid)
    roots = children.get(None, [])
    # One company at the top: its progress is the headline, the map starts below it.
    first = children.get(roots[0], []) if len(roots) == 1 else roots
    second = {t: children.get(t, []) for t in first}
    top_of: dict[int, tuple[int, int | None]] = {}  # team → (first-level ancestor, second-level one)
    for t in first:
        top_of[t] = (t, None)
        for s in second[t]:
            stack = [s]
            while stack:
                node = stack.pop()
                if node in top_of:
                    continue  # a loop the services refuse; never walk forever on bad data
                top_of[node] = (t, s)
                stack.extend(children.get(node, []))
    values: dict[int, list[float]] = {}
    for o in objectives:
        where = top_of.get(o.team_id) if o.team_id is not None else None
        if where is None:
            continue
        for top in where:
            if top is not None:
                values.setdefault(top, []).append(progress_by_obj[o.pk])

    def cell(tid: int) -> HeatCell:
        progress = engine.team_progress(values.get(tid, []))
        status = NO_DATA
        if progress is not None:
            status = engine.pace_status(progress=progress, expected=expected, thresholds=thresholds)
        name, slug = info[tid]
        return HeatCell(tid, name, slug, progress, len(values.get(tid, [])), status)

    def by_name(ids: Iterable[int]) -> list[int]:
        return sorted(ids, key=lambda t: (info[t][0].lower(), t))

    return [HeatGroup(cell(t), [cell(s) for s in by_name(second[t])]) for t in by_name(first)]


# --- Lists ------------------------------------------------------------------------------------


def _at_risk(key_results: Sequence[tuple[Objective, KeyResult]], metrics: Metrics) -> PackedEntries:
    """Behind or at risk, worst first: the largest shortfall against the expected pace."""
    out = []
    for _o, kr in key_results:
        km = metrics.kr(kr)
        if km.status in AT_RISK_STATUSES:
            out.append(ListEntry(kr.pk, km.status, km.progress, km.expected))
    return PackedEntries(sorted(out, key=lambda e: (e.gap, e.kr_id)))


def _stale(
    key_results: Sequence[tuple[Objective, KeyResult]], metrics: Metrics, cycle_start: dt.datetime, as_of: AsOf
) -> PackedEntries:
    """Stale, worst first: the longest silence (counted from the cycle start, or from when the key
    result was added, when it was never checked in)."""
    out = []
    for _o, kr in key_results:
        km = metrics.kr(kr)
        if km.status != engine.STATUS_STALE:
            continue
        since = kr.last_checkin_at or max(cycle_start, kr.created_at)
        days = max(0, (as_of.now - since).days)
        out.append(ListEntry(kr.pk, km.status, km.progress, km.expected, since, days, kr.last_checkin_at))
    return PackedEntries(sorted(out, key=lambda e: (e.silent_since or as_of.now, e.kr_id)))


@dataclass
class DashboardRow:
    key_result: KeyResult
    entry: ListEntry


def dashboard_rows(*, actor: Membership, entries: Sequence[ListEntry]) -> list[DashboardRow]:
    """The key results of ``entries`` (one page of a list) with objective, team and owner, in one
    query, in the entries' order. Scoped to the actor's organisation."""
    ids = [e.kr_id for e in entries]
    krs = KeyResult.objects.filter(organisation_id=actor.organisation_id, pk__in=ids).select_related(
        "objective__team", "owner__user"
    )
    by_id = {kr.pk: kr for kr in krs}
    return [DashboardRow(by_id[e.kr_id], e) for e in entries if e.kr_id in by_id]


@dataclass(frozen=True)
class Page:
    number: int
    count: int  # pages in all
    total: int  # entries in all
    entries: list[ListEntry]

    @property
    def first_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + len(self.entries)

    @property
    def has_next(self) -> bool:
        return self.number < self.count

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_of(entries: Sequence[ListEntry], number: int) -> Page:
    count = max(1, math.ceil(len(entries) / PAGE_SIZE))
    number = min(max(1, number), count)
    start = (number - 1) * PAGE_SIZE
    return Page(number, count, len(entries), list(entries[start : start + PAGE_SIZE]))


# --- Over time (computed in selectors_dashboard_trends, scoped here) ----------------------------


def _key_results_seen(actor: Membership, cycle: Cycle) -> QuerySet[KeyResult]:
    seen = _objectives_seen(actor, cycle)
    return KeyResult.objects.filter(organisation_id=actor.organisation_id, objective__in=seen.values("pk"))


def _discipline(actor: Membership, cycle: Cycle, as_of: AsOf, tz: dt.tzinfo, then: Then | None) -> list[DisciplineWeek]:
    """Key results of the running (or since closed) objectives the actor sees (on a past day:
    running then, with the objective and key-result states then)."""
    live = _objectives_seen(actor, cycle).filter(state__in=_COUNTED_OBJECTIVE_STATES)
    kr_states: dict[int, Any] = {}
    if then is not None:
        states = then.changed(OBJECTIVE, "state")
        if states:
            revived = [pk for pk, state in states.items() if state in _COUNTED_OBJECTIVE_STATES]
            live = _objectives_seen(actor, cycle).filter(Q(state__in=_COUNTED_OBJECTIVE_STATES) | Q(pk__in=revived))
            live = live.exclude(pk__in=[pk for pk in states if pk not in revived])
        kr_states = then.changed(KEY_RESULT, "state")
    krs = KeyResult.objects.filter(organisation_id=actor.organisation_id, objective__in=live.values("pk"))
    weeks = discipline_weeks(start=cycle.start_date, end=cycle.end_date, day=as_of.day)
    return discipline(
        organisation=actor.organisation, key_results=krs, weeks=weeks, moment=as_of.moment, tz=tz, states=kr_states
    )


def _history(
    actor: Membership,
    cycle: Cycle,
    objectives: Sequence[Objective],
    as_of: AsOf,
    tz: dt.tzinfo,
    then: LinksThen | None = None,
) -> list[tuple[dt.datetime, float]]:
    org = actor.organisation
    samples = history_samples(start=cycle.start_date, end=cycle.end_date, moment=as_of.moment, tz=tz)
    if not samples or not objectives:
        return []
    classic: dict[int, list[tuple[int, float]]] = {}
    if org.child_blend > 0:
        ids = {o.pk for o in objectives}
        seen = _objectives_seen(actor, cycle).values("pk")
        links = Alignment.objects.filter(organisation_id=org.pk, parent_id__in=seen)
        for child, parent, weight in aligned(links, then, ids):
            if child in ids:
                classic.setdefault(parent, []).append((child, weight))
    read = readings(key_results=_key_results_seen(actor, cycle), samples=samples)
    return progress_history(organisation=org, objectives=objectives, samples=samples, read=read, classic=classic)
