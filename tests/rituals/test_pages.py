"""The standup page, the team's week, my week plan and the objective page's blockers partial:
content, posting through the form, refusals, and query counts pinned and constant in team size."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.notify.models import Kind, Notification
from ambit.okrs.models import KeyResult
from ambit.rituals import services
from ambit.rituals.models import Standup
from ambit.rituals.selectors import local_today, monday_of
from ambit.rituals.services import LineIn
from tests import factories as f
from tests.builders import World
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db

STANDUP_QUERIES = 9
WEEK_QUERIES = 8
MY_WEEK_QUERIES = 8


def _client(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def _kr(world: World, owner: Membership) -> KeyResult:
    obj = f.ObjectiveFactory.create(cycle=world.cycle, owner=owner, title="Grow usage")
    return f.KeyResultFactory.create(objective=obj, title="Weekly users")


def _grow_team(world: World, n: int) -> None:
    for i in range(n):
        m = f.MembershipFactory.create(organisation=world.org, user=f.UserFactory.create(email=f"p{i}@acme.test"))
        f.TeamMemberFactory.create(team=world.team, membership=m)
        kr = _kr(world, m)
        services.standup_post(actor=m, today=[LineIn("Work", kr.pk)], blockers=[LineIn(f"Blocked {i}", kr.pk)])


def test_standup_page_shows_entries_blockers_and_who_has_not_posted(world: World) -> None:
    kr = _kr(world, world.member)
    services.standup_post(
        actor=world.member, today=[LineIn("Pair on search")], blockers=[LineIn("No data access", kr.pk)]
    )
    response = _client(world.lead).get("/standups/platform/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Pair on search" in text and "No data access" in text and "callout-danger" in text
    assert "1 of 2 posted" in text and "1 blocker" in text
    assert "Not posted yet" in text and world.lead.user.get_full_name() in text
    assert 'id="standup-today"' in text  # the lead can post theirs


def test_posting_through_the_form_links_key_results_by_number(world: World) -> None:
    kr = _kr(world, world.member)
    client = _client(world.member)
    response = client.post(
        "/standups/platform/",
        {"day": local_today(world.org).isoformat(), "today": "Code\n\n[1] Ship it", "blockers": ""},
    )
    assert response.status_code == 302
    standup = Standup.objects.get(author=world.member)
    assert list(standup.lines.order_by("position").values_list("text", "key_result_id")) == [
        ("Code", None),
        ("Ship it", kr.pk),
    ]
    # Edit: the form is prefilled and saving changes the lines.
    assert "[1] Ship it" in client.get("/standups/platform/").content.decode()
    response = client.post("/standups/platform/", {"day": standup.day.isoformat(), "today": "", "blockers": "[2] Oops"})
    assert response.status_code == 422
    assert "[2] names no key result of yours (choose 1 to 1)" in response.content.decode()
    assert standup.lines.count() == 2


def test_refusals_on_the_standup_page(world: World) -> None:
    assert _client(world.outsider).get("/standups/platform/").status_code == 404
    assert _client(world.member).get("/standups/nope/").status_code == 404
    day = local_today(world.org).isoformat()
    assert _client(world.viewer).post("/standups/platform/", {"day": day, "today": "x"}).status_code == 403
    # Not in the team: may read, not post from it.
    assert _client(world.champion).post("/standups/platform/", {"day": day, "today": "x"}).status_code == 403
    assert _client(world.member).get("/standups/platform/?day=junk").status_code == 200
    assert not Standup.objects.exists()


def test_standup_page_queries_are_pinned_and_do_not_grow_with_the_team(world: World) -> None:
    services.standup_post(actor=world.member, today=[LineIn("Code")])
    client = _client(world.lead)
    client.get("/standups/platform/")
    with assert_queries(STANDUP_QUERIES, label="standup page, team of 2"):
        assert client.get("/standups/platform/").status_code == 200
    _grow_team(world, 8)
    with assert_queries(STANDUP_QUERIES, label="standup page, team of 10"):
        text = client.get("/standups/platform/").content.decode()
    assert "9 of 10 posted" in text and "Blocked 7" in text


def test_week_plan_page_and_team_week(world: World) -> None:
    kr = _kr(world, world.member)
    client = _client(world.member)
    assert client.get("/week-plan/").status_code == 200
    response = client.post("/week-plan/", {"action": "commitments", "commitments": "[1] Ship search\nWrite docs"})
    assert response.status_code == 302
    page = client.get("/week-plan/").content.decode()
    assert "[1] Ship search" in page and "Last week" in page
    team = _client(world.lead).get("/standups/platform/week/").content.decode()
    assert "Ship search" in team and "Weekly users" in team
    assert kr is not None
    assert client.post("/week-plan/", {"action": "commitments", "commitments": "[3] x"}).status_code == 422
    assert _client(world.outsider).get("/standups/platform/week/").status_code == 404
    assert _client(world.viewer).post("/week-plan/", {"action": "commitments", "commitments": "x"}).status_code == 403


def test_friday_wins_through_the_page(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # A Wednesday: the Friday form marks last week's plan (from Friday on it is this week's).
    wednesday = dt.datetime.combine(monday_of(local_today(world.org)), dt.time(12), dt.UTC) + dt.timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: wednesday)
    today = local_today(world.org)
    assert today.weekday() == 2
    last_monday = monday_of(today) - dt.timedelta(days=7)
    now = wednesday - dt.timedelta(days=7)
    plan = services.week_set_commitments(actor=world.member, items=[LineIn("Ship")], now=now)
    assert plan.week_start == last_monday
    item = plan.items.get()
    client = _client(world.member)
    response = client.post("/week-plan/", {"action": "wins", "done": [str(item.pk)], "wins": "Shipped it\n"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.done is True
    assert "Shipped it" in client.get("/standups/platform/week/?week=" + last_monday.isoformat()).content.decode()


def test_team_week_queries_do_not_grow_with_the_team(world: World) -> None:
    services.week_set_commitments(actor=world.member, items=[LineIn("Code")])
    client = _client(world.lead)
    client.get("/standups/platform/week/")
    with assert_queries(WEEK_QUERIES, label="team week, team of 2"):
        client.get("/standups/platform/week/")
    for i in range(6):
        m = f.MembershipFactory.create(organisation=world.org, user=f.UserFactory.create(email=f"w{i}@acme.test"))
        f.TeamMemberFactory.create(team=world.team, membership=m)
        services.week_set_commitments(actor=m, items=[LineIn("A"), LineIn("B")])
    with assert_queries(WEEK_QUERIES, label="team week, team of 8"):
        client.get("/standups/platform/week/")


def test_objective_blockers_partial_and_the_objective_page_loads_it(world: World) -> None:
    kr = _kr(world, world.member)
    services.standup_post(actor=world.member, blockers=[LineIn("Waiting on legal", kr.pk)])
    objective_id = kr.objective_id
    client = _client(world.lead)
    text = client.get(f"/standups/blockers/objective/{objective_id}/").content.decode()
    assert "Waiting on legal" in text and "Weekly users" in text
    page = client.get(f"/objectives/{objective_id}/").content.decode()
    assert f'hx-get="/standups/blockers/objective/{objective_id}/"' in page
    assert _client(world.outsider).get(f"/standups/blockers/objective/{objective_id}/").status_code == 404
    # Older than a week: gone.
    Standup.objects.update(day=local_today(world.org) - dt.timedelta(days=7))
    assert "Waiting on legal" not in client.get(f"/standups/blockers/objective/{objective_id}/").content.decode()
    assert Notification.objects.filter(kind=Kind.STANDUP_BLOCKER, recipient=world.lead).count() == 1


def test_my_week_plan_queries_are_pinned(world: World) -> None:
    kr = _kr(world, world.member)
    services.week_set_commitments(actor=world.member, items=[LineIn("Ship", kr.pk), LineIn("Docs")])
    client = _client(world.member)
    client.get("/week-plan/")
    with count_queries() as q:
        assert client.get("/week-plan/").status_code == 200
    assert len(q) == MY_WEEK_QUERIES, q
