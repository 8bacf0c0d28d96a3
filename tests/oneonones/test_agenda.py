"""The agenda of a 1:1: the report's key results, behind and at risk first, with progress and
confidence since the last meeting and the early warnings the engine's rule raises; the page's
query count does not grow with key results or items."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ambit.okrs import engine
from ambit.okrs import services as okrs
from ambit.okrs.models import KeyResult
from ambit.oneonones import services
from ambit.oneonones.agenda import build_agenda
from ambit.rituals import services as services_rituals
from ambit.rituals.models import Section, Standup, StandupLine, WeeklyReflection
from ambit.rituals.reflections import save_reflection
from ambit.rituals.selectors import iso_week_label, local_today, monday_of
from ambit.rituals.services import LineIn
from tests.api.conftest import ApiClient, token_for
from tests.builders import World, backdate, key_results_for
from tests.oneonones.helpers import build_pair
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db


def _check_in(world: World, kr: KeyResult, value: float, confidence: int, days_ago: int) -> None:
    at = timezone.now() - dt.timedelta(days=days_ago)
    okrs.check_in_record(
        actor=world.member, key_result=kr, value=value, confidence=confidence, note=f"at {value}", at=at
    )


def _krs(world: World, n: int) -> list[KeyResult]:
    krs = key_results_for(world.member, world.cycle, world.admin, n, prefix="Signups")
    for kr in krs:
        backdate(kr, kr.objective, days=60)
    return krs


def test_behind_first_with_progress_and_confidence_moves_since_the_last_meeting(world: World) -> None:
    ahead, behind = _krs(world, 2)
    _check_in(world, ahead, 500, 8, days_ago=20)
    _check_in(world, ahead, 990, 9, days_ago=1)
    _check_in(world, behind, 30, 8, days_ago=20)
    okrs.check_in_record(actor=world.member, key_result=behind, value=50, confidence=3, note="Blocked on legal")
    since = timezone.localdate() - dt.timedelta(days=14)
    agenda = build_agenda(report=world.member, organisation=world.org, since=since)
    assert [r.key_result.pk for r in agenda.rows] == [behind.pk, ahead.pk]
    first, second = agenda.rows
    assert first.metrics.status == engine.STATUS_BEHIND and first.flagged
    assert second.metrics.status == engine.STATUS_ON_TRACK and not second.flagged
    assert (first.confidence_then, first.confidence_now, first.confidence_change) == (8, 3, -5)
    assert first.progress_then == pytest.approx(0.03)
    assert first.progress_change == pytest.approx(0.02)
    assert second.progress_change == pytest.approx(0.49)
    assert first.notes == ["Blocked on legal"]
    # The engine's early-warning rule: a fall of 2 or more, and under 4.
    expected = [w.message for w in engine.confidence_warnings(8, 3, world.org.confidence_scale)]
    assert first.warnings == expected and len(expected) == 2
    assert second.warnings == []
    assert (agenda.flagged_count, agenda.warning_count) == (1, 2)


def test_only_the_reports_active_key_results(world: World) -> None:
    (mine,) = _krs(world, 1)
    key_results_for(world.lead, world.cycle, world.admin, 1, prefix="Lead's own")
    agenda = build_agenda(report=world.member, organisation=world.org, since=timezone.localdate())
    assert [r.key_result.pk for r in agenda.rows] == [mine.pk]


def test_the_page_shows_the_agenda_and_a_warning(client: Client, world: World) -> None:
    (kr,) = _krs(world, 1)
    _check_in(world, kr, 300, 8, days_ago=20)
    okrs.check_in_record(actor=world.member, key_result=kr, value=310, confidence=2)
    pair = build_pair(world)
    client.force_login(world.lead.user)
    html = client.get(reverse("oneonones:detail", args=[pair.one.pk])).content.decode()
    assert kr.title in html
    assert "Early warning:" in html
    scale = world.org.confidence_scale
    assert f"Confidence {engine.to_scale(2, scale)} (was {engine.to_scale(8, scale)})" in html
    assert f'aria-label="Progress of {kr.title}"' in html


def _blocker(world: World, kr: KeyResult | None, text: str, day: dt.date) -> None:
    """A standup of the member's on ``day`` with one blocker (made directly: any day, no window)."""
    standup = Standup.objects.create(organisation=world.org, author=world.member, day=day)
    StandupLine.objects.create(standup=standup, section=Section.BLOCKERS, text=text, key_result=kr)


