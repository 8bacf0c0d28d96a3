"""One key result's metrics after a write on it (the check-in's answer), without its objective's
other key results, the objective's roll-up or anything aligned to it: what the rules of one key
result read is the key result, its objective and cycle, its checkpoints (and milestones for a
checklist) and, for the forecast, its check-ins — one query for those.

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
from ambit.okrs.history import kept_history
from ambit.okrs.metrics import KRMetrics, _clock, _due, _kr_metrics, compute_metrics
from ambit.okrs.metrics_then import feeding
from ambit.okrs.models import KeyResult, Objective
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
    history = kept_history(key_result) if with_forecast else None
    return _kr_metrics(clock, objective, key_result, expected=expected, history=history)


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
