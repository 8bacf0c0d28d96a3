"""The pages a person reads every day cost what is on them, not what the organisation holds: the
same queries for a team lead in a small and in a much larger organisation (more teams, deeper,
more people and more objectives elsewhere), and a pinned number for My week and the weekly
check-in however many objectives and key results the person has.

Team leads are the persona to watch: what they may see and edit reaches down the teams below the
ones they lead, which used to be found by loading every team of the organisation."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks

from ambit.accounts.models import Role, Team
from ambit.okrs import services
from tests import factories as f
from tests.builders import World, key_results_for
from tests.okrs.conftest import login
from tests.querycount import Queries, assert_queries, check_count, count_queries

pytestmark = pytest.mark.django_db

# Pinned; a change needs a reason. My week: the session, the user and the membership (3), the
# cycles (1), their teams and the teams below the ones they lead (1, one recursive query), the
# objectives holding the person's key results (a subquery) or theirs, with their key results,
# milestones and checkpoints (4), the objectives created from those key results (1), the
# check-ins the forecasts fit (1) and the organisation switcher's memberships (1). (An
# organisation that blends children into progress adds the alignment links; a linked key
# result, its child objectives.) The weekly check-in draws no forecast: no check-ins (1 fewer).
# My week reads one more: the open monthly reviews where the person owes commentary (ambit.reviews).
MY_WEEK_QUERIES = {"front:home": 14, "front:checkin": 12}  # each one more than before: its data version


def _count(client: Client, url: str) -> Queries:
    client.get(url)  # the session's first request stores the chosen membership
    cache.clear()  # the page computed, as on the first view after a write (core.page_cache)
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return queries


def _grow_the_organisation(world: World, size: int) -> list[Team]:
    """``size`` more teams (a chain four deep under Sales and the rest beside it), a person in
    each, and an active objective with a checked-in key result per team: none of it Platform's."""
    teams: list[Team] = []
    parent = world.other_team
    for i in range(size):
        team = f.TeamFactory.create(organisation=world.org, parent=parent, name=f"Far {i}", slug=f"far-{i}")
        teams.append(team)
        parent = team if i < 4 else world.other_team
        person = f.MembershipFactory.create(
            user=f.UserFactory.create(email=f"far{i}@acme.test"), organisation=world.org, role=Role.MEMBER
        )
        f.TeamMemberFactory.create(team=team, membership=person, is_lead=i % 2 == 0)
        objective = services.objective_create(
            actor=world.champion, cycle=world.cycle, title=f"Far away {i}", team=team, state="active"
        )
        kr = services.key_result_create(
            actor=world.champion, objective=objective, title=f"Far kr {i}", start_value=0, target_value=10
        )
        services.check_in_record(actor=world.champion, key_result=kr, value=i % 10, confidence=6)
    return teams


def _platform(world: World) -> None:
    """Platform's objectives, one of them with a sub-team below Platform, for its page to show."""
    sub = f.TeamFactory.create(organisation=world.org, parent=world.team, name="Platform infra", slug="infra")
    for title, team in (("Fast builds", world.team), ("Stable infra", sub)):
        objective = services.objective_create(
            actor=world.lead, cycle=world.cycle, title=title, team=team, state="active"
        )
        kr = services.key_result_create(
            actor=world.lead, objective=objective, title=f"{title} kr", start_value=0, target_value=10
        )
        services.check_in_record(actor=world.lead, key_result=kr, value=4, confidence=7)


@pytest.mark.parametrize("persona", ["lead", "member"])
def test_the_team_page_costs_the_same_in_a_small_and_a_large_organisation(
    world: World, persona: str, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    client = login(getattr(world, persona))
    url = reverse("okrs:team-detail", args=[world.team.slug])
    with django_capture_on_commit_callbacks(execute=True):  # stored roll-ups, as after real commits
        _platform(world)
    small = _count(client, url)
    with django_capture_on_commit_callbacks(execute=True):
        far = _grow_the_organisation(world, 30)
    assert Team.objects.filter(organisation=world.org).count() > 30
    large = _count(client, url)
    check_count(large, small, label=f"team page as the {persona}, 30 more teams elsewhere")
    html = client.get(url).content.decode()
    assert "Fast builds" in html and "Platform infra" in html
    assert far[0].name not in html
    # The lead's rights still reach the sub-team below Platform, and only there.
    lead = world.lead
    lead.refresh_from_db()
    below = lead.led_team_ids()
    assert world.team.pk in below and Team.objects.get(slug="infra").pk in below
    assert not below & {t.pk for t in far} and world.other_team.pk not in below


@pytest.mark.parametrize("name", ["front:home", "front:checkin"])
def test_my_week_is_pinned_and_the_same_in_a_larger_organisation_for_a_lead(
    world: World, name: str, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    url = reverse(name) + "?all=1"
    key_results_for(world.lead, world.cycle, world.admin, 1)
    client = login(world.lead)
    one = _count(client, url)
    check_count(one, MY_WEEK_QUERIES[name], label=f"{name} with 1 key result")
    key_results_for(world.lead, world.cycle, world.admin, 14, prefix="More")
    with django_capture_on_commit_callbacks(execute=True):
        _grow_the_organisation(world, 12)
    with assert_queries(one, label=f"{name} with 15 key results over 6 objectives, 12 more teams"):
        response = client.get(url)
    assert "More 14" in response.content.decode()
