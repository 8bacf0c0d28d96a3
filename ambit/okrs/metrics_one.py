"""One key result's metrics after a write on it (the check-in's answer), without its objective's
other key results, the objective's roll-up or anything aligned to it: what the rules of one key
result read is the key result, its objective and cycle, its checkpoints (and milestones for a
checklist) and, for the forecast, its check-ins — one query for those.

The forecast reads the key result's daily readings kept in the cache
(:func:`ambit.okrs.history.kept_daily`): a reading per day of the cycle, brought up to date with
the check-ins written since, instead of every check-in made into a reading on every write; the
engine's ``forecast_daily`` projects them as ``forecast`` projects the whole history.

A key result that takes its progress from child objectives follows them, so it is computed with
its objective by :func:`ambit.okrs.metrics.compute_metrics`; ``tests/okrs/test_metrics_one.py``
checks the two agree on every other key result.

:func:`check_in_flags` is less still: whether key results are due and whether they follow child
objectives, what the weekly check-in's submit validates with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from django.db.models import prefetch_related_objects

from ambit.accounts.models import Organisation
from ambit.okrs import engine
from ambit.okrs.engine.forecast import forecast_daily
from ambit.okrs.history import kept_daily
from ambit.okrs.metrics import (
    KRMetrics,
    _as_aware,
    _Clock,
    _clock,
    _due,
    _f,
    _forecast_points,
    _kr_metrics,
    compute_metrics,
)
from ambit.okrs.metrics_initiatives import initiative_tallies
from ambit.okrs.metrics_then import feeding
from ambit.okrs.models import KeyResult, KeyResultKind, Objective
from ambit.okrs.selectors import key_results_prefetch


def key_result_metrics(
    *, organisation: Organisation, key_result: KeyResult, with_forecast: bool = True, now: dt.datetime | None = None
) -> KRMetrics:
    """``key_result``'s metrics, as ``compute_metrics`` gives them for it. Load it with its
    objective, cycle, checkpoints and (checklists) milestones: ``selectors.key_result_for_check_in``."""
    objective = key_result.objective
    if key_result.progress_from_children:
        prefetch_related_objects([objective], key_results_prefetch())
        fresh = next(k for k in objective.key_results.all() if k.pk == key_result.pk)
        return compute_metrics(
            organisation=organisation, objectives=[objective], with_forecast=with_forecast, now=now
        ).kr(fresh)
    clock = _clock(organisation, now)
    cycle = objective.cycle
    expected = engine.expected_progress(start=cycle.start_date, end=cycle.end_date, on=clock.today)
    # A key result that counts its initiatives: their tally instead (and, for the forecast, when
    # they were done), its check-ins' values moving nothing.
    tally = initiative_tallies([key_result], with_times=with_forecast).get(key_result.pk)
    metrics = _kr_metrics(clock, objective, key_result, expected=expected, history=None, tally=tally)
    if with_forecast and tally is None:
        metrics.forecast = _forecast(clock, key_result)
    return metrics


def _forecast(clock: _Clock, kr: KeyResult) -> engine.Forecast | None:
    """``kr``'s forecast as ``metrics._kr_metrics`` makes it from the whole history, made from the
    daily readings kept between writes."""
    cycle = kr.objective.cycle
    cycle_start = _as_aware(cycle.start_date, clock.tz)
    cycle_end = engine.cycle_end_instant(cycle.end_date, clock.tz)
    # What the readings are made of: a checklist's share done depends on its milestones' weights.
    milestones = tuple((m.pk, m.weight) for m in kr.milestones.all()) if kr.kind == KeyResultKind.MILESTONES else ()
    basis = (kr.kind, milestones, cycle_start.isoformat(), str(cycle_start.tzinfo), cycle_end.isoformat())
    daily = kept_daily(
        kr,
        basis=basis,
        readings=lambda rows: _forecast_points(kr, rows),
        cycle_start=cycle_start,
        cycle_end=cycle_end,
    )
    if not daily:
        return None
    return forecast_daily(
        kind=kr.kind,
        start=_f(kr.start_value),
        target=_f(kr.target_value),
        stretch=_f(kr.stretch_target),
        cycle_start=cycle_start,
        cycle_end=cycle_end,
        daily=daily,
        created_at=kr.created_at,
    )


class CheckInFlags(NamedTuple):
    due: bool
    linked: bool  # follows its child objectives: checked in there, never due on its own


def check_in_flags(
    *, organisation: Organisation, key_results: Sequence[KeyResult], now: dt.datetime | None = None
) -> dict[int, CheckInFlags]:
    """Whether each key result is due and whether it follows child objectives, by the rules
    :func:`compute_metrics` applies, without its other numbers: what the weekly check-in's submit
    needs to validate a form. Each key result's objective and cycle must be loaded. One query
    (the live child objectives), none when no key result takes its progress from children."""
    clock = _clock(organisation, now)
    following = [kr.pk for kr in key_results if kr.progress_from_children and not kr.is_cancelled]
    fed: set[int] = set()
    if following:
        fed = {
            kr_id for _, kr_id in feeding(Objective.objects.filter(source_key_result_id__in=following), None) if kr_id
        }
    out = {}
    for kr in key_results:
        linked = kr.pk in fed
        out[kr.pk] = CheckInFlags(due=not linked and _due(clock, kr.objective, kr), linked=linked)
    return out
