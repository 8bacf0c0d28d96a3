"""One refresh leaves every stored roll-up right: children are computed before the parents that
read them, across cycles (an annual objective blending quarterly children) and duality links."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from ambit.accounts.models import Organisation
from ambit.okrs import rollups
from ambit.okrs.metrics import Metrics, compute_metrics
from ambit.okrs.models import Objective
from tests.builders import World, build_annual_over_quarters

pytestmark = pytest.mark.django_db

WRONG = 0.99


def _from_scratch(org: Organisation, objectives: list[Objective]) -> list[float]:
    """What compute_metrics finds with no stored value to lean on (the stored values are restored)."""
    saved = dict(Objective.objects.filter(organisation=org).values_list("pk", "rolled_progress"))
    Objective.objects.filter(organisation=org).update(rolled_progress=None)
    fresh = list(Objective.objects.filter(pk__in=[o.pk for o in objectives]).prefetch_related("key_results"))
    metrics = compute_metrics(organisation=org, objectives=fresh)
    for pk, value in saved.items():
        Objective.objects.filter(pk=pk).update(rolled_progress=value)
    by_id = {o.pk: metrics.objective(o).progress for o in fresh}
    return [by_id[o.pk] for o in objectives]


def _stored(objectives: list[Objective]) -> list[float | None]:
    by_id = dict(Objective.objects.filter(pk__in=[o.pk for o in objectives]).values_list("pk", "rolled_progress"))
    return [by_id[o.pk] for o in objectives]


def test_one_refresh_all_sets_annual_objectives_from_their_quarterly_children(world: World) -> None:
    objectives = build_annual_over_quarters(world)
    expected = _from_scratch(world.org, objectives)
    # I = 15/20; Q1 = (I, Q1b 1/4) / 2; A = half its own (A1 = D 3/10, A2 4/10), half its
    # children Q1 (weight 2) and Q2 (6/8).
    assert expected[0] == pytest.approx(0.75)
    assert expected[3] == pytest.approx(0.5)
    assert expected[4] == pytest.approx(0.5 * (0.3 + 0.4) / 2 + 0.5 * (2 * 0.5 + 0.75) / 3)
    Objective.objects.filter(organisation=world.org).update(rolled_progress=WRONG)

    assert rollups.refresh_all(organisation=world.org) == len(objectives)

    assert _stored(objectives) == pytest.approx(expected)
    assert WRONG not in _stored(objectives)


def test_one_incremental_refresh_reaches_the_top_computing_each_objective_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    objectives = build_annual_over_quarters(world)
    i, _d, _q2, q1, a = objectives
    expected = _from_scratch(world.org, objectives)
    rollups.refresh_all(organisation=world.org)
    # I's check-in is not yet in its stored roll-up nor in the objectives above it.
    Objective.objects.filter(pk__in=[i.pk, q1.pk, a.pk]).update(rolled_progress=WRONG)
    computed: list[int] = []
    real = compute_metrics  # what ``rollups`` calls until it is patched below

    def counting(*, organisation: Organisation, objectives: Iterable[Objective]) -> Metrics:
        computed.extend(o.pk for o in objectives)
        return real(organisation=organisation, objectives=objectives)

    monkeypatch.setattr(rollups, "compute_metrics", counting)

    # The top and the leaf together: the top must still wait for Q1, between them.
    assert rollups.refresh(organisation=world.org, objective_ids={i.pk, a.pk}) == 3

    assert _stored(objectives) == pytest.approx(expected)
    assert sorted(computed) == sorted([i.pk, q1.pk, a.pk])
    assert computed.index(i.pk) < computed.index(q1.pk) < computed.index(a.pk)
