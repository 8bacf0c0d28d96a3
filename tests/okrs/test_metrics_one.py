"""One key result's metrics, read for the check-in's answer (``okrs/metrics_one.py``), agree with
what ``compute_metrics`` gives it among its objective's key results."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ambit.accounts.models import Organisation
from ambit.okrs import selectors, services
from ambit.okrs.metrics import compute_metrics
from ambit.okrs.metrics_one import key_result_metrics
from ambit.okrs.models import Checkpoint, KeyResult
from tests.builders import World, build_tree
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
