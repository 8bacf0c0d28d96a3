"""The trash in the API, through the same services and visibility as the page: the list (paged, a
fixed number of queries: pinned here, registered in tests/api/test_query_counts.py's
PINNED_ELSEWHERE), a restore that brings the rows back under their ids, a refusal with its message,
deleting for good (admins); another organisation's item is a 404 everywhere."""

from __future__ import annotations

import pytest

from ambit.core.models import AuditAction, AuditEntry
from ambit.okrs import services as okrs
from ambit.okrs.models import CheckIn, KeyResult, Objective
from ambit.trash.models import TrashItem
from tests.api.conftest import ApiClient, token_for
from tests.builders import World
from tests.helpers import db_digest
from tests.querycount import assert_queries, check_count, count_queries
from tests.trash.helpers import build_scene

pytestmark = pytest.mark.django_db


def _delete(world: World, title: str) -> TrashItem:
    objective = okrs.objective_create(actor=world.lead, cycle=world.cycle, title=title, team=world.team)
    okrs.objective_delete(actor=world.lead, objective=objective)
    return TrashItem.objects.get(title=title)


def test_delete_list_and_restore(world: World) -> None:
    scene = build_scene(world)
    obj_id, latency_id = scene.tree.team_obj.pk, scene.tree.latency.pk
    lead = ApiClient(token_for(world.lead))
    assert lead.delete(f"objectives/{obj_id}").status_code == 204
    items = lead.get("trash").json()["items"]
    item = TrashItem.objects.get()
    assert items == [
        {
            "id": item.pk,
            "model": "okrs.Objective",
            "object_id": str(obj_id),
            "kind": "objective",
            "title": "A platform customers trust",
            "owner_id": world.lead.pk,
            "deleted_by_id": world.lead.pk,
            "deleted_at": items[0]["deleted_at"],
            "purge_after": items[0]["purge_after"],
            "days_left": 30,
            "counts": {
                "okrs.KeyResult": 2,
                "initiatives.Initiative": 1,
                "discussion.Comment": 1,
                "kpis.KpiLink": 1,
                "okrs.CheckIn": 3,
                "okrs.Milestone": 2,
                "okrs.Alignment": 2,
            },
            "summary": item.summary,
            "can_restore": True,
            "can_delete": False,
        }
    ]
    assert ApiClient(token_for(world.member)).get("trash").json()["items"] == []

    response = lead.post(f"trash/{item.pk}/restore")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["model"], body["object_id"], body["title"]) == ("okrs.Objective", str(obj_id), item.title)
    assert body["rows"]["okrs.Objective"] == [obj_id]
    assert Objective.objects.filter(pk=obj_id).exists()
    assert KeyResult.objects.get(pk=latency_id).objective_id == obj_id
    assert CheckIn.objects.filter(key_result_id=latency_id).count() == 3
    assert lead.post(f"trash/{item.pk}/restore").status_code == 404  # restored already


def test_a_refused_restore_is_a_409_with_the_fix(world: World) -> None:
    scene = build_scene(world)
    okrs.key_result_delete(actor=world.lead, key_result=scene.tree.latency)
    okrs.objective_delete(actor=world.lead, objective=scene.tree.team_obj)
    kr_item = TrashItem.objects.get(model_label="okrs.KeyResult")
    lead = ApiClient(token_for(world.lead))
    before = db_digest()
    response = lead.post(f"trash/{kr_item.pk}/restore")
    assert response.status_code == 409
    assert "Restore the objective “A platform customers trust” from the trash first" in response.json()["detail"]
    assert db_digest() == before


def test_only_admins_delete_for_good_and_outsiders_get_404(world: World) -> None:
    item = _delete(world, "Scrapped")
    personas = ("admin", "champion", "lead", "member", "viewer", "outsider")
    api = {p: ApiClient(token_for(getattr(world, p))) for p in personas}
    for client in api.values():
        client.get("organisation")  # the token's first use records last_used_at
    before = db_digest()
    for persona in ("champion", "lead", "member", "viewer"):
        assert api[persona].delete(f"trash/{item.pk}").status_code == 403
    assert api["outsider"].delete(f"trash/{item.pk}").status_code == 404
    assert api["outsider"].post(f"trash/{item.pk}/restore").status_code == 404
    assert api["outsider"].get("trash").json()["items"] == []
    assert api["member"].post(f"trash/{item.pk}/restore").status_code == 404  # not theirs
    assert api["viewer"].post(f"trash/{item.pk}/restore").status_code == 403
    assert db_digest() == before
    assert api["admin"].delete(f"trash/{item.pk}").status_code == 204
    assert not TrashItem.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.TRASH_DELETE, object_id=str(item.pk)).count() == 1


def test_the_trash_list_costs_the_same_with_one_or_many_items(world: World) -> None:
    _delete(world, "First")
    for persona in ("admin", "lead"):
        client = ApiClient(token_for(getattr(world, persona)))
        client.get("organisation")  # the token's first use records last_used_at
        with count_queries() as lists:
            assert len(client.get("trash", limit=200).json()["items"]) == 1
        check_count(lists, 2, label=f"trash_list as {persona}")  # the token; the page
    for i in range(6):
        _delete(world, f"More {i}")
    client = ApiClient(token_for(world.lead))
    client.get("organisation")
    with assert_queries(lists):
        assert len(client.get("trash", limit=200).json()["items"]) == 7
