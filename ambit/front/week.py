"""Read models for "My week" and the check-in pages: selectors + metrics, shaped for templates.

Every function here reads only through okrs.selectors (scoped to the acting member) and computes
metrics once per page, so a page costs the same number of queries for 1 key result or 100.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404

from ambit.accounts.models import Membership
from ambit.core.params import parse_id
from ambit.core.permissions import can_check_in
from ambit.okrs import selectors
from ambit.okrs.metrics import KRMetrics, Metrics, ObjectiveMetrics, compute_metrics
from ambit.okrs.models import Cycle, KeyResult, Objective


@dataclass
class KRItem:
    kr: KeyResult
    km: KRMetrics
    can_check_in: bool


@dataclass
class ObjectiveGroup:
    objective: Objective
    om: ObjectiveMetrics | None
    items: list[KRItem] = field(default_factory=list)


@dataclass
class Week:
    cycle: Cycle | None
    cycles: list[Cycle]
    groups: list[ObjectiveGroup]
    own_objectives: list[ObjectiveGroup]
    metrics: Metrics | None

    @property
    def items(self) -> list[KRItem]:
        return [i for g in self.groups for i in g.items]

    @property
    def due(self) -> list[KRItem]:
        return [i for i in self.items if i.km.due]


def week_for(*, actor: Membership, cycle_param: str | None, with_forecast: bool = True) -> Week:
    """``my_week`` for the cycle a ``cycle`` parameter names (``views_common.cycle_from_param``'s
    rule: 404 for another organisation's, the current one when missing or malformed), chosen
    from the switcher's list of cycles instead of a query of its own."""
    cycles = list(selectors.cycle_list(actor=actor))
    cycle_id = parse_id(cycle_param)
    if cycle_id is None:
        cycle = selectors.cycle_current_among(cycles)
    else:
        cycle = next((c for c in cycles if c.pk == cycle_id), None)
        if cycle is None:
            raise Http404("No such cycle.")
    return my_week(actor=actor, cycle=cycle, with_forecast=with_forecast, cycles=cycles)


def my_week(
    *, actor: Membership, cycle: Cycle | None, with_forecast: bool = True, cycles: list[Cycle] | None = None
) -> Week:
    """The actor's key results in ``cycle`` grouped by objective, with metrics; ``with_forecast``
    reads their check-in history for the forecasts (a submit that only validates skips it)."""
    if cycles is None:
        cycles = list(selectors.cycle_list(actor=actor))
    if cycle is None:
        return Week(cycle=None, cycles=cycles, groups=[], own_objectives=[], metrics=None)
    mine = list(
        selectors.key_results_of_member(actor=actor, member=actor, cycle=cycle).values_list("pk", "objective_id")
    )
    kr_ids = {pk for pk, _ in mine}
    objectives = list(
        selectors.objective_list(actor=actor, cycle=cycle, include_cancelled=False).filter(
            Q(pk__in={oid for _, oid in mine}) | Q(owner=actor)
        )
    )
    metrics = compute_metrics(organisation=actor.organisation, objectives=objectives, with_forecast=with_forecast)
    groups: list[ObjectiveGroup] = []
    own: list[ObjectiveGroup] = []
    for obj in objectives:
        group = ObjectiveGroup(objective=obj, om=metrics.objectives.get(obj.pk))
        for kr in obj.key_results.all():
            if kr.pk in kr_ids:
                kr.objective = obj  # the row template reads kr.objective; reuse the loaded one
                group.items.append(KRItem(kr=kr, km=metrics.kr(kr), can_check_in=can_check_in(actor, kr, obj)))
        if group.items:
            groups.append(group)
        if obj.owner_id == actor.pk:
            own.append(group)
    return Week(cycle=cycle, cycles=cycles, groups=groups, own_objectives=own, metrics=metrics)


def key_result_item(*, actor: Membership, key_result_id: int) -> KRItem:
    """One key result with fresh metrics (for the quick check-in and its updated row)."""
    kr = selectors.key_result_get(actor=actor, key_result_id=key_result_id)
    objective = selectors.objective_get(actor=actor, objective_id=kr.objective_id)
    metrics = compute_metrics(organisation=actor.organisation, objectives=[objective], with_forecast=True)
    loaded = next(k for k in objective.key_results.all() if k.pk == kr.pk)
    loaded.objective = objective
    return KRItem(kr=loaded, km=metrics.kr(loaded), can_check_in=can_check_in(actor, loaded, objective))
