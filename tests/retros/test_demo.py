"""The demo's reflections (``demo_seeded``), on a small world rather than the whole demo: the last
closed quarter gets objective reflections and one team's, the running quarter one dependency,
with their audit entries; an organisation without such quarters gets nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from ambit.core.models import AuditAction, AuditEntry
from ambit.okrs.models import CycleState
from ambit.retros import selectors
from ambit.retros.demo import seed_reflections
from ambit.retros.models import Dependency, ObjectiveReflection, TeamReflection
from tests import factories as f
from tests.builders import World

pytestmark = pytest.mark.django_db


def test_the_demo_reflects_on_the_last_closed_quarter_and_declares_a_dependency(world: World) -> None:
    start = world.cycle.start_date - dt.timedelta(days=91)
    past = f.CycleFactory.create(
        organisation=world.org,
        name="Past",
        start_date=start,
        end_date=world.cycle.start_date - dt.timedelta(days=1),
        state=CycleState.CLOSED,
    )
    for cycle in (past, world.cycle):
        f.ObjectiveFactory.create(cycle=cycle, team=world.team, owner=world.lead)
        f.ObjectiveFactory.create(cycle=cycle, team=world.other_team, owner=world.member)
        f.ObjectiveFactory.create(cycle=cycle, team=world.company, owner=world.champion)  # the company's: skipped
    assert seed_reflections(organisation=world.org) == 4
    assert ObjectiveReflection.objects.filter(objective__cycle=past).count() == 2
    team = TeamReflection.objects.get()
    assert (team.cycle_id, team.team_id) == (past.pk, world.team.pk) and team.lessons
    dep = Dependency.objects.get()
    assert dep.objective.cycle_id == world.cycle.pk and dep.target_objective is not None
    assert dep.objective.team_id != dep.target_objective.team_id
    assert (
        AuditEntry.objects.filter(
            action__in=[
                AuditAction.OBJECTIVE_REFLECTION_SAVE,
                AuditAction.TEAM_REFLECTION_SAVE,
                AuditAction.DEPENDENCY_ADD,
            ]
        ).count()
        == 4
    )
    assert selectors.reflection_progress(past) == selectors.ReflectionProgress(3, 2, 3, 1)
    assert seed_reflections(organisation=world.other_org) == 0
