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

from django.db.models import Prefetch
from django.utils import timezone

from ambit.accounts.models import Organisation
from ambit.okrs import engine
from ambit.okrs.models import (
    Alignment,
    CheckIn,
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


def _load_feeders(org: Organisation, objectives: list[Objective]) -> tuple[list[Objective], dict[int, float]]:
    """Objectives outside the given set whose progress the set depends on.

    A feeder whose rolled-up progress is stored (``Objective.rolled_progress``) is returned as that
    number and not looked below; one without is loaded with its key results and walked further
    down. So the cost is one level of children when the store is up to date, whatever the size of
    the tree under them."""
    known = {o.pk for o in objectives}
    frontier_krs = {kr.pk for o in objectives for kr in o.key_results.all() if kr.progress_from_children}
    frontier_objs = set(known) if org.child_blend > 0 else set()
    extra: list[Objective] = []
    frozen: dict[int, float] = {}
    for _ in range(12):  # depth guard; real trees are 4–5 levels
        ids: set[int] = set()
        if frontier_krs:
            ids |= set(
                Objective.objects.filter(source_key_result_id__in=frontier_krs)
                .exclude(state=ObjectiveState.CANCELLED)
                .values_list("pk", flat=True)
            )
        if frontier_objs:
            ids |= set(Alignment.objects.filter(parent_id__in=frontier_objs).values_list("child_id", flat=True))
        ids -= known
        if not ids:
            break
        known |= ids
        stored: dict[int, float] = {
            pk: float(value)
            for pk, value in Objective.objects.filter(pk__in=ids, rolled_progress__isnull=False).values_list(
                "pk", "rolled_progress"
            )
            if value is not None
        }
        frozen.update(stored)
        ids -= stored.keys()
        if not ids:
            break
        batch = list(
            Objective.objects.filter(pk__in=ids)
            .select_related("cycle")
            .prefetch_related(
                Prefetch("key_results", queryset=KeyResult.objects.prefetch_related("milestones", "checkpoints"))
            )
        )
        extra.extend(batch)
        frontier_krs = {kr.pk for o in batch for kr in o.key_results.all() if kr.progress_from_children}
        frontier_objs = ids if org.child_blend > 0 else set()
    return extra, frozen


def _child_edges(
    org: Organisation, objective_ids: set[int]
) -> tuple[dict[int, list[tuple[int, float]]], dict[int, list[int]]]:
    classic: dict[int, list[tuple[int, float]]] = {}
    if org.child_blend > 0:
        for child, parent, weight in Alignment.objects.filter(parent_id__in=objective_ids).values_list(
            "child_id", "parent_id", "weight"
        ):
            classic.setdefault(parent, []).append((child, weight))
    duality: dict[int, list[int]] = {}
    for oid, kr_id in (
        Objective.objects.filter(source_key_result__objective_id__in=objective_ids)
        .exclude(state=ObjectiveState.CANCELLED)
        .values_list("pk", "source_key_result_id")
    ):
        duality.setdefault(kr_id, []).append(oid)
    return classic, duality


def _forecast_points(kr: KeyResult, history: Sequence[CheckIn]) -> list[tuple[dt.datetime, float]]:
    points: list[tuple[dt.datetime, float]] = []
    if kr.kind == KeyResultKind.MILESTONES:
        weights = {m.pk: m.weight for m in kr.milestones.all()}
        total = sum(weights.values()) or 1.0
        for c in history:
            points.append((c.created_at, sum(weights.get(i, 0.0) for i in c.milestones_done or []) / total))
    else:
        points = [(c.created_at, float(c.value)) for c in history if c.value is not None]
    return points


def compute_metrics(
    *,
    organisation: Organisation,
    objectives: Iterable[Objective],
    now: dt.datetime | None = None,
    with_forecast: bool = False,
    history: dict[int, list[CheckIn]] | None = None,
) -> Metrics:
    """Metrics for ``objectives`` (and every key result in them).

    ``with_forecast`` loads the check-in history of those key results in one query (or uses
    ``history`` when the caller already has it).
    """
    now = now or timezone.now()
    tz = zoneinfo.ZoneInfo(organisation.time_zone or "UTC")
    today = timezone.localtime(now, tz).date()
    objectives = list(objectives)
    thresholds = engine.PaceThresholds(on_track=organisation.pace_on_track, at_risk=organisation.pace_at_risk)
    cadence = organisation.checkin_cadence_days
    # The check-in "week" starts on Monday (or every other Monday for a bi-weekly cadence).
    period_start_day = today - dt.timedelta(
        days=today.weekday() + (7 if cadence == 14 and today.isocalendar()[1] % 2 == 0 else 0)
    )
    period_start = _as_aware(period_start_day, tz)

    feeders, frozen = _load_feeders(organisation, objectives)
    everything = objectives + feeders
    ids = {o.pk for o in everything}
    classic, duality = _child_edges(organisation, ids)

    kr_metrics: dict[int, KRMetrics] = {}
    nodes: dict[int, engine.ObjectiveNode] = {}
    expected_by_obj: dict[int, float] = {}
    all_krs: list[tuple[Objective, KeyResult]] = [(o, kr) for o in everything for kr in o.key_results.all()]
    if with_forecast and history is None:
        asked = {o.pk for o in objectives}
        wanted = [kr.pk for o, kr in all_krs if o.pk in asked]
        history = {}
        for c in (
            CheckIn.objects.filter(key_result_id__in=wanted)
            .only("id", "key_result_id", "created_at", "value", "milestones_done")
            .order_by("created_at", "id")
        ):
            history.setdefault(c.key_result_id, []).append(c)

    for obj in everything:
        cycle = obj.cycle
        cycle_start, cycle_end = _as_aware(cycle.start_date, tz), _as_aware(cycle.end_date + dt.timedelta(days=1), tz)
        expected = engine.expected_progress(start=cycle.start_date, end=cycle.end_date, on=today)
        expected_by_obj[obj.pk] = expected
        closed = obj.state == ObjectiveState.CLOSED or cycle.state == CycleState.CLOSED
        running = cycle.state in (CycleState.ACTIVE, CycleState.REVIEW) and obj.state == ObjectiveState.ACTIVE
        kr_nodes = []
        for kr in obj.key_results.all():
            progress, attainment = kr_current_progress(kr)
            checkpoints = [(cp.date, cp.expected_progress) for cp in kr.checkpoints.all()]
            kr_expected = (
                engine.expected_progress(start=cycle.start_date, end=cycle.end_date, on=today, checkpoints=checkpoints)
                if checkpoints
                else expected
            )
            active_since = max(cycle_start, kr.created_at)
            stale = running and engine.is_stale(
                last_checkin_at=kr.last_checkin_at,
                active_since=active_since,
                now=now,
                cadence_days=cadence,
                grace_days=organisation.stale_grace_days,
            )
            status = engine.kr_status(
                cancelled=kr.is_cancelled or obj.state == ObjectiveState.CANCELLED,
                closed=closed,
                has_checkin=kr.last_checkin_at is not None,
                stale=stale,
                progress=progress,
                expected=kr_expected,
                thresholds=thresholds,
            )
            fc = None
            if with_forecast and history is not None and kr.pk in history and history[kr.pk]:
                fc = engine.forecast(
                    kind=kr.kind,
                    start=_f(kr.start_value),
                    target=_f(kr.target_value),
                    cycle_start=cycle_start,
                    cycle_end=cycle_end,
                    points=_forecast_points(kr, history[kr.pk]),
                )
            kr_metrics[kr.pk] = KRMetrics(
                progress=progress,
                attainment=attainment,
                expected=kr_expected,
                status=status,
                confidence=kr.current_confidence,
                confidence_display=engine.to_scale(kr.current_confidence, organisation.confidence_scale),
                due=running
                and not kr.is_cancelled
                and (kr.last_checkin_at is None or kr.last_checkin_at < period_start),
                suggested_score=engine.suggest_score(attainment),
                forecast=fc,
            )
            kr_nodes.append(
                engine.KRNode(
                    id=kr.pk,
                    weight=kr.weight,
                    progress=progress,
                    cancelled=kr.is_cancelled,
                    from_children=tuple(duality.get(kr.pk, ())) if kr.progress_from_children else (),
                )
            )
        nodes[obj.pk] = engine.ObjectiveNode(
            id=obj.pk, key_results=tuple(kr_nodes), children=tuple(classic.get(obj.pk, ()))
        )

    for oid, stored in frozen.items():
        # A feeder known by its stored roll-up: a leaf whose one stand-in key result carries it.
        nodes[oid] = engine.ObjectiveNode(id=oid, key_results=(engine.KRNode(id=-oid, weight=1.0, progress=stored),))
    rolled = engine.rollup(nodes, child_blend=organisation.child_blend)
    obj_metrics: dict[int, ObjectiveMetrics] = {}
    for obj in objectives:
        live = [kr for kr in obj.key_results.all() if not kr.is_cancelled]
        for kr in live:
            eff = rolled.kr_progress.get(kr.pk)
            if eff is not None and kr.progress_from_children and duality.get(kr.pk):
                kr_metrics[kr.pk].progress = eff
        progress = rolled.objective_progress.get(obj.pk, 0.0)
        statuses = [kr_metrics[kr.pk].status for kr in live]
        closed = obj.state == ObjectiveState.CLOSED or obj.cycle.state == CycleState.CLOSED
        status = engine.objective_status(
            cancelled=obj.state == ObjectiveState.CANCELLED,
            closed=closed,
            kr_statuses=statuses,
            progress=progress,
            expected=expected_by_obj[obj.pk],
            thresholds=thresholds,
        )
        weighted = [
            engine.Weighted(
                progress=kr.score if kr.score is not None else kr_metrics[kr.pk].suggested_score, weight=kr.weight
            )
            for kr in live
        ]
        suggested = engine.objective_score(weighted)
        shown = obj.score if obj.score is not None else suggested
        confidences = [kr_metrics[kr.pk].confidence for kr in live]
        obj_metrics[obj.pk] = ObjectiveMetrics(
            progress=progress,
            expected=expected_by_obj[obj.pk],
            status=status,
            suggested_score=suggested,
            band=engine.score_band(shown, obj.ambition) if shown is not None else None,
            confidence=sum(confidences) / len(confidences) if confidences else None,
        )
    return Metrics(krs=kr_metrics, objectives=obj_metrics)
