"""A small closing quarter for the report tests: Acme's current quarter with a company objective
met, Platform's aspirational one partly there (half the latency target), Sales' committed one
missed with a recorded score and a note, a private objective of the member's, a draft nobody
committed to, and an objective of Globex's (another organisation)."""

from __future__ import annotations

from dataclasses import dataclass

from ambit.okrs import services as okrs
from ambit.okrs.models import KeyResult, Objective
from tests import factories as f
from tests.builders import World, objective_with_krs

LESSON = "Ship the cache before the CDN."


@dataclass
class Scene:
    company_obj: Objective
    revenue: KeyResult
    platform_obj: Objective
    latency: KeyResult
    status_page: KeyResult
    sales_obj: Objective
    deals: KeyResult
    private_obj: Objective
    draft_obj: Objective
    outside_obj: Objective


def build_scene(world: World) -> Scene:
    company_obj, (revenue,) = objective_with_krs(
        actor=world.champion,
        cycle=world.cycle,
        title="Win the mid-market",
        team=world.company,
        state="active",
        key_results=[{"title": "Revenue", "start_value": 0, "target_value": 100, "unit": "k€"}],
    )
    okrs.check_in_record(actor=world.champion, key_result=revenue, value=100, confidence=9)
    platform_obj, (latency, status_page) = objective_with_krs(
        actor=world.lead,
        cycle=world.cycle,
        title="A platform customers trust",
        team=world.team,
        state="active",
        ambition="aspirational",
        key_results=[
            {"title": "p95 latency", "kind": "decrease", "start_value": 800, "target_value": 200, "unit": "ms"},
            {"title": "Status page live", "kind": "binary"},
        ],
    )
    okrs.check_in_record(actor=world.lead, key_result=latency, value=500, confidence=6)
    sales_obj, (deals,) = objective_with_krs(
        actor=world.champion,
        cycle=world.cycle,
        title="Close bigger deals",
        team=world.other_team,
        state="active",
        key_results=[{"title": "Deals over 50k", "start_value": 0, "target_value": 10, "unit": "deals"}],
    )
    okrs.check_in_record(actor=world.champion, key_result=deals, value=3, confidence=3)
    okrs.key_result_score(actor=world.champion, key_result=deals, score=0.1, note="Two deals slipped to October.")
    private_obj, _ = objective_with_krs(
        actor=world.member,
        cycle=world.cycle,
        title="Private growth plan",
        state="active",
        visibility="private",
        key_results=[{"title": "Mentoring sessions", "start_value": 0, "target_value": 6}],
    )
    draft_obj, _ = objective_with_krs(actor=world.champion, cycle=world.cycle, title="Half-baked idea", state="draft")
    outside_cycle = f.CycleFactory.create(organisation=world.other_org, name="Current quarter")
    outside_obj = f.ObjectiveFactory.create(cycle=outside_cycle, title="Globex secret plan", owner=world.outsider)
    return Scene(
        company_obj, revenue, platform_obj, latency, status_page, sales_obj, deals, private_obj, draft_obj, outside_obj
    )
