"""The trash page and the pages that delete: deleting an objective, a key result or an initiative
says where it went, with the link; the trash lists what the member may restore, restores it with a
POST, deletes for good after a confirmation (admins); another organisation's item is a 404; the
list costs the same with one item or many."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ambit.initiatives.models import Initiative
from ambit.okrs import services as okrs
from ambit.okrs.models import CheckIn, KeyResult, Objective
from ambit.trash.models import TrashItem
from tests.builders import World
from tests.helpers import db_digest
from tests.querycount import assert_queries, count_queries
from tests.trash.helpers import build_scene

pytestmark = pytest.mark.django_db

NOTICE = 'moved to the trash — <a href="/trash/">restore it within 30 days</a>.'


def _delete(world: World, title: str) -> TrashItem:
    objective = okrs.objective_create(actor=world.lead, cycle=world.cycle, title=title, team=world.team)
    okrs.objective_delete(actor=world.lead, objective=objective)
    return TrashItem.objects.get(title=title)


def test_deleting_an_objective_from_its_page_then_restoring_it(client: Client, world: World) -> None:
    scene = build_scene(world)
    team_obj = scene.tree.team_obj
    obj_id, kr_ids = team_obj.pk, [scene.tree.latency.pk, scene.tree.launch.pk]
    client.force_login(world.lead.user)
    detail = client.get(reverse("okrs:objective-detail", args=[obj_id])).content.decode()
    assert reverse("okrs:objective-delete", args=[obj_id]) in detail
    confirm = client.get(reverse("okrs:objective-delete", args=[obj_id]))
    assert "Move it to the trash" in confirm.content.decode()

    response = client.post(reverse("okrs:objective-delete", args=[obj_id]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("okrs:team-detail", args=[world.team.slug])
    assert f"The objective “A platform customers trust” {NOTICE}" in response.content.decode()
    assert not Objective.objects.filter(pk=obj_id).exists()
    page = client.get(reverse("trash:list")).content.decode()
    item = TrashItem.objects.get()
    assert "A platform customers trust" in page
    assert "Comes back with 2 key results, 1 initiative, 1 comment, 1 KPI link, 3 check-ins" in page
    assert "30 days left" in page
    assert reverse("trash:delete", args=[item.pk]) not in page  # admins only

    restored = client.post(reverse("trash:restore", args=[item.pk]), follow=True).content.decode()

    assert "The objective “A platform customers trust” is back, with 2 key results" in restored
    assert f'<a href="/objectives/{obj_id}/">Open it</a>' in restored
    assert set(KeyResult.objects.filter(objective_id=obj_id).values_list("pk", flat=True)) == set(kr_ids)
    assert CheckIn.objects.filter(key_result_id__in=kr_ids).count() == 3
    assert "The trash is empty." in restored


def test_deleting_a_key_result_and_an_initiative_says_where_they_went(client: Client, world: World) -> None:
    scene = build_scene(world)
    client.force_login(world.lead.user)
    edit = client.get(reverse("okrs:kr-edit", args=[scene.tree.launch.pk])).content.decode()
    assert reverse("okrs:kr-delete", args=[scene.tree.launch.pk]) in edit
    response = client.post(reverse("okrs:kr-delete", args=[scene.tree.launch.pk]), follow=True)
    assert f"The key result “Launch status page” {NOTICE}" in response.content.decode()
    assert not KeyResult.objects.filter(title="Launch status page").exists()

    initiative = scene.initiative
    hx = client.post(reverse("initiatives:delete", args=[initiative.pk]), HTTP_HX_REQUEST="true")
    assert f"The initiative “Move to the edge CDN” {NOTICE}" in hx.content.decode()
    assert not Initiative.objects.filter(pk=initiative.pk).exists()
    assert sorted(TrashItem.objects.values_list("kind", flat=True)) == ["initiative", "key result"]


def test_each_member_sees_what_they_may_restore(client: Client, world: World) -> None:
    item = _delete(world, "Lead's team objective")
    client.force_login(world.member.user)
    page = client.get(reverse("trash:list")).content.decode()
    assert "Lead's team objective" not in page and "The trash is empty." in page
    before = db_digest()
    assert client.post(reverse("trash:restore", args=[item.pk])).status_code == 404
    assert client.post(reverse("trash:delete", args=[item.pk])).status_code == 403
    client.force_login(world.champion.user)
    page = client.get(reverse("trash:list")).content.decode()
    assert "Lead&#x27;s team objective" in page and reverse("trash:delete", args=[item.pk]) not in page
    assert client.get(reverse("trash:delete", args=[item.pk])).status_code == 403
    client.force_login(world.viewer.user)
    assert client.post(reverse("trash:restore", args=[item.pk])).status_code == 403
    assert db_digest() == before


def test_an_admin_deletes_for_good_after_confirming(client: Client, world: World) -> None:
    item = _delete(world, "Scrapped")
    client.force_login(world.admin.user)
    page = client.get(reverse("trash:list")).content.decode()
    assert reverse("trash:delete", args=[item.pk]) in page
    confirm = client.get(reverse("trash:delete", args=[item.pk])).content.decode()
    assert "It cannot be restored afterwards" in confirm and "Scrapped" in confirm
    response = client.post(reverse("trash:delete", args=[item.pk]), follow=True)
    assert "The objective “Scrapped” is deleted for good." in response.content.decode()
    assert not TrashItem.objects.exists()


def test_a_refused_restore_says_why_on_the_page(client: Client, world: World) -> None:
    scene = build_scene(world)
    okrs.key_result_delete(actor=world.lead, key_result=scene.tree.latency)
    okrs.objective_delete(actor=world.lead, objective=scene.tree.team_obj)
    kr_item = TrashItem.objects.get(model_label="okrs.KeyResult")
    client.force_login(world.lead.user)
    before = db_digest()
    response = client.post(reverse("trash:restore", args=[kr_item.pk]), follow=True).content.decode()
    assert "Restore the objective “A platform customers trust” from the trash first" in response
    assert db_digest() == before


def test_another_organisations_item_is_a_404(client: Client, world: World) -> None:
    item = _delete(world, "Acme only")
    client.force_login(world.outsider.user)
    before = db_digest()
    assert client.post(reverse("trash:restore", args=[item.pk])).status_code == 404
    assert client.get(reverse("trash:delete", args=[item.pk])).status_code == 404
    assert client.post(reverse("trash:delete", args=[item.pk])).status_code == 404
    assert "Acme only" not in client.get(reverse("trash:list")).content.decode()
    assert db_digest() == before


def test_the_list_costs_the_same_with_one_item_or_many(client: Client, world: World) -> None:
    _delete(world, "First")
    client.force_login(world.admin.user)
    client.get(reverse("trash:list"))
    with count_queries() as small:
        assert client.get(reverse("trash:list")).status_code == 200
    for i in range(5):
        _delete(world, f"More {i}")
    TrashItem.objects.filter(title="More 0").update(deleted_by=world.champion, owner=world.member)
    with assert_queries(small, label="the trash with 6 items against 1"):
        html = client.get(reverse("trash:list")).content.decode()
    assert "More 4" in html


def test_deleting_a_kpi_from_its_page(client: Client, world: World) -> None:
    kpi = build_scene(world).kpi
    client.force_login(world.champion.user)
    assert reverse("kpis:delete", args=[kpi.pk]) in client.get(reverse("kpis:detail", args=[kpi.pk])).content.decode()
    response = client.post(reverse("kpis:delete", args=[kpi.pk]), follow=True)
    assert f"The KPI “p95 latency” {NOTICE}" in response.content.decode()
    assert TrashItem.objects.get().model_label == "kpis.Kpi"


def test_only_editors_delete_from_the_pages(client: Client, world: World) -> None:
    scene = build_scene(world)
    client.force_login(world.member.user)
    before = db_digest()
    assert client.get(reverse("okrs:objective-delete", args=[scene.tree.team_obj.pk])).status_code == 403
    assert client.post(reverse("okrs:objective-delete", args=[scene.tree.team_obj.pk])).status_code == 403
    assert client.post(reverse("okrs:kr-delete", args=[scene.tree.launch.pk])).status_code == 403
    client.force_login(world.outsider.user)
    assert client.post(reverse("okrs:objective-delete", args=[scene.tree.team_obj.pk])).status_code == 404
    assert db_digest() == before
