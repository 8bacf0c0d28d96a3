"""Every operation that takes a JSON body refuses a body that is not a JSON object (``true``,
``0.5``, ``[]``, ``"x"``, ``null``) with a 422 problem naming the body, and changes nothing.

django-ninja would read such a body as an object with no attributes: a PATCH of ``true`` was an
empty PATCH answered 200."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.api.conftest import token_for
from tests.api.operations import Operation, operations, url_for
from tests.api.test_every_operation import db_digest
from tests.builders import World, build_okr_data

pytestmark = pytest.mark.django_db

WITH_BODY = [op for op in operations() if op.has_body]
NOT_OBJECTS = ["true", "0.5", "[]", '"x"', "null"]


def test_every_body_taking_verb_is_walked() -> None:
    assert {op.method for op in WITH_BODY} == {"POST", "PATCH", "PUT"}
    assert len(WITH_BODY) >= 25


@pytest.mark.parametrize("op", WITH_BODY, ids=lambda op: op.operation_id)
def test_a_body_that_is_not_an_object_is_a_422_and_changes_nothing(world: World, op: Operation) -> None:
    data = build_okr_data(world)
    client = Client()
    headers = {"Authorization": f"Bearer {token_for(world.admin)}"}
    url = url_for(op, world, data)
    before = db_digest()
    for body in NOT_OBJECTS:
        response = getattr(client, op.method.lower())(url, body, content_type="application/json", headers=headers)
        assert response.status_code == 422, (body, response.content)
        assert response.headers["Content-Type"] == "application/problem+json"
        problem = json.loads(response.content)
        assert problem["errors"] == [
            {"field": "body", "message": 'The request body must be a JSON object, e.g. {"title": "…"}.'}
        ]
        assert "must be a JSON object" in problem["detail"]
    assert db_digest() == before


def test_broken_json_is_still_a_400(world: World) -> None:
    data = build_okr_data(world)
    response = Client().patch(
        f"/api/v1/objectives/{data.team_obj.pk}",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for(world.admin)}"},
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"


def test_a_nul_in_an_api_query_is_the_documented_422_not_the_web_400(world: World) -> None:
    response = Client().get(
        "/api/v1/members", {"cursor": "1\x00"}, headers={"Authorization": f"Bearer {token_for(world.admin)}"}
    )
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["errors"][0]["field"] == "cursor"
