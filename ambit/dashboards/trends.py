"""The dashboard's two views over time: check-in discipline per week and the organisation's
progress line. The caller (``selectors_dashboard``) scopes the querysets to what the acting member
may see; nothing here loads check-ins one by one.

A key result (or objective) counts from when it was created or first checked in, whichever came
first: imported or backfilled OKRs often carry check-ins older than the rows themselves.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, JSONField, OuterRef, Q, QuerySet, Subquery

from ambit.accounts.models import Organisation
from ambit.okrs import engine
from ambit.okrs.metrics_initiatives import InitiativeHistory, initiative_histories
from ambit.okrs.models import CheckIn, KeyResult, KeyResultKind, KeyResultState, Objective

DISCIPLINE_WEEKS = 8
HISTORY_MAX_POINTS = 16


def midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)


# --- Check-in discipline ----------------------------------------------------------------------


@dataclass
class DisciplineWeek:
    start: dt.date
    end: dt.date  # the Sunday, inclusive
    active: int
    on_time: int
    late: int
    missed: int
    complete: bool  # the week and its grace days are over, so "missed" is final


def discipline_weeks(*, start: dt.date, end: dt.date, day: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Monday–Sunday weeks: the last ``DISCIPLINE_WEEKS`` of the cycle ``start``–``end`` up to ``day``."""
    last = min(day, end)
    if last < start:
        return []
    monday = last - dt.timedelta(days=last.weekday())
    weeks = []
    for k in range(DISCIPLINE_WEEKS):
        first = monday - dt.timedelta(weeks=k)
        if first + dt.timedelta(days=6) < start:
            break
        weeks.append((first, first + dt.timedelta(days=6)))
    return weeks[::-1]


def discipline(
    *,
    organisation: Organisation,
    key_results: QuerySet[KeyResult],
    weeks: Sequence[tuple[dt.date, dt.date]],
    moment: dt.datetime,
    tz: dt.tzinfo,
    states: Mapping[int, str] | None = None,
) -> list[DisciplineWeek]:
    """Per week, of ``key_results`` active through it (active, and created before the week began
    or first checked in by the end of its grace days): how many were checked in during the week
    (on time), only in the organisation's grace days after it (late), or neither (missed).
    Nothing after ``moment`` counts; ``states`` gives the state at ``moment`` of key results whose
    state changed since (a past day of the dashboard).

    Two aggregate queries, whatever the size: distinct key results per week over the check-ins
    of the weeks' range (the ``(organisation, created_at)`` index), and the key results active
    in each week, each probing the ``(key_result, created_at)`` index once for its first check-in."""
    if not weeks:
        return []
    grace = dt.timedelta(days=organisation.stale_grace_days)
    bounds = []
    for start, end in weeks:
        ws, we = midnight(start, tz), midnight(end + dt.timedelta(days=1), tz)
        bounds.append((ws, min(we, moment), min(we + grace, moment), we + grace <= moment))
    active = key_results.filter(state=KeyResultState.ACTIVE)
    if states:
        revived = [pk for pk, state in states.items() if state == KeyResultState.ACTIVE]
        active = key_results.filter(Q(state=KeyResultState.ACTIVE) | Q(pk__in=revived))
        active = active.exclude(pk__in=[pk for pk in states if pk not in revived])
    heard: dict[str, Any] = {}
    existed: dict[str, Any] = {}
    first = CheckIn.objects.filter(key_result=OuterRef("pk")).order_by("created_at").values("created_at")[:1]
    for i, (ws, we, late_end, _complete) in enumerate(bounds):
        heard[f"on{i}"] = Count("key_result_id", distinct=True, filter=Q(created_at__gte=ws, created_at__lt=we))
        heard[f"any{i}"] = Count("key_result_id", distinct=True, filter=Q(created_at__gte=ws, created_at__lt=late_end))
        existed[f"a{i}"] = Count("pk", filter=Q(created_at__lt=ws) | Q(first_at__lt=late_end))
    heard_counts = CheckIn.objects.filter(
        organisation_id=organisation.pk,
        key_result_id__in=active.values("pk"),
        created_at__gte=bounds[0][0],
        created_at__lt=max(b[2] for b in bounds),
    ).aggregate(**heard)
    totals = active.annotate(first_at=Subquery(first)).aggregate(**existed)
    out = []
    for i, ((start, end), (_ws, _we, _late_end, complete)) in enumerate(zip(weeks, bounds, strict=True)):
        total = totals[f"a{i}"] or 0
        on_time, any_time = heard_counts[f"on{i}"] or 0, heard_counts[f"any{i}"] or 0
        out.append(DisciplineWeek(start, end, total, on_time, any_time - on_time, total - any_time, complete))
    return out


