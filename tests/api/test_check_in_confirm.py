"""The API's check-in asks for confirmation of an implausible value, as the web's "Save anyway"
does (issue 12, item 7): the same rule (``check_in_value_concerns``), a 422 on ``value`` naming the
plausible range and ``"confirm": true``, then saved once confirmed. No extra query either way."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from ambit.okrs import services
from ambit.okrs.models import CheckIn, KeyResult
from ambit.okrs.plausibility import check_in_value_concerns
from tests.api.conftest import ApiAs
from tests.builders import World
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db


def _kr(world: World, *, unit: str = "%", start: int = 0, target: int = 100) -> KeyResult:
    objective = services.objective_create(
        actor=world.member, cycle=world.cycle, title="Answer faster", owner=world.member, state="active"
    )
    return services.key_result_create(
        actor=world.member,
        objective=objective,
        title="Share answered",
        start_value=start,
        target_value=target,
        unit=unit,
    )


def _problem(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.content
    assert response.headers["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response.content)
    return body


@pytest.mark.parametrize(
    ("value", "concern"),
    [
        (-5, "-5 % is negative, while this key result has only known positive numbers."),
        (1000, "1000 % is far outside this key result's range (0 % → 100 %)."),
    ],
)
def test_an_implausible_value_needs_confirm_then_saves(api_as: ApiAs, world: World, value: int, concern: str) -> None:
    kr = _kr(world, unit="pts")
    client = api_as("member")
    path = f"key-results/{kr.pk}/check-ins"

    body = _problem(client.post(path, {"value": value, "confidence": 6}))
    (error,) = body["errors"]
    assert error["field"] == "value"
    concern = concern.replace("%", "pts")
    assert error["message"] == (
        f"{concern} Plausible values here lie between 0 pts and 200 pts. "
        'If it is right, send the check-in again with "confirm": true.'
    )
    assert body["detail"] == f"value: {error['message']}"
    assert CheckIn.objects.filter(key_result=kr).count() == 0

    saved = client.post(path, {"value": value, "confidence": 6, "confirm": True})
    assert saved.status_code == 201, saved.content
    kr.refresh_from_db()
    assert kr.current_value == Decimal(value)
    assert CheckIn.objects.get(key_result=kr).value == Decimal(value)


def test_the_api_and_the_web_say_the_same_about_a_value(api_as: ApiAs, world: World) -> None:
    kr = _kr(world, unit="%")
    message = _problem(api_as("member").post(f"key-results/{kr.pk}/check-ins", {"value": 250}))["errors"][0]["message"]
    # The one rule, read the way the API formats numbers (plain, with the unit).
    assert message.startswith(" ".join(check_in_value_concerns(kr, Decimal(250))))
    assert "between 0% and 200%" in message  # a percent sign sits on the number, as on the web


def test_plausible_values_and_other_kinds_need_no_confirmation(api_as: ApiAs, world: World) -> None:
    kr = _kr(world)
    client = api_as("member")
    assert client.post(f"key-results/{kr.pk}/check-ins", {"value": 150}).status_code == 201
    # Measured against what the key result now knows (150): 290 is plausible, 310 not.
    assert client.post(f"key-results/{kr.pk}/check-ins", {"value": 290}).status_code == 201
    assert client.post(f"key-results/{kr.pk}/check-ins", {"value": 600}).status_code == 422
    binary = services.key_result_create(actor=world.member, objective=kr.objective, title="Ship it", kind="binary")
    assert client.post(f"key-results/{binary.pk}/check-ins", {"value": 1}).status_code == 201


def test_the_check_costs_no_query(api_as: ApiAs, world: World) -> None:
    kr = _kr(world)
    client = api_as("member")
    path = f"key-results/{kr.pk}/check-ins"
    client.post(path, {"value": 10})
    with count_queries() as refused:
        _problem(client.post(path, {"value": -500}))
    with count_queries() as plausible:
        assert client.post(path, {"value": 20}).status_code == 201
    # Confirmed, the check is skipped: a check that read anything would make these differ.
    with assert_queries(plausible):
        assert client.post(path, {"value": -500, "confirm": True}).status_code == 201
    # Refused after loading the key result (and the token), before anything the service reads.
    assert len(refused) < len(plausible)


def test_confirm_is_documented_in_the_schema(api_as: ApiAs) -> None:
    schema = json.loads(api_as("member").get("openapi.json").content)
    body = schema["components"]["schemas"]["CheckInIn"]["properties"]["confirm"]
    assert body["type"] == "boolean" and body["default"] is False
    assert "422" in body["description"] and "plausible range" in body["description"]
