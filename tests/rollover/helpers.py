"""A quarter ending with unfinished OKRs and the next quarter to roll them into.

In "Current quarter" (the world's, active): Acme's company objective "Grow revenue"; Platform's
"Ship the platform" aligned to it, with "Weekly users" (0 → 100, last reading 40, an open and a
done initiative, feeding the KPI "Active users"), "Green builds" (met: not copied), a checklist
"Launch steps" (1 of 3 done) and a cancelled key result; Platform's "Finished thing" (done: not a
candidate); Sales's "Sell more" (not Platform's: the lead may not roll it). "Next quarter" is in
planning and follows it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps

from ambit.initiatives import services as initiatives
from ambit.initiatives.models import Initiative
from ambit.kpis import services as kpis
from ambit.kpis.models import Kpi
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, CycleState, KeyResult, Objective
from tests import factories as f
from tests.builders import World


@dataclass
class Scene:
    source: Cycle
    target: Cycle
    company: Objective
    platform: Objective
    users: KeyResult
    builds: KeyResult
    steps: KeyResult
    dropped: KeyResult
    finished: Objective
    sales: Objective
    open_work: Initiative
    done_work: Initiative
    kpi: Kpi


def next_quarter(world: World, name: str = "Next quarter", state: str = CycleState.PLANNING) -> Cycle:
    start = world.cycle.end_date + dt.timedelta(days=1)
    return f.CycleFactory.create(
        organisation=world.org, name=name, start_date=start, end_date=start + dt.timedelta(days=90), state=state
    )


def build_scene(world: World) -> Scene:
    champion, lead = world.champion, world.lead
    company = okrs.objective_create(
        actor=champion, cycle=world.cycle, title="Grow revenue", team=world.company, state="active"
    )
    platform = okrs.objective_create(
        actor=lead,
        cycle=world.cycle,
        title="Ship the platform",
        description="The new stack.",
        team=world.team,
        state="active",
        ambition="aspirational",
        parents=[(company, 2.0)],
        contributors=[world.member],
    )
    users = okrs.key_result_create(
        actor=lead,
        objective=platform,
        title="Weekly users",
        start_value=0,
        target_value=100,
        stretch_target=150,
        unit="users",
        weight=2.0,
        owner=world.member,
    )
    builds = okrs.key_result_create(
        actor=lead, objective=platform, title="Green builds", start_value=0, target_value=10
    )
    steps = okrs.key_result_create(
        actor=lead, objective=platform, title="Launch steps", kind="milestones", milestones=["Plan", "Build", "Ship"]
    )
    dropped = okrs.key_result_create(actor=lead, objective=platform, title="Old idea", start_value=0, target_value=5)
    okrs.key_result_cancel(actor=lead, key_result=dropped, reason="Not needed.")
    okrs.check_in_record(actor=world.member, key_result=users, value=20, confidence=3)
    okrs.check_in_record(actor=world.member, key_result=users, value=40, confidence=4)
    okrs.check_in_record(actor=lead, key_result=builds, value=10, confidence=9)
    first = steps.milestones.first()
    assert first is not None
    okrs.check_in_record(actor=lead, key_result=steps, milestones_done=[first.pk], confidence=6)
    finished = okrs.objective_create(
        actor=lead, cycle=world.cycle, title="Finished thing", team=world.team, state="active"
    )
    done_kr = okrs.key_result_create(actor=lead, objective=finished, title="Done", start_value=0, target_value=1)
    okrs.check_in_record(actor=lead, key_result=done_kr, value=1, confidence=9)
    sales = okrs.objective_create(
        actor=champion, cycle=world.cycle, title="Sell more", team=world.other_team, state="active"
    )
    okrs.key_result_create(actor=champion, objective=sales, title="Deals", start_value=0, target_value=10)
    open_work = initiatives.initiative_create(actor=lead, key_result=users, title="Onboarding emails")
    done_work = initiatives.initiative_create(actor=lead, key_result=users, title="Landing page", status="done")
    kpi = kpis.kpi_create(actor=lead, name="Active users", healthy_threshold=80, critical_threshold=20, team=world.team)
    kpis.kpi_link(actor=lead, kpi=kpi, key_result=users)
    return Scene(
        source=world.cycle,
        target=next_quarter(world),
        company=company,
        platform=platform,
        users=KeyResult.objects.get(pk=users.pk),
        builds=builds,
        steps=KeyResult.objects.get(pk=steps.pk),
        dropped=dropped,
        finished=finished,
        sales=sales,
        open_work=open_work,
        done_work=done_work,
        kpi=kpi,
    )


DIGESTED = ("okrs", "initiatives", "kpis", "rollover", "core", "notify")


def digest() -> dict[str, int]:
    """Row counts of the tables a rollover writes to (``tests.helpers.db_digest`` narrowed to them,
    so a refused rollover is shown to change nothing whatever other apps are mid-migration)."""
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.app_label in DIGESTED}
