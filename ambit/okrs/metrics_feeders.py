"""Which objectives outside an asked set ``compute_metrics`` needs, and how much of each.

A feeder whose rolled-up progress is stored (``Objective.rolled_progress``) is known by that
number and not looked below; one without is loaded with its key results and walked further down.
A linked key result's forecast is its child objectives' (read off their key results), so the
objectives under a linked key result whose forecast is wanted are always loaded in full: a
stored number would leave it "too early" here and projected wherever the children are asked too
(issue 12). Which forecasts are wanted is the caller's to say: the objective page shows only its
objective's, not those of the parents and children it lists with their progress.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Prefetch

from ambit.accounts.models import Organisation
from ambit.okrs.metrics_then import LinksThen, aligned, feeder_key_results, feeding, rewind_feeders
from ambit.okrs.models import Alignment, KeyResult, Objective


def _linked_krs(objectives: Collection[Objective]) -> set[int]:
    return {kr.pk for o in objectives for kr in o.key_results.all() if kr.progress_from_children}


def forecast_key_results(objectives: list[Objective], roots: Collection[int] | None) -> set[int] | None:
    """The linked key results among ``objectives`` whose forecasts are wanted: those of the
    ``roots`` and, down the duality links inside the set, those their forecasts are read from.
    None (every one) without ``roots``."""
    if roots is None:
        return None
    wanted = _linked_krs([o for o in objectives if o.pk in roots])
    while True:
        more = _linked_krs([o for o in objectives if o.source_key_result_id in wanted]) - wanted
        if not more:
            return wanted
        wanted |= more


def load_feeders(
    org: Organisation,
    objectives: list[Objective],
    then: LinksThen | None = None,
    *,
    forecasts: bool = False,
    wanted: set[int] | None = None,
) -> tuple[list[Objective], dict[int, float], set[int] | None]:
    """Objectives outside the given set whose progress the set depends on: (loaded feeders,
    feeders known by their stored roll-up, the linked key results whose forecasts are wanted).

    The cost is one level of children when the store is up to date, whatever the size of the tree
    under them. With ``forecasts``, the objectives created from a linked key result in ``wanted``
    (every linked key result when None) are loaded in full, and their linked key results are
    wanted in turn."""
    known = {o.pk for o in objectives}
    frontier_krs = _linked_krs(objectives)
    frontier_objs = set(known) if org.child_blend > 0 else set()
    extra: list[Objective] = []
    frozen: dict[int, float] = {}
    for _ in range(12):  # depth guard; real trees are 4–5 levels
        ids: set[int] = set()
        linked: set[int] = set()
        if frontier_krs:
            pairs = feeding(Objective.objects.filter(source_key_result_id__in=frontier_krs), then)
            ids |= {pk for pk, _ in pairs}
            linked = {pk for pk, kr in pairs if wanted is None or kr in wanted}
        if frontier_objs:
            links = Alignment.objects.filter(parent_id__in=frontier_objs)
            ids |= {child for child, _, _ in aligned(links, then, frontier_objs)}
        ids -= known
        if not ids:
            break
        known |= ids
        storable = ids - linked if forecasts else ids
        if then is not None:
            storable = set()  # stored roll-ups are today's: a past moment reads the check-ins then
        stored: dict[int, float] = {
            pk: float(value)
            for pk, value in Objective.objects.filter(pk__in=storable, rolled_progress__isnull=False).values_list(
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
            .prefetch_related(Prefetch("key_results", queryset=feeder_key_results(KeyResult.objects.all(), then)))
        )
        rewind_feeders(batch, then)
        extra.extend(batch)
        frontier_krs = _linked_krs(batch)
        if wanted is not None:
            wanted |= _linked_krs([o for o in batch if o.pk in linked])
        frontier_objs = ids if org.child_blend > 0 else set()
    return extra, frozen, wanted
