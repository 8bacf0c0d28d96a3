"""The approval walk through the REST API: the same services and refusals as the web, as
problem+json; another organisation's objectives are 404 on every approval operation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ambit.okrs.models import Objective
from tests.api.conftest import ApiClient, token_for
from tests.builders import World, objective_with_krs
from tests.helpers import db_digest
from tests.planning.helpers import approval_on, member_proposal, state_of, team_proposal
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db


def _api(member: Any) -> ApiClient:
    return ApiClient(token_for(member))


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response.headers["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response.content)
    return body


def test_the_approval_walk(world: World) -> None:
    approval_on(world)
    draft, _ = objective_with_krs(actor=world.member, cycle=world.cycle, title="Learn Rust")
    member = _api(world.member)
    proposed = member.post(f"objectives/{draft.pk}/propose")
    assert proposed.status_code == 200 and json.loads(proposed.content)["state"] == "proposed"
    _problem(member.post(f"objectives/{draft.pk}/approve"), 403)  # not their own

    lead = _api(world.lead)
    queue = json.loads(lead.get("approvals").content)
    assert [i["objective_id"] for i in queue["items"]] == [draft.pk] and queue["next_cursor"] is None
    item = queue["items"][0]
    assert item["owner_id"] == world.member.pk and item["level"] == "individual" and item["proposed_at"]
    assert item["quality_score"] is not None and "finding_count" in item

    body = _problem(lead.post(f"objectives/{draft.pk}/send-back", {"comment": "  "}), 422)
    assert body["errors"][0]["field"] == "comment"
    back = lead.post(f"objectives/{draft.pk}/send-back", {"comment": "Add a measure"})
    assert back.status_code == 200 and json.loads(back.content)["state"] == "draft"
    _problem(lead.post(f"objectives/{draft.pk}/send-back", {"comment": "Again"}), 409)

    member.post(f"objectives/{draft.pk}/propose")
    approved = lead.post(f"objectives/{draft.pk}/approve")
    assert approved.status_code == 200 and json.loads(approved.content)["state"] == "active"
    assert json.loads(lead.get("approvals").content)["items"] == []


def test_bulk_approve_through_the_api(world: World) -> None:
    approval_on(world)
    a = team_proposal(world, title="First")
    b = team_proposal(world, title="Second")
    mine = member_proposal(world)
    lead = _api(world.lead)
    before = db_digest()
    body = _problem(lead.post("approvals/approve", {"objective_ids": [mine.pk, a.pk]}), 403)
    assert "“First”" in body["detail"]
    assert db_digest() == before and state_of(mine) == "proposed"
    done = _api(world.champion).post("approvals/approve", {"objective_ids": [a.pk, b.pk]})
    assert json.loads(done.content) == {"objective_ids": [a.pk, b.pk]}
    assert state_of(a) == state_of(b) == "active"
    _problem(_api(world.champion).post("approvals/approve", {"objective_ids": []}), 422)


def test_another_organisations_objectives_are_404_on_every_approval_operation(world: World) -> None:
    approval_on(world)
    objective = member_proposal(world)
    outsider = _api(world.outsider)
    before = db_digest()
    for path, body in (
        (f"objectives/{objective.pk}/propose", None),
        (f"objectives/{objective.pk}/approve", None),
        (f"objectives/{objective.pk}/send-back", {"comment": "x"}),
        ("approvals/approve", {"objective_ids": [objective.pk]}),
    ):
        _problem(outsider.post(path, body), 404)
    assert json.loads(outsider.get("approvals").content)["items"] == []
    assert db_digest() == before and state_of(objective) == "proposed"


def test_viewers_and_read_only_tokens_cannot_approve(world: World) -> None:
    approval_on(world)
    objective = member_proposal(world)
    _problem(_api(world.viewer).post(f"objectives/{objective.pk}/approve"), 403)
    read_only = ApiClient(token_for(world.lead, read_only=True))
    _problem(read_only.post(f"objectives/{objective.pk}/approve"), 403)
    assert state_of(objective) == "proposed"


def test_the_queue_endpoint_costs_the_same_with_one_or_many_rows(world: World) -> None:
    approval_on(world)
    team_proposal(world, title="One")
    member_proposal(world, title="Mine")
    champion = _api(world.champion)
    champion.get("approvals")
    with count_queries() as one:
        champion.get("approvals")
    for i in range(5):
        team_proposal(world, title=f"More {i}")
    with assert_queries(one):
        response = champion.get("approvals")
    assert len(json.loads(response.content)["items"]) == 6
    assert Objective.objects.filter(state="proposed").count() == 7
