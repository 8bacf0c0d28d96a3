"""The API as a generated client sees it (issue 12, items 17–19): enums on output, fields that are
always present marked required, the forecast where the schema promises it, declared headers,
servers and tags, one error per field at fault, and what an integrator's weekly job needs."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, get_args

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from ambit.accounts import models as accounts
from ambit.api import enums
from ambit.core.models import AuditEntry
from ambit.okrs import engine, services
from ambit.okrs import models as okrs
from ambit.okrs.models import Cycle, CycleState, KeyResult, Objective
from tests.api.conftest import ApiAs
from tests.builders import OkrData, World

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def document() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((ROOT / "openapi.json").read_text())
    return doc


# --- 17. Enums on output -----------------------------------------------------------------------

ENUMS_AND_SOURCES: list[tuple[Any, tuple[str, ...]]] = [
    (enums.CycleCadenceName, tuple(accounts.CycleCadence.values)),
    (enums.CheckInCadenceName, tuple(accounts.CheckInCadence.values)),
    (enums.ConfidenceScaleName, tuple(accounts.ConfidenceScale.values)),
    (enums.CascadeMethodName, tuple(accounts.CascadeMethod.values)),
    (enums.LevelName, tuple(accounts.Level.values)),
    (enums.RoleName, tuple(accounts.Role.values)),
    (enums.TeamKindName, tuple(accounts.TeamKind.values)),
    (enums.CycleKindName, tuple(okrs.CycleKind.values)),
    (enums.CycleStateName, tuple(okrs.CycleState.values)),
    (enums.AmbitionName, tuple(okrs.Ambition.values)),
    (enums.VisibilityName, tuple(okrs.Visibility.values)),
    (enums.ObjectiveStateName, tuple(okrs.ObjectiveState.values)),
    (enums.KindName, tuple(okrs.KeyResultKind.values)),
    (enums.UnitKindName, tuple(okrs.UnitKind.values)),
    (enums.KeyResultStateName, tuple(okrs.KeyResultState.values)),
    (enums.StatusName, tuple(engine.STATUSES)),
    (enums.BandName, tuple(engine.BANDS)),
    (enums.ForecastMethodName, tuple(engine.FORECAST_METHODS)),
]


@pytest.mark.parametrize(("literal", "source"), ENUMS_AND_SOURCES)
def test_each_api_enum_is_exactly_its_models_choices(literal: Any, source: tuple[str, ...]) -> None:
    assert get_args(literal) == source


# (schema, property) → the values the document must list for it.
OUTPUT_ENUMS = {
    ("OrganisationOut", "cycle_cadence"): accounts.CycleCadence.values,
    ("OrganisationOut", "checkin_cadence"): accounts.CheckInCadence.values,
    ("OrganisationOut", "confidence_scale"): accounts.ConfidenceScale.values,
    ("OrganisationOut", "cascade_method"): accounts.CascadeMethod.values,
    ("MemberOut", "role"): accounts.Role.values,
    ("InvitationOut", "role"): accounts.Role.values,
    ("TeamOut", "kind"): accounts.TeamKind.values,
    ("CycleOut", "kind"): okrs.CycleKind.values,
    ("CycleOut", "state"): okrs.CycleState.values,
    ("ObjectiveOut", "level"): accounts.Level.values,
    ("ObjectiveOut", "ambition"): okrs.Ambition.values,
    ("ObjectiveOut", "visibility"): okrs.Visibility.values,
    ("ObjectiveOut", "state"): okrs.ObjectiveState.values,
    ("KeyResultOut", "kind"): okrs.KeyResultKind.values,
    ("KeyResultOut", "unit_kind"): okrs.UnitKind.values,
    ("KeyResultOut", "state"): okrs.KeyResultState.values,
    ("ObjectiveMetricsOut", "status"): list(engine.STATUSES),
    ("ObjectiveMetricsOut", "band"): list(engine.BANDS),
    ("KeyResultMetricsOut", "status"): list(engine.STATUSES),
    ("ForecastOut", "method"): list(engine.FORECAST_METHODS),
}


def _enum_of(prop: dict[str, Any]) -> list[str]:
    """The enum of a property, whether plain, nullable (anyOf with null) or an array of enums."""
    if "enum" in prop:
        return list(prop["enum"])
    if "items" in prop:
        return _enum_of(prop["items"])
    for option in prop.get("anyOf", []):
        if "enum" in option:
            return list(option["enum"])
    return []


def test_every_state_level_kind_status_role_band_field_is_an_enum_in_the_document() -> None:
    schemas = document()["components"]["schemas"]
    for (schema, prop), values in OUTPUT_ENUMS.items():
        assert _enum_of(schemas[schema]["properties"][prop]) == list(values), (schema, prop)
    assert _enum_of(schemas["OrganisationOut"]["properties"]["levels"]) == list(accounts.Level.values)
    # Nothing on output named like a closed set is left a bare string.
    closed = re.compile(r"(^|_)(state|level|ambition|visibility|kind|status|role|band|scale|method|cadence)$")
    for name, schema in schemas.items():
        if name.endswith("Out"):
            for prop_name, prop in schema.get("properties", {}).items():
                if closed.search(prop_name):
                    assert _enum_of(prop), (name, prop_name)


# --- 18. What a generated client relies on -----------------------------------------------------


def test_always_present_fields_are_required_and_next_cursor_is_nullable() -> None:
    schemas = document()["components"]["schemas"]
    assert "errors" in schemas["Problem"]["required"]
    pages = [name for name in schemas if name.endswith("Page")]
    assert pages
    for name in pages:
        assert set(schemas[name]["required"]) == {"items", "next_cursor"}, name
        assert {"type": "null"} in schemas[name]["properties"]["next_cursor"]["anyOf"]


def test_last_page_says_next_cursor_null(api_as: ApiAs, world: World) -> None:
    body = api_as("admin").get("teams").json()
    assert "next_cursor" in body and body["next_cursor"] is None


def test_401_and_429_declare_their_headers_and_every_response_the_rate_limit() -> None:
    doc = document()
    assert set(doc["components"]["headers"]) >= {
        "WWW-Authenticate",
        "Retry-After",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
    }
    for methods in doc["paths"].values():
        for op in methods.values():
            responses = op["responses"]
            assert "WWW-Authenticate" in responses["401"]["headers"], op["operationId"]
            assert "Retry-After" in responses["429"]["headers"], op["operationId"]
            for response in responses.values():
                assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(response["headers"])


def test_servers_is_relative_by_default_and_site_url_when_set(settings: Settings) -> None:
    assert document()["servers"] == [{"url": "/"}]
    settings.SITE_URL = "https://okr.example.com/"
    served = Client().get("/api/v1/openapi.json").json()
    assert served["servers"] == [{"url": "https://okr.example.com"}]


def test_no_component_is_unused() -> None:
    doc = document()
    text = json.dumps(doc)
    for name in doc["components"]["schemas"]:
        assert f'"#/components/schemas/{name}"' in text, name
    assert not {"ObjectiveFilter", "PageQuery", "TreeQuery", "CycleFilter"} & set(doc["components"]["schemas"])


def test_every_operation_has_a_description_and_every_tag_is_described() -> None:
    doc = document()
    described = {tag["name"]: tag["description"] for tag in doc["tags"]}
    assert all(described.values())
    for methods in doc["paths"].values():
        for op in methods.values():
            assert op.get("description", "").strip(), op["operationId"]
            assert set(op["tags"]) <= set(described), op["operationId"]


def test_a_union_field_is_named_once_as_the_request_field(api_as: ApiAs, okr_data: OkrData) -> None:
    response = api_as("member").post(f"key-results/{okr_data.kr.pk}/check-ins", {"value": 3, "confidence": "purple"})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["confidence"]
    assert "'red', 'yellow' or 'green'" in errors[0]["message"] and "number" in errors[0]["message"]


def _with_history(world: World, okr_data: OkrData) -> KeyResult:
    """A 100-day cycle half over and a key result with a steady month of check-ins."""
    today = timezone.localdate()
    Cycle.objects.filter(pk=world.cycle.pk).update(
        start_date=today - dt.timedelta(days=50), end_date=today + dt.timedelta(days=50), state=CycleState.ACTIVE
    )
    obj = services.objective_create(actor=world.member, cycle=world.cycle, title="Grow", state="active")
    kr = services.key_result_create(actor=world.member, objective=obj, title="Users", start_value=0, target_value=100)
    KeyResult.objects.filter(pk=kr.pk).update(created_at=timezone.now() - dt.timedelta(days=60))
    now = timezone.now()
    for days, value in ((40, 10), (30, 20), (20, 30), (10, 40)):
        services.check_in_record(actor=world.member, key_result=kr, value=value, at=now - dt.timedelta(days=days))
    return kr


def test_forecast_is_computed_on_get_and_list_as_on_metrics(api_as: ApiAs, world: World, okr_data: OkrData) -> None:
    kr = _with_history(world, okr_data)
    api = api_as("member")
    from_metrics = api.get(f"key-results/{kr.pk}/metrics").json()["forecast"]
    assert from_metrics is not None and from_metrics["method"] == "linear_fit"
    assert api.get(f"key-results/{kr.pk}").json()["metrics"]["forecast"] == from_metrics
    listed = api.get(f"objectives/{kr.objective_id}/key-results").json()["items"]
    assert [row["metrics"]["forecast"] for row in listed] == [from_metrics]


# --- 19. An integrator's weekly job ------------------------------------------------------------


def test_current_cycle(api_as: ApiAs, world: World) -> None:
    today = timezone.localdate()
    Cycle.objects.filter(pk=world.cycle.pk).update(
        start_date=today - dt.timedelta(days=10), end_date=today + dt.timedelta(days=80), state=CycleState.ACTIVE
    )
    Cycle.objects.create(
        organisation=world.org,
        name="Last quarter",
        start_date=today - dt.timedelta(days=100),
        end_date=today - dt.timedelta(days=11),
        state=CycleState.CLOSED,
    )
    response = api_as("viewer").get("cycles/current")
    assert response.status_code == 200
    assert response.json()["id"] == world.cycle.pk and response.json()["state"] == "active"
    # Another organisation's cycles are never the current one; with none, a 404 that says so.
    missing = api_as("outsider").get("cycles/current")
    assert missing.status_code == 404 and "no cycle" in missing.json()["detail"]


def test_team_by_slug_within_the_organisation_only(api_as: ApiAs, world: World) -> None:
    found = api_as("member").get("teams", slug=world.team.slug).json()
    assert [t["id"] for t in found["items"]] == [world.team.pk] and found["next_cursor"] is None
    assert api_as("outsider").get("teams", slug=world.team.slug).json()["items"] == []
    assert api_as("member").get("teams", slug="no-such-team").json()["items"] == []
    assert api_as("member").get("teams", slug="Not A Slug!").status_code == 422


def test_objective_with_its_key_results_in_one_call(api_as: ApiAs, world: World) -> None:
    body = {
        "cycle_id": world.cycle.pk,
        "title": "Delight customers",
        "team_id": world.team.pk,
        "key_results": [
            {"title": "NPS", "start_value": 20, "target_value": 40},
            {"title": "Latency p95", "kind": "decrease", "start_value": 300, "target_value": 150, "confidence": 7},
        ],
    }
    response = api_as("lead").post("objectives", body)
    assert response.status_code == 201, response.content
    obj = Objective.objects.get(pk=response.json()["id"])
    krs = list(obj.key_results.order_by("position", "pk"))
    assert [(k.title, k.kind, float(k.target_value or 0)) for k in krs] == [
        ("NPS", "increase", 40.0),
        ("Latency p95", "decrease", 150.0),
    ]
    actions = set(AuditEntry.objects.filter(organisation=world.org).values_list("action", flat=True))
    assert {"objective.create", "key_result.create"} <= actions


def test_objective_with_a_bad_key_result_creates_nothing_and_names_the_item(api_as: ApiAs, world: World) -> None:
    lead = api_as("lead")  # before counting: creating its token is audited
    objectives, key_results, audit = Objective.objects.count(), KeyResult.objects.count(), AuditEntry.objects.count()
    body = {
        "cycle_id": world.cycle.pk,
        "title": "Delight customers",
        "team_id": world.team.pk,
        "key_results": [
            {"title": "NPS", "start_value": 20, "target_value": 40},
            {"title": "Churn", "start_value": 10, "target_value": 5},  # an increase that goes down
        ],
    }
    response = lead.post("objectives", body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["key_results.1.target_value"]
    assert (Objective.objects.count(), KeyResult.objects.count(), AuditEntry.objects.count()) == (
        objectives,
        key_results,
        audit,
    )
    outside = dict(body, key_results=[{"title": "NPS", "target_value": 40, "owner_id": world.outsider.pk}])
    response = lead.post("objectives", outside)
    assert response.status_code == 404
    assert [e["field"] for e in response.json()["errors"]] == ["key_results.0.owner_id"]
    assert Objective.objects.count() == objectives


def test_rate_limit_headers_on_every_response(api_as: ApiAs, okr_data: OkrData, settings: Settings) -> None:
    settings.API_RATE_LIMIT = 3
    api = api_as("admin")
    ok = api.get("teams")
    assert (ok.status_code, ok["RateLimit-Limit"], ok["RateLimit-Remaining"]) == (200, "3", "2")
    assert 1 <= int(ok["RateLimit-Reset"]) <= 60
    missing = api.get("objectives/999999")
    assert (missing.status_code, missing["RateLimit-Remaining"]) == (404, "1")
    deleted = api.delete(f"objectives/{okr_data.company_obj.pk}")
    assert (deleted.status_code, deleted["RateLimit-Remaining"]) == (204, "0")
    refused = api.get("teams")
    assert refused.status_code == 429
    assert (refused["RateLimit-Limit"], refused["RateLimit-Remaining"]) == ("3", "0")
    assert refused["Retry-After"] == refused["RateLimit-Reset"]
