"""The meeting page: behind and at risk first with what moved since the last check-in, the owners'
notes, blockers, carried-over actions; items added, ticked, edited and deleted with HTMX; bad input
answered on the form; another organisation's team is a 404 on every page and part."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ambit.rituals.models import Section, Standup, StandupLine
from ambit.teammeetings import services
from ambit.teammeetings.models import TeamMeeting, TeamMeetingItem
from tests.builders import World
from tests.helpers import db_digest
from tests.teammeetings.helpers import build_scenario

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def _url(name: str, world: World, *args: object) -> str:
    return reverse(f"teammeetings:{name}", args=[world.team.slug, *args])


def test_behind_and_at_risk_come_first_with_what_moved_since_the_last_check_in(client: Client, world: World) -> None:
    scenario = build_scenario(world)
    standup = Standup.objects.create(organisation=world.org, author=world.lead, day=timezone.localdate())
    StandupLine.objects.create(
        standup=standup, section=Section.BLOCKERS, text="Waiting on the new runners", key_result=scenario.behind
    )
    # The last check-in ended ten days ago: the check-ins since are on the agenda.
    ended = timezone.now() - dt.timedelta(days=10)
    TeamMeeting.objects.create(
        organisation=world.org,
        team=world.team,
        held_on=ended.date(),
        started_at=ended - dt.timedelta(minutes=30),
        ended_at=ended,
        since=ended - dt.timedelta(days=14),
    )
    client.force_login(world.member.user)
    page = client.get(_url("meeting", world)).content.decode()
    titles = re.findall(r'<h3 class="kr-title" id="kr-\d+-title"><a [^>]+>([^<]+)</a>', page)
    assert titles == ["Deploys a day", "Lead time cut", "Green builds"]
    assert page.count("<h1") == 1
    behind = page[page.index("Deploys a day") : page.index("Lead time cut")]
    assert "status-behind" in behind and "Pipeline still slow" in behind and "Waiting on the new runners" in behind
    green = page[page.index("Green builds</a>") :]
    # 30% at the last check-in → 60% now; confidence 6 → 8; the note since, with its author.
    assert "30% → 60%" in green and "(+30%)" in green and "6 → 8" in green
    assert "Flaky tests fixed" in green and world.member.user.get_full_name() in green
    assert "3 key results, 3 checked in since, 2 behind or at risk" in page
    assert 'role="progressbar"' in page
    # Nobody may record before the check-in starts; the member cannot start it.
    assert "Start the check-in" not in page and "the team's leads start it" in page


def test_the_team_page_links_to_meeting_mode(client: Client, world: World) -> None:
    client.force_login(world.member.user)
    page = client.get(reverse("okrs:team-detail", args=[world.team.slug])).content.decode()
    assert f'href="{_url("meeting", world)}"' in page


def test_a_lead_runs_the_meeting_and_members_record_with_htmx(client: Client, world: World) -> None:
    scenario = build_scenario(world)
    client.force_login(world.lead.user)
    assert "Start the check-in" in client.get(_url("meeting", world)).content.decode()
    client.post(_url("start", world))
    meeting = TeamMeeting.objects.get(team=world.team, ended_at__isnull=True)
    client.force_login(world.member.user)
    added = client.post(
        _url("item-add", world),
        {
            "kind": "action",
            "text": "Split the slow suite",
            "owner": world.member.pk,
            "due_on": "2030-01-15",
            "key_result": scenario.behind.pk,
        },
        headers=HX,
    )
    body = added.content.decode()
    assert added.status_code == 200 and body.startswith('<div id="meeting-items"')
    assert "Split the slow suite" in body and 'Due <time datetime="2030-01-15">' in body
    action = TeamMeetingItem.objects.get(text="Split the slow suite")
    assert (action.owner_id, action.key_result_id, action.meeting_id) == (
        world.member.pk,
        scenario.behind.pk,
        meeting.pk,
    )
    ticked = client.post(_url("item-done", world, action.pk), {"done": "on"}, headers=HX)
    assert ticked.status_code == 200 and TeamMeetingItem.objects.get(pk=action.pk).done
    edited = client.post(
        _url("item-edit", world, action.pk), {"text": "Split the suite in two", "owner": "", "due_on": ""}, headers=HX
    )
    assert edited.status_code == 200 and "Split the suite in two" in edited.content.decode()
    action.refresh_from_db()
    assert (action.text, action.owner_id, action.due_on) == ("Split the suite in two", None, None)
    # The owner's note on their own key result (HTMX answers with its part).
    note = client.post(
        reverse("teammeetings:note-add", args=[world.team.slug, scenario.on_track.pk]),
        {"text": "Suite is green"},
        headers=HX,
    )
    assert note.status_code == 200 and "Owner's note:" in note.content.decode()
    deleted = client.post(_url("item-delete", world, action.pk), headers=HX)
    assert deleted.status_code == 200 and not TeamMeetingItem.objects.filter(pk=action.pk).exists()
    client.force_login(world.lead.user)
    client.post(_url("end", world))
    meeting.refresh_from_db()
    assert meeting.ended_at is not None
    history = client.get(_url("history", world)).content.decode()
    assert "Suite is green" in history


def test_bad_input_comes_back_on_the_form_and_writes_nothing(client: Client, world: World) -> None:
    services.meeting_start(actor=world.lead, team=world.team)
    client.force_login(world.member.user)
    before = db_digest()
    empty = client.post(_url("item-add", world), {"kind": "decision", "text": "  "}, headers=HX)
    assert empty.status_code == 422 and "Enter the text." in empty.content.decode()
    owner = client.post(_url("item-add", world), {"kind": "decision", "text": "Go", "owner": world.lead.pk}, headers=HX)
    assert owner.status_code == 422 and "Only an action item has an owner" in owner.content.decode()
    stranger = client.post(
        _url("item-add", world), {"kind": "action", "text": "Go", "owner": world.outsider.pk}, headers=HX
    )
    assert stranger.status_code == 422 and services.OWNER_INVALID in stranger.content.decode()
    due = client.post(_url("item-add", world), {"kind": "action", "text": "Go", "due_on": "soon"}, headers=HX)
    assert due.status_code == 422 and services.DUE_INVALID in due.content.decode()
    assert db_digest() == before


def test_viewers_read_without_forms_and_cannot_write(client: Client, world: World) -> None:
    meeting = services.meeting_start(actor=world.lead, team=world.team)
    item = services.item_add(actor=world.lead, meeting=meeting, kind="action", text="Lead's", owner=world.lead)
    client.force_login(world.viewer.user)
    page = client.get(_url("meeting", world)).content.decode()
    assert "Lead&#x27;s" in page and "Record it" not in page and "End the check-in" not in page
    assert 'name="done"' not in page
    before = db_digest()
    assert client.post(_url("item-add", world), {"kind": "decision", "text": "x"}, headers=HX).status_code == 403
    assert client.post(_url("item-done", world, item.pk), {"done": "on"}, headers=HX).status_code == 403
    assert client.post(_url("end", world)).status_code == 403
    assert db_digest() == before


def test_another_organisation_gets_404_everywhere(client: Client, world: World) -> None:
    meeting = services.meeting_start(actor=world.lead, team=world.team)
    item = services.item_add(actor=world.lead, meeting=meeting, kind="decision", text="Ours")
    client.force_login(world.outsider.user)
    before = db_digest()
    for method, url in (
        ("get", _url("meeting", world)),
        ("get", _url("history", world)),
        ("post", _url("start", world)),
        ("post", _url("end", world)),
        ("post", _url("item-add", world)),
        ("post", _url("item-done", world, item.pk)),
        ("post", _url("item-edit", world, item.pk)),
        ("post", _url("item-delete", world, item.pk)),
    ):
        response = getattr(client, method)(
            url, {"kind": "decision", "text": "x"} if method == "post" else None, headers=HX
        )
        assert response.status_code == 404, url
    assert db_digest() == before
    # An item of another team, named under this team's address, is a 404 too.
    sales = services.meeting_start(actor=world.champion, team=world.other_team)
    theirs = services.item_add(actor=world.champion, meeting=sales, kind="decision", text="Sales'")
    client.force_login(world.lead.user)
    assert client.post(_url("item-delete", world, theirs.pk), headers=HX).status_code == 404
    assert TeamMeetingItem.objects.filter(pk=theirs.pk).exists()
