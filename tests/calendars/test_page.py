"""Settings → Calendar feeds: a person makes, copies, rotates and revokes their own address and
their teams' (when they manage them), with HTMX or without; other organisations' teams are 404."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from ambit.calendars.models import CalendarFeed
from ambit.core.models import AuditEntry
from tests import factories as f
from tests.builders import World
from tests.helpers import ClientResponse, db_digest
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db

PAGE = "/settings/calendar/"
HTMX = {"HTTP_HX_REQUEST": "true"}
ADDRESS = re.compile(r'value="(http://testserver/calendar/([\w-]+)\.ics)"')


def own(action: str) -> str:
    return reverse("calendars:own-action", args=[action])


def team(team_id: int, action: str) -> str:
    return reverse("calendars:team-action", args=[team_id, action])


def address(response: ClientResponse) -> str:
    match = ADDRESS.search(response.content.decode())
    assert match, response.content.decode()
    return match.group(1)


def test_the_settings_page_links_to_calendar_feeds(client: Client, world: World) -> None:
    client.force_login(world.member.user)
    assert f'href="{PAGE}"' in client.get(reverse("front:settings")).content.decode()


def test_a_member_sees_their_calendar_and_their_team_without_its_buttons(client: Client, world: World) -> None:
    client.force_login(world.member.user)
    html = client.get(PAGE).content.decode()
    assert "Subscribe to Acme’s OKR cadence" in html
    assert 'id="feed-own"' in html
    assert f'action="{own("create")}"' in html
    assert f'id="feed-team-{world.team.pk}"' in html
    assert f'id="feed-team-{world.other_team.pk}"' not in html  # not their team
    assert f'action="{team(world.team.pk, "create")}"' not in html
    assert "ask one of them for the address" in html


def test_a_lead_gets_the_buttons_of_the_team_they_lead(client: Client, world: World) -> None:
    client.force_login(world.lead.user)
    html = client.get(PAGE).content.decode()
    assert f'action="{team(world.team.pk, "create")}"' in html


def test_creating_with_htmx_answers_the_row_with_the_address_shown_once(client: Client, world: World) -> None:
    client.force_login(world.member.user)
    response = client.post(own("create"), **HTMX)  # type: ignore[arg-type]
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="feed-own"')
    assert "<html" not in html
    assert 'data-copy-target="feed-own-url"' in html
    assert 'for="feed-own-url"' in html
    feed_url = address(response)
    assert client.get(feed_url).status_code == 200
    # The page shows the feed as active, never the address again.
    page = client.get(PAGE).content.decode()
    assert "Active since" in page
    assert feed_url not in page


def test_without_javascript_the_whole_page_comes_back_with_the_address(client: Client, world: World) -> None:
    client.force_login(world.lead.user)
    response = client.post(team(world.team.pk, "create"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'id="feed-own"' in html
    feed_url = address(response)
    assert CalendarFeed.objects.get(team=world.team).created_by_id == world.lead.pk
    assert client.get(feed_url).status_code == 200


def test_rotating_and_revoking_from_the_page_kill_the_old_address(client: Client, world: World) -> None:
    client.force_login(world.member.user)
    first = address(client.post(own("create"), **HTMX))  # type: ignore[arg-type]
    second = address(client.post(own("rotate"), **HTMX))  # type: ignore[arg-type]
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    revoked = client.post(own("revoke"), **HTMX)  # type: ignore[arg-type]
    assert revoked.status_code == 200
    assert "No address yet" in revoked.content.decode()
    assert client.get(second).status_code == 404
    assert list(AuditEntry.objects.filter(action__startswith="calendar_feed.").values_list("action", flat=True)) == [
        "calendar_feed.revoke",
        "calendar_feed.create",
        "calendar_feed.revoke",
        "calendar_feed.create",
    ]


def test_a_second_create_or_a_revoke_of_nothing_is_a_409_with_the_reason(client: Client, world: World) -> None:
    client.force_login(world.member.user)
    client.post(own("create"), **HTMX)  # type: ignore[arg-type]
    again = client.post(own("create"), **HTMX)  # type: ignore[arg-type]
    assert again.status_code == 409
    assert "rotate it to get a new one" in again.content.decode()
    client.post(own("revoke"), **HTMX)  # type: ignore[arg-type]
    nothing = client.post(own("revoke"), **HTMX)  # type: ignore[arg-type]
    assert nothing.status_code == 409
    assert "no calendar feed to revoke" in nothing.content.decode()


def test_a_member_who_does_not_lead_the_team_is_refused_and_nothing_changes(client: Client, world: World) -> None:
    client.force_login(world.member.user)
    before = db_digest()
    for action in ("create", "rotate", "revoke"):
        assert client.post(team(world.team.pk, action), **HTMX).status_code == 403  # type: ignore[arg-type]
    assert db_digest() == before


def test_another_organisations_team_is_404_and_nothing_changes(client: Client, world: World) -> None:
    globex_team = f.TeamFactory.create(organisation=world.other_org, name="Ops", slug="ops")
    client.force_login(world.outsider.user)
    before = db_digest()
    for action in ("create", "rotate", "revoke"):
        assert client.post(team(world.team.pk, action)).status_code == 404
    assert f'id="feed-team-{world.team.pk}"' not in client.get(PAGE).content.decode()
    client.force_login(world.admin.user)
    assert client.post(team(globex_team.pk, "create")).status_code == 404
    assert db_digest() == before


def test_unknown_actions_and_gets_of_actions_are_refused(client: Client, world: World) -> None:
    client.force_login(world.member.user)
    assert client.post(own("delete")).status_code == 404
    assert client.get(own("create")).status_code == 405


def test_the_page_needs_a_login(client: Client, world: World) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_page_costs_the_same_queries_for_three_teams_or_twelve(client: Client, world: World) -> None:
    client.force_login(world.champion.user)
    client.post(team(world.team.pk, "create"))
    client.get(PAGE)
    with count_queries() as three:
        client.get(PAGE)
    for i in range(9):
        f.TeamFactory.create(organisation=world.org, name=f"Team {i}", slug=f"team-x-{i}", parent=world.company)
    with assert_queries(three, label="calendar page with 12 teams against 3"):
        html = client.get(PAGE).content.decode()
    assert html.count('id="feed-team-') == 12
