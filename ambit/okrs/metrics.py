"""Computed views: progress, status, forecast and score for a set of objectives, in a fixed
number of queries however many rows, by feeding the pure rules in ``ambit.okrs.engine``.

Callers pass objectives fetched by a selector (key results, milestones and checkpoints
prefetched). Objectives that feed them (duality children, and aligned children when the
charter blends them in) are loaded breadth-first, one level per round trip.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from ambit.accounts.models import Organisation
from ambit.okrs import engine
from ambit.okrs.history import CheckInRow, compact_history
from ambit.okrs.metrics_feeders import forecast_key_results, load_feeders
from ambit.okrs.metrics_initiatives import Tally, initiative_tallies, value_at
from ambit.okrs.metrics_then import LinksThen, aligned, feeding
from ambit.okrs.models import (
    Alignment,
    Cycle,
    CycleState,
    KeyResult,
    KeyResultKind,
    Objective,
    ObjectiveState,
)


@dataclass
class KRMetrics:
    progress: float
    attainment: float | None
    expected: float
    status: str
    confidence: int
    confidence_display: float | str
    due: bool
    suggested_score: float
    forecast: engine.Forecast | None = None
    warnings: list[str] = field(default_factory=list)
    # The score shown (the recorded one, else the suggestion) read against the objective's ambition.
    verdict: str = engine.VERDICT_MISSED
    # Attainment beyond the target read against the stretch target: 0 at the target, 1 at the
    # stretch; None without a stretch or before the target is reached.
    stretch_progress: float | None = None
    plan_start: dt.date | None = None
    # Progress comes from the child objective(s) created from it (duality), not from check-ins.
    linked: bool = False
    # The cycle's last day (inclusive): where the forecast lands ("… by 30 Jun").
    ends_on: dt.date | None = None
    # Progress is the share of its initiatives done ("3 of 5 done"), not its check-ins.
    initiatives: Tally | None = None

    @property
    def gap(self) -> float:
        return self.progress - self.expected


@dataclass
class ObjectiveMetrics:
    progress: float
    expected: float
    status: str
    suggested_score: float | None
    band: str | None
    confidence: float | None
    verdict: str | None = None
    plan_start: dt.date | None = None
    # How to read the score for this objective's ambition ("met only at 1.0, …").
    reading: str = ""

    @property
    def gap(self) -> float:
        return self.progress - self.expected


@dataclass
class Metrics:
    krs: dict[int, KRMetrics]
    objectives: dict[int, ObjectiveMetrics]

    def kr(self, key_result: KeyResult | int) -> KRMetrics:
        return self.krs[key_result if isinstance(key_result, int) else key_result.pk]

    def objective(self, objective: Objective | int) -> ObjectiveMetrics:
        return self.objectives[objective if isinstance(objective, int) else objective.pk]


def _f(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def kr_current_progress(kr: KeyResult) -> tuple[float, float | None]:
    """(progress, attainment) of a key result from its latest check-in (denormalised)."""
    milestones: tuple[engine.MilestoneState, ...] = ()
    if kr.kind == KeyResultKind.MILESTONES:
        done = set(kr.current_milestones_done or [])
        milestones = tuple(engine.MilestoneState(weight=m.weight, done=m.pk in done) for m in kr.milestones.all())
    has_value = kr.checkin_count > 0 or kr.last_checkin_at is not None
    current = _f(kr.current_value) if has_value else None
    if kr.kind == KeyResultKind.MILESTONES and not has_value:
        return 0.0, None
    attainment = engine.kr_attainment(
        kr.kind, start=_f(kr.start_value), target=_f(kr.target_value), current=current, milestones=milestones
    )
    return engine.clamp01(attainment) if attainment is not None else 0.0, attainment


def _as_aware(d: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(d, dt.time.min, tzinfo=tz)


def plan_start_on(item: Objective | KeyResult, cycle: Cycle, tz: dt.tzinfo) -> dt.date:
    """The day ``item``'s plan begins: its own ``plan_start``, else the later of the cycle start and
    the day (in the organisation's time zone) it was created."""
    created = timezone.localtime(item.created_at, tz).date() if item.created_at else cycle.start_date
    return engine.plan_start(
        explicit=item.plan_start, cycle_start=cycle.start_date, cycle_end=cycle.end_date, created=created
    )


def _child_edges(
    org: Organisation, objective_ids: set[int], then: LinksThen | None = None
) -> tuple[dict[int, list[tuple[int, float]]], dict[int, list[int]]]:
    classic: dict[int, list[tuple[int, float]]] = {}
    if org.child_blend > 0:
        links = Alignment.objects.filter(parent_id__in=objective_ids)
        for child, parent, weight in aligned(links, then, objective_ids):
            classic.setdefault(parent, []).append((child, weight))
    duality: dict[int, list[int]] = {}
    for oid, kr_id in feeding(Objective.objects.filter(source_key_result__objective_id__in=objective_ids), then):
        if kr_id is not None:
            duality.setdefault(kr_id, []).append(oid)
    return classic, duality


def _forecast_points(kr: KeyResult, history: Sequence[CheckInRow]) -> list[engine.Reading]:
    """The readings the forecast fits: values, or for a checklist the engine's share done then.
    Each carries its id and the id it corrects, so the engine puts corrections in place."""
    if kr.kind != KeyResultKind.MILESTONES:
        return [
            engine.Reading(at=c.created_at, value=float(c.value), id=c.pk, corrects=c.corrects_id)
            for c in history
            if c.value is not None
        ]
    milestones = list(kr.milestones.all())
    points: list[engine.Reading] = []
    for c in history:
        done = set(c.milestones_done or [])
        ticked = tuple(engine.MilestoneState(weight=m.weight, done=m.pk in done) for m in milestones)
        share = engine.kr_progress(kr.kind, start=None, target=None, current=None, milestones=ticked)
        points.append(engine.Reading(at=c.created_at, value=share, id=c.pk, corrects=c.corrects_id))
    return points


# --- compute_metrics: load → build → roll up → assemble ----------------------------------------


@dataclass(frozen=True)
class _Clock:
    """The organisation's rules and the moment they are applied at: everything the engine needs
    besides the rows."""

    organisation: Organisation
    now: dt.datetime
    tz: dt.tzinfo
    today: dt.date
    period_start: dt.datetime  # start of the current check-in period
    thresholds: engine.PaceThresholds


@dataclass
class _Loaded:
    """What the database gives for one computation (every query of ``compute_metrics`` is here)."""

    asked: list[Objective]
    everything: list[Objective]  # the asked objectives, then the feeders loaded under them
    frozen: dict[int, float]  # feeders known by their stored roll-up only
    classic: dict[int, list[tuple[int, float]]]  # parent → (child, alignment weight)
    duality: dict[int, list[int]]  # key result → the live objectives created from it
    history: dict[int, list[CheckInRow]] | None  # check-ins per key result, for forecasts
    tallies: dict[int, Tally] = field(default_factory=dict)  # initiatives of key results counting them


@dataclass
class _Built:
    """Per key result metrics and the engine's tree, before the roll-up."""

    krs: dict[int, KRMetrics] = field(default_factory=dict)
    nodes: dict[int, engine.ObjectiveNode] = field(default_factory=dict)
    expected: dict[int, float] = field(default_factory=dict)  # per objective, from its cycle


def _clock(organisation: Organisation, now: dt.datetime | None) -> _Clock:
    now = now or timezone.now()
    tz = zoneinfo.ZoneInfo(organisation.time_zone or "UTC")
    today = timezone.localtime(now, tz).date()
    cadence = organisation.checkin_cadence_days
    # The check-in "week" starts on Monday (or every other Monday for a bi-weekly cadence).
    period_start_day = engine.checkin_period_start(today, cadence)
    return _Clock(
        organisation=organisation,
        now=now,
        tz=tz,
        today=today,
        period_start=_as_aware(period_start_day, tz),
        thresholds=engine.PaceThresholds(on_track=organisation.pace_on_track, at_risk=organisation.pace_at_risk),
    )


def _load_history(key_result_ids: list[int]) -> dict[int, list[CheckInRow]]:
    """The check-ins of ``key_result_ids``, oldest first, in one query (tuples, not instances)."""
    return compact_history(key_result_ids)


def _load(
    organisation: Organisation,
    objectives: list[Objective],
    *,
    with_forecast: bool,
    history: dict[int, list[CheckInRow]] | None,
    then: LinksThen | None = None,
    forecasts_of: set[int] | None = None,
) -> _Loaded:
    """Feeders, alignment edges and (for forecasts) check-in history: a fixed number of queries
    per level of feeders, whatever the number of rows."""
    wanted = forecast_key_results(objectives, forecasts_of) if with_forecast else None
    feeders, frozen, wanted = load_feeders(organisation, objectives, then, forecasts=with_forecast, wanted=wanted)
    everything = objectives + feeders
    classic, duality = _child_edges(organisation, {o.pk for o in everything}, then)
    if with_forecast and history is None:
        # Feeders too: a linked key result's forecast is its children's.
        history = _load_history([kr.pk for o in everything for kr in o.key_results.all()])
    elif with_forecast and history is not None:
        # A linked key result's forecast is its child objectives': when the caller's history
        # leaves theirs out, it comes from here, or the key result would be "too early" on one
        # page and projected on the next (issue 12).
        linked = {kr.pk for o in everything for kr in o.key_results.all() if kr.progress_from_children}
        if wanted is not None:
            linked &= wanted
        missing = [
            kr.pk
            for o in everything
            if o.source_key_result_id in linked
            for kr in o.key_results.all()
            if kr.pk not in history
        ]
        if missing:
            history = {**history, **_load_history(missing)}
    return _Loaded(
        asked=objectives,
        everything=everything,
        frozen=frozen,
        classic=classic,
        duality=duality,
        history=history if with_forecast else None,
        tallies=initiative_tallies(
            (k for o in everything for k in o.key_results.all()),
            moment=then.moment if then else None,
            with_times=with_forecast,
        ),
    )


def _due(clock: _Clock, obj: Objective, kr: KeyResult) -> bool:
    """Is a check-in of ``kr`` due this period: its cycle and objective run, and it has none yet."""
    running = obj.cycle.state in (CycleState.ACTIVE, CycleState.REVIEW) and obj.state == ObjectiveState.ACTIVE
    return running and not kr.is_cancelled and (kr.last_checkin_at is None or kr.last_checkin_at < clock.period_start)


def _kr_metrics(
    clock: _Clock,
    obj: Objective,
    kr: KeyResult,
    *,
    expected: float,
    history: Sequence[CheckInRow] | None,
    tally: Tally | None = None,
) -> KRMetrics:
    """One key result's numbers from the engine: progress, pace, status, forecast, suggested score
    (progress from ``tally``, its initiatives, for a key result that counts them)."""
    org = clock.organisation
    cycle = obj.cycle
    closed = obj.state == ObjectiveState.CLOSED or cycle.state == CycleState.CLOSED
    running = cycle.state in (CycleState.ACTIVE, CycleState.REVIEW) and obj.state == ObjectiveState.ACTIVE
    progress, attainment = kr_current_progress(kr) if tally is None else (tally.progress, tally.attainment)
    checkpoints = [(cp.date, cp.expected_progress) for cp in kr.checkpoints.all()]
    starts = plan_start_on(kr, cycle, clock.tz)
    if checkpoints or starts != cycle.start_date:
        expected = engine.expected_progress(start=starts, end=cycle.end_date, on=clock.today, checkpoints=checkpoints)
    stale = running and engine.is_stale(
        last_checkin_at=kr.last_checkin_at,
        active_since=_as_aware(starts, clock.tz),
        now=clock.now,
        cadence_days=org.checkin_cadence_days,
        grace_days=org.stale_grace_days,
    )
    status = engine.kr_status(
        cancelled=kr.is_cancelled or obj.state == ObjectiveState.CANCELLED,
        closed=closed,
        has_checkin=kr.last_checkin_at is not None or (tally is not None and tally.done > 0),
        stale=stale,
        progress=progress,
        expected=expected,
        thresholds=clock.thresholds,
    )
    fc = None
    bounds = (_as_aware(cycle.start_date, clock.tz), engine.cycle_end_instant(cycle.end_date, clock.tz))
    if tally is not None:
        fc = tally.forecast(kr, cycle_start=bounds[0], cycle_end=bounds[1])
    elif history:
        fc = engine.forecast(
            kind=kr.kind,
            start=_f(kr.start_value),
            target=_f(kr.target_value),
            stretch=_f(kr.stretch_target),
            cycle_start=bounds[0],
            cycle_end=bounds[1],
            points=_forecast_points(kr, history),
            created_at=kr.created_at,
        )
    return KRMetrics(
        progress=progress,
        attainment=attainment,
        expected=expected,
        status=status,
        confidence=kr.current_confidence,
        confidence_display=engine.to_scale(kr.current_confidence, org.confidence_scale),
        due=_due(clock, obj, kr),
        suggested_score=engine.suggest_score(attainment),
        forecast=fc,
        verdict=engine.score_verdict(
            kr.score if kr.score is not None else engine.suggest_score(attainment), obj.ambition
        ),
        stretch_progress=engine.stretch_progress(
            kr.kind,
            start=_f(kr.start_value),
            target=_f(kr.target_value),
            stretch=_f(kr.stretch_target),
            current=_f(kr.current_value) if kr.last_checkin_at is not None and tally is None else None,
        ),
        plan_start=starts,
        ends_on=cycle.end_date,
        initiatives=tally,
    )


def _build(clock: _Clock, loaded: _Loaded) -> _Built:
    """Every key result's metrics and the engine's node for every objective (feeders included)."""
    built = _Built()
    history = loaded.history or {}
    for obj in loaded.everything:
        cycle = obj.cycle
        cycle_expected = engine.expected_progress(start=cycle.start_date, end=cycle.end_date, on=clock.today)
        built.expected[obj.pk] = engine.expected_progress(
            start=plan_start_on(obj, cycle, clock.tz), end=cycle.end_date, on=clock.today
        )
        kr_nodes = []
        for kr in obj.key_results.all():
            built.krs[kr.pk] = _kr_metrics(
                clock, obj, kr, expected=cycle_expected, history=history.get(kr.pk), tally=loaded.tallies.get(kr.pk)
            )
            kr_nodes.append(
                engine.KRNode(
                    id=kr.pk,
                    weight=kr.weight,
                    progress=built.krs[kr.pk].progress,
                    cancelled=kr.is_cancelled,
                    from_children=tuple(loaded.duality.get(kr.pk, ())) if kr.progress_from_children else (),
                )
            )
        built.nodes[obj.pk] = engine.ObjectiveNode(
            id=obj.pk, key_results=tuple(kr_nodes), children=tuple(loaded.classic.get(obj.pk, ()))
        )
    return built


def _children_forecast(children: Sequence[int], loaded: _Loaded, built: _Built) -> float | None:
    """Where the child objectives are on course to land (their mean), None when any has no
    forecast: a linked key result is never projected from its own, superseded readings."""
    objectives = {o.pk: o for o in loaded.everything}
    landings: list[float] = []
    for oid in children:
        child = objectives.get(oid)
        if child is None:
            return None
        landing = engine.objective_forecast(
            [
                engine.KRForecast(
                    weight=kr.weight,
                    progress=built.krs[kr.pk].progress,
                    forecast=fc.progress if (fc := built.krs[kr.pk].forecast) is not None else None,
                    cancelled=kr.is_cancelled,
                )
                for kr in child.key_results.all()
            ]
        )
        if landing is None:
            return None
        landings.append(landing)
    return engine.mean(landings)


def _children_started(children: Sequence[int], loaded: _Loaded) -> bool:
    """Whether anyone has checked in below: on a child's key results, or (for a child known only by
    its stored roll-up) progress has moved."""
    by_id = {o.pk: o for o in loaded.everything}
    for oid in children:
        if oid in loaded.frozen:
            if loaded.frozen[oid] > 0:
                return True
        elif oid in by_id and any(kr.last_checkin_at is not None for kr in by_id[oid].key_results.all()):
            return True
    return False


def _follow_children(
    clock: _Clock, obj: Objective, kr: KeyResult, km: KRMetrics, progress: float, loaded: _Loaded, built: _Built
) -> None:
    """Duality: a key result that takes its progress from child objectives follows them in
    everything (PRODUCT.md section 3): status, suggested score, verdict and forecast come from the
    linked progress, it is never stale nor due on its own (its owners check in below), and its own
    readings (refused since, but possibly older) count for nothing."""
    children = loaded.duality[kr.pk]
    closed = obj.state == ObjectiveState.CLOSED or obj.cycle.state == CycleState.CLOSED
    km.linked = True
    km.progress = progress
    km.attainment = progress
    km.suggested_score = engine.suggest_score(progress)
    km.verdict = engine.score_verdict(kr.score if kr.score is not None else km.suggested_score, obj.ambition)
    km.stretch_progress = None
    km.due = False
    km.status = engine.kr_status(
        cancelled=kr.is_cancelled or obj.state == ObjectiveState.CANCELLED,
        closed=closed,
        has_checkin=_children_started(children, loaded),
        stale=False,
        progress=progress,
        expected=km.expected,
        thresholds=clock.thresholds,
    )
    km.forecast = None
    if loaded.history is not None:
        # Until the children can be projected, neither can it.
        landing = _children_forecast(children, loaded, built)
        end_value = value_at(kr, landing) if landing is not None else None
        km.forecast = engine.Forecast.too_early()
        if landing is not None and end_value is not None:
            km.forecast = engine.Forecast.landing(end_value, landing, landing, engine.FORECAST_LINEAR_FIT)


def _children_first(
    asked: Sequence[Objective], everything: Sequence[Objective], duality: dict[int, list[int]]
) -> list[Objective]:
    """The asked objectives and the loaded objectives created from their key results, each after
    every objective it is created from: a linked key result's forecast is read from its children's,
    so theirs (linked ones included) must be known first, whatever order the caller passed."""
    by_id = {o.pk: o for o in everything}
    order: list[Objective] = []
    seen: set[int] = set()
    stack: list[tuple[Objective, bool]] = [(o, False) for o in reversed(asked)]
    while stack:
        obj, expanded = stack.pop()
        if expanded:
            order.append(obj)
            continue
        if obj.pk in seen:
            continue
        seen.add(obj.pk)
        stack.append((obj, True))
        for kr in obj.key_results.all():
            for child_id in duality.get(kr.pk, ()):
                child = by_id.get(child_id)
                if child is not None and child.pk not in seen:
                    stack.append((child, False))
    return order


def _roll_up(clock: _Clock, loaded: _Loaded, built: _Built) -> engine.RollupResult:
    """The engine's roll-up over the tree; duality key results take their children's progress."""
    nodes = dict(built.nodes)
    for oid, stored in loaded.frozen.items():
        # A feeder known by its stored roll-up: a leaf whose one stand-in key result carries it.
        nodes[oid] = engine.ObjectiveNode(id=oid, key_results=(engine.KRNode(id=-oid, weight=1.0, progress=stored),))
    rolled = engine.rollup(nodes, child_blend=clock.organisation.child_blend)
    for obj in _children_first(loaded.asked, loaded.everything, loaded.duality):
        for kr in obj.key_results.all():
            effective = rolled.kr_progress.get(kr.pk)
            if (
                not kr.is_cancelled
                and effective is not None
                and kr.pk in built.krs
                and kr.progress_from_children
                and loaded.duality.get(kr.pk)
            ):
                _follow_children(clock, obj, kr, built.krs[kr.pk], effective, loaded, built)
    return rolled


def _objective_metrics(
    clock: _Clock, obj: Objective, *, krs: dict[int, KRMetrics], progress: float, expected: float
) -> ObjectiveMetrics:
    """One objective's numbers from its live key results' metrics and its rolled-up progress."""
    live = [kr for kr in obj.key_results.all() if not kr.is_cancelled]
    closed = obj.state == ObjectiveState.CLOSED or obj.cycle.state == CycleState.CLOSED
    status = engine.objective_status(
        cancelled=obj.state == ObjectiveState.CANCELLED,
        closed=closed,
        kr_statuses=[krs[kr.pk].status for kr in live],
        progress=progress,
        expected=expected,
        thresholds=clock.thresholds,
    )
    suggested = (
        engine.objective_score(
            [
                engine.Weighted(
                    progress=kr.score if kr.score is not None else krs[kr.pk].suggested_score, weight=kr.weight
                )
                for kr in live
            ]
        )
        if engine.scoring_started(today=clock.today, cycle_start=obj.cycle.start_date)
        else None
    )
    shown = obj.score if obj.score is not None else suggested
    return ObjectiveMetrics(
        progress=progress,
        expected=expected,
        status=status,
        suggested_score=suggested,
        band=engine.score_band(shown) if shown is not None else None,
        confidence=engine.mean_confidence(krs[kr.pk].confidence for kr in live),
        verdict=engine.score_verdict(shown, obj.ambition) if shown is not None else None,
        plan_start=plan_start_on(obj, obj.cycle, clock.tz),
        reading=engine.score_expectation(obj.ambition),
    )


def _assemble(clock: _Clock, loaded: _Loaded, built: _Built, rolled: engine.RollupResult) -> Metrics:
    objectives = {
        obj.pk: _objective_metrics(
            clock,
            obj,
            krs=built.krs,
            progress=rolled.objective_progress.get(obj.pk, 0.0),
            expected=built.expected[obj.pk],
        )
        for obj in loaded.asked
    }
    return Metrics(krs=built.krs, objectives=objectives)


def compute_metrics(
    *,
    organisation: Organisation,
    objectives: Iterable[Objective],
    now: dt.datetime | None = None,
    with_forecast: bool = False,
    history: dict[int, list[CheckInRow]] | None = None,
    then: LinksThen | None = None,
    forecasts_of: set[int] | None = None,
) -> Metrics:
    """Metrics for ``objectives`` (and every key result in them).

    ``with_forecast`` loads the check-in history of those key results in one query (or uses
    ``history`` when the caller already has it). ``then`` (a past day of the dashboard) links the
    objectives as they were linked at its moment. ``forecasts_of`` (ids among ``objectives``)
    limits the forecasts worked out to those objectives' key results when others' are not shown
    (others' may then be left out or too early; progress, status and scores are the same).
    Four steps: load what the rules need, build each key result's numbers and the engine's tree,
    roll progress up, assemble each objective's numbers.
    """
    clock = _clock(organisation, now)
    loaded = _load(
        organisation,
        list(objectives),
        with_forecast=with_forecast,
        history=history,
        then=then,
        forecasts_of=forecasts_of,
    )
    built = _build(clock, loaded)
    rolled = _roll_up(clock, loaded, built)
    return _assemble(clock, loaded, built, rolled)
