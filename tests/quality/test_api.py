"""The quality check in the API: on one objective's answer always, on the list with ``expand=quality``."""

from __future__ import annotations

from ambit.okrs.models import KeyResultKind
from tests.api.conftest import ApiClient, token_for
from tests.builders import World, objective_with_krs
from tests.querycount import assert_queries, count_queries


def _objective(world: World, title: str = "Reach $2M ARR") -> tuple[int, int]:
    objective, krs = objective_with_krs(
        actor=world.lead,
        cycle=world.cycle,
        title=title,
        team=world.team,
        key_results=[{"title": "Launch the pricing page", "kind": KeyResultKind.BINARY}],
    )
    return objective.pk, krs[0].pk


def test_objective_get_carries_the_quality_check(world: World) -> None:
    objective_id, kr_id = _objective(world)
    body = ApiClient(token_for(world.member)).get(f"objectives/{objective_id}").json()
    quality = body["quality"]
    assert quality["score"] == 100 - 25 - 10 - 10 - 3
    findings = {(f["code"], f["key_result_id"]): f for f in quality["findings"]}
    assert set(findings) == {
        ("kr_is_task", kr_id),
        ("objective_is_number", None),
        ("kr_too_few", None),
        ("objective_no_description", None),
    }
    task = findings[("kr_is_task", kr_id)]
    assert task["severity"] == "problem" and "measure that" in task["fix"] and task["message"]
    assert quality["findings"][0]["severity"] == "problem"  # most severe first


def test_list_has_quality_only_when_expanded(world: World) -> None:
    objective_id, _ = _objective(world)
    api = ApiClient(token_for(world.admin))
    plain = api.get("objectives", limit=200).json()["items"]
    assert all(item["quality"] is None for item in plain)
    expanded = {o["id"]: o for o in api.get("objectives", expand="quality", limit=200).json()["items"]}
    assert expanded[objective_id]["quality"]["score"] == 52
    both = api.get("objectives", expand=["quality", "key_results"], limit=200).json()["items"]
    assert all(item["quality"] is not None and item["key_results"] is not None for item in both)


def test_expanded_list_costs_the_same_for_more_objectives(world: World) -> None:
    api = ApiClient(token_for(world.admin))
    api.get("organisation")  # the token's first use records last_used_at
    _objective(world)
    with count_queries() as few:
        api.get("objectives", expand="quality", limit=200)
    for i in range(6):
        _objective(world, title=f"Another objective number {'abcdef'[i]}")
    with assert_queries(few):
        response = api.get("objectives", expand="quality", limit=200)
    assert len(response.json()["items"]) == 7


def test_other_organisation_objective_is_404(world: World) -> None:
    objective_id, _ = _objective(world)
    assert ApiClient(token_for(world.outsider)).get(f"objectives/{objective_id}").status_code == 404
