"""A small world for reflections: the Platform team's objective (owned by the member, led by the
lead) and the Sales team's (the champion's), each with a key result; a private Sales objective
only champions see; and Globex's objective in another organisation."""

from __future__ import annotations

from dataclasses import dataclass

from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, KeyResult, Objective
from ambit.retros import services
from ambit.retros.models import ObjectiveReflection, TeamReflection
from tests import factories as f
from tests.builders import World

ANSWERS = {
    "achieved": "We met the first key result and missed the second.",
    "aligned": "Yes, with the company's growth objective.",
    "dependencies": "No: the data export came two weeks late.",
    "unexpected": "A large customer asked for a custom integration.",
    "lessons": "Ask for exports in the planning week, with a date.",
}


@dataclass
class Scene:
    cycle: Cycle
    platform: Objective  # the member's, in the lead's team
    platform_kr: KeyResult
    sales: Objective  # the champion's, Sales
    sales_kr: KeyResult
    private: Objective  # the champion's, Sales, private
    outside: Objective  # Globex's


def build_scene(world: World) -> Scene:
    cycle = world.cycle
    platform = okrs.objective_create(
        actor=world.lead, cycle=cycle, title="Ship the platform", team=world.team, owner=world.member, state="active"
    )
    platform_kr = okrs.key_result_create(
        actor=world.lead, objective=platform, title="Weekly users", start_value=0, target_value=100, owner=world.member
    )
    sales = okrs.objective_create(
        actor=world.champion, cycle=cycle, title="Grow sales", team=world.other_team, state="active"
    )
    sales_kr = okrs.key_result_create(
        actor=world.champion, objective=sales, title="New deals", start_value=0, target_value=10
    )
    private = okrs.objective_create(
        actor=world.champion,
        cycle=cycle,
        title="Quiet hiring",
        team=world.other_team,
        visibility="private",
        state="active",
    )
    outside_cycle = f.CycleFactory.create(organisation=world.other_org, name="Globex quarter")
    outside = okrs.objective_create(actor=world.outsider, cycle=outside_cycle, title="Globex goal", state="active")
    return Scene(cycle, platform, platform_kr, sales, sales_kr, private, outside)


def reflect(actor: object, objective: Objective, **changes: str) -> ObjectiveReflection:
    return services.objective_reflection_save(actor=actor, objective=objective, **(ANSWERS | changes))  # type: ignore[arg-type]


def reflect_team(actor: object, world: World, cycle: Cycle, **changes: str) -> TeamReflection:
    return services.team_reflection_save(
        actor=actor,  # type: ignore[arg-type]
        cycle=cycle,
        team=world.team,
        **(ANSWERS | changes),
    )
