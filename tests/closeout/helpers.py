"""A small quarter to score: Platform's aspirational objective (the lead's) with the member's
"Signups" (suggested 0.8), the lead's "Latency" (0.5) and a cancelled key result; the member's
committed objective with "Docs" (1.0) and "Talks" (0.1); and Globex's cycle for the 404s.

Committed: met only at 1.0; aspirational: a success from 0.7, partial from 0.4. Scored as
suggested: Signups success, Latency partial, Docs met, Talks missed (2 met, 1 partial, 1 missed);
objective scores 0.65 and 0.55, the organisation's 0.6."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ambit.closeout import selectors, services
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, CycleState, KeyResult, Objective
from ambit.present.selectors import QuarterWins, Win
from ambit.retros.selectors import ReflectionProgress
from tests import factories as f
from tests.builders import World

NOTE = "We changed course mid-quarter."


@dataclass
class Quarter:
    cycle: Cycle
    team_obj: Objective
    member_obj: Objective
    signups: KeyResult  # the member's, in the lead's objective
    latency: KeyResult  # the lead's
    docs: KeyResult  # the member's
    talks: KeyResult  # the member's
    cancelled: KeyResult
    other_cycle: Cycle  # Globex's


def build_quarter(world: World, *, review: bool = True) -> Quarter:
    cycle = world.cycle
    team_obj = okrs.objective_create(
        actor=world.lead,
        cycle=cycle,
        title="A platform customers trust",
        team=world.team,
        state="active",
        ambition="aspirational",
    )
    signups = okrs.key_result_create(
        actor=world.lead, objective=team_obj, title="Signups", start_value=0, target_value=100, owner=world.member
    )
    latency = okrs.key_result_create(
        actor=world.lead, objective=team_obj, title="p95 latency", kind="decrease", start_value=800, target_value=200
    )
    cancelled = okrs.key_result_create(
        actor=world.lead, objective=team_obj, title="Old idea", start_value=0, target_value=10
    )
    okrs.key_result_cancel(actor=world.lead, key_result=cancelled, reason="Dropped")
    member_obj = okrs.objective_create(actor=world.member, cycle=cycle, title="Share what we learn", state="active")
    docs = okrs.key_result_create(
        actor=world.member, objective=member_obj, title="Docs", start_value=0, target_value=10
    )
    talks = okrs.key_result_create(
        actor=world.member, objective=member_obj, title="Talks", start_value=0, target_value=10
    )
    okrs.check_in_record(actor=world.member, key_result=signups, value=60, confidence=5, note="Slow start")
    okrs.check_in_record(actor=world.member, key_result=signups, value=80, confidence=7, note="Campaign landed")
    okrs.check_in_record(actor=world.lead, key_result=latency, value=500, confidence=4)
    okrs.check_in_record(actor=world.member, key_result=docs, value=10, confidence=9)
    okrs.check_in_record(actor=world.member, key_result=talks, value=1, confidence=2)
    other_cycle = f.CycleFactory.create(organisation=world.other_org, name="Globex Q", state=CycleState.REVIEW)
    f.KeyResultFactory.create(objective__cycle=other_cycle, objective__owner=world.outsider)
    if review:
        okrs.cycle_transition(actor=world.champion, cycle=cycle, state="review")
    return Quarter(cycle, team_obj, member_obj, signups, latency, docs, talks, cancelled, other_cycle)


def score_all(world: World, q: Quarter) -> None:
    """Every counted key result scored as suggested, by its owner."""
    for actor, kr in (
        (world.member, q.signups),
        (world.lead, q.latency),
        (world.member, q.docs),
        (world.member, q.talks),
    ):
        services.key_result_score_set(actor=actor, cycle=q.cycle, key_result=kr, score=None, accept=True)


@dataclass
class Contracts:
    """What the retros, rollover and present apps answer (patched: their helpers fill them in)."""

    reflections_done: bool = False
    rollover_done: bool = False


WIN = Win(text="Docs site shipped", who="Member", team_name="Platform", on=None, url="")


@pytest.fixture
def contracts(monkeypatch: pytest.MonkeyPatch) -> Contracts:
    state = Contracts()

    def progress(cycle: Cycle) -> ReflectionProgress:
        done = 2 if state.reflections_done else 1
        return ReflectionProgress(objectives_total=2, objectives_done=done, teams_total=1, teams_done=1)

    monkeypatch.setattr(selectors, "reflection_progress", progress)
    monkeypatch.setattr(selectors, "rollover_decided", lambda cycle: state.rollover_done)
    monkeypatch.setattr(services, "quarter_wins", lambda cycle, **kw: QuarterWins(key_results_met=[WIN]))
    return state
