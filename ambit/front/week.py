"""Read models for "My week" and the check-in pages: selectors + metrics, shaped for templates.

Every function here reads objectives through okrs.selectors (scoped to the acting member), and the
rows under them by those objectives' ids; metrics are computed once per page, so a page costs the
same number of queries for 1 key result or 100.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet, prefetch_related_objects
from django.http import Http404

from ambit.accounts.models import Membership
from ambit.core.params import parse_id
from ambit.core.permissions import can_check_in
from ambit.okrs import selectors
from ambit.okrs.metrics import KRMetrics, Metrics, ObjectiveMetrics, compute_metrics
from ambit.okrs.metrics_one import CheckInFlags, check_in_flags
from ambit.okrs.models import (
    Cycle,
    KeyResult,
    KeyResultKind,
    KeyResultState,
    Objective,
    ObjectiveState,
    Visibility,
)
from ambit.okrs.prefetch import attach_key_results

# Objectives whose key results are not on anyone's week (``selectors.key_results_of_member``).
_NOT_LIVE = (ObjectiveState.CANCELLED, ObjectiveState.CLOSED)


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


def week_cycle(*, actor: Membership, cycle_param: str | None) -> tuple[list[Cycle], Cycle | None]:
    """The switcher's cycles and the one a ``cycle`` parameter names among them
    (``views_common.cycle_from_param``'s rule: 404 for another organisation's, the current one
    when missing or malformed): one query."""
    cycles = list(selectors.cycle_list(actor=actor))
    cycle_id = parse_id(cycle_param)
    if cycle_id is None:
        return cycles, selectors.cycle_current_among(cycles)
    cycle = next((c for c in cycles if c.pk == cycle_id), None)
    if cycle is None:
        raise Http404("No such cycle.")
    return cycles, cycle


def my_week(
    *, actor: Membership, cycle: Cycle | None, with_forecast: bool = True, cycles: list[Cycle] | None = None
) -> Week:
    """The actor's key results in ``cycle`` grouped by objective, with metrics; ``with_forecast``
    reads their check-in history for the forecasts (a submit that only validates skips it)."""
    if cycles is None:
        cycles = list(selectors.cycle_list(actor=actor))
    if cycle is None:
        return Week(cycle=None, cycles=cycles, groups=[], own_objectives=[], metrics=None)
    mine = selectors.key_results_of_member(actor=actor, member=actor, cycle=cycle)
    objectives = _objectives_with_key_results(actor, cycle, mine.values("objective_id"))
    # ``key_results_of_member``'s rule, applied to the rows loaded: active, in a live objective.
    kr_ids = {
        kr.pk
        for obj in objectives
        if obj.state not in _NOT_LIVE
        for kr in obj.key_results.all()
        if kr.owner_id == actor.pk and kr.state == KeyResultState.ACTIVE
    }
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


def _objectives_with_key_results(actor: Membership, cycle: Cycle, objective_ids: QuerySet[Any]) -> list[Objective]:
    """The objectives in ``cycle`` (not cancelled) that ``objective_ids`` (a subquery) names or the
    actor owns, with their key results, milestones and checkpoints: four queries, attached by hand. Django's
    ``prefetch_related`` builds and filters a queryset per instance, which was a third of this
    page's CPU; here each relation is one query and each instance gets a ready result cache."""
    objectives = list(
        selectors.objective_list(actor=actor, cycle=cycle, include_cancelled=False, with_key_results=False)
        .select_related(None)
        .defer("description")
        .filter(Q(pk__in=objective_ids) | Q(owner=actor))
    )
    for o in objectives:
        o._state.fields_cache["cycle"] = cycle  # every one is in ``cycle``: no join, one shared copy
    krs = KeyResult.objects.filter(
        organisation_id=actor.organisation_id, objective_id__in=[o.pk for o in objectives]
    ).defer("description")
    attach_key_results(objectives, krs)
    return objectives


def check_in_candidates(
    *, actor: Membership, cycle: Cycle, show_all: bool
) -> tuple[list[KeyResult], dict[int, CheckInFlags]]:
    """The key results the weekly check-in form has rows for, by :func:`my_week`'s rules (the
    actor's own, active, in a live objective of ``cycle`` they can see, checked in here rather than
    through child objectives; only the due ones unless ``show_all``), loaded for validating a
    submit and nothing more: each with its objective and cycle (milestones for checklists), and
    whether it is due. One query, where My week computes every number of every key result in those
    objectives; the visibility rule (``selectors.objective_base``) is asked only about objectives
    that are neither public nor the actor's own (one more query, and only then), since everyone
    in the organisation sees those."""
    if not actor.can_write:
        return [], {}
    krs = list(
        KeyResult.objects.filter(
            organisation_id=actor.organisation_id,
            owner=actor,
            state=KeyResultState.ACTIVE,
            objective__cycle=cycle,
        )
        .exclude(objective__state__in=_NOT_LIVE)
        .select_related("objective")
        .defer("description", "objective__description")
        .order_by("objective__position", "objective_id", "position", "id")
    )
    restricted = {kr.objective_id for kr in krs if not _seen_by_all_or_owned(kr.objective, actor)}
    if restricted:
        visible = set(selectors.objective_base(actor=actor).filter(pk__in=restricted).values_list("pk", flat=True))
        krs = [kr for kr in krs if kr.objective_id not in restricted or kr.objective_id in visible]
    for kr in krs:
        kr.objective._state.fields_cache["cycle"] = cycle  # all in ``cycle``: no join, one copy
    flags = check_in_flags(organisation=actor.organisation, key_results=krs)
    chosen = [kr for kr in krs if not flags[kr.pk].linked and (show_all or flags[kr.pk].due)]
    prefetch_related_objects([kr for kr in chosen if kr.kind == KeyResultKind.MILESTONES], "milestones")
    return chosen, flags


def _seen_by_all_or_owned(objective: Objective, actor: Membership) -> bool:
    """Visible to ``actor`` by the first two clauses of ``selectors.visibility_q``."""
    return objective.visibility == Visibility.PUBLIC or objective.owner_id == actor.pk


def key_result_item(*, actor: Membership, key_result_id: int) -> KRItem:
    """One key result with fresh metrics (for the quick check-in and its updated row)."""
    kr = selectors.key_result_get(actor=actor, key_result_id=key_result_id)
    objective = selectors.objective_get(actor=actor, objective_id=kr.objective_id)
    metrics = compute_metrics(organisation=actor.organisation, objectives=[objective], with_forecast=True)
    loaded = next(k for k in objective.key_results.all() if k.pk == kr.pk)
    loaded.objective = objective
    return KRItem(kr=loaded, km=metrics.kr(loaded), can_check_in=can_check_in(actor, loaded, objective))
