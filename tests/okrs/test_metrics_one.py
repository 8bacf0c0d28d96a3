"""One key result's metrics, read for the check-in's answer (``okrs/metrics_one.py``), agree with
what ``compute_metrics`` gives it among its objective's key results."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from ambit.accounts.models import Organisation
from ambit.okrs import selectors, services
from ambit.okrs.metrics import compute_metrics
from ambit.okrs.metrics_one import key_result_metrics
from ambit.okrs.models import CheckIn, Checkpoint, KeyResult, Milestone
from tests.builders import World, backdate, build_tree, key_results_for
from tests.querycount import assert_queries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("blend", [0.0, 0.5])
def test_one_key_result_metrics_agree_with_its_objectives(world: World, blend: float) -> None:
    Organisation.objects.filter(pk=world.org.pk).update(child_blend=blend)
    world.org.refresh_from_db()
    tree = build_tree(world)
    now = timezone.now()
    for days, value in ((20, 1), (12, 2), (5, 3)):
        services.check_in_record(
            actor=world.member, key_result=tree.member_kr, value=value, at=now - dt.timedelta(days=days)
        )
    Checkpoint.objects.create(
        key_result=tree.member_kr, date=timezone.localdate() + dt.timedelta(days=10), expected_progress=0.4
    )
    milestone = tree.launch.milestones.first()
    assert milestone is not None
    services.check_in_record(actor=world.lead, key_result=tree.launch, milestones_done=[milestone.pk])
    actor = world.champion
    actor.organisation.refresh_from_db()
    checked = 0
    for kr in KeyResult.objects.filter(organisation=world.org).order_by("pk"):
        objective = selectors.objective_get(actor=actor, objective_id=kr.objective_id)
        expected = compute_metrics(organisation=actor.organisation, objectives=[objective], with_forecast=True, now=now)
        loaded = selectors.key_result_for_check_in(actor=actor, key_result_id=kr.pk)
        one = key_result_metrics(organisation=actor.organisation, key_result=loaded, now=now)
        assert one == expected.kr(kr.pk), kr.title
        checked += 1
    assert checked == 3
    # The latency key result follows its duality child: the path that computes its objective.
    assert KeyResult.objects.get(pk=tree.latency.pk).progress_from_children


def test_one_key_result_metrics_read_only_its_check_ins(world: World) -> None:
    tree = build_tree(world)
    loaded = selectors.key_result_for_check_in(actor=world.member, key_result_id=tree.member_kr.pk)
    with assert_queries(1, label="metrics of one key result without checkpoints"):
        km = key_result_metrics(organisation=world.member.organisation, key_result=loaded)
    assert km.progress == 0.0 and km.forecast is None


def _answer_and_full(actor_kr: KeyResult, world: World, now: dt.datetime) -> tuple[object, object]:
    actor = world.champion
    loaded = selectors.key_result_for_check_in(actor=actor, key_result_id=actor_kr.pk)
    one = key_result_metrics(organisation=actor.organisation, key_result=loaded, now=now)
    objective = selectors.objective_get(actor=actor, objective_id=actor_kr.objective_id)
    full = compute_metrics(organisation=actor.organisation, objectives=[objective], with_forecast=True, now=now)
    return one, full.kr(actor_kr.pk)


def test_the_check_in_answer_after_many_writes_is_compute_metrics(world: World) -> None:
    """Every kind of write the kept daily readings take (issue 13): many a day, corrections of
    a day's last reading and of earlier ones, chains of them, back-dated and same-instant
    check-ins, check-ins dated before the cycle: after each, the answer's numbers are
    ``compute_metrics``'."""
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1, prefix="Feed")
    backdate(kr, days=200)
    now = timezone.now()
    cycle_start = dt.datetime.combine(world.cycle.start_date, dt.time(12), tzinfo=dt.UTC)
    rng = random.Random(13)
    written: list[CheckIn] = []
    forecasts = set()
    for i in range(60):
        loaded = selectors.key_result_for_check_in(actor=world.member, key_result_id=kr.pk)
        step = rng.random()
        at: dt.datetime | None = None
        corrects = None
        if step < 0.25 and written:
            corrects = rng.choice(written[-6:] if step < 0.15 else written)
            if step < 0.1:  # back-dated to just after what it corrects, before later corrections of it
                at = min(corrects.created_at + dt.timedelta(minutes=1), now)
        elif step < 0.4 and written:
            at = rng.choice(written).created_at  # the same instant as an earlier one
        elif step < 0.5:
            at = cycle_start - dt.timedelta(days=rng.randint(1, 30))  # before the cycle
        elif step < 0.7:
            at = now - dt.timedelta(hours=rng.randint(1, 24 * 20))  # back-dated into the cycle
        result = services.check_in_record(
            actor=world.member, key_result=loaded, value=rng.randint(0, 400), corrects=corrects, at=at
        )
        written.append(result.check_in)
        one, full = _answer_and_full(kr, world, now)
        assert one == full, (i, step)
        forecasts.add(repr(getattr(one, "forecast", None)))
    assert len(forecasts) > 10  # the forecast moved with the writes: the comparison compared something


def test_a_checklists_answer_follows_its_milestones_after_many_writes(world: World) -> None:
    tree = build_tree(world)
    kr = tree.launch
    backdate(kr, days=200)
    now = timezone.now()
    ids = list(kr.milestones.values_list("pk", flat=True))
    assert len(ids) >= 2
    rng = random.Random(7)
    written: list[CheckIn] = []
    for i in range(25):
        loaded = selectors.key_result_for_check_in(actor=world.lead, key_result_id=kr.pk)
        corrects = rng.choice(written) if written and rng.random() < 0.3 else None
        at = now - dt.timedelta(hours=rng.randint(0, 24 * 30)) if rng.random() < 0.5 else None
        done = rng.sample(ids, rng.randint(0, len(ids)))
        written.append(
            services.check_in_record(
                actor=world.lead, key_result=loaded, milestones_done=done, corrects=corrects, at=at
            ).check_in
        )
        if i == 15:  # a milestone weighs more now: every earlier check-in's share changes
            Milestone.objects.filter(pk=ids[0]).update(weight=3.0)
        one, full = _answer_and_full(kr, world, now)
        assert one == full, i
