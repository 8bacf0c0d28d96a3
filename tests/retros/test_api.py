"""Reflections and dependencies in the API, through the same services, rules and visibility as
the pages: read and write an objective's and a team's reflection, a cycle's reflections with its
progress (a fixed number of queries), dependencies both ways; bad input is a 422 with the page's
message, another organisation's ids and hidden objectives a 404, and refusals change nothing."""

from __future__ import annotations

import pytest

from ambit.core.models import AuditAction, AuditEntry
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, CycleState
from ambit.retros import services
from ambit.retros.models import Dependency, ObjectiveReflection
from tests import factories as f
from tests.api.conftest import ApiClient, token_for
from tests.builders import World
from tests.helpers import db_digest
from tests.querycount import assert_queries, count_queries
from tests.retros.helpers import ANSWERS, build_scene, reflect, reflect_team

pytestmark = pytest.mark.django_db


def test_an_objective_reflection_is_read_and_written(world: World) -> None:
    scene = build_scene(world)
    member = ApiClient(token_for(world.member))
    path = f"objectives/{scene.platform.pk}/reflection"
    empty = member.get(path).json()
    assert empty == {
        "achieved": "",
        "aligned": "",
        "dependencies": "",
        "unexpected": "",
        "lessons": "",
        "complete": False,
        "author_id": None,
        "updated_at": None,
        "can_write": True,
        "objective_id": scene.platform.pk,
        "cycle_id": scene.cycle.pk,
    }
    refused = member.put(path, ANSWERS | {"achieved": " "})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "achieved", "message": services.ANSWER_REQUIRED}]
    saved = member.put(path, ANSWERS)
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert {k: body[k] for k in ANSWERS} == ANSWERS and body["complete"] and body["author_id"] == world.member.pk
    assert member.get(path).json()["updated_at"] is not None
    assert AuditEntry.objects.filter(action=AuditAction.OBJECTIVE_REFLECTION_SAVE).count() == 1
    outsider, viewer = ApiClient(token_for(world.outsider)), ApiClient(token_for(world.viewer))
    before = db_digest()
    sales = f"objectives/{scene.sales.pk}/reflection"
    assert member.get(sales).json()["can_write"] is False
    assert member.put(sales, ANSWERS).status_code == 403
    assert member.get(f"objectives/{scene.private.pk}/reflection").status_code == 404
    assert outsider.put(path, ANSWERS).status_code == 404
    assert viewer.put(path, ANSWERS).status_code == 403
    assert db_digest() == before
    Cycle.objects.filter(pk=scene.cycle.pk).update(state=CycleState.CLOSED)
    closed = member.put(path, ANSWERS | {"lessons": "later"})
    assert closed.status_code == 409 and "closed" in closed.json()["detail"]
    assert ObjectiveReflection.objects.get().lessons == ANSWERS["lessons"]


def test_a_team_reflection_and_the_cycles_reflections(world: World) -> None:
    scene = build_scene(world)
    lead = ApiClient(token_for(world.lead))
    path = f"cycles/{scene.cycle.pk}/teams/{world.team.pk}/reflection"
    assert lead.get(path).json()["can_write"] is True
    assert ApiClient(token_for(world.member)).put(path, ANSWERS).status_code == 403
    saved = lead.put(path, ANSWERS)
    assert saved.status_code == 200 and saved.json()["team_id"] == world.team.pk and saved.json()["complete"]
    reflect(world.member, scene.platform)
    reflect(world.champion, scene.private)
    body = lead.get(f"cycles/{scene.cycle.pk}/reflections").json()
    assert body["progress"] == {"objectives_total": 3, "objectives_done": 2, "teams_total": 2, "teams_done": 1}
    assert [t["team_id"] for t in body["teams"]] == [world.team.pk]
    assert [o["objective_id"] for o in body["objectives"]] == [scene.platform.pk]  # not the private one
    champion = ApiClient(token_for(world.champion)).get(f"cycles/{scene.cycle.pk}/reflections").json()
    assert {o["objective_id"] for o in champion["objectives"]} == {scene.platform.pk, scene.private.pk}
    outsider = ApiClient(token_for(world.outsider))
    assert outsider.get(f"cycles/{scene.cycle.pk}/reflections").status_code == 404
    assert outsider.get(path).status_code == 404


def test_the_cycles_reflections_cost_the_same_with_one_or_many(world: World) -> None:
    scene = build_scene(world)
    reflect(world.member, scene.platform)
    reflect_team(world.lead, world, scene.cycle)
    lead = ApiClient(token_for(world.lead))
    url = f"cycles/{scene.cycle.pk}/reflections"
    lead.get(url)
    with count_queries() as one:
        assert lead.get(url).status_code == 200
    for i in range(4):
        team = f.TeamFactory.create(organisation=world.org, name=f"Extra {i}", slug=f"extra-{i}", parent=world.team)
        o = okrs.objective_create(actor=world.champion, cycle=scene.cycle, title=f"E{i}", team=team, state="active")
        reflect(world.champion, o)
        services.team_reflection_save(actor=world.champion, cycle=scene.cycle, team=team, **ANSWERS)
    with assert_queries(one):
        body = lead.get(url).json()
    assert len(body["teams"]) == 5 and len(body["objectives"]) == 5
    with assert_queries(9, label="cycle reflections for a lead"):
        lead.get(url)


def test_dependencies_both_ways_and_removal(world: World) -> None:
    scene = build_scene(world)
    member = ApiClient(token_for(world.member))
    path = f"objectives/{scene.platform.pk}/dependencies"
    both = member.post(path, {"target_objective_id": scene.sales.pk, "target_key_result_id": scene.sales_kr.pk})
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "target"
    created = member.post(path, {"target_key_result_id": scene.sales_kr.pk, "note": "By week 3"})
    assert created.status_code == 201, created.content
    dep = created.json()
    assert dep | {"id": 0, "created_at": ""} == {
        "id": 0,
        "objective_id": scene.platform.pk,
        "target_objective_id": None,
        "target_key_result_id": scene.sales_kr.pk,
        "target_title": "New deals",
        "target_team_id": world.other_team.pk,
        "note": "By week 3",
        "author_id": world.member.pk,
        "created_at": "",
    }
    assert member.post(path, {"target_key_result_id": scene.sales_kr.pk}).status_code == 409
    hidden = member.post(path, {"target_objective_id": scene.private.pk})
    assert hidden.status_code == 404 and hidden.json()["errors"][0]["field"] == "target_objective_id"
    assert member.post(path, {"target_objective_id": scene.outside.pk}).status_code == 404
    theirs = member.get(f"objectives/{scene.sales.pk}/dependencies").json()
    assert theirs["depends_on"] == [] and [d["id"] for d in theirs["depended_by"]] == [dep["id"]]
    assert [d["id"] for d in member.get(path).json()["depends_on"]] == [dep["id"]]
    outsider, viewer = ApiClient(token_for(world.outsider)), ApiClient(token_for(world.viewer))
    before = db_digest()
    assert outsider.get(path).status_code == 404
    assert outsider.delete(f"dependencies/{dep['id']}").status_code == 404
    assert viewer.delete(f"dependencies/{dep['id']}").status_code == 403
    assert db_digest() == before
    assert member.delete(f"dependencies/{dep['id']}").status_code == 204
    assert not Dependency.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.DEPENDENCY_REMOVE).count() == 1
