"""Stored roll-ups (Objective.rolled_progress) follow every write, and metrics read through them
to the same numbers as walking the whole tree."""

from __future__ import annotations

import pytest
from django.db import transaction
from pytest_django import DjangoCaptureOnCommitCallbacks

from ambit.accounts import services as accounts
from ambit.accounts.models import Organisation
from ambit.okrs import services
from ambit.okrs.metrics import compute_metrics
from ambit.okrs.models import KeyResult, Objective
from ambit.okrs.rollups import refresh_all
from tests.builders import World

pytestmark = pytest.mark.django_db


def _tree(world: World) -> tuple[Objective, Objective, Objective, KeyResult]:
    """company C ← team T (classic) ; T's key result → individual I (duality, progress from child)."""
    c = services.objective_create(
        actor=world.champion, cycle=world.cycle, title="C", team=world.company, state="active"
    )
    services.key_result_create(actor=world.champion, objective=c, title="C1", start_value=0, target_value=10)
    t = services.objective_create(
        actor=world.lead, cycle=world.cycle, title="T", team=world.team, state="active", parents=[(c, 1.0)]
    )
    t_kr = services.key_result_create(actor=world.lead, objective=t, title="T1", start_value=0, target_value=100)
    services.key_result_create(actor=world.lead, objective=t, title="T2", start_value=0, target_value=4)
    i = services.objective_create_from_key_result(
        actor=world.lead, key_result=t_kr, owner=world.member, title="I", progress_from_child=True
    )
    services.objective_set_state(actor=world.lead, objective=i, state="active")
    i_kr = services.key_result_create(actor=world.member, objective=i, title="I1", start_value=0, target_value=20)
    return c, t, i, i_kr


def _stored(*objs: Objective) -> list[float | None]:
    return [Objective.objects.get(pk=o.pk).rolled_progress for o in objs]


def _walked(org: Organisation, *objs: Objective) -> list[float]:
    """Progress computed the old way: every stored value forgotten, the whole tree walked."""
    Objective.objects.filter(organisation=org).update(rolled_progress=None)
    fresh = list(Objective.objects.filter(pk__in=[o.pk for o in objs]).prefetch_related("key_results"))
    m = compute_metrics(organisation=org, objectives=fresh)
    by_id = {o.pk: m.objective(o).progress for o in fresh}
    return [by_id[o.pk] for o in objs]


@pytest.mark.parametrize("blend", [0.0, 0.5])
def test_check_in_moves_the_stored_progress_of_every_objective_above(
    world: World, blend: float, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        if blend:
            accounts.organisation_update(actor=world.admin, child_blend=blend)
        c, t, i, i_kr = _tree(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.check_in_record(actor=world.member, key_result=i_kr, value=10, confidence=7)
    stored = _stored(i, t, c)
    assert stored[0] == pytest.approx(0.5)  # I1 is half way
    # T1 takes I's progress (0.5); T2 has none: T = 0.25 without blending, C follows T when blending.
    assert stored[1] == pytest.approx(0.25)
    assert stored[2] == pytest.approx(0.0 if not blend else 0.5 * 0.0 + 0.5 * 0.25)
    world.org.refresh_from_db()
    assert stored == pytest.approx(_walked(world.org, i, t, c))


def test_metrics_read_children_from_the_store_without_walking_below(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _c, t, i, i_kr = _tree(world)
        services.check_in_record(actor=world.member, key_result=i_kr, value=20, confidence=7)
    # A wrong stored value proves the number comes from the store, not from I's key results.
    Objective.objects.filter(pk=i.pk).update(rolled_progress=0.2)
    t_loaded = Objective.objects.prefetch_related("key_results").get(pk=t.pk)
    m = compute_metrics(organisation=world.org, objectives=[t_loaded])
    assert m.objective(t_loaded).progress == pytest.approx((0.2 + 0.0) / 2)


def test_cancel_and_unlink_move_the_parents(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        accounts.organisation_update(actor=world.admin, child_blend=1.0)
        c, t, i, i_kr = _tree(world)
        services.check_in_record(actor=world.member, key_result=i_kr, value=20, confidence=7)
    world.org.refresh_from_db()
    assert _stored(c)[0] == pytest.approx(0.5)  # C is all children: T = (1.0 + 0) / 2
    with django_capture_on_commit_callbacks(execute=True):
        services.alignment_remove(actor=world.lead, child=t, parent=c)
    assert _stored(c)[0] == pytest.approx(0.0)  # no children left: its own key result, never checked in
    with django_capture_on_commit_callbacks(execute=True):
        services.objective_cancel(actor=world.lead, objective=i, reason="Dropped")
    # T1 no longer has a live child, so it keeps its own progress (0).
    assert _stored(t)[0] == pytest.approx(0.0)
    assert _stored(t, c) == pytest.approx(_walked(world.org, t, c))


def test_changing_the_blend_recomputes_the_organisation(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        c, _t, _i, i_kr = _tree(world)
        services.check_in_record(actor=world.member, key_result=i_kr, value=20, confidence=7)
    assert _stored(c)[0] == pytest.approx(0.0)
    with django_capture_on_commit_callbacks(execute=True):
        accounts.organisation_update(actor=world.admin, child_blend=1.0)
    assert _stored(c)[0] == pytest.approx(0.5)


def test_refresh_all_fills_every_objective(world: World) -> None:
    c, t, i, i_kr = _tree(world)
    services.check_in_record(actor=world.member, key_result=i_kr, value=5, confidence=7)
    assert _stored(c, t, i) == [None, None, None]  # the test transaction never commits
    assert refresh_all(organisation=world.org) == 3
    assert _stored(i, t)[0] == pytest.approx(0.25)
    assert _stored(i, t, c) == pytest.approx(_walked(world.org, i, t, c))


def test_a_rolled_back_write_does_not_stop_later_refreshes(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _c, _t, i, i_kr = _tree(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.check_in_record(actor=world.member, key_result=i_kr, value=4, confidence=7)
        raise RuntimeError("the request failed after the check-in")
    with django_capture_on_commit_callbacks(execute=True):
        services.check_in_record(actor=world.member, key_result=i_kr, value=10, confidence=7)
    assert _stored(i)[0] == pytest.approx(0.5)


def test_the_refresh_task_runs_again_after_a_deadlock(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from django.db import OperationalError

    from ambit.okrs import rollups, tasks

    calls: list[set[int]] = []

    def flaky(*, organisation: Organisation, objective_ids: set[int]) -> int:
        calls.append(objective_ids)
        if len(calls) == 1:
            raise OperationalError("deadlock detected")
        return 3

    monkeypatch.setattr(rollups, "refresh", flaky)
    monkeypatch.setattr("ambit.okrs.tasks.time.sleep", lambda s: None)
    with caplog.at_level("WARNING", logger="ambit.okrs.tasks"):
        assert tasks.refresh_rollups.call(world.org.pk, [1, 2]) == 3
    assert calls == [{1, 2}, {1, 2}]
    # One line per retry, in the wording the benchmark counts in the worker's log.
    assert [r.getMessage() for r in caplog.records] == [
        "refresh_rollups: try 1 of 4 failed (deadlock detected); running it again"
    ]

    def always(*, organisation: Organisation, objective_ids: set[int]) -> int:
        raise OperationalError("deadlock detected")

    monkeypatch.setattr(rollups, "refresh", always)
    with pytest.raises(OperationalError):
        tasks.refresh_rollups.call(world.org.pk, [1])
