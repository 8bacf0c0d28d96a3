"""The feeder: ``assess_objectives`` on saved objectives, in a constant number of queries."""

from __future__ import annotations

from ambit.accounts import services as accounts
from ambit.okrs.engine.quality import ObjectiveFacts
from ambit.okrs.models import KeyResultKind, Objective, ObjectiveState
from ambit.okrs.quality import DraftScope, assess_draft, assess_objectives, kr_facts_from_row
from tests.builders import World, objective_with_krs
from tests.querycount import assert_queries, count_queries

GOOD_KRS = [
    {"title": "Grow weekly active teams", "start_value": 40, "target_value": 80, "unit": "teams"},
    {
        "title": "Cut onboarding time",
        "kind": KeyResultKind.DECREASE,
        "start_value": 14,
        "target_value": 5,
        "unit": "days",
    },
    {"title": "Raise activation rate", "start_value": 20, "target_value": 45, "unit": "%", "unit_kind": "percent"},
]


def _good(world: World, title: str = "Delight new customers in their first week") -> Objective:
    objective, _ = objective_with_krs(
        actor=world.admin,
        cycle=world.cycle,
        title=title,
        description="Churn starts in week one.",
        team=world.team,
        owner=world.lead,
        key_results=[{**kr, "owner": world.lead} for kr in GOOD_KRS],
    )
    return objective


def test_a_good_objective_scores_100(world: World) -> None:
    objective = _good(world)
    result = assess_objectives([objective])
    assert result[objective.pk].score == 100
    assert result[objective.pk].findings == []


def test_findings_point_at_their_key_result(world: World) -> None:
    objective, krs = objective_with_krs(
        actor=world.admin,
        cycle=world.cycle,
        title="Reach $2M ARR",
        team=world.team,
        owner=world.lead,
        key_results=[
            {"title": "Launch the new pricing page", "kind": KeyResultKind.BINARY, "owner": world.lead},
            {"title": "Grow paying accounts", "start_value": 100, "target_value": 150, "unit": "", "owner": world.lead},
        ],
    )
    a = assess_objectives([objective.pk])[objective.pk]
    codes = {(f.code, f.key_result_id) for f in a.findings}
    assert ("kr_is_task", krs[0].pk) in codes
    assert ("kr_no_unit", krs[1].pk) in codes
    assert ("objective_is_number", None) in codes
    assert ("kr_few", None) in codes
    assert ("objective_no_description", None) in codes
    # problem 25 + warnings 10 + 10 + tips 3 + 3
    assert a.score == 100 - 25 - 10 - 10 - 3 - 3
    assert [f.code for f in a.for_key_result(krs[0].pk)] == ["kr_is_task"]


def test_team_context_duplicates_and_too_many(world: World) -> None:
    first = _good(world)
    for i in range(5):
        _good(world, title=f"Another team objective number {'abcde'[i]} for focus")
    result = assess_objectives([first])
    codes = [f.code for f in result[first.pk].findings]
    assert "team_too_many_objectives" in codes  # 6 live objectives in the team
    assert "kr_duplicate" in codes  # the same key results repeat across the team's objectives
    # cancelled objectives do not count
    others = Objective.objects.filter(team=world.team).exclude(pk=first.pk)
    others.update(state=ObjectiveState.CANCELLED, cancel_reason="x")
    codes = [f.code for f in assess_objectives([first])[first.pk].findings]
    assert "team_too_many_objectives" not in codes and "kr_duplicate" not in codes


def test_the_limits_are_the_charters(world: World) -> None:
    first = _good(world)
    _good(world, title="A second team objective that delights buyers")
    assert "team_too_many_objectives" not in [f.code for f in assess_objectives([first])[first.pk].findings]
    accounts.organisation_update(actor=world.admin, max_objectives_per_team=1)
    finding = next(f for f in assess_objectives([first])[first.pk].findings if f.code == "team_too_many_objectives")
    assert finding.message.startswith("The team has 2 objectives this cycle; the charter suggests at most 1.")


def test_query_count_is_constant(world: World) -> None:
    objectives = [_good(world, title=f"Delight segment {c} customers fast") for c in "ab"]
    with count_queries() as small:
        assess_objectives(objectives)
    objectives += [_good(world, title=f"Delight segment {c} customers fast") for c in "cdef"]
    with assert_queries(small):
        assess_objectives(objectives)
    assert len(small) == 3


def test_draft_sees_the_saved_team(world: World) -> None:
    _good(world)
    facts = ObjectiveFacts(
        title="Make onboarding effortless for teams",
        description="why",
        key_results=(
            kr_facts_from_row(
                0, title="Grow weekly active teams", kind="increase", start="40", target="90", unit="teams"
            ),
        ),
    )
    scope = DraftScope(world.org, world.cycle.pk, world.team.pk, world.lead.pk)
    a = assess_draft(scope, facts)
    dup = [f for f in a.findings if f.code == "kr_duplicate"]
    assert dup and dup[0].key_result_position == 0 and dup[0].key_result_id is None
