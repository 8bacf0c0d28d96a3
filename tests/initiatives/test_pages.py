"""The pages: a key result's initiatives on the objective page (HTMX add and edit), and a team's
sprint planning page (behind pace first, plan and unplan, goal, last sprint), with their
permissions, another organisation's 404s and query counts that do not grow with the data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.models import AuditAction, AuditEntry
from ambit.initiatives import services
from ambit.initiatives.models import Initiative, InitiativeStatus, SprintEntry, SprintPlan
from ambit.okrs import services as okrs
from ambit.rituals.models import Standup, StandupLine
from tests import factories as f
from tests.builders import World, days_ago, objective_with_krs
from tests.initiatives.helpers import Board, build_board
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def board(world: World) -> Board:
    b = build_board(world)
    # The member's key result on track, the lead's behind (it is second by position).
    okrs.check_in_record(actor=world.member, key_result=b.kr, value=60, confidence=7, at=days_ago(1))
    for n, confidence in enumerate((7, 5, 3)):
        okrs.check_in_record(
            actor=world.lead, key_result=b.other_kr, value=390, confidence=confidence, at=days_ago(3 - n)
        )
    return b


def _client(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def _sprint_url(world: World, board: Board, number: int | None = None) -> str:
    n = board.current.number if number is None else number
    return reverse("initiatives:sprint", args=[world.team.slug, n]) + f"?cycle={world.cycle.pk}"


# --- On the objective page ----------------------------------------------------------------------


def test_objective_page_loads_each_key_results_initiatives(world: World, board: Board) -> None:
    page = _client(world.member).get(reverse("okrs:objective-detail", args=[board.objective.pk]))
    html = page.content.decode()
    assert reverse("initiatives:kr-initiatives", args=[board.kr.pk]) in html
    assert reverse("initiatives:kr-initiatives", args=[board.other_kr.pk]) in html


def test_the_key_results_initiatives_say_they_do_not_count(world: World, board: Board) -> None:
    services.initiative_create(
        actor=world.lead,
        key_result=board.kr,
        title="Cache the dashboard",
        owner=world.member,
        link_url="https://acme.atlassian.net/browse/PLAT-9",
        sprint=board.current,
    )
    html = _client(world.viewer).get(reverse("initiatives:kr-initiatives", args=[board.kr.pk])).content.decode()
    assert "Cache the dashboard" in html and "PLAT-9" in html and "Sprint 2" in html
    assert "Initiatives never count toward its progress" in html
    assert "Add an initiative" not in html  # a viewer reads only


def test_add_and_edit_through_htmx(world: World, board: Board) -> None:
    client = _client(world.member)
    url = reverse("initiatives:add", args=[board.kr.pk])
    response = client.post(
        url, {"title": "Index the events", "status": "planned", "owner": str(world.member.pk)}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Index the events" in response.content.decode()
    i = Initiative.objects.get()
    assert (i.owner_id, i.key_result_id) == (world.member.pk, board.kr.pk)

    edit = reverse("initiatives:edit", args=[i.pk])
    form = client.get(edit, headers=HTMX).content.decode()
    assert 'value="Index the events"' in form
    bad = client.post(edit, {"title": "Index", "status": "planned", "link_url": "jira/PLAT-1"}, headers=HTMX)
    assert bad.status_code == 422
    assert "Enter the full address of the issue" in bad.content.decode()
    i.refresh_from_db()
    assert i.title == "Index the events" and i.link_url == ""
    ok = client.post(
        edit, {"title": "Index", "status": "done", "link_url": "https://github.com/acme/web/pull/4"}, headers=HTMX
    )
    assert ok.status_code == 200 and "acme/web#4" in ok.content.decode()
    i.refresh_from_db()
    assert (i.title, i.status, i.done_at is not None) == ("Index", InitiativeStatus.DONE, True)


def test_viewer_cannot_add_or_edit_and_nothing_changes(world: World, board: Board) -> None:
    i = services.initiative_create(actor=world.lead, key_result=board.kr, title="Cache")
    client = _client(world.viewer)
    assert (
        client.post(reverse("initiatives:add", args=[board.kr.pk]), {"title": "x", "status": "planned"}).status_code
        == 403
    )
    assert client.post(reverse("initiatives:edit", args=[i.pk]), {"title": "x", "status": "planned"}).status_code == 403
    assert client.post(reverse("initiatives:delete", args=[i.pk])).status_code == 403
    assert list(Initiative.objects.values_list("title", flat=True)) == ["Cache"]


def test_another_organisation_gets_404_everywhere(world: World, board: Board) -> None:
    i = services.initiative_create(actor=world.lead, key_result=board.kr, title="Cache")
    client = _client(world.outsider)
    for url in (
        reverse("initiatives:kr-initiatives", args=[board.kr.pk]),
        reverse("initiatives:edit", args=[i.pk]),
        reverse("initiatives:sprints", args=[world.team.slug]),
        _sprint_url(world, board),
    ):
        assert client.get(url).status_code == 404, url
    for url, data in (
        (reverse("initiatives:add", args=[board.kr.pk]), {"title": "x", "status": "planned"}),
        (reverse("initiatives:edit", args=[i.pk]), {"title": "x", "status": "planned"}),
        (reverse("initiatives:delete", args=[i.pk]), {}),
        (reverse("initiatives:sprint-plan", args=[world.team.slug, 2]), {"initiative": i.pk, "action": "plan"}),
        (reverse("initiatives:sprint-goal", args=[world.team.slug, 2]), {"goal": "x"}),
    ):
        assert client.post(url, data).status_code == 404, url
    assert Initiative.objects.get().title == "Cache" and not SprintEntry.objects.exists()


# --- The sprint planning page --------------------------------------------------------------------


def test_sprints_redirects_to_the_running_sprint(world: World, board: Board) -> None:
    response = _client(world.member).get(
        reverse("initiatives:sprints", args=[world.team.slug]) + f"?cycle={world.cycle.pk}"
    )
    assert response.status_code == 302 and response["Location"] == _sprint_url(world, board)


def test_sprint_page_puts_the_key_results_behind_pace_first(world: World, board: Board) -> None:
    services.initiative_create(actor=world.lead, key_result=board.kr, title="Planned one", sprint=board.current)
    services.initiative_create(actor=world.lead, key_result=board.other_kr, title="Waiting one")
    day = Standup.objects.create(organisation=world.org, author=world.lead, day=board.today)
    StandupLine.objects.create(standup=day, section="blockers", text="Waiting on the DBA", key_result=board.other_kr)
    old = Standup.objects.create(organisation=world.org, author=world.lead, day=board.today - dt.timedelta(days=20))
    StandupLine.objects.create(standup=old, section="blockers", text="Old news", key_result=board.other_kr)
    html = _client(world.lead).get(_sprint_url(world, board)).content.decode()
    assert html.count("<h1") == 1
    behind, on_track = html.index("Latency p95"), html.index("Weekly users")
    assert behind < on_track
    assert "status-behind" in html[behind - 600 : on_track]
    assert "7 → 5 → 3" in html  # the lead's confidence trend
    assert "Waiting on the DBA" in html and "Old news" not in html
    assert "Planned one" in html and "Waiting one" in html
    assert "Plan into sprint 2" in html and "Move to backlog" in html
    assert 'rel="prev"' in html and 'rel="next"' in html


def test_plan_and_unplan_by_button_with_htmx(world: World, board: Board) -> None:
    i = services.initiative_create(actor=world.lead, key_result=board.kr, title="Cache")
    client = _client(world.member)
    url = reverse("initiatives:sprint-plan", args=[world.team.slug, 2]) + f"?cycle={world.cycle.pk}"
    response = client.post(url, {"initiative": i.pk, "action": "plan"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="sprint-board"' in html and "<h1" not in html and "planned into sprint 2" in html
    assert "data-focus-first" in html  # keyboard focus follows the initiative it moved
    i.refresh_from_db()
    assert i.sprint_id == board.current.pk
    client.post(url, {"initiative": i.pk, "action": "unplan"})
    i.refresh_from_db()
    assert i.sprint_id is None
    assert AuditEntry.objects.filter(action=AuditAction.SPRINT_PLAN).count() == 2


def test_viewer_sees_the_plan_but_cannot_plan(world: World, board: Board) -> None:
    i = services.initiative_create(actor=world.lead, key_result=board.kr, title="Cache")
    client = _client(world.viewer)
    html = client.get(_sprint_url(world, board)).content.decode()
    assert "Cache" in html and "Plan into sprint" not in html and "Set the sprint goal" not in html
    url = reverse("initiatives:sprint-plan", args=[world.team.slug, 2]) + f"?cycle={world.cycle.pk}"
    assert client.post(url, {"initiative": i.pk, "action": "plan"}).status_code == 403
    i.refresh_from_db()
    assert i.sprint_id is None


def test_an_initiative_of_another_team_is_not_planned_from_this_page(world: World, board: Board) -> None:
    _, (kr,) = objective_with_krs(
        actor=world.champion,
        cycle=world.cycle,
        title="Sell",
        team=world.other_team,
        state="active",
        key_results=[{"title": "Deals", "start_value": 0, "target_value": 5}],
    )
    i = services.initiative_create(actor=world.champion, key_result=kr, title="Call")
    url = reverse("initiatives:sprint-plan", args=[world.team.slug, 2]) + f"?cycle={world.cycle.pk}"
    assert _client(world.champion).post(url, {"initiative": i.pk, "action": "plan"}).status_code == 404
    i.refresh_from_db()
    assert i.sprint_id is None


def test_goal_by_the_lead_only(world: World, board: Board) -> None:
    url = reverse("initiatives:sprint-goal", args=[world.team.slug, 2]) + f"?cycle={world.cycle.pk}"
    assert _client(world.member).post(url, {"goal": "Mine"}).status_code == 403
    assert not SprintPlan.objects.exists()
    response = _client(world.lead).post(url, {"goal": "Cut p95 below 300 ms"})
    assert response.status_code == 302
    assert SprintPlan.objects.get().goal == "Cut p95 below 300 ms"
    assert "Cut p95 below 300 ms" in _client(world.member).get(_sprint_url(world, board)).content.decode()


def test_last_sprint_shows_what_was_planned_and_what_got_done(world: World, board: Board) -> None:
    done = services.initiative_create(actor=world.lead, key_result=board.kr, title="Done one")
    carried = services.initiative_create(actor=world.lead, key_result=board.kr, title="Carried one")
    for i in (done, carried):
        services.initiative_plan(actor=world.lead, initiative=i, sprint=board.last, today=board.last.start_date)
    services.initiative_set_status(actor=world.lead, initiative=done, status=InitiativeStatus.DONE)
    Initiative.objects.filter(pk=done.pk).update(done_at=timezone.now() - dt.timedelta(days=2))
    services.initiative_plan(actor=world.lead, initiative=carried, sprint=board.current)
    html = _client(world.member).get(_sprint_url(world, board)).content.decode()
    last = html[html.index('id="last-h"') :]
    assert "1 of 2 planned initiatives done" in last
    assert "Done one" in last and "Carried one" in last and "This sprint" in last


def _grow(world: World, board: Board, n: int) -> None:
    for k in range(n):
        _, (kr,) = objective_with_krs(
            actor=world.lead,
            cycle=world.cycle,
            title=f"More {k}",
            team=world.team,
            state="active",
            key_results=[{"title": f"KR {k}", "start_value": 0, "target_value": 10, "owner": world.member}],
        )
        okrs.check_in_record(actor=world.member, key_result=kr, value=k, confidence=5)
        for t in range(2):
            i = services.initiative_create(actor=world.lead, key_result=kr, title=f"I {k}.{t}", owner=world.member)
            services.initiative_plan(actor=world.lead, initiative=i, sprint=board.last, today=board.last.start_date)
            if t:
                services.initiative_plan(actor=world.lead, initiative=i, sprint=board.current)
        day = Standup.objects.get_or_create(organisation=world.org, author=world.member, day=board.today)[0]
        StandupLine.objects.create(standup=day, section="blockers", position=k, text=f"B{k}", key_result=kr)


def test_sprint_page_costs_the_same_with_one_or_many_key_results(world: World, board: Board) -> None:
    client = _client(world.lead)
    url = _sprint_url(world, board)
    _grow(world, board, 1)
    client.get(url)  # warm the session and the per-process caches
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow(world, board, 5)
    with assert_queries(small):
        assert client.get(url).status_code == 200


def test_kr_initiatives_part_costs_the_same_with_one_or_many(world: World, board: Board) -> None:
    client = _client(world.lead)
    url = reverse("initiatives:kr-initiatives", args=[board.kr.pk])
    services.initiative_create(actor=world.lead, key_result=board.kr, title="One", owner=world.member)
    client.get(url)
    with count_queries() as small:
        client.get(url, headers=HTMX)
    for n in range(6):
        owner = f.MembershipFactory.create(organisation=world.org)
        f.TeamMemberFactory.create(team=world.team, membership=owner)
        services.initiative_create(
            actor=world.lead, key_result=board.kr, title=f"More {n}", owner=owner, sprint=board.current
        )
    with assert_queries(small):
        client.get(url, headers=HTMX)


def test_now_shows_the_running_sprints_plan_at_a_stable_address(world: World, board: Board) -> None:
    url = reverse("initiatives:sprint-now", args=[world.team.slug]) + f"?cycle={world.cycle.pk}"
    response = _client(world.member).get(url)
    assert response.status_code == 200
    assert "Sprint 2 plan · Platform" in response.content.decode()
    assert _client(world.outsider).get(url).status_code == 404


def test_the_confidence_trend_is_the_last_five_check_ins_oldest_first(world: World, board: Board) -> None:
    from ambit.initiatives.selectors import TREND_POINTS, _trends
    from ambit.okrs.models import CheckIn

    for i, confidence in enumerate([1, 2, 3, 4, 5, 6, 7, 8]):
        okrs.check_in_record(actor=world.lead, key_result=board.other_kr, value=300 - i, confidence=confidence)
    trends = _trends([board.kr, board.other_kr])
    assert trends[board.other_kr.pk] == [4, 5, 6, 7, 8] and TREND_POINTS == 5
    every = list(CheckIn.objects.filter(key_result=board.kr).order_by("created_at", "pk").values_list("confidence"))
    assert trends.get(board.kr.pk, []) == [c for (c,) in every][-TREND_POINTS:]
