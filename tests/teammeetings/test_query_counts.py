"""The meeting page (read every day by many people) and its HTMX answer cost a fixed number of
queries: the same with one key result, person, team and item as with many."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ambit.accounts import services as accounts
from ambit.okrs import services as okrs
from ambit.rituals.models import Section, Standup, StandupLine
from ambit.teammeetings import services
from tests.builders import World, days_ago
from tests.querycount import assert_queries, count_queries
from tests.teammeetings.helpers import Scenario, build_scenario

pytestmark = pytest.mark.django_db


def _grow(world: World, scenario: Scenario, n: int) -> None:
    meeting = services.meeting_start(actor=world.lead, team=world.team, now=days_ago(20))
    for i in range(n):
        person = accounts.membership_add(
            actor=world.admin, organisation=world.org, email=f"p{i}@acme.test", role="member"
        )
        accounts.team_member_set(actor=world.admin, team=world.team, membership=person)
        accounts.team_create(actor=world.admin, name=f"Team {i}", parent=world.company)
        kr = okrs.key_result_create(
            actor=world.lead,
            objective=scenario.objective,
            title=f"KR {i}",
            start_value=0,
            target_value=10,
            owner=person,
        )
        okrs.check_in_record(actor=person, key_result=kr, value=i, confidence=5, note=f"Note {i}", at=days_ago(30))
        okrs.check_in_record(actor=person, key_result=kr, value=i + 1, confidence=6, note=f"Later {i}")
        standup = Standup.objects.create(organisation=world.org, author=person, day=timezone.localdate())
        StandupLine.objects.create(standup=standup, section=Section.BLOCKERS, text=f"Blocked {i}", key_result=kr)
        services.item_add(actor=world.lead, meeting=meeting, kind="action", text=f"Carried {i}", owner=person)
        services.item_add(actor=world.lead, meeting=meeting, kind="decision", text=f"Old decision {i}")
    services.meeting_end(actor=world.lead, meeting=meeting, now=days_ago(19))
    current = services.meeting_start(actor=world.lead, team=world.team)
    for i in range(n):
        services.item_add(actor=world.lead, meeting=current, kind="decision", text=f"Decision {i}")


@pytest.mark.parametrize("persona", ["lead", "member", "viewer"])
def test_the_meeting_page_costs_the_same_with_one_or_many_rows(client: Client, world: World, persona: str) -> None:
    scenario = build_scenario(world)
    _grow(world, scenario, 1)
    client.force_login(getattr(world, persona).user)
    url = reverse("teammeetings:meeting", args=[world.team.slug])
    assert client.get(url).status_code == 200  # the session's first use
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow_more(world, scenario)
    with assert_queries(small):
        page = client.get(url).content.decode()
    assert "KR 7" in page and "Blocked 7" in page and "Carried 7" in page and "Decision 7" in page


def _grow_more(world: World, scenario: Scenario) -> None:
    # Ends the open meeting first: _grow starts its own earlier one, then a new current one.
    from ambit.teammeetings.models import TeamMeeting

    for m in TeamMeeting.objects.filter(team=world.team, ended_at__isnull=True):
        services.meeting_end(actor=world.lead, meeting=m)
    _grow_named(world, scenario, range(1, 8))


def _grow_named(world: World, scenario: Scenario, numbers: range) -> None:
    meeting = services.meeting_start(actor=world.lead, team=world.team, now=days_ago(1))
    for i in numbers:
        person = accounts.membership_add(
            actor=world.admin, organisation=world.org, email=f"q{i}@acme.test", role="member"
        )
        accounts.team_member_set(actor=world.admin, team=world.team, membership=person)
        accounts.team_create(actor=world.admin, name=f"More {i}", parent=world.company)
        kr = okrs.key_result_create(
            actor=world.lead,
            objective=scenario.objective,
            title=f"KR {i}",
            start_value=0,
            target_value=10,
            owner=person,
        )
        okrs.check_in_record(actor=person, key_result=kr, value=i, confidence=5, note=f"Note {i}", at=days_ago(30))
        okrs.check_in_record(actor=person, key_result=kr, value=i + 1, confidence=6, note=f"Later {i}")
        standup = Standup.objects.create(organisation=world.org, author=person, day=timezone.localdate())
        StandupLine.objects.create(standup=standup, section=Section.BLOCKERS, text=f"Blocked {i}", key_result=kr)
        services.item_add(actor=world.lead, meeting=meeting, kind="action", text=f"Carried {i}", owner=person)
    services.meeting_end(actor=world.lead, meeting=meeting)
    current = services.meeting_start(actor=world.lead, team=world.team)
    for i in numbers:
        services.item_add(actor=world.lead, meeting=current, kind="decision", text=f"Decision {i}")
        services.item_add(actor=world.member, meeting=current, kind="action", text=f"Now {i}", owner=world.member)


def test_the_htmx_answer_costs_the_same_with_one_or_many_rows(client: Client, world: World) -> None:
    scenario = build_scenario(world)
    _grow(world, scenario, 1)
    client.force_login(world.member.user)
    url = reverse("teammeetings:item-add", args=[world.team.slug])
    headers = {"HX-Request": "true"}
    client.post(url, {"kind": "decision", "text": "warm up"}, headers=headers)
    with count_queries() as small:
        assert client.post(url, {"kind": "decision", "text": "first"}, headers=headers).status_code == 200
    _grow_more(world, scenario)
    with assert_queries(small):
        assert client.post(url, {"kind": "decision", "text": "second"}, headers=headers).status_code == 200


def test_a_busy_key_result_shows_its_count_and_newest_notes_for_the_same_queries(world: World) -> None:
    """What moved since the last meeting: every check-in counted, the five newest notes shown
    (blank ones skipped), read in two queries however often people checked in."""
    from ambit.teammeetings.agenda import NOTES_SHOWN, build_agenda

    scenario = build_scenario(world)
    since, now = days_ago(14), timezone.now()

    def row() -> Any:
        with count_queries() as queries:
            agenda = build_agenda(actor=world.lead, team=world.team, since=since, now=now)
        return next(r for r in agenda.rows if r.key_result.pk == scenario.behind.pk), len(queries)

    before, few = row()
    assert (before.checkins_since, [n.text for n in before.notes]) == (1, ["Pipeline still slow"])
    for i in range(12):
        note = "   " if i % 4 == 3 else f"Update {i}"  # blank after trimming: not a note
        okrs.check_in_record(
            actor=world.lead,
            key_result=scenario.behind,
            value=10 + i,
            confidence=3,
            note=note,
            at=days_ago(2.5 - i / 10),
        )
    after, many = row()
    assert after.checkins_since == 13
    assert [n.text for n in after.notes] == ["Update 10", "Update 9", "Update 8", "Update 6", "Update 5"]
    assert len(after.notes) == NOTES_SHOWN and many == few
