"""The approval queue (``/approvals/``), its inline HTMX actions, bulk approval, "my proposals",
and the objective page's approval box."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ambit.planning import services
from tests.builders import World
from tests.helpers import db_digest
from tests.planning.helpers import approval_on, member_proposal, state_of, team_proposal
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db


def _queue(client: Client) -> list[int]:
    page = client.get(reverse("planning:approvals"))
    assert page.status_code == 200
    return [row.objective.pk for row in page.context["queue"]]


def test_each_approver_sees_their_own_queue(client: Client, world: World) -> None:
    approval_on(world)
    individual = member_proposal(world)
    team = team_proposal(world)
    client.force_login(world.lead.user)
    assert _queue(client) == [individual.pk]
    client.force_login(world.champion.user)
    assert _queue(client) == [team.pk]  # the council: the teams' and the company's
    client.force_login(world.member.user)
    assert _queue(client) == []
    client.force_login(world.outsider.user)
    assert _queue(client) == []


def test_a_queue_row_shows_owner_team_key_results_quality_and_date(client: Client, world: World) -> None:
    approval_on(world)
    team = team_proposal(world)
    client.force_login(world.champion.user)
    page = client.get(reverse("planning:approvals"))
    (row,) = page.context["queue"]
    assert row.kr_count == 2 and row.score is not None and 0 <= row.score <= 100
    assert row.proposed_at is not None
    html = page.content.decode()
    assert team.title in html and "Platform" in html and world.member.user.get_full_name() in html
    assert f'id="approval-row-{team.pk}"' in html and "/100" in html


def test_inline_approve_answers_with_the_row(client: Client, world: World) -> None:
    approval_on(world)
    objective = member_proposal(world)
    client.force_login(world.lead.user)
    response = client.post(reverse("planning:approve", args=[objective.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<tr") and "Approved" in html
    assert state_of(objective) == "active"


def test_inline_send_back_needs_a_comment(client: Client, world: World) -> None:
    approval_on(world)
    objective = member_proposal(world)
    client.force_login(world.lead.user)
    url = reverse("planning:send-back", args=[objective.pk])
    refused = client.post(url, {"comment": " "}, headers={"HX-Request": "true"})
    assert "Say what to change" in refused.content.decode() and state_of(objective) == "proposed"
    done = client.post(url, {"comment": "Measure adoption, not launches"}, headers={"HX-Request": "true"})
    assert "Sent" in done.content.decode() and state_of(objective) == "draft"


def test_the_wrong_person_gets_403_and_another_organisation_404(client: Client, world: World) -> None:
    approval_on(world)
    objective = member_proposal(world)
    before = db_digest()
    client.force_login(world.member.user)
    assert client.post(reverse("planning:approve", args=[objective.pk])).status_code == 403
    client.force_login(world.outsider.user)
    assert client.post(reverse("planning:approve", args=[objective.pk])).status_code == 404
    assert client.post(reverse("planning:send-back", args=[objective.pk]), {"comment": "x"}).status_code == 404
    assert db_digest() == before and state_of(objective) == "proposed"


def test_bulk_approve_from_the_queue(client: Client, world: World) -> None:
    approval_on(world)
    a = team_proposal(world, title="First")
    b = team_proposal(world, title="Second")
    client.force_login(world.champion.user)
    response = client.post(reverse("planning:approve-many"), {"ids": [str(a.pk), str(b.pk)]}, follow=True)
    assert "Approved 2 objectives." in response.content.decode()
    assert state_of(a) == state_of(b) == "active"


def test_my_proposals_show_the_send_back_comment_until_proposed_again(client: Client, world: World) -> None:
    approval_on(world)
    objective = member_proposal(world)
    services.objective_send_back(actor=world.lead, objective=objective, comment="Add a baseline to KR 1")
    client.force_login(world.member.user)
    page = client.get(reverse("planning:approvals"))
    (row,) = page.context["mine"]
    assert row.sent_back is not None and "Add a baseline to KR 1" in page.content.decode()
    detail = client.get(reverse("okrs:objective-detail", args=[objective.pk])).content.decode()
    assert "Sent back by" in detail and "Add a baseline to KR 1" in detail
    client.post(reverse("planning:propose", args=[objective.pk]))
    assert state_of(objective) == "proposed"
    (row,) = client.get(reverse("planning:approvals")).context["mine"]
    assert row.sent_back is None
    detail = client.get(reverse("okrs:objective-detail", args=[objective.pk])).content.decode()
    assert "Add a baseline to KR 1" not in detail.split("History of changes")[0]


def test_the_objective_page_offers_approve_and_send_back_to_approvers_only(client: Client, world: World) -> None:
    approval_on(world)
    objective = member_proposal(world)
    url = reverse("okrs:objective-detail", args=[objective.pk])
    client.force_login(world.lead.user)
    html = client.get(url).content.decode()
    assert reverse("planning:approve", args=[objective.pk]) in html
    assert reverse("planning:send-back", args=[objective.pk]) in html
    client.force_login(world.member.user)
    html = client.get(url).content.decode()
    assert reverse("planning:approve", args=[objective.pk]) not in html


def test_the_queue_costs_the_same_with_one_or_many_rows(client: Client, world: World) -> None:
    approval_on(world)
    team_proposal(world, title="Only one")
    member_proposal(world, title="A member's")  # individual proposals cost their fixed queries once
    client.force_login(world.champion.user)
    client.get(reverse("planning:approvals"))  # warm the session and caches
    with count_queries() as one:
        client.get(reverse("planning:approvals"))
    for i in range(6):
        team_proposal(world, title=f"More {i}")
        member_proposal(world, title=f"Mine {i}")
    with assert_queries(one):
        page = client.get(reverse("planning:approvals"))
    assert len(page.context["queue"]) == 7
    assert len(one) <= 15


def test_the_navigation_badge_counts_what_waits_for_the_reader(client: Client, world: World) -> None:
    approval_on(world)
    member_proposal(world)
    member_proposal(world, title="Another")
    client.force_login(world.lead.user)
    html = client.get(reverse("planning:approvals-badge")).content.decode()
    assert 'id="approvals-link"' in html and ">2<" in html
    client.force_login(world.member.user)
    assert "badge" not in client.get(reverse("planning:approvals-badge")).content.decode()
