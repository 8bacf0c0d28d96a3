"""The trash's services: a deleted objective comes back whole (same ids, check-ins, comments,
initiatives, KPI links, alignment both ways, the duality child re-linked, stored values as they
were) and its roll-ups are refreshed; a restore that needs something gone is refused with the fix
and writes nothing; who may restore and delete for good; the purge job is idempotent."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core import serializers
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import models
from django.http import Http404
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from ambit.core.errors import Conflict
from ambit.core.models import AuditAction, AuditEntry
from ambit.discussion.models import Comment
from ambit.initiatives import services as initiatives
from ambit.initiatives.models import Initiative
from ambit.kpis import services as kpis
from ambit.kpis.models import Kpi, KpiLink, KpiReading
from ambit.notify.scheduler import PRODUCERS
from ambit.okrs import rollups
from ambit.okrs import services as okrs
from ambit.okrs.models import Alignment, CheckIn, Cycle, KeyResult, Milestone, Objective
from ambit.trash import selectors, services, tasks
from ambit.trash.models import TrashItem
from ambit.trash.signals import restored
from tests.builders import World
from tests.helpers import db_digest
from tests.trash.helpers import build_scene

pytestmark = pytest.mark.django_db


def _rows(*querysets: models.QuerySet[Any]) -> list[dict[str, Any]]:
    """Every field of every row, as Django serialises them: what must come back unchanged."""
    return [row for qs in querysets for row in serializers.serialize("python", qs.order_by("pk"))]


def _only(item_id: int) -> TrashItem:
    return TrashItem.objects.get(pk=item_id)


def test_an_objective_comes_back_whole_with_the_same_ids(world: World) -> None:
    scene = build_scene(world)
    tree = scene.tree
    team_obj = tree.team_obj
    obj_id = team_obj.pk
    kr_ids = [tree.latency.pk, tree.launch.pk]
    whole = (
        Objective.objects.filter(pk=obj_id),
        KeyResult.objects.filter(pk__in=kr_ids),
        CheckIn.objects.filter(key_result_id__in=kr_ids),
        Milestone.objects.filter(key_result_id__in=kr_ids),
        Alignment.objects.filter(child_id=obj_id) | Alignment.objects.filter(parent_id=obj_id),
        Comment.objects.filter(pk=scene.comment.pk),
        Initiative.objects.filter(pk=scene.initiative.pk),
        KpiLink.objects.filter(pk=scene.link.pk),
    )
    before = _rows(*whole)
    assert len(before) == 1 + 2 + 3 + 2 + 2 + 1 + 1 + 1

    okrs.objective_delete(actor=world.lead, objective=team_obj)

    assert _rows(*whole) == []
    assert Objective.objects.get(pk=tree.duality_child.pk).source_key_result_id is None
    assert Objective.objects.filter(pk=tree.member_obj.pk).exists()  # an aligned child stays, unaligned
    item = TrashItem.objects.get()
    assert (item.model_label, item.object_id, item.kind, item.title) == (
        "okrs.Objective",
        str(obj_id),
        "objective",
        "A platform customers trust",
    )
    assert (item.owner_id, item.deleted_by_id) == (team_obj.owner_id, world.lead.pk)
    assert item.summary == (
        "2 key results, 1 initiative, 1 comment, 1 KPI link, 3 check-ins, 2 milestones, 2 alignment links"
    )
    assert item.days_left() == 30
    assert (item.days_left(item.purge_after - dt.timedelta(hours=1)), item.days_left(item.purge_after)) == (1, 0)
    assert item.nulled == [["okrs.Objective", tree.duality_child.pk, "source_key_result_id", tree.latency.pk]]
    actions = list(AuditEntry.objects.order_by("-id").values_list("action", flat=True)[:2])
    assert actions == [AuditAction.OBJECTIVE_DELETE, AuditAction.TRASH_MOVE]

    heard: list[dict[str, list[Any]]] = []

    def listen(sender: Any, *, rows: dict[str, list[Any]], **kwargs: Any) -> None:
        heard.append(rows)

    restored.connect(listen)
    try:
        done = services.trash_restore(actor=world.lead, item=item)
    finally:
        restored.disconnect(listen)

    assert _rows(*whole) == before  # every field, timestamps and stored roll-ups included
    assert Objective.objects.get(pk=tree.duality_child.pk).source_key_result_id == tree.latency.pk
    assert Alignment.objects.filter(child=tree.member_obj, parent_id=obj_id).exists()
    assert CheckIn.objects.get(pk=scene.correction.pk).corrects_id == scene.correction.corrects_id
    assert not TrashItem.objects.exists()
    assert heard == [done.rows]
    assert done.rows["okrs.Objective"] == [obj_id]
    assert sorted(done.rows["okrs.CheckIn"]) == sorted(
        CheckIn.objects.filter(key_result_id__in=kr_ids).values_list("pk", flat=True)
    )
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.actor_id, entry.object_id) == (
        AuditAction.TRASH_RESTORE,
        world.lead.user_id,
        str(item.pk),
    )


def test_restored_objectives_are_recomputed_with_the_ones_that_read_them(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = build_scene(world).tree
    team_id = tree.team_obj.pk
    okrs.objective_delete(actor=world.lead, objective=tree.team_obj)
    scheduled: list[int] = []
    monkeypatch.setattr(rollups, "schedule_objective", lambda objective, **kw: scheduled.append(objective.pk))
    services.trash_restore(actor=world.lead, item=TrashItem.objects.get())
    # Itself, with both ends of the alignments that came back (company above, the member's below).
    assert sorted(scheduled) == sorted([team_id, tree.company_obj.pk, tree.member_obj.pk])


def test_restore_is_refused_when_the_cycle_is_gone_and_writes_nothing(world: World) -> None:
    cycle = okrs.cycle_create(
        actor=world.champion, name="Q1 2027", start_date=dt.date(2027, 1, 1), end_date=dt.date(2027, 3, 31)
    )
    objective = okrs.objective_create(actor=world.member, cycle=cycle, title="Learn Rust")
    okrs.key_result_create(actor=world.member, objective=objective, title="Books", start_value=0, target_value=3)
    okrs.objective_delete(actor=world.member, objective=objective)
    Cycle.objects.filter(pk=cycle.pk).delete()
    item = TrashItem.objects.get()
    before = db_digest()

    with pytest.raises(Conflict, match="The cycle of this objective no longer exists"):
        services.trash_restore(actor=world.member, item=item)

    assert db_digest() == before
    assert TrashItem.objects.filter(pk=item.pk).exists()


def test_a_key_result_waits_for_its_objective_and_links_to_parents_gone_are_dropped(world: World) -> None:
    scene = build_scene(world)
    tree = scene.tree
    latency_id, team_id, company_id = tree.latency.pk, tree.team_obj.pk, tree.company_obj.pk
    okrs.key_result_delete(actor=world.lead, key_result=tree.latency)
    okrs.objective_delete(actor=world.lead, objective=tree.team_obj)
    okrs.objective_delete(actor=world.champion, objective=tree.company_obj)
    kr_item = TrashItem.objects.get(model_label="okrs.KeyResult")
    obj_item = TrashItem.objects.get(model_label="okrs.Objective", object_id=str(team_id))

    with pytest.raises(Conflict, match="Restore the objective “A platform customers trust” from the trash first"):
        services.trash_restore(actor=world.lead, item=kr_item)

    services.trash_restore(actor=world.lead, item=obj_item)
    # Its parent is still in the trash: that alignment is left out, the member's child is back.
    assert list(Alignment.objects.filter(parent_id=team_id).values_list("child_id", flat=True)) == [tree.member_obj.pk]
    assert not Alignment.objects.filter(child_id=team_id).exists()
    services.trash_restore(actor=world.lead, item=_only(kr_item.pk))
    assert KeyResult.objects.get(pk=latency_id).objective_id == team_id
    assert CheckIn.objects.filter(key_result_id=latency_id).count() == 3
    assert Initiative.objects.filter(pk=scene.initiative.pk, key_result_id=latency_id).exists()
    assert Objective.objects.get(pk=tree.duality_child.pk).source_key_result_id == latency_id
    assert TrashItem.objects.get().object_id == str(company_id)


def test_who_may_restore_and_delete_for_good(world: World) -> None:
    objective = okrs.objective_create(actor=world.lead, cycle=world.cycle, title="Quiet", team=world.team)
    okrs.objective_delete(actor=world.lead, objective=objective)
    item = TrashItem.objects.get()
    before = db_digest()

    assert selectors.can_restore(world.lead, item) and selectors.can_restore(world.champion, item)
    assert not selectors.can_restore(world.member, item)
    with pytest.raises(Http404):
        selectors.trash_get(actor=world.member, item_id=item.pk)  # not theirs: not even shown
    with pytest.raises(Http404):
        selectors.trash_get(actor=world.outsider, item_id=item.pk)
    with pytest.raises(PermissionDenied):
        services.trash_restore(actor=world.member, item=item)
    with pytest.raises(PermissionDenied):
        services.trash_restore(actor=world.viewer, item=item)
    with pytest.raises(Http404):
        services.trash_restore(actor=world.outsider, item=item)
    for actor in (world.champion, world.lead):
        with pytest.raises(PermissionDenied, match="Only admins"):
            services.trash_delete(actor=actor, item=item)
    with pytest.raises(Http404):
        services.trash_delete(actor=world.outsider, item=item)
    assert db_digest() == before
    assert [i.pk for i in selectors.trash_list(actor=world.member)] == []
    assert [i.pk for i in selectors.trash_list(actor=world.champion)] == [item.pk]

    services.trash_delete(actor=world.admin, item=item)
    assert not TrashItem.objects.exists()
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.actor_id) == (AuditAction.TRASH_DELETE, world.admin.user_id)
    with pytest.raises(Http404):  # gone since: restoring the stale row is a 404, not a 500
        services.trash_restore(actor=world.admin, item=item)


def test_an_initiative_comes_back_into_its_key_result(world: World) -> None:
    scene = build_scene(world)
    initiative_id = scene.initiative.pk
    initiatives.initiative_delete(actor=world.lead, initiative=scene.initiative)
    item = TrashItem.objects.get()
    assert (item.kind, item.title, item.owner_id) == ("initiative", "Move to the edge CDN", scene.initiative.owner_id)
    services.trash_restore(actor=world.lead, item=item)
    assert Initiative.objects.get(pk=initiative_id).key_result_id == scene.tree.latency.pk


def test_the_purge_deletes_what_is_past_30_days_once(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    for title in ("Old", "Recent"):
        objective = okrs.objective_create(actor=world.lead, cycle=world.cycle, title=title, team=world.team)
        okrs.objective_delete(actor=world.lead, objective=objective)
    old = TrashItem.objects.get(title="Old")
    now = timezone.now()
    TrashItem.objects.filter(pk=old.pk).update(purge_after=now - dt.timedelta(minutes=1))

    assert PRODUCERS[tasks.PRODUCER] is tasks.enqueue_purge  # on every scheduler tick
    assert tasks.enqueue_purge(now - dt.timedelta(hours=1)) == 0  # nothing due then: nothing queued
    with django_capture_on_commit_callbacks(execute=True) as queued:
        tasks.enqueue_purge(now)
    assert len(queued) == 1  # the task, run at once by the immediate backend
    assert list(TrashItem.objects.values_list("title", flat=True)) == ["Recent"]
    assert services.trash_purge_expired(now=now) == 0  # again: nothing twice
    purges = AuditEntry.objects.filter(action=AuditAction.TRASH_PURGE)
    assert [(e.object_id, e.actor_id, e.organisation_id) for e in purges] == [(str(old.pk), None, world.org.pk)]


def test_a_kpi_comes_back_with_its_readings_and_links(world: World) -> None:
    scene = build_scene(world)
    kpi = scene.kpi
    kpi_id = kpi.pk
    kpis.kpi_record_reading(actor=world.champion, kpi=kpi, value=420)
    whole = (
        Kpi.objects.filter(pk=kpi_id),
        KpiReading.objects.filter(kpi_id=kpi_id),
        KpiLink.objects.filter(kpi_id=kpi_id),
    )
    before = _rows(*whole)
    assert len(before) == 3
    kpis.kpi_delete(actor=world.champion, kpi=kpi)
    assert _rows(*whole) == []
    item = TrashItem.objects.get()
    assert (item.kind, item.title, item.summary) == ("KPI", "p95 latency", "1 KPI link, 1 KPI reading")
    services.trash_restore(actor=world.champion, item=item)
    assert _rows(*whole) == before


def test_a_restore_that_clashes_with_something_new_writes_nothing(world: World) -> None:
    scene = build_scene(world)
    kpis.kpi_delete(actor=world.champion, kpi=scene.kpi)
    # Since then the key result feeds another KPI, and feeds one KPI at most.
    other = kpis.kpi_create(
        actor=world.champion, name="Latency", healthy_threshold=300, critical_threshold=600, direction="lower"
    )
    kpis.kpi_link(actor=world.champion, kpi=other, key_result=scene.tree.latency)
    item = TrashItem.objects.get()
    before = db_digest()
    with pytest.raises(Conflict, match="something created since it was deleted takes its place"):
        services.trash_restore(actor=world.champion, item=item)
    assert db_digest() == before


def test_the_purge_command(world: World) -> None:
    objective = okrs.objective_create(actor=world.lead, cycle=world.cycle, title="Gone", team=world.team)
    okrs.objective_delete(actor=world.lead, objective=objective)
    out = StringIO()
    call_command("purge_trash", "--at", (timezone.now() + dt.timedelta(days=29)).isoformat(), stdout=out)
    assert out.getvalue().strip() == "Purged 0 item(s) from the trash."
    call_command("purge_trash", "--at", (timezone.now() + dt.timedelta(days=31)).isoformat(), stdout=out)
    assert out.getvalue().strip().endswith("Purged 1 item(s) from the trash.")
    with pytest.raises(CommandError, match="offset"):
        call_command("purge_trash", "--at", "2026-12-31T00:00:00")


def test_nothing_comes_back_into_a_closed_cycle_until_it_is_reopened(world: World) -> None:
    """A closed cycle's results are locked: a restore into it is refused with the way out, and
    writes nothing; once an admin reopens the cycle, it goes through."""
    scene = build_scene(world)
    objective = scene.tree.team_obj
    objective_id = objective.pk
    okrs.objective_delete(actor=world.lead, objective=objective)
    cycle = Cycle.objects.get(pk=objective.cycle_id)
    Cycle.objects.filter(pk=cycle.pk).update(state="review")
    cycle.refresh_from_db()
    okrs.cycle_set_closed(actor=world.champion, cycle=cycle, closed=True)
    item = TrashItem.objects.get()
    before = db_digest()
    with pytest.raises(Conflict, match=f"{cycle.name} is closed, so its results are locked: an admin can reopen"):
        services.trash_restore(actor=world.admin, item=item)
    assert db_digest() == before
    okrs.cycle_set_closed(actor=world.admin, cycle=cycle, closed=False)
    services.trash_restore(actor=world.admin, item=item)
    assert Objective.objects.filter(pk=objective_id).exists()
