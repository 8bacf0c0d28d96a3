"""The planning-readiness board: its numbers on a built organisation, who may remind, isolation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from ambit.core.models import AuditAction, AuditEntry
from ambit.notify.models import Kind, Notification
from ambit.okrs.models import Cycle, CycleState, KeyResultKind
from ambit.quality.selectors import readiness_board, team_state
from ambit.quality.services import remind_late_teams
from tests import factories as f
from tests.builders import World, objective_with_krs
from tests.quality.conftest import login
from tests.querycount import assert_queries, count_queries

GOOD_KRS: list[dict[str, Any]] = [
    {"title": "Grow weekly active teams", "start_value": 40, "target_value": 80, "unit": "teams"},
    {"title": "Cut onboarding time", "kind": KeyResultKind.DECREASE, "start_value": 14, "target_value": 5}
    | {"unit": "days"},
    {"title": "Raise activation rate", "start_value": 20, "target_value": 45, "unit": "%", "unit_kind": "percent"},
]


# Session, user, membership, the cycle, teams and their members (2), the cycle's objectives,
# alignments, key result counts, the quality check (3), the switcher's cycles, the member's
# organisations: constant in the number of teams.
BOARD_QUERIES = 14


def _planning_cycle(world: World, days_ahead: int = 10) -> Cycle:
    today = timezone.localdate()
    return f.CycleFactory.create(
        organisation=world.org,
        name="Next quarter",
        state=CycleState.PLANNING,
        start_date=today + dt.timedelta(days=days_ahead),
        end_date=today + dt.timedelta(days=days_ahead + 90),
    )


def _build(world: World) -> Cycle:
    """Company: approved (one objective, 3 good key results). Platform: drafting (a draft aligned
    to the company's, a proposal with a task-like key result). Sales: nothing yet."""
    cycle = _planning_cycle(world)
    company, _ = objective_with_krs(
        actor=world.champion,
        cycle=cycle,
        title="Become the platform teams love",
        description="Why it matters.",
        team=world.company,
        owner=world.champion,
        state="active",
        key_results=GOOD_KRS,
    )
    objective_with_krs(
        actor=world.lead,
        cycle=cycle,
        title="Make onboarding effortless",
        description="Why.",
        team=world.team,
        parents=[(company, 1.0)],
        key_results=[{**kr, "title": kr["title"] + " on Platform"} for kr in GOOD_KRS],
    )
    objective_with_krs(
        actor=world.lead,
        cycle=cycle,
        title="Ship the new console",
        team=world.team,
        state="proposed",
        key_results=[{"title": "Launch the console", "kind": KeyResultKind.BINARY}],
    )
    return cycle


def test_team_state_rule() -> None:
    assert team_state([]) == "nothing"
    assert team_state(["draft", "active"]) == "drafting"
    assert team_state(["proposed", "active"]) == "proposed"
    assert team_state(["active", "closed"]) == "approved"


def test_board_numbers(world: World) -> None:
    cycle = _build(world)
    board = readiness_board(actor=world.member, cycle=cycle)
    rows = {r.team.slug: r for r in board.rows}
    assert [r.team.slug for r in board.rows] == ["acme-co", "platform", "sales"]  # tree order
    assert [r.depth for r in board.rows] == [0, 1, 1]
    company, platform, sales = rows["acme-co"], rows["platform"], rows["sales"]
    assert (company.state, company.objectives, company.key_results, company.quality) == ("approved", 1, 3, 100)
    assert (platform.state, platform.objectives, platform.key_results) == ("drafting", 2, 4)
    # 100 (clean) and the proposal: a task 25, one key result 10, no description 3 → 62
    assert platform.quality == round((100 + 62) / 2)
    assert platform.aligned == 1 and platform.alignment_share == 0.5
    assert (sales.state, sales.objectives, sales.quality, sales.alignment_share) == ("nothing", 0, None, None)
    assert [r.team.slug for r in board.late] == ["platform", "sales"]
    assert board.days_left == 10
    assert {key: n for key, _, n in board.counts} == {"nothing": 1, "drafting": 1, "proposed": 0, "approved": 1}


def test_board_page_for_a_member(world: World) -> None:
    cycle = _build(world)
    response = login(world.member).get(reverse("quality:readiness", args=[cycle.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-team="platform" data-state="drafting"' in html
    assert 'data-team="sales" data-state="nothing"' in html
    assert 'data-days-left="10"' in html and "10 days until the cycle starts" in html
    assert "Remind late teams" not in html  # members see the board, cannot remind
    assert 'aria-label="Quality score of Platform"' in html
    filtered = login(world.member).get(reverse("quality:readiness", args=[cycle.pk]), {"late": "1"}).content.decode()
    assert 'data-team="acme-co"' not in filtered and 'data-team="sales"' in filtered
    only = login(world.member).get(reverse("quality:readiness", args=[cycle.pk]), {"state": "approved"})
    assert 'data-team="acme-co"' in only.content.decode() and 'data-team="sales"' not in only.content.decode()


def test_select_redirects_to_the_planning_cycle(world: World) -> None:
    cycle = _build(world)
    client = login(world.member)
    response = client.get(reverse("quality:readiness-select"))
    assert response.status_code == 302 and response["Location"] == reverse("quality:readiness", args=[cycle.pk])
    response = client.get(reverse("quality:readiness-select"), {"cycle": world.cycle.pk})
    assert response["Location"] == reverse("quality:readiness", args=[world.cycle.pk])


def test_champion_reminds_late_teams_once(world: World) -> None:
    cycle = _build(world)
    client = login(world.champion)
    page = client.get(reverse("quality:readiness", args=[cycle.pk])).content.decode()
    assert "Remind late teams" in page
    url = reverse("quality:readiness-remind", args=[cycle.pk])
    response = client.post(url, follow=True)
    text = response.content.decode()
    assert "Reminded" in text and "Platform" in text and "No lead to remind in Sales" in text
    sent = Notification.objects.filter(kind=Kind.PLANNING_REMINDER)
    assert list(sent.values_list("recipient_id", flat=True)) == [world.lead.pk]
    note = sent.get()
    assert "Platform" in note.title and f"cycle={cycle.pk}" in note.url
    entries = AuditEntry.objects.filter(action=AuditAction.PLANNING_REMIND)
    assert entries.count() == 1 and entries.get().object_id == str(cycle.pk)
    # a double click sends nothing more
    again = client.post(url, follow=True).content.decode()
    assert "already reminded today" in again
    assert sent.count() == 1 and entries.count() == 1


def test_remind_refusals(world: World) -> None:
    cycle = _build(world)
    url = reverse("quality:readiness-remind", args=[cycle.pk])
    assert login(world.member).post(url).status_code == 403
    assert login(world.lead).post(url).status_code == 403
    assert login(world.viewer).post(url).status_code == 403
    assert login(world.champion).get(url).status_code == 405
    assert login(world.outsider).post(url).status_code == 404
    assert not Notification.objects.filter(kind=Kind.PLANNING_REMINDER).exists()
    with pytest.raises(PermissionDenied):
        remind_late_teams(actor=world.member, cycle=cycle)


def test_other_organisation_cycle_is_404(world: World) -> None:
    cycle = _build(world)
    assert login(world.outsider).get(reverse("quality:readiness", args=[cycle.pk])).status_code == 404
    assert login(world.outsider).get(reverse("quality:readiness-select"), {"cycle": cycle.pk}).status_code == 404


def test_board_query_count_is_constant_in_the_number_of_teams(world: World) -> None:
    cycle = _build(world)
    client = login(world.champion)
    url = reverse("quality:readiness", args=[cycle.pk])
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    assert len(few) == BOARD_QUERIES, "\n".join(few.statements)
    for i in range(6):
        team = f.TeamFactory.create(organisation=world.org, parent=world.team, name=f"Squad {i}", slug=f"squad-{i}")
        lead = f.MembershipFactory.create(organisation=world.org)
        f.TeamMemberFactory.create(team=team, membership=lead, is_lead=True)
        objective_with_krs(
            actor=world.champion,
            cycle=cycle,
            title=f"Squad {i} delights its users",
            team=team,
            owner=lead,
            key_results=[{**kr, "owner": lead} for kr in GOOD_KRS],
        )
    with assert_queries(few):
        response = client.get(url)
    assert response.content.decode().count("data-state=") == 9
