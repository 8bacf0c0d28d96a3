"""The comments API: list, create (and reply), edit, delete; every comment operation walked by role
(like tests/api/test_every_operation.py, restricted to these); 429; fixed query counts."""

from __future__ import annotations

import pytest

from ambit.discussion import services
from ambit.discussion.models import Comment
from ambit.notify.models import Kind, Notification
from tests.api.conftest import ApiClient, token_for
from tests.api.operations import Operation, body_for, operations, url_for
from tests.api.test_every_operation import AUTHOR_ONLY, db_digest
from tests.builders import OkrData, World, build_okr_data
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db

OPS = [op for op in operations() if op.operation_id.startswith("comment_")]


def test_the_comment_operations_are_all_there() -> None:
    assert sorted(op.operation_id for op in OPS) == [
        "comment_create_initiative",
        "comment_create_key_result",
        "comment_create_kpi",
        "comment_create_objective",
        "comment_delete",
        "comment_list_initiative",
        "comment_list_key_result",
        "comment_list_kpi",
        "comment_list_objective",
        "comment_update",
    ]


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.operation_id)
def test_admin_can_do_every_comment_operation(world: World, op: Operation) -> None:
    data = build_okr_data(world)
    response = ApiClient(token_for(world.admin)).call(op.method, url_for(op, world, data), body_for(op, world, data))
    assert response.status_code == op.success, response.content


def test_refusals_by_persona_change_nothing(world: World) -> None:
    data = build_okr_data(world)
    outsider = ApiClient(token_for(world.outsider))
    readers = (ApiClient(token_for(world.viewer)), ApiClient(token_for(world.admin, read_only=True)))
    personas = {p: ApiClient(token_for(getattr(world, p))) for p in ("champion", "lead", "member")}
    before = db_digest()
    for op in OPS:
        response = outsider.call(op.method, url_for(op, world, data), body_for(op, world, data))
        assert response.status_code == 404, op.operation_id
    for client in readers:
        for op in OPS:
            response = client.call(op.method, url_for(op, world, data), body_for(op, world, data))
            assert response.status_code == (403 if op.is_write else 200), op.operation_id
    for persona, client in personas.items():
        for op in OPS:
            if op.operation_id in AUTHOR_ONLY:
                response = client.call(op.method, url_for(op, world, data), body_for(op, world, data))
                assert response.status_code == 403, (persona, op.operation_id)
            elif not op.is_write:
                assert client.call(op.method, url_for(op, world, data)).status_code == 200
    assert db_digest() == before


def test_create_reply_edit_delete_through_the_api(world: World, okr_data: OkrData) -> None:
    client = ApiClient(token_for(world.lead))
    created = client.post(f"objectives/{okr_data.team_obj.pk}/comments", {"body": "Ship it @member <b>"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["body"] == "Ship it @member <b>" and body["mention_ids"] == [world.member.pk]
    assert body["kind"] == "objective" and body["author_id"] == world.lead.pk and not body["deleted"]
    assert Notification.objects.filter(kind=Kind.MENTION, recipient=world.member).count() == 1
    reply = client.post(f"objectives/{okr_data.team_obj.pk}/comments", {"body": "ok", "parent_id": body["id"]})
    assert reply.status_code == 201 and reply.json()["parent_id"] == body["id"]
    elsewhere = client.post(f"key-results/{okr_data.kr.pk}/comments", {"body": "x", "parent_id": body["id"]})
    assert elsewhere.status_code == 422 and elsewhere.json()["errors"][0]["field"] == "parent_id"
    unknown = client.post(f"key-results/{okr_data.kr.pk}/comments", {"body": "x", "parent_id": 999999})
    assert unknown.status_code == 404
    empty = client.post(f"key-results/{okr_data.kr.pk}/comments", {"body": "  "})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "body"
    kr = client.post(f"key-results/{okr_data.kr.pk}/comments", {"body": "On track"})
    assert kr.status_code == 201 and kr.json()["key_result_id"] == okr_data.kr.pk
    edited = client.patch(f"comments/{body['id']}", {"body": "Ship it now"})
    assert edited.status_code == 200 and edited.json()["edited_at"] and edited.json()["mention_ids"] == []
    member = ApiClient(token_for(world.member))
    assert member.patch(f"comments/{body['id']}", {"body": "mine"}).status_code == 403
    assert member.delete(f"comments/{body['id']}").status_code == 403
    assert client.delete(f"comments/{body['id']}").status_code == 204
    listed = member.get(f"objectives/{okr_data.team_obj.pk}/comments").json()["items"]
    mine = next(c for c in listed if c["id"] == body["id"])
    assert mine["deleted"] and mine["body"] == ""
    kr_list = member.get(f"key-results/{okr_data.kr.pk}/comments").json()["items"]
    assert [c["body"] for c in kr_list] == ["On track"]


def test_posting_too_fast_is_429(world: World, okr_data: OkrData) -> None:
    client = ApiClient(token_for(world.lead))
    url = f"objectives/{okr_data.team_obj.pk}/comments"
    for i in range(services.RATE_LIMIT):
        assert client.post(url, {"body": f"n{i}"}).status_code == 201
    response = client.post(url, {"body": "again"})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert not Comment.objects.filter(body="again").exists()


def test_comment_lists_cost_the_same_with_one_or_many_rows(world: World, okr_data: OkrData) -> None:
    paths = [f"objectives/{okr_data.team_obj.pk}/comments", f"key-results/{okr_data.kr.pk}/comments"]
    writer = ApiClient(token_for(world.champion))
    for persona in ("admin", "lead"):
        writer.post(paths[1], {"body": "first"})
        client = ApiClient(token_for(getattr(world, persona)))
        client.get("organisation")  # the token's first use records it: not the list's cost
        small = []
        for path in paths:
            with count_queries() as q:
                assert client.get(path).status_code == 200
            small.append(q)
        for i in range(4):
            writer.post(paths[0], {"body": f"o{i} @member @lead"})
            writer.post(paths[1], {"body": f"k{i} @admin"})
        for path, q in zip(paths, small, strict=True):
            with assert_queries(q):
                assert client.get(path).status_code == 200
        # token, the target, the comments with their authors, their mentions
        assert [len(q) for q in small] == [4, 4], persona
        Comment.objects.exclude(body="Hi").delete()
