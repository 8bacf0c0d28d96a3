"""One error format (RFC 9457 problem+json) for every failure, each naming what is wrong."""

from __future__ import annotations

import json
from typing import Any, NoReturn

import pytest

from ambit.core.models import AuditEntry
from ambit.okrs.models import Alignment, KeyResult
from tests.api.conftest import ApiAs, ApiClient
from tests.builders import OkrData, World
from tests.helpers import ClientResponse

pytestmark = pytest.mark.django_db


def problem(response: ClientResponse, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response.headers["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response.content)
    assert set(body) == {"type", "title", "status", "detail", "errors"}
    assert body["status"] == status
    return body


def test_401_without_a_token_or_with_a_wrong_one_says_how_to_authenticate(world: World) -> None:
    for client in (ApiClient(None), ApiClient("amb_not-a-real-token"), ApiClient("something-else")):
        response = client.get("objectives")
        body = problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Authorization: Bearer" in body["detail"]


def test_422_from_the_schema_names_the_field(api_as: ApiAs, world: World) -> None:
    body = problem(api_as("champion").post("objectives", {"cycle_id": world.cycle.pk, "title": ""}), 422)
    assert body["type"] == "urn:ambit:problem:validation"
    assert [e["field"] for e in body["errors"]] == ["title"]
    body = problem(api_as("champion").get("objectives", limit=500), 422)
    assert [e["field"] for e in body["errors"]] == ["limit"]


def test_422_from_a_service_names_the_field_and_the_fix(api_as: ApiAs, okr_data: OkrData) -> None:
    before = KeyResult.objects.count()
    body = problem(
        api_as("lead").post(
            f"objectives/{okr_data.team_obj.pk}/key-results", {"title": "Churn", "start_value": 10, "target_value": 5}
        ),
        422,
    )
    assert body["errors"][0]["field"] == "target_value"
    assert "decrease to" in body["errors"][0]["message"]
    assert KeyResult.objects.count() == before


def test_confidence_outside_the_organisations_scale_is_a_422_on_confidence(api_as: ApiAs, okr_data: OkrData) -> None:
    body = problem(
        api_as("member").post(f"key-results/{okr_data.kr.pk}/check-ins", {"value": 3, "confidence": 7.5}), 422
    )
    assert [e["field"] for e in body["errors"]] == ["confidence"]


def test_409_on_an_alignment_loop(api_as: ApiAs, okr_data: OkrData) -> None:
    client = api_as("champion")
    links, audits = Alignment.objects.count(), AuditEntry.objects.count()
    body = problem(
        client.post(f"objectives/{okr_data.company_obj.pk}/parents", {"parent_id": okr_data.team_obj.pk}),
        409,
    )
    assert body["errors"][0]["field"] == "parent_id"
    assert "loop" in body["detail"]
    assert (Alignment.objects.count(), AuditEntry.objects.count()) == (links, audits)


def test_an_id_in_the_body_from_another_organisation_is_a_404_naming_the_field(api_as: ApiAs, world: World) -> None:
    from tests.factories import CycleFactory

    foreign = CycleFactory.create(organisation=world.other_org, name="Globex Q")
    body = problem(api_as("champion").post("objectives", {"cycle_id": foreign.pk, "title": "Steal"}), 404)
    assert body["errors"] == [{"field": "cycle_id", "message": "No such cycle."}]


def test_405_404_and_400_are_problem_documents_too(api_as: ApiAs) -> None:
    client = api_as("admin")
    response = client.delete("organisation")
    problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "PATCH"}
    problem(client.get("no-such-thing"), 404)
    response = client.client.post(
        "/api/v1/values", "{not json", content_type="application/json", headers=client._headers()
    )
    problem(response, 400)


def test_an_unexpected_error_is_a_500_problem_without_internals(api_as: ApiAs, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**kwargs: object) -> NoReturn:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("ambit.api.routers.org.acc.organisation_get", broken)
    body = problem(api_as("admin").get("organisation"), 500)
    assert "secret" not in json.dumps(body)


def test_pagination_walks_every_item_once_in_id_order(api_as: ApiAs, okr_data: OkrData) -> None:
    client = api_as("admin")
    seen, cursor = [], None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor is not None else {})
        page = client.get("objectives", **query).json()
        assert len(page["items"]) <= 2
        seen += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == 4


def test_status_filter_pages_over_the_filtered_set(api_as: ApiAs, okr_data: OkrData) -> None:
    client = api_as("admin")
    everything = client.get("objectives", limit=200).json()["items"]
    wanted = sorted(o["id"] for o in everything if o["metrics"]["status"] == "not_started")
    assert len(wanted) >= 2
    first = client.get("objectives", status="not_started", limit=1).json()
    second = client.get("objectives", status="not_started", limit=1, cursor=first["next_cursor"]).json()
    assert [first["items"][0]["id"], second["items"][0]["id"]] == wanted[:2]