# --- Progress over time -----------------------------------------------------------------------


def history_samples(*, start: dt.date, end: dt.date, moment: dt.datetime, tz: dt.tzinfo) -> list[dt.datetime]:
    """When to read the organisation's progress: the cycle start, then every week (every few
    weeks in a long cycle: at most ``HISTORY_MAX_POINTS`` points), then ``moment``."""
    first = midnight(start, tz)
    last = min(moment, midnight(end + dt.timedelta(days=1), tz))
    if last <= first:
        return []
    weeks = math.ceil((last - first) / dt.timedelta(weeks=1))
    step = dt.timedelta(weeks=max(1, math.ceil(weeks / (HISTORY_MAX_POINTS - 1))))
    samples = [first]
    while samples[-1] + step < last:
        samples.append(samples[-1] + step)
    samples.append(last)
    return samples


def readings(*, key_results: QuerySet[KeyResult], samples: Sequence[dt.datetime]) -> dict[int, list[Any]]:
    """Each key result's latest reading before each sample (None before its first check-in): the
    value, or for a checklist the milestones ticked. Two queries (values, checklists), one row
    per key result, each reading one probe of the ``(key_result, created_at)`` index."""

    def latest(column: str, when: dt.datetime, **extra: Any) -> Subquery:
        # No "-id" tie-break: with it PostgreSQL sorts each key result's check-ins instead of
        # reading one index entry (2 s instead of 0.5 s at 13,000 key results). Two check-ins of one
        # key result at the very same instant would show either on the chart, nothing more.
        qs = CheckIn.objects.filter(key_result=OuterRef("pk"), created_at__lt=when).order_by("-created_at")
        return Subquery(qs.values(column)[:1], **extra)

    names = [f"s{i}" for i in range(len(samples))]
    out: dict[int, list[Any]] = {}
    values = key_results.exclude(kind=KeyResultKind.MILESTONES).annotate(
        **{n: latest("value", when) for n, when in zip(names, samples, strict=True)}
    )
    for pk, *got in values.values_list("pk", *names):
        out[pk] = got
    ticked = key_results.filter(kind=KeyResultKind.MILESTONES).annotate(
        **{n: latest("milestones_done", when, output_field=JSONField()) for n, when in zip(names, samples, strict=True)}
    )
    for pk, *got in ticked.values_list("pk", *names):
        out[pk] = got
    return out


def _progress_of(kr: KeyResult, reading: Any) -> float:
    if kr.kind == KeyResultKind.MILESTONES:
        done = set(reading or [])
        milestones = tuple(engine.MilestoneState(weight=m.weight, done=m.pk in done) for m in kr.milestones.all())
        return engine.kr_progress(kr.kind, start=None, target=None, current=None, milestones=milestones)
    current = float(reading) if reading is not None else None
    start = float(kr.start_value) if kr.start_value is not None else None
    target = float(kr.target_value) if kr.target_value is not None else None
    return engine.kr_progress(kr.kind, start=start, target=target, current=current)


