"""Closing the quarter in the API, through the same selectors and services as the pages: the
caller's scoring sheet (a flat query count), the note rule and the lock on the key result's own
score operation, the teams' progress and reminders, the checklist, closing and reopening; another
organisation's cycle is a 404 on every operation."""

from __future__ import annotations

import pytest

from ambit.closeout import services
from ambit.okrs.models import KeyResult
from tests.api.conftest import ApiClient, token_for
from tests.builders import World, key_results_for
from tests.closeout.helpers import NOTE, Contracts, build_quarter, score_all
from tests.helpers import db_digest
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db


def test_the_scoring_sheet_and_the_score_rules(world: World, contracts: Contracts) -> None:
    q = build_quarter(world)
    member = ApiClient(token_for(world.member))
    member.get(f"cycles/{q.cycle.pk}/scoring")  # the token's first use is recorded once
    with count_queries() as small:
        body = member.get(f"cycles/{q.cycle.pk}/scoring").json()
    assert len(small) == 9
    assert (body["state"], body["open"], body["scored"], body["total"]) == ("review", True, 0, 3)
    team_obj, member_obj = body["objectives"]
    assert (team_obj["objective_id"], team_obj["can_score"], team_obj["suggested_score"]) == (
        q.team_obj.pk,
        False,
        0.65,
    )
    (signups,) = team_obj["key_results"]
    assert signups | {"last_check_in": None} == {
        "key_result_id": q.signups.pk,
        "title": "Signups",
        "owner_id": world.member.pk,
        "weight": 1.0,
        "progress": 0.8,
        "status": signups["status"],
        "suggested_score": 0.8,
        "score": None,
        "score_note": "",
        "verdict": "success",
        "confidences": [5, 7],
        "last_check_in": None,
        "can_score": True,
    }
    assert signups["last_check_in"] | {"at": ""} == {
        "at": "",
        "value": 80.0,
        "confidence": 7,
        "note": "Campaign landed",
    }
    assert [k["title"] for k in member_obj["key_results"]] == ["Docs", "Talks"]

    # The key result's own score operation keeps the note rule, with the page's message.
    response = member.post(f"key-results/{q.signups.pk}/score", {"score": 0.3})
    assert response.status_code == 422, response.content
    assert "more than 0.1 away from the suggested 0.8: add a note saying why." in response.content.decode()
    assert member.post(f"key-results/{q.signups.pk}/score", {"score": 0.3, "note": NOTE}).status_code == 200
    assert KeyResult.objects.get(pk=q.signups.pk).score == 0.3

    key_results_for(world.member, q.cycle, world.admin, 3)
    with assert_queries(small):
        grown = member.get(f"cycles/{q.cycle.pk}/scoring").json()
    assert grown["total"] == 6

    # Closed: the score is locked (409) and the sheet says so.
    score_all(world, q)
    contracts.reflections_done = contracts.rollover_done = True
    for kr in KeyResult.objects.filter(objective__cycle=q.cycle, score__isnull=True, state="active"):
        services.key_result_score_set(actor=world.member, cycle=q.cycle, key_result=kr, score=None, accept=True)
    assert ApiClient(token_for(world.champion)).post(f"cycles/{q.cycle.pk}/close").status_code == 200
    response = member.post(f"key-results/{q.signups.pk}/score", {"score": 0.8})
    assert response.status_code == 409 and "scores are locked" in response.content.decode()
    assert member.get(f"cycles/{q.cycle.pk}/scoring").json()["open"] is False


def test_the_checklist_closing_and_reopening(world: World, contracts: Contracts) -> None:
    q = build_quarter(world)
    champion = ApiClient(token_for(world.champion))
    checklist = champion.get(f"cycles/{q.cycle.pk}/close-checklist").json()
    assert checklist | {"missing": []} == {
        "cycle_id": q.cycle.pk,
        "state": "review",
        "scores_total": 4,
        "scores_done": 0,
        "missing": [],
        "scores_ready": False,
        "reflections": {"objectives_total": 2, "objectives_done": 1, "teams_total": 1, "teams_done": 1},
        "reflections_ready": False,
        "rollover_ready": False,
        "ready": False,
    }
    assert {m["member_id"]: m["count"] for m in checklist["missing"]} == {world.lead.pk: 1, world.member.pk: 3}
    before = db_digest()
    response = champion.post(f"cycles/{q.cycle.pk}/close")
    assert response.status_code == 409 and "cannot close yet" in response.content.decode()
    assert db_digest() == before

    score_all(world, q)
    contracts.reflections_done = contracts.rollover_done = True
    closed = champion.post(f"cycles/{q.cycle.pk}/close")
    assert closed.status_code == 200, closed.content
    assert closed.json() | {"cycle": None} == {"cycle": None, "score": 0.6, "met": 2, "partial": 1, "missed": 1}
    assert closed.json()["cycle"]["state"] == "closed"
    assert champion.post(f"cycles/{q.cycle.pk}/close").status_code == 409
    # Only through the checklist: the cycle's own operations refuse to move it out of closed.
    response = ApiClient(token_for(world.admin)).post(f"cycles/{q.cycle.pk}/transition", {"state": "review"})
    assert response.status_code == 409 and "close checklist" in response.content.decode()
    assert champion.post(f"cycles/{q.cycle.pk}/reopen").status_code == 403
    reopened = ApiClient(token_for(world.admin)).post(f"cycles/{q.cycle.pk}/reopen")
    assert reopened.status_code == 200 and reopened.json()["state"] == "review"


def test_teams_and_reminders(world: World) -> None:
    q = build_quarter(world)
    lead = ApiClient(token_for(world.lead))
    teams = lead.get(f"cycles/{q.cycle.pk}/scoring/teams").json()["teams"]
    assert [(t["name"], t["scored"], t["total"]) for t in teams] == [("Platform", 0, 4)]
    assert {o["member_id"]: (o["scored"], o["total"]) for o in teams[0]["owners"]} == {
        world.lead.pk: (0, 1),
        world.member.pk: (0, 3),
    }
    assert ApiClient(token_for(world.member)).get(f"cycles/{q.cycle.pk}/scoring/teams").json()["teams"] == []
    done = lead.post(f"cycles/{q.cycle.pk}/scoring/remind", {"member_ids": [world.member.pk]})
    assert done.status_code == 200 and done.json() == {"reminded": [world.member.pk], "already": []}
    again = lead.post(f"cycles/{q.cycle.pk}/scoring/remind", {})
    assert again.json() == {"reminded": [world.lead.pk], "already": [world.member.pk]}


def test_another_organisations_cycle_is_a_404(world: World) -> None:
    q = build_quarter(world)
    outsider = ApiClient(token_for(world.outsider))
    before = db_digest()
    for path in ("scoring", "scoring/teams", "close-checklist"):
        assert outsider.get(f"cycles/{q.cycle.pk}/{path}").status_code == 404
    for path in ("scoring/remind", "close", "reopen"):
        assert outsider.post(f"cycles/{q.cycle.pk}/{path}", {}).status_code == 404
    assert db_digest() == before
