"""A client that knows only the committed openapi.json: it finds each path by operationId and
drives the API through it: create a cycle's OKRs, align them, check in, read the roll-ups."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import ApiClient, token_for
from tests.builders import World

pytestmark = pytest.mark.django_db

DOCUMENT = json.loads((Path(__file__).resolve().parents[2] / "openapi.json").read_text())
ROUTES = {
    op["operationId"]: (method.upper(), path)
    for path, methods in DOCUMENT["paths"].items()
    for method, op in methods.items()
}


class SchemaClient:
    def __init__(self, token: str) -> None:
        self.http = ApiClient(token)

    def __call__(self, operation_id: str, body: dict[str, Any] | None = None, **params: object) -> Any:
        method, path = ROUTES[operation_id]
        query = {}
        for name, value in params.items():
            if "{" + name + "}" in path:
                path = path.replace("{" + name + "}", str(value))
            else:
                query[name] = value
        response = (
            self.http.call(method, path, body, **query) if method == "GET" else self.http.call(method, path, body)
        )
        assert 200 <= response.status_code < 300, (operation_id, response.status_code, response.content)
        return json.loads(response.content) if response.content else {}


def test_a_client_built_from_the_document_runs_a_cycle(world: World) -> None:
    api = SchemaClient(token_for(world.champion))
    today = dt.date.today()
    cycle = api(
        "cycle_create",
        {
            "name": "Client quarter",
            "start_date": (today - dt.timedelta(days=45)).isoformat(),
            "end_date": (today + dt.timedelta(days=45)).isoformat(),
            "state": "active",
        },
    )
    assert cycle["state"] == "active"
    teams = api("team_list")["items"]
    company = next(t for t in teams if t["kind"] == "company")
    platform = next(t for t in teams if t["slug"] == "platform")

    top = api(
        "objective_create",
        {"cycle_id": cycle["id"], "title": "Win the market", "team_id": company["id"], "state": "active"},
    )
    kr_top = api(
        "key_result_create", {"title": "Customers", "start_value": 100, "target_value": 200}, objective_id=top["id"]
    )
    team_obj = api(
        "objective_create",
        {"cycle_id": cycle["id"], "title": "Ship faster", "team_id": platform["id"], "state": "active"},
    )
    link = api("alignment_add", {"parent_id": top["id"], "weight": 2}, objective_id=team_obj["id"])
    assert link == {"child_id": team_obj["id"], "parent_id": top["id"], "weight": 2.0}
    kr_team = api(
        "key_result_create",
        {"title": "Deploys a week", "start_value": 0, "target_value": 10},
        objective_id=team_obj["id"],
    )
    # Duality: the company key result becomes the platform team's objective.
    child = api(
        "objective_create_from_key_result", {"team_id": platform["id"], "state": "active"}, key_result_id=kr_top["id"]
    )
    assert child["source_key_result_id"] == kr_top["id"]
    kr_child = api(
        "key_result_create",
        {"title": "Signed customers", "start_value": 0, "target_value": 40},
        objective_id=child["id"],
    )

    created = api("check_in_create", {"value": 5, "confidence": 8, "note": "Halfway"}, key_result_id=kr_team["id"])
    assert created["key_result"]["current_value"] == 5.0
    assert created["key_result"]["metrics"]["progress"] == pytest.approx(0.5)
    api("check_in_create", {"value": 10, "confidence": 3}, key_result_id=kr_child["id"])
    warned = api("check_in_create", {"value": 20, "confidence": 1}, key_result_id=kr_child["id"])
    assert any("low" in w.lower() for w in warned["warnings"])

    history = api("check_in_list", key_result_id=kr_child["id"])["items"]
    assert [c["value"] for c in history] == [10.0, 20.0]
    assert [c["confidence"] for c in history] == [3, 1]

    # Roll-ups: the company key result takes its progress from the child objective (20/40).
    kr_metrics = api("key_result_metrics", key_result_id=kr_top["id"])
    assert kr_metrics["progress"] == pytest.approx(0.5)
    top_metrics = api("objective_metrics", objective_id=top["id"])
    assert top_metrics["metrics"]["progress"] == pytest.approx(0.5)
    assert top_metrics["key_results"][0]["key_result_id"] == kr_top["id"]
    team_metrics = api("objective_get", objective_id=team_obj["id"])["metrics"]
    assert team_metrics["progress"] == pytest.approx(0.5)

    tree = api("cycle_tree", cycle_id=cycle["id"], depth=2)
    root = next(n for n in tree["roots"] if n["objective"]["id"] == top["id"])
    kids = {n["objective"]["id"]: n for n in root["children"]}
    assert set(kids) == {team_obj["id"], child["id"]}
    assert kids[child["id"]]["via_key_result_id"] == kr_top["id"]
    assert kids[team_obj["id"]]["via_key_result_id"] is None
    assert root["is_gap"] is False
    assert root["child_count"] == 2 and tree["depth"] == 2

    # A large tree is walked a few levels at a time: the roots say how much lies below them.
    shallow = api("cycle_tree", cycle_id=cycle["id"], depth=1)
    top_node = next(n for n in shallow["roots"] if n["objective"]["id"] == top["id"])
    assert top_node["children"] == [] and top_node["child_count"] == 2
    below = api("cycle_tree", cycle_id=cycle["id"], root_id=top["id"], depth=1)
    assert below["root_id"] == top["id"]
    assert {n["objective"]["id"] for n in below["roots"]} == {team_obj["id"], child["id"]}

    listed = api("objective_list", cycle_id=cycle["id"])["items"]
    assert {o["id"] for o in listed} == {top["id"], team_obj["id"], child["id"]}
