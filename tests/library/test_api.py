"""GET /api/v1/okr-templates: the organisation's own templates and the built-in library, searched
by ``q`` and ``function``; another organisation's templates never appear; a fixed query count."""

from __future__ import annotations

import pytest

from tests.api.conftest import ApiClient, token_for
from tests.builders import World
from tests.library.conftest import saved_template
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db


def test_lists_own_then_builtin_templates_with_their_key_results(world: World) -> None:
    own = saved_template(world.member)
    saved_template(world.outsider, title="Globex checkout secrets")
    response = ApiClient(token_for(world.lead)).get("okr-templates")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 49 == len(body["items"])
    first = body["items"][0]
    assert first == {
        "key": f"org:{own.pk}",
        "builtin": False,
        "template_id": own.pk,
        "function": "product",
        "title": "Delight every buyer at checkout",
        "description": "Checkout is where trust is won.",
        "ambition": "committed",
        "key_results": [
            {
                "title": "Checkout conversion",
                "kind": "increase",
                "direction": "up",
                "start": 2.5,
                "target": 3.4,
                "unit": "%",
            },
            {
                "title": "Abandoned carts",
                "kind": "decrease",
                "direction": "down",
                "start": 40.0,
                "target": 25.0,
                "unit": "%",
            },
        ],
    }
    assert all(item["builtin"] for item in body["items"][1:])
    assert "Globex checkout secrets" not in {item["title"] for item in body["items"]}


def test_search_and_function_filter(world: World) -> None:
    saved_template(world.member)
    client = ApiClient(token_for(world.member, read_only=True))
    body = client.get("okr-templates", q="checkout").json()
    assert [item["title"] for item in body["items"]] == ["Delight every buyer at checkout"]
    body = client.get("okr-templates", function="finance").json()
    assert body["count"] == 5 and {item["function"] for item in body["items"]} == {"finance"}
    body = client.get("okr-templates", q="web vitals", function="engineering").json()
    assert [item["key"] for item in body["items"]] == ["builtin:eng-performance"]
    assert client.get("okr-templates", function="astrology").status_code == 422


def test_query_count_does_not_grow_with_templates(world: World) -> None:
    saved_template(world.member)
    client = ApiClient(token_for(world.lead))
    client.get("organisation")  # the token's first use records last_used_at
    with assert_queries(2) as one:  # the token, the organisation's templates
        client.get("okr-templates")
    for i in range(10):
        saved_template(world.member, title=f"Template {i}")
    with count_queries() as many:
        assert client.get("okr-templates").json()["count"] == 48 + 11
    assert len(many) == len(one)
