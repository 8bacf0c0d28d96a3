"""Early warnings stay on the manager's My week and on the team page until acknowledged (issue 14,
item 3). They arrive with the header's lazily loaded unread badge, swapped into the page's slot out
of band, so the pages themselves (kept between writes) cost nothing more."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.notify.models import Kind, Notification
from ambit.notify.warnings import produce_warnings
from ambit.okrs import services as okrs
from ambit.okrs.models import KeyResult
from tests.builders import World, key_results_for
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db


def _warn(world: World, owner: Membership, prefix: str, *, team_of_objective: bool) -> KeyResult:
    """A check-in whose confidence fell from 8 to 3, turned into an early warning for the lead."""
    (kr,) = key_results_for(owner, world.cycle, world.admin, 1, prefix=prefix)
    if team_of_objective:
        kr.objective.team = world.team
        kr.objective.save(update_fields=["team"])
    okrs.check_in_record(actor=owner, key_result=kr, value=10, confidence=8, at=timezone.now() - dt.timedelta(hours=2))
    okrs.check_in_record(actor=owner, key_result=kr, value=11, confidence=3)
    produce_warnings(timezone.now() + dt.timedelta(seconds=1))
    return kr


def _badge(client: Client, scope: str) -> str:
    response = client.get(reverse("notify:unread-badge") + f"?warnings={scope}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def test_the_manager_sees_the_warning_on_my_week_until_acknowledged(world: World) -> None:
    _warn(world, world.member, "Slipping", team_of_objective=True)
    (warning,) = Notification.objects.filter(kind=Kind.EARLY_WARNING, recipient=world.lead)
    client = Client()
    client.force_login(world.lead.user)
    home = client.get(reverse("front:home")).content.decode()
    assert 'id="early-warnings"' in home and "?warnings=mine" in home  # the slot and the badge's ask
    html = _badge(client, "mine")
    assert 'id="early-warnings" aria-labelledby="early-warnings-title" hx-swap-oob="true"' in html
    assert "Slipping 1" in html and "Acknowledge" in html
    assert client.post(reverse("notify:read", args=[warning.pk]), headers={"HX-Request": "true"}).status_code == 200
    warning.refresh_from_db()
    assert warning.read_at is not None
    html = _badge(client, "mine")
    assert "Slipping 1" not in html and '<div id="early-warnings" hx-swap-oob="true" hidden></div>' in html


def test_the_team_page_shows_only_that_teams_warnings(world: World) -> None:
    _warn(world, world.member, "Platform risk", team_of_objective=True)
    _warn(world, world.member, "Own risk", team_of_objective=False)
    client = Client()
    client.force_login(world.lead.user)
    page = client.get(reverse("okrs:team-detail", kwargs={"slug": world.team.slug})).content.decode()
    assert f"?warnings=team%3A{world.team.slug}" in page
    team_html = _badge(client, f"team:{world.team.slug}")
    assert "Platform risk 1" in team_html and "Own risk 1" not in team_html
    mine = _badge(client, "mine")
    assert "Platform risk 1" in mine and "Own risk 1" in mine
    # Another team's slug, or another organisation's: no warning of this one.
    assert "Platform risk" not in _badge(client, "team:sales")
    assert "risk" not in _badge(client, "team:nowhere")


def test_people_without_warnings_get_an_empty_slot_and_the_badge_alone_costs_nothing_more(world: World) -> None:
    client = Client()
    client.force_login(world.member.user)
    client.get(reverse("notify:unread-badge"))  # the session's first request stores the membership
    with count_queries() as plain:
        html = client.get(reverse("notify:unread-badge")).content.decode()
    assert "early-warnings" not in html
    with count_queries() as mine:
        html = _badge(client, "mine")
    assert '<div id="early-warnings" hx-swap-oob="true" hidden></div>' in html
    assert len(mine) == len(plain) + 1  # the unacknowledged warnings: one query