def progress_history(
    *,
    organisation: Organisation,
    objectives: Sequence[Objective],
    samples: Sequence[dt.datetime],
    read: dict[int, list[Any]],
    classic: dict[int, list[tuple[int, float]]],
) -> list[tuple[dt.datetime, float]]:
    """The organisation's progress at each sample: the mean over the objectives that existed then
    of their progress rolled up by the engine's rules (``engine.rollup``: duality key results take
    the mean of their child objectives, aligned ``classic`` children blend in per the charter,
    cancelled key results do not count), each key result at its reading then. No queries:
    ``read`` comes from ``readings`` (but one for the key results that count their initiatives,
    if any: their progress then is the share done then, ``initiative_histories``).

    The roll-up order and each objective's structure are worked out once, then each sample is one
    pass in that order: calling ``engine.rollup`` per sample took seconds over 5,000 objectives."""
    blend = organisation.child_blend
    duality: dict[int, list[int]] = {}
    for o in objectives:
        if o.source_key_result_id is not None:
            duality.setdefault(o.source_key_result_id, []).append(o.pk)
    unread: list[Any] = [None] * len(samples)
    histories = initiative_histories(kr for o in objectives for kr in o.key_results.all())
    # Per objective: (key result id, weight, counts, duality children, progress at each sample).
    shape: dict[int, list[tuple[int, float, bool, tuple[int, ...], list[float | None]]]] = {}
    for o in objectives:
        rows = []
        for kr in o.key_results.all():
            rows.append(
                (
                    kr.pk,
                    kr.weight,
                    kr.state != KeyResultState.CANCELLED and math.isfinite(kr.weight) and kr.weight > 0,
                    tuple(duality.get(kr.pk, ())) if kr.progress_from_children else (),
                    _series(kr, samples, read.get(kr.pk, unread), histories.get(kr.pk)),
                )
            )
        shape[o.pk] = rows
    order = _children_first(shape, classic)
    born = {o.pk: o.created_at for o in objectives}
    points = []
    for i, when in enumerate(samples):
        progress: dict[int, float] = {}
        for oid in order:
            counted: list[engine.Weighted] = []
            there = born[oid] < when
            for _kr, weight, counts, sources, series in shape[oid]:
                own = series[i]  # already within [0, 1]
                if own is None:
                    continue  # the key result was not there yet
                there = True
                if sources:
                    fed = engine.duality_progress([progress[c] for c in sources if c in progress])
                    if fed is not None:
                        own = fed
                if counts:
                    counted.append(engine.Weighted(own, weight))
            if not there:
                continue
            children = [engine.Weighted(progress[c], w) for c, w in classic.get(oid, ()) if c in progress]
            progress[oid] = engine.objective_progress(counted, children, blend)
        overall = engine.organisation_progress(progress.values())
        if overall is not None:
            points.append((when, overall))
    return points


def _series(
    kr: KeyResult, samples: Sequence[dt.datetime], got: Sequence[Any], history: InitiativeHistory | None = None
) -> list[float | None]:
    """The key result's progress at each sample; None before it existed (neither created nor
    checked in yet). Computed once per distinct reading; with ``history`` (it counts its
    initiatives), the share done at each sample instead."""
    if history is not None:
        return [None if kr.created_at >= when else history.progress_at(when) for when in samples]
    seen: dict[str, float] = {}
    row: list[float | None] = []
    for when, reading in zip(samples, got, strict=True):
        if reading is None and kr.created_at >= when:
            row.append(None)
            continue
        key = repr(reading)
        if key not in seen:
            seen[key] = _progress_of(kr, reading)
        row.append(seen[key])
    return row


def _children_first(shape: dict[int, list[Any]], classic: dict[int, list[tuple[int, float]]]) -> list[int]:
    """Objective ids, each after the objectives it takes progress from. A loop (which the
    services refuse) is cut where it closes, so bad data never recurses forever."""
    deps = {
        oid: [
            c
            for c in dict.fromkeys([*(c for row in rows for c in row[3]), *(c for c, _ in classic.get(oid, ()))])
            if c in shape
        ]
        for oid, rows in shape.items()
    }
    order: list[int] = []
    state: dict[int, int] = {}  # 1 on the path, 2 done
    for root in shape:
        if root in state:
            continue
        stack = [(root, 0)]
        state[root] = 1
        while stack:
            node, edge = stack.pop()
            if edge < len(deps[node]):
                stack.append((node, edge + 1))
                nxt = deps[node][edge]
                if nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, 0))
                continue
            state[node] = 2
            order.append(node)
    return order


def forecast(
    *, start: dt.date, end: dt.date, history: Sequence[tuple[dt.datetime, float]], moment: dt.datetime, tz: dt.tzinfo
) -> float | None:
    """Where the organisation is on course to land at the cycle end: the engine's forecast over
    the progress line (None once the cycle is over, or with fewer than two points)."""
    cycle_end = engine.cycle_end_instant(end, tz)  # the end of the last day
    if len(history) < 2 or moment >= cycle_end:
        return None
    projected = engine.forecast(
        kind=engine.KIND_INCREASE,
        start=0.0,
        target=1.0,
        cycle_start=midnight(start, tz),
        cycle_end=cycle_end,
        points=list(history),
    )
    return projected.progress if projected is not None else None
