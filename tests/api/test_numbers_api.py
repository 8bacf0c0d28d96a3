"""Issue 12, "the numbers", through the API: plan start in and out, verdict, stretch and duality."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ambit.okrs import services
from ambit.okrs.models import KeyResult, Objective
from tests.api.conftest import ApiAs
from tests.builders import World

pytestmark = pytest.mark.django_db


def test_plan_start_verdict_and_stretch_round_trip(world: World, api_as: ApiAs) -> None:
    api = api_as("member")
    starts = world.cycle.start_date + dt.timedelta(days=3)
    response = api.post(
        "objectives",
        {
            "cycle_id": world.cycle.pk,
            "title": "Grow",
            "ambition": "aspirational",
            "state": "active",
            "plan_start": starts.isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["plan_start"] == starts.isoformat()
    assert body["metrics"]["plan_start"] == starts.isoformat()
    objective = Objective.objects.get(pk=body["id"])
    assert objective.plan_start == starts

    response = api.post(
        f"objectives/{objective.pk}/key-results",
        {"title": "Users", "start_value": 0, "target_value": 100, "stretch_target": 150},
    )
    assert response.status_code == 201, response.content
    kr_id = response.json()["id"]
    assert response.json()["plan_start"] is None
    assert response.json()["metrics"]["plan_start"] == max(world.cycle.start_date, timezone.localdate()).isoformat()
    services.check_in_record(actor=world.member, key_result=KeyResult.objects.get(pk=kr_id), value=120)

    got = api.get(f"key-results/{kr_id}").json()
    assert got["stretch_target"] == 150
    assert got["metrics"]["stretch_progress"] == pytest.approx(0.4)
    assert got["metrics"]["verdict"] == "success"  # aspirational, score 1.0
    assert got["metrics"]["linked"] is False

    response = api.patch(
        f"key-results/{kr_id}", {"plan_start": (world.cycle.end_date + dt.timedelta(days=1)).isoformat()}
    )
    assert response.status_code == 422, response.content
    assert "plan_start" in response.content.decode()
    response = api.patch(f"key-results/{kr_id}", {"plan_start": world.cycle.start_date.isoformat()})
    assert response.status_code == 200, response.content
    assert response.json()["plan_start"] == world.cycle.start_date.isoformat()

    services.objective_score(actor=world.member, objective=objective, score=0.5, note="Below the suggestion")
    metrics = api.get(f"objectives/{objective.pk}").json()["metrics"]
    assert (metrics["band"], metrics["verdict"]) == ("yellow", "partial")
    response = api.patch(f"objectives/{objective.pk}", {"ambition": "committed"})
    assert response.json()["metrics"]["verdict"] == "missed"


def test_openapi_declares_the_verdicts() -> None:
    import json
    from pathlib import Path

    schemas = json.loads(Path("openapi.json").read_text())["components"]["schemas"]
    verdict = schemas["KeyResultMetricsOut"]["properties"]["verdict"]
    text = json.dumps(verdict) + json.dumps(schemas)
    for name in ("met", "missed", "success", "partial", "miss"):
        assert f'"{name}"' in text
    assert "plan_start" in schemas["KeyResultOut"]["properties"]
    assert "stretch_progress" in schemas["KeyResultMetricsOut"]["properties"]
