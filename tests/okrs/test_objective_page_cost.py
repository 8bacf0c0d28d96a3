"""The objective page and the align page cost what the objective has, not what the organisation
has: the same queries and the same bytes with a few and with many other objectives around it,
and reads that look up the objective's own rows instead of filtering the organisation's."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db.models import Q
from django.http import Http404
from django.test import Client
from django.urls import reverse

from ambit.accounts.models import Team
from ambit.core.models import AuditEntry
from ambit.okrs import services
from ambit.okrs.models import Objective
from ambit.okrs.selectors import objective_audit_entries, objective_children
from ambit.okrs.selectors_align import SUGGESTION_LIMIT
from tests.builders import Tree, World
from tests.okrs.conftest import login
from tests.querycount import Queries, check_count, count_queries

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "align-results"}

# Pinned like tests/okrs/test_queries.py; a change here needs a reason. The parent picker
# costs the walk down from the objective (a query per level of its subtree, plus the empty
# level), the teams above it (one) and the suggestions (one): never the size of the cycle.
# The lead's teams and the teams below them are one recursive query, not two (the second read
# every team of the organisation); the parents' and children's key results load together.
# The objective page: two more for its data version and the objective's head read before it (a
# viewer who saw it since the last write gets it from the cache, core.page_cache).
OBJECTIVE_PAGE_QUERIES = {"lead": 30, "champion": 29}  # +1: quality panel's team peers (15); +1: dependencies (17)
ALIGN_PAGE_QUERIES = {"lead": 14, "champion": 13}


def _new(world: World, title: str, team: Team | None = None, **kwargs: Any) -> Objective:
    kwargs.setdefault("state", "active")
    return services.objective_create(actor=world.champion, cycle=world.cycle, title=title, team=team, **kwargs)


def _crowd(world: World, prefix: str, count: int) -> None:
    """Objectives of every kind around the tree: company ones, teams', individuals', linked up."""
    for i in range(count):
        top = _new(world, f"{prefix} company {i:03d}", team=world.company)
        kr = services.key_result_create(
            actor=world.champion, objective=top, title=f"{prefix} kr {i}", start_value=0, target_value=10
        )
        side = _new(world, f"{prefix} sales {i:03d}", team=world.other_team, parents=[(top, 1.0)])
        _new(world, f"{prefix} platform {i:03d}", team=world.team, parents=[(side, 1.0)])
        services.objective_create_from_key_result(
            actor=world.champion, key_result=kr, owner=world.member, title=f"{prefix} duality {i:03d}"
        )
        services.objective_create(actor=world.member, cycle=world.cycle, title=f"{prefix} mine {i:03d}")


def _measure(client: Client, url: str, **extra: Any) -> tuple[Queries, int]:
    client.get(url, **extra)  # the first request of a session stores the chosen membership
    cache.clear()  # the page computed, as on the first view after a write (core.page_cache)
    with count_queries() as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return queries, len(response.content)


@pytest.mark.parametrize("persona", ["lead", "champion"])
def test_objective_and_align_pages_cost_the_same_with_many_other_objectives(
    world: World, tree: Tree, persona: str
) -> None:
    client = login(getattr(world, persona))
    detail = reverse("okrs:objective-detail", args=[tree.team_obj.pk])
    align = reverse("okrs:objective-align", args=[tree.team_obj.pk])
    # Enough company objectives that the suggestions are full (and sort first) from the start.
    _crowd(world, "Aaa", SUGGESTION_LIMIT)
    small = (_measure(client, detail), _measure(client, align), _measure(client, align, data={"q": "aaa"}, **HX))
    _crowd(world, "Zzz", 40)
    big = (_measure(client, detail), _measure(client, align), _measure(client, align, data={"q": "aaa"}, **HX))
    assert Objective.objects.filter(cycle=world.cycle).count() > 250
    pages = ("objective page", "align page", "align search")
    for page, (few, few_bytes), (many, many_bytes) in zip(pages, small, big, strict=True):
        check_count(many, few, label=f"{page} as {persona}, with 40 more branches")
        assert many_bytes == few_bytes, page
    (detail_queries, _), (align_queries, _), _ = big
    check_count(detail_queries, OBJECTIVE_PAGE_QUERIES[persona], label=f"objective page as {persona}")
    check_count(align_queries, ALIGN_PAGE_QUERIES[persona], label=f"align page as {persona}")


def test_audit_entries_are_the_objectives_and_its_key_results_newest_first(world: World, tree: Tree) -> None:
    services.objective_update(actor=world.lead, objective=tree.team_obj, title="A platform customers love")
    services.objective_update(actor=world.champion, objective=tree.company_obj, title="Elsewhere")  # not ours
    entries = list(objective_audit_entries(actor=world.lead, objective=tree.team_obj))
    about = {(e.object_type, e.object_id) for e in entries}
    assert about == {
        ("okrs.objective", str(tree.team_obj.pk)),
        ("okrs.keyresult", str(tree.latency.pk)),
        ("okrs.keyresult", str(tree.launch.pk)),
    }
    expected = AuditEntry.objects.filter(organisation=world.org).filter(
        Q(object_type="okrs.objective", object_id=str(tree.team_obj.pk))
        | Q(object_type="okrs.keyresult", object_id__in=[str(tree.latency.pk), str(tree.launch.pk)])
    )
    assert len(entries) == expected.count() > 5
    assert [e.pk for e in entries] == [e.pk for e in expected.order_by("-created_at", "-id")]
    assert entries[0].action == "objective.update"
    newest = objective_audit_entries(actor=world.lead, objective=tree.team_obj, limit=2)
    assert [e.pk for e in newest] == [e.pk for e in entries[:2]]
    with pytest.raises(Http404):
        objective_audit_entries(actor=world.outsider, objective=tree.team_obj)


def test_children_are_found_through_the_links_whatever_else_the_organisation_has(world: World, tree: Tree) -> None:
    _crowd(world, "Noise", 3)
    children = objective_children(actor=world.lead, objective=tree.team_obj)
    assert sorted(c.title for c in children) == ["Grow as an engineer", "Halve latency"]
