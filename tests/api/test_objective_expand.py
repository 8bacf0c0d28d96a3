"""Issue 13: objectives with their key results in one call (``expand=key_results``), documented as
an enum and a nullable field, and a check-in answer no larger than the client needs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from ambit.okrs import services
from ambit.okrs.models import Cycle, CycleState, KeyResult, Objective
from tests.api.conftest import ApiAs, ApiClient
from tests.builders import OkrData, World, objective_with_krs

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _document() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((ROOT / "openapi.json").read_text())
    return doc


def _with_history(world: World) -> tuple[Objective, list[KeyResult]]:
    """A 100-day cycle half over; an objective whose first key result has a steady month of
    check-ins (so a linear forecast), the second one check-in, the third none."""
    today = timezone.localdate()
    Cycle.objects.filter(pk=world.cycle.pk).update(
        start_date=today - dt.timedelta(days=50), end_date=today + dt.timedelta(days=50), state=CycleState.ACTIVE
    )
    world.cycle.refresh_from_db()
    obj, krs = objective_with_krs(
        actor=world.member,
        cycle=world.cycle,
        title="Grow",
        state="active",
        key_results=[
            {"title": "Users", "start_value": 0, "target_value": 100},
            {"title": "Churn", "kind": "decrease", "start_value": 10, "target_value": 5},
            {"title": "Launch", "kind": "milestones", "milestones": ["Beta", ("GA", 2.0)]},
        ],
    )
    KeyResult.objects.filter(pk__in=[k.pk for k in krs]).update(created_at=timezone.now() - dt.timedelta(days=60))
    now = timezone.now()
    for days, value in ((40, 10), (30, 20), (20, 30), (10, 40)):
        services.check_in_record(actor=world.member, key_result=krs[0], value=value, at=now - dt.timedelta(days=days))
    services.check_in_record(actor=world.member, key_result=krs[1], value=9, confidence=4)
    return obj, krs


def _key_results_listed(api: ApiClient, objective_id: int) -> list[dict[str, Any]]:
    response = api.get(f"objectives/{objective_id}/key-results", limit=200)
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_without_expand_key_results_is_null_on_list_and_get(api_as: ApiAs, okr_data: OkrData) -> None:
    api = api_as("admin")
    items = api.get("objectives", limit=200).json()["items"]
    assert len(items) >= 4
    assert all("key_results" in o and o["key_results"] is None for o in items)
    assert api.get(f"objectives/{okr_data.team_obj.pk}").json()["key_results"] is None


def test_expanded_list_nests_each_objectives_key_results_as_their_own_list_shows_them(
    api_as: ApiAs, world: World, okr_data: OkrData
) -> None:
    obj, krs = _with_history(world)
    api = api_as("admin")
    items = api.get("objectives", expand="key_results", limit=200).json()["items"]
    by_id = {o["id"]: o for o in items}
    assert {okr_data.company_obj.pk, okr_data.team_obj.pk, okr_data.spare_obj.pk, obj.pk} <= set(by_id)
    for objective_id, item in by_id.items():
        nested = item["key_results"]
        assert isinstance(nested, list)
        # The same key results, numbers and forecasts as the objective's own key-result list.
        assert sorted(nested, key=lambda k: k["id"]) == _key_results_listed(api, objective_id)
        assert [k["objective_id"] for k in nested] == [objective_id] * len(nested)
    # In the key results' own order (position), with milestones and a real forecast.
    assert [k["title"] for k in by_id[obj.pk]["key_results"]] == ["Users", "Churn", "Launch"]
    users, churn, launch = by_id[obj.pk]["key_results"]
    assert users["current_value"] == 40.0 and users["checkin_count"] == 4
    forecast = users["metrics"]["forecast"]
    assert forecast is not None and forecast["method"] == "linear_fit"
    assert forecast == api.get(f"key-results/{krs[0].pk}/metrics").json()["forecast"]
    assert churn["current_value"] == 9.0 and churn["confidence"] == 4
    assert [m["title"] for m in launch["milestones"]] == ["Beta", "GA"]
    assert launch["metrics"]["forecast"] is None and launch["checkin_count"] == 0
    assert [k["title"] for k in by_id[okr_data.team_obj.pk]["key_results"]] == ["Weekly users", "Launch"]
    assert by_id[okr_data.spare_obj.pk]["key_results"] == []
    # The objective itself reads the same expanded or not.
    plain = {o["id"]: o for o in api.get("objectives", limit=200).json()["items"]}
    assert {k: {**v, "key_results": None} for k, v in by_id.items()} == plain


def test_expanded_get_equals_the_key_result_list_and_the_plain_get(api_as: ApiAs, world: World) -> None:
    obj, krs = _with_history(world)
    api = api_as("member")
    expanded = api.get(f"objectives/{obj.pk}", expand="key_results")
    assert expanded.status_code == 200
    body = expanded.json()
    assert [k["id"] for k in body["key_results"]] == [k.pk for k in krs]
    assert body["key_results"] == _key_results_listed(api, obj.pk)
    assert body["key_results"][0]["metrics"]["forecast"]["method"] == "linear_fit"
    assert {**body, "key_results": None} == api.get(f"objectives/{obj.pk}").json()


def test_expand_with_the_status_filter_and_paging(api_as: ApiAs, world: World, okr_data: OkrData) -> None:
    obj, _ = _with_history(world)
    api = api_as("admin")
    status = api.get(f"objectives/{obj.pk}").json()["metrics"]["status"]
    items = api.get("objectives", status=status, expand="key_results").json()["items"]
    assert obj.pk in [o["id"] for o in items]
    assert all(o["metrics"]["status"] == status for o in items)
    grow = next(o for o in items if o["id"] == obj.pk)
    assert grow["key_results"] == _key_results_listed(api, obj.pk)
    assert grow["key_results"][0]["metrics"]["forecast"] is not None
    first = api.get("objectives", expand="key_results", limit=1).json()
    assert len(first["items"]) == 1 and first["next_cursor"] is not None
    second = api.get("objectives", expand="key_results", limit=1, cursor=first["next_cursor"]).json()
    assert second["items"][0]["id"] > first["items"][0]["id"]
    assert second["items"][0]["key_results"] is not None


def test_expand_shows_only_what_the_caller_may_see(api_as: ApiAs, world: World, okr_data: OkrData) -> None:
    outsider = api_as("outsider")
    assert outsider.get("objectives", expand="key_results").json()["items"] == []
    assert outsider.get(f"objectives/{okr_data.team_obj.pk}", expand="key_results").status_code == 404
    services.objective_update(actor=world.lead, objective=okr_data.team_obj, visibility="private")
    seen = {o["id"] for o in api_as("viewer").get("objectives", expand="key_results").json()["items"]}
    assert okr_data.team_obj.pk not in seen


@pytest.mark.parametrize(
    ("expand", "named"),
    [("metrics", "“metrics”"), ("", "“”"), (["key_results", "owner", "parents"], "“owner”, “parents”")],
)
def test_an_unknown_expansion_is_a_422_naming_it(
    api_as: ApiAs, okr_data: OkrData, expand: str | list[str], named: str
) -> None:
    api = api_as("admin")
    for path in ("objectives", f"objectives/{okr_data.team_obj.pk}"):
        response = api.get(path, expand=expand)
        assert response.status_code == 422, path
        assert response["Content-Type"] == "application/problem+json"
        errors = response.json()["errors"]
        assert errors == [{"field": "expand", "message": f"{named} cannot be expanded: use key_results, quality."}]
        assert named in response.json()["detail"]


def test_the_document_lists_the_expansions_and_the_nullable_nested_field() -> None:
    doc = _document()
    for path in ("/api/v1/objectives", "/api/v1/objectives/{objective_id}"):
        (param,) = [p for p in doc["paths"][path]["get"]["parameters"] if p["name"] == "expand"]
        assert param["in"] == "query" and param["required"] is False
        assert param["schema"]["type"] == "array"
        assert param["schema"]["items"] == {"type": "string", "enum": ["key_results", "quality"]}
        assert "key_results" in param["description"]
    objective = doc["components"]["schemas"]["ObjectiveOut"]
    assert "key_results" in objective["required"]  # always in the body: null unless expanded
    field = objective["properties"]["key_results"]
    assert field["anyOf"] == [
        {"type": "array", "items": {"$ref": "#/components/schemas/KeyResultOut"}},
        {"type": "null"},
    ]
    assert "expand=key_results" in field["description"]


CHECKED_FIELDS = {"id", "current_value", "confidence", "last_checkin_at", "checkin_count", "metrics"}


def test_a_check_in_answers_with_the_check_in_and_what_it_changed_only(api_as: ApiAs, okr_data: OkrData) -> None:
    api = api_as("member")
    response = api.post(f"key-results/{okr_data.kr.pk}/check-ins", {"value": 100, "confidence": 3, "note": "Half"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"check_in", "warnings", "key_result"}
    kr = body["key_result"]
    assert set(kr) == CHECKED_FIELDS
    assert (kr["id"], kr["current_value"], kr["confidence"], kr["checkin_count"]) == (okr_data.kr.pk, 100.0, 3, 2)
    assert kr["metrics"]["progress"] == pytest.approx(0.5)
    # What it leaves out is what the key result's own read shows, unchanged by a check-in.
    full = api.get(f"key-results/{okr_data.kr.pk}").json()
    assert {name: full[name] for name in CHECKED_FIELDS} == kr
    assert body["check_in"]["value"] == 100.0 and body["check_in"]["note"] == "Half"
    schema = _document()["components"]["schemas"]
    assert set(schema["CheckedKeyResultOut"]["properties"]) == CHECKED_FIELDS
    assert schema["CheckInCreatedOut"]["properties"]["key_result"]["$ref"].endswith("/CheckedKeyResultOut")
