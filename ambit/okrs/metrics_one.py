"""One key result's metrics after a write on it (the check-in's answer), without its objective's
other key results, the objective's roll-up or anything aligned to it: what the rules of one key
result read is the key result, its objective and cycle, its checkpoints (and milestones for a
checklist) and, for the forecast, its check-ins — one query for those.

A key result that takes its progress from child objectives follows them, so it is computed with
its objective by :func:`ambit.okrs.metrics.compute_metrics`; ``tests/okrs/test_metrics_one.py``
checks the two agree on every other key result.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import prefetch_related_objects

from ambit.accounts.models import Organisation
from ambit.okrs import engine
from ambit.okrs.metrics import KRMetrics, _clock, _kr_metrics, _load_history, compute_metrics
from ambit.okrs.models import KeyResult
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
    history = _load_history([key_result.pk]).get(key_result.pk) if with_forecast else None
    return _kr_metrics(clock, objective, key_result, expected=expected, history=history)
