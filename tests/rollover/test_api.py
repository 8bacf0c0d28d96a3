"""Rollover in the API: candidates (with a threshold), rolling over (by ids or a threshold), the
retry refused, "nothing to roll over", the decision and pairs; another organisation's 404."""

from __future__ import annotations

import pytest

from ambit.okrs.models import Objective
from tests import factories as f
from tests.api.conftest import ApiClient, token_for
from tests.builders import World
from tests.rollover.helpers import build_scene, digest

pytestmark = pytest.mark.django_db


def test_candidates_roll_over_and_read_back(world: World) -> None:
    s = build_scene(world)
    lead = ApiClient(token_for(world.lead))
    body = lead.get(f"cycles/{s.source.pk}/rollover/candidates").json()
    assert (body["threshold"], body["default_target_cycle_id"]) == (1.0, s.target.pk)
    rows = {c["title"]: c for c in body["candidates"]}
    assert set(rows) == {"Grow revenue", "Ship the platform", "Sell more"}
    platform = rows["Ship the platform"]
    assert (platform["can_roll_over"], platform["rolled_over_to_id"]) == (True, None)
    assert [(k["title"], k["start_value"], k["target_value"]) for k in platform["key_results"]] == [
        ("Weekly users", 40.0, 100.0),
        ("Launch steps", None, None),
    ]
    assert rows["Sell more"]["can_roll_over"] is False
    low = lead.get(f"cycles/{s.source.pk}/rollover/candidates", threshold=0.01).json()
    assert [c["title"] for c in low["candidates"]] == ["Grow revenue", "Sell more"]  # 0% done
    assert lead.get(f"cycles/{s.source.pk}/rollover/candidates", threshold=2).status_code == 422
    mine = lead.get(f"cycles/{s.source.pk}/rollover/candidates", team_id=world.team.pk).json()
    assert [c["title"] for c in mine["candidates"]] == ["Ship the platform"]

    made = lead.post(f"cycles/{s.source.pk}/rollover", {"target_cycle_id": s.target.pk, "threshold": 1})
    assert made.status_code == 201, made.content
    out = made.json()
    copy = Objective.objects.get(rolled_over_from=s.platform)
    assert [(r["source_id"], r["objective_id"]) for r in out["rolled"]] == [(s.platform.pk, copy.pk)]
    assert [p["source_id"] for p in out["rolled"][0]["key_results"]] == [s.users.pk, s.steps.pk]
    assert len(out["notes"]) == 1
    before = digest()
    retry = lead.post(
        f"cycles/{s.source.pk}/rollover", {"target_cycle_id": s.target.pk, "objective_ids": [s.platform.pk]}
    )
    assert retry.status_code == 409
    assert "already rolled over into Next quarter" in retry.json()["detail"]
    assert digest() == before
    state = lead.get(f"cycles/{s.source.pk}/rollover").json()
    assert state["pairs"] == [{"source_id": s.platform.pk, "objective_id": copy.pk, "cycle_id": s.target.pk}]
    assert (state["decision"]["rolled_count"], state["decision"]["target_cycle_id"]) == (1, s.target.pk)


def test_refusals_are_clear_and_change_nothing(world: World) -> None:
    s = build_scene(world)
    lead = ApiClient(token_for(world.lead))
    before = digest()
    denied = lead.post(
        f"cycles/{s.source.pk}/rollover", {"target_cycle_id": s.target.pk, "objective_ids": [s.sales.pk]}
    )
    assert denied.status_code == 403
    wrong = lead.post(
        f"cycles/{s.source.pk}/rollover", {"target_cycle_id": s.source.pk, "objective_ids": [s.platform.pk]}
    )
    assert wrong.status_code == 422
    assert "starts after Current quarter" in wrong.content.decode()
    none = lead.post(f"cycles/{s.source.pk}/rollover", {"target_cycle_id": s.target.pk})
    assert none.status_code == 422
    both = {"target_cycle_id": s.target.pk, "objective_ids": [s.platform.pk], "threshold": 0.5}
    assert lead.post(f"cycles/{s.source.pk}/rollover", both).status_code == 422
    assert lead.post(f"cycles/{s.source.pk}/rollover/decision", {}).status_code == 403
    assert digest() == before


def test_nothing_to_roll_over_by_api(world: World) -> None:
    s = build_scene(world)
    champion = ApiClient(token_for(world.champion))
    assert champion.get(f"cycles/{s.source.pk}/rollover").json() == {"decision": None, "pairs": []}
    made = champion.post(f"cycles/{s.source.pk}/rollover/decision", {"note": "All met."})
    assert made.status_code == 201
    assert (made.json()["note"], made.json()["rolled_count"]) == ("Nothing to roll over. All met.", 0)
    again = champion.post(f"cycles/{s.source.pk}/rollover/decision", {})
    assert again.json()["decided_at"] == made.json()["decided_at"]


def test_another_organisation_gets_404(world: World) -> None:
    s = build_scene(world)
    outsider = ApiClient(token_for(world.outsider))
    champion = ApiClient(token_for(world.champion))
    theirs_cycle = f.CycleFactory.create(organisation=world.other_org, name="Theirs")
    before = digest()
    assert outsider.get(f"cycles/{s.source.pk}/rollover/candidates").status_code == 404
    assert outsider.get(f"cycles/{s.source.pk}/rollover").status_code == 404
    body = {"target_cycle_id": s.target.pk, "objective_ids": [s.platform.pk]}
    assert outsider.post(f"cycles/{s.source.pk}/rollover", body).status_code == 404
    assert outsider.post(f"cycles/{s.source.pk}/rollover/decision", {}).status_code == 404
    # A target cycle of another organisation, named by a member here: 404 naming the field.
    theirs = champion.post(
        f"cycles/{s.source.pk}/rollover", {"target_cycle_id": theirs_cycle.pk, "objective_ids": [s.platform.pk]}
    )
    assert theirs.status_code == 404
    assert "target_cycle_id" in theirs.content.decode()
    assert digest() == before
