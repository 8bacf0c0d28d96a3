"""The rituals' API: the walk of tests/api/test_every_operation.py over these operations alone
(admin does each; outsiders get 404 on what names an object; viewers and read-only tokens 403 on
writes, changing nothing), then the behaviour: lists, conflicts, the author rule, week plans."""

from __future__ import annotations

import json

import pytest

from ambit.notify.models import Kind, Notification
from ambit.rituals.models import Standup
from ambit.rituals.selectors import local_today
from tests import factories as f
from tests.api.conftest import ApiClient, token_for
from tests.api.operations import Operation, body_for, operations, url_for
from tests.api.test_every_operation import db_digest
from tests.builders import World, build_okr_data

pytestmark = pytest.mark.django_db

MINE = {
    "standup_list",
    "standup_create",
    "standup_update",
    "week_plan_get",
    "week_commitments_set",
    "week_wins_set",
    "ritual_settings_get",
    "ritual_settings_update",
    "reflection_list",
    "reflection_get",
    "reflection_put",
}
OPS = [op for op in operations() if op.operation_id in MINE]


def test_every_operation_is_listed() -> None:
    assert {op.operation_id for op in OPS} == MINE


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.operation_id)
def test_admin_can_do_every_operation(world: World, op: Operation) -> None:
    data = build_okr_data(world)
    response = ApiClient(token_for(world.admin)).call(
        op.method,
        url_for(op, world, data),
        body_for(op, world, data),
    )
    assert response.status_code == op.success, response.content


@pytest.mark.parametrize("persona", ["outsider", "viewer", "read-only"])
def test_refusals_change_nothing(world: World, persona: str) -> None:
    data = build_okr_data(world)
    member = world.admin if persona == "read-only" else getattr(world, persona)
    client = ApiClient(token_for(member, read_only=persona == "read-only"))
    before = db_digest()
    for op in OPS:
        response = client.call(op.method, url_for(op, world, data), body_for(op, world, data))
        if persona == "outsider" and op.params:
            assert response.status_code == 404, op.operation_id
        elif persona != "outsider" and op.is_write:
            assert response.status_code == 403, op.operation_id
        elif not op.is_write:
            assert response.status_code == 200, op.operation_id
            assert "Acme" not in response.content.decode() or persona != "outsider"
    if persona != "outsider":
        assert db_digest() == before


def test_post_list_update_and_the_author_rule(world: World) -> None:
    obj = f.ObjectiveFactory.create(cycle=world.cycle, owner=world.member)
    kr = f.KeyResultFactory.create(objective=obj)
    member = ApiClient(token_for(world.member))
    response = member.post(
        "standups", {"today": [{"text": "Ship"}], "blockers": [{"text": "No access", "key_result_id": kr.pk}]}
    )
    assert response.status_code == 201, response.content
    body = json.loads(response.content)
    assert body["blockers"] == [{"text": "No access", "key_result_id": kr.pk}] and body["yesterday"] == []
    assert Notification.objects.filter(kind=Kind.STANDUP_BLOCKER, recipient=world.lead).count() == 1
    assert member.post("standups", {"today": [{"text": "Again"}]}).status_code == 409
    listed = json.loads(ApiClient(token_for(world.lead)).get(f"teams/{world.team.pk}/standups").content)
    assert [s["author_id"] for s in listed["standups"]] == [world.member.pk]
    assert listed["not_posted"] == [world.lead.pk]
    standup_id = body["id"]
    lead = ApiClient(token_for(world.lead))
    assert lead.patch(f"standups/{standup_id}", {"today": [{"text": "Mine now"}]}).status_code == 403
    updated = member.patch(f"standups/{standup_id}", {"today": [{"text": "Ship it"}]})
    assert json.loads(updated.content)["today"] == [{"text": "Ship it", "key_result_id": None}]
    bad = member.patch(f"standups/{standup_id}", {"today": [{"text": "x", "key_result_id": 999999}]})
    assert bad.status_code == 422
    assert Standup.objects.get(pk=standup_id).lines.get().text == "Ship it"


def test_week_plan_over_the_api(world: World) -> None:
    client = ApiClient(token_for(world.member))
    empty = json.loads(client.get("week-plan").content)
    assert empty["commitments"] == [] and empty["committed_at"] is None
    set_ = client.put("week-plan/commitments", {"items": [{"text": "Ship search"}]})
    assert set_.status_code == 200
    assert [c["text"] for c in json.loads(set_.content)["commitments"]] == ["Ship search"]
    assert client.put("week-plan/commitments", {"week": "2020-W01", "items": []}).status_code == 422
    assert client.get("week-plan", week="not a week").status_code == 422
    this_week = json.loads(client.get("week-plan").content)["week"]
    today = local_today(world.org)
    wins = client.put("week-plan/wins", {"week": this_week, "wins": ["Early"]})
    assert wins.status_code == (200 if today.weekday() >= 4 else 422)