def test_the_reports_blockers_and_reflections_since_the_last_meeting(world: World) -> None:
    (kr,) = _krs(world, 1)
    today = local_today(world.org)
    since = today - dt.timedelta(days=14)
    _blocker(world, kr, "Before the last meeting", since - dt.timedelta(days=1))
    _blocker(world, None, "Laptop died", today - dt.timedelta(days=3))
    services_rituals.standup_post(actor=world.member, blockers=[LineIn("Waiting on legal", kr.pk)])
    WeeklyReflection.objects.create(
        organisation=world.org, author=world.member, week_start=monday_of(since) - dt.timedelta(days=7), learned="Old"
    )
    save_reflection(actor=world.member, week_start=today, learned="Pairing helps", in_my_way="Too many meetings")
    save_reflection(actor=world.lead, week_start=today, learned="The lead's own")
    agenda = build_agenda(report=world.member, organisation=world.org, since=since)
    assert [(b.text, b.key_result_id) for b in agenda.blockers] == [("Waiting on legal", kr.pk), ("Laptop died", None)]
    assert [(r.learned, r.in_my_way) for r in agenda.reflections] == [("Pairing helps", "Too many meetings")]
    # Without any key result the blockers and the reflections are still on the agenda.
    empty = build_agenda(report=world.lead, organisation=world.org, since=since)
    assert empty.rows == [] and [r.learned for r in empty.reflections] == ["The lead's own"]


def test_both_people_see_them_on_the_page_and_in_the_api(client: Client, world: World) -> None:
    (kr,) = _krs(world, 1)
    pair = build_pair(world)
    services_rituals.standup_post(actor=world.member, blockers=[LineIn("Waiting on legal", kr.pk)])
    save_reflection(actor=world.member, week_start=local_today(world.org), in_my_way="Too many meetings")
    for person in (world.lead, world.member):
        client.force_login(person.user)
        html = client.get(reverse("oneonones:detail", args=[pair.one.pk])).content.decode()
        assert "Waiting on legal" in html and f'#kr-{kr.pk}">{kr.title}</a>' in html
        assert "Too many meetings" in html and "What's in my way" in html
        body = json.loads(ApiClient(token_for(person)).get(f"one-on-ones/{pair.one.pk}").content)
        assert body["blockers"] == [
            {
                "day": local_today(world.org).isoformat(),
                "text": "Waiting on legal",
                "key_result_id": kr.pk,
                "key_result_title": kr.title,
            }
        ]
        (reflection,) = body["reflections"]
        assert (reflection["learned"], reflection["in_my_way"]) == ("", "Too many meetings")
        assert reflection["week"] == iso_week_label(monday_of(local_today(world.org)))


def _page_queries(client: Client, url: str) -> object:
    client.get(url)
    with count_queries() as queries:
        assert client.get(url).status_code == 200
    return queries


def test_the_page_costs_the_same_queries_for_1_and_8_key_results_and_items(client: Client, world: World) -> None:
    krs = _krs(world, 1)
    pair = build_pair(world)
    for kr in krs:
        _check_in(world, kr, 100, 7, days_ago=3)
    services.meeting_hold(actor=world.lead, meeting=pair.meeting)
    client.force_login(world.member.user)
    url = reverse("oneonones:detail", args=[pair.one.pk])
    one = _page_queries(client, url)
    more = key_results_for(world.member, world.cycle, world.admin, 7, prefix="More")
    for kr in more:
        _check_in(world, kr, 100, 7, days_ago=3)
    meeting = pair.one.meetings.get(held=False)
    meeting.one_on_one = pair.one
    for i in range(7):
        services.item_add(actor=world.lead, meeting=meeting, kind="action" if i % 2 else "talking_point", text=f"p{i}")
    today = local_today(world.org)
    for i in range(6):
        _blocker(world, more[i % len(more)], f"Blocked {i}", today - dt.timedelta(days=i + 1))
        WeeklyReflection.objects.create(
            organisation=world.org,
            author=world.member,
            week_start=monday_of(today) - dt.timedelta(days=7 * i),
            learned=f"Lesson {i}",
        )
    label = "1:1 page with 8 key results, 8 items, 6 blockers and reflections against 1, 1 and none"
    with assert_queries(one, label=label):  # type: ignore[arg-type]
        assert client.get(url).status_code == 200


def test_the_list_page_costs_the_same_for_1_and_3_1_1s(client: Client, world: World) -> None:
    build_pair(world)
    client.force_login(world.lead.user)
    url = reverse("oneonones:list")
    one = _page_queries(client, url)
    for email in ("a@acme.test", "b@acme.test"):
        from tests import factories as f

        report = f.MembershipFactory.create(user=f.UserFactory.create(email=email), organisation=world.org)
        report.manager = world.lead
        report.save()
        services.one_on_one_start(actor=world.lead, other=report)
    with assert_queries(one, label="1:1 list with 3 against 1"):  # type: ignore[arg-type]
        assert client.get(url).status_code == 200
