"""``prefetch_related`` by hand, for pages that load the key results of dozens of objectives.

Django's prefetch builds and filters a queryset per instance and relation (a tenth of a
millisecond each): over the objective page's parents and children, a hundred key results with
their milestones and checkpoints, that was a fifth of the page's time. Here each relation is
one query and each instance gets a ready-made result cache, so ``objective.key_results.all()``,
``kr.milestones.all()`` and ``kr.checkpoints.all()`` read what was loaded, as after
``prefetch_related``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import QuerySet

from ambit.okrs.models import Checkpoint, KeyResult, Milestone, Objective


def attach(instances: Sequence[Any], name: str, related: dict[int, list[Any]], none: QuerySet[Any]) -> None:
    """What ``prefetch_related`` leaves on each instance: ``instance.<name>.all()`` returns
    ``related[instance.pk]`` without a query (an empty ``none()`` queryset when there are none,
    so a stray re-evaluation can never widen)."""
    none._result_cache = []
    none._prefetch_done = True  # type: ignore[attr-defined]
    for obj in instances:
        items = related.get(obj.pk)
        qs = none
        if items:
            qs = none._chain()  # type: ignore[attr-defined]
            qs._result_cache, qs._prefetch_done = items, True
        cache_of = getattr(obj, "_prefetched_objects_cache", None)
        if cache_of is None:
            obj._prefetched_objects_cache = cache_of = {}
        cache_of[name] = qs


def attach_key_results(
    objectives: Sequence[Objective],
    key_results: Iterable[KeyResult] | None = None,
    *,
    key_result_ids: QuerySet[Any] | None = None,
) -> None:
    """Attach the key results of ``objectives`` with their milestones and checkpoints (three
    queries, in the models' order). ``key_results``: the objectives' key results when the caller
    loaded them its own way (deferring a field, say); else they are loaded here, without their
    owners. ``key_result_ids``: a subquery of their ids for the milestones and checkpoints, where
    a list of thousands of ids would be a long ``IN``."""
    by_pk = {o.pk: o for o in objectives}
    if key_results is None:
        key_results = KeyResult.objects.filter(objective_id__in=list(by_pk)) if by_pk else []
    krs = list(key_results)
    ids: QuerySet[Any] | list[int] = key_result_ids if key_result_ids is not None else [kr.pk for kr in krs]
    milestones: dict[int, list[Milestone]] = {}
    checkpoints: dict[int, list[Checkpoint]] = {}
    if krs:
        for m in Milestone.objects.filter(key_result_id__in=ids):
            milestones.setdefault(m.key_result_id, []).append(m)
        for c in Checkpoint.objects.filter(key_result_id__in=ids):
            checkpoints.setdefault(c.key_result_id, []).append(c)
    by_objective: dict[int, list[KeyResult]] = {}
    for kr in krs:
        if (objective := by_pk.get(kr.objective_id)) is not None:
            kr._state.fields_cache["objective"] = objective
        by_objective.setdefault(kr.objective_id, []).append(kr)
    attach(krs, "milestones", milestones, Milestone.objects.none())
    attach(krs, "checkpoints", checkpoints, Checkpoint.objects.none())
    attach(objectives, "key_results", by_objective, KeyResult.objects.none())
