"""The company tree marks drafts and labels each link's kind (issue 12, item 14)."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from ambit.okrs import services
from ambit.okrs.selectors_tree import alignment_levels
from tests.builders import Tree, World, objective_with_krs

pytestmark = pytest.mark.django_db

CASCADED = "cascaded from KR “p95 latency”"


def _aligned_and_cascaded(world: World, tree: Tree) -> None:
    """``Halve latency`` is cascaded from the team's latency key result and also aligned to the team objective."""
    services.alignment_add(actor=world.lead, child=tree.duality_child, parent=tree.team_obj, weight=1.0)


def test_a_lazily_loaded_child_says_it_is_both_aligned_and_cascaded(client: Client, world: World, tree: Tree) -> None:
    _aligned_and_cascaded(world, tree)
    client.force_login(world.member.user)
    html = client.get(
        reverse("okrs:tree-children", args=[tree.team_obj.pk]) + f"?cycle={world.cycle.pk}", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert html.count(">Halve latency</a>") == 1
    head = html[html.index(">Halve latency</a>") :]
    head = head[: head.index("</li>")]
    assert ">aligned</span>" in head and CASCADED in head
    member_head = html[html.index(">Grow as an engineer</a>") :]
    member_head = member_head[: member_head.index("</li>")]
    assert ">aligned</span>" in member_head and "cascaded from KR" not in member_head


def test_the_full_tree_labels_each_occurrence_with_its_link(world: World, tree: Tree) -> None:
    _aligned_and_cascaded(world, tree)
    (root,) = alignment_levels(actor=world.member, cycle=world.cycle, depth=3)
    html = render_to_string("okrs/partials/tree_node.html", {"node": root, "cycle": world.cycle})
    assert html.count(">Halve latency</a>") == 2
    cut = html.index("Created from the key result")
    aligned_part, cascaded_part = html[:cut], html[cut:]
    child = aligned_part[aligned_part.index(">Halve latency</a>") :]
    assert ">aligned</span>" in child[: child.index("</li>")]
    child = cascaded_part[cascaded_part.index(">Halve latency</a>") :]
    assert CASCADED in child[: child.index("</li>")]
    assert ">aligned</span>" not in child[: child.index("</li>")]


def test_drafts_and_proposals_are_marked_and_muted(client: Client, world: World, tree: Tree) -> None:
    draft, _ = objective_with_krs(
        actor=world.lead,
        cycle=world.cycle,
        title="Draft idea for the platform",
        team=world.team,
        parents=[(tree.company_obj, 1.0)],
    )
    assert draft.state == "draft"
    client.force_login(world.member.user)
    html = client.get(
        reverse("okrs:tree-children", args=[tree.company_obj.pk]) + f"?cycle={world.cycle.pk}",
        HTTP_HX_REQUEST="true",
    ).content.decode()
    start = html.rindex("<li", 0, html.index(">Draft idea for the platform</a>"))
    node = html[start : html.index("</li>", start)]
    assert "is-pending" in node
    assert '<span class="badge state-draft">Draft</span>' in node
    active = html[html.rindex("<li", 0, html.index(">A platform customers trust</a>")) :]
    assert "is-pending" not in active[: active.index(">")]
    assert "state-draft" not in active[: active.index("</li>")]
