"""The planning page (``/planning/``): the chosen cycle's steps, with real counts and links."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ambit.okrs.models import Cycle, CycleState
from tests.builders import World
from tests.planning.helpers import approval_on, member_proposal, team_proposal
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db


def test_the_page_counts_the_cycles_objectives_by_state_and_the_queue(client: Client, world: World) -> None:
    approval_on(world)
    member_proposal(world)
    team_proposal(world)
    client.force_login(world.lead.user)
    page = client.get(reverse("planning:hub"), {"cycle": world.cycle.pk})
    assert page.status_code == 200
    hub = page.context["hub"]
    counts = {c.state: c.count for c in hub.counts}
    assert counts["proposed"] == 2 and hub.total == sum(counts.values())
    assert hub.waiting_for_me == 1  # the member's individual proposal; the team's goes to the council
    html = page.content.decode()
    assert reverse("planning:meeting", args=[world.cycle.pk]) in html
    assert reverse("quality:readiness", args=[world.cycle.pk]) in html
    assert reverse("sheets:grid", args=[world.cycle.pk]) in html
    # A lead does not publish, and does not see the organisation's set-up.
    assert reverse("planning:publish", args=[world.cycle.pk]) not in html
    assert reverse("setup:charter") not in html


def test_champions_get_set_up_and_publish(client: Client, world: World) -> None:
    Cycle.objects.filter(pk=world.cycle.pk).update(state=CycleState.PLANNING)
    client.force_login(world.champion.user)
    html = client.get(reverse("planning:hub"), {"cycle": world.cycle.pk}).content.decode()
    assert reverse("planning:publish", args=[world.cycle.pk]) in html and reverse("setup:charter") in html


def test_without_a_choice_the_next_planning_cycle_is_shown(client: Client, world: World) -> None:
    planning = Cycle.objects.create(
        organisation=world.org,
        name="Next quarter",
        start_date=world.cycle.end_date,
        end_date=world.cycle.end_date.replace(year=world.cycle.end_date.year + 1),
        state=CycleState.PLANNING,
    )
    client.force_login(world.member.user)
    assert client.get(reverse("planning:hub")).context["hub"].cycle == planning


def test_another_organisations_cycle_is_not_found(client: Client, world: World) -> None:
    other = Cycle.objects.create(
        organisation=world.other_org, name="Theirs", start_date=world.cycle.start_date, end_date=world.cycle.end_date
    )
    client.force_login(world.member.user)
    assert client.get(reverse("planning:hub"), {"cycle": other.pk}).status_code == 404


def test_the_query_count_does_not_grow_with_the_objectives(client: Client, world: World) -> None:
    approval_on(world)
    client.force_login(world.lead.user)
    member_proposal(world)
    with count_queries() as few:
        client.get(reverse("planning:hub"), {"cycle": world.cycle.pk})
    for i in range(4):
        member_proposal(world, title=f"Grow as an engineer, part {i}")
        team_proposal(world, title=f"A platform customers trust, part {i}")
    with count_queries() as many:
        client.get(reverse("planning:hub"), {"cycle": world.cycle.pk})
    # Session and member (3), cycles for the switcher (1), the states (1), the queue and the
    # proposals with their quality (the rest): the same with 1 objective or 9.
    assert len(many) == len(few) == 19, (len(few), len(many))
