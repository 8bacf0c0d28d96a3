"""A deleted objective worth restoring: Platform's objective from ``build_tree`` (its parent is the
company objective, the member's objective is aligned below it, a duality child hangs from its
latency key result) with three latency check-ins (one corrects another), a comment, an
initiative and a KPI fed by latency."""

from __future__ import annotations

from dataclasses import dataclass

from ambit.discussion import services as discussion
from ambit.discussion.models import Comment
from ambit.discussion.selectors import target_get
from ambit.initiatives import services as initiatives
from ambit.initiatives.models import Initiative
from ambit.kpis import services as kpis
from ambit.kpis.models import Kpi, KpiLink
from ambit.okrs import services as okrs
from ambit.okrs.models import CheckIn
from tests.builders import Tree, World, build_tree


@dataclass
class Scene:
    tree: Tree
    correction: CheckIn
    comment: Comment
    initiative: Initiative
    kpi: Kpi
    link: KpiLink


def build_scene(world: World) -> Scene:
    tree = build_tree(world)
    latency = tree.latency
    last = CheckIn.objects.filter(key_result=latency).order_by("-pk").first()
    assert last is not None
    correction = okrs.check_in_record(
        actor=world.lead, key_result=latency, value=450, confidence=7, corrects=last
    ).check_in
    target = target_get(actor=world.lead, kind="key_result", pk=latency.pk)
    comment = discussion.comment_add(actor=world.lead, target=target, body="Latency is finally moving")
    initiative = initiatives.initiative_create(actor=world.lead, key_result=latency, title="Move to the edge CDN")
    kpi = kpis.kpi_create(
        actor=world.champion, name="p95 latency", healthy_threshold=300, critical_threshold=600, direction="lower"
    )
    link = kpis.kpi_link(actor=world.champion, kpi=kpi, key_result=latency)
    return Scene(tree, correction, comment, initiative, kpi, link)
