"""The close-out pages: the owner's scoring page (accept in one click, override with the note rule
answered on the form, HTMX and without), read-only outside review, the leads' view with its
reminders, the close checklist with closing and reopening, another organisation's 404 on every
page and form, and query counts that stay flat as rows grow."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, KeyResult
from tests import factories as f
from tests.builders import World, key_results_for
from tests.closeout.helpers import NOTE, Contracts, build_quarter, score_all
from tests.helpers import db_digest
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def _url(name: str, cycle: Cycle, **kwargs: int) -> str:
    return reverse(f"closeout:{name}", kwargs={"cycle_id": cycle.pk, **kwargs})


def _login(client: Client, member: object) -> Client:
    client.force_login(member.user)  # type: ignore[attr-defined]
    return client


def test_the_owner_sees_their_okrs_with_the_numbers_beside_the_score(client: Client, world: World) -> None:
    q = build_quarter(world)
    html = _login(client, world.member).get(_url("scoring", q.cycle)).content.decode()
    # The member's objective (both key results) and their key result in the lead's objective.
    assert "Share what we learn" in html and "A platform customers trust" in html
    assert "Signups" in html and "Docs" in html and "Talks" in html
    assert "p95 latency" not in html and "Old idea" not in html
    assert "0 of 3</strong>" in html
    signups = html.split(f'id="score-kr-{q.signups.pk}"', 1)[1].split("</li>", 1)[0]
    assert "Accept 0.8" in signups and 'data-verdict="success"' in signups
    assert 'aria-label="Confidence over the cycle: 5, 7"' in signups
    assert "value 80" in signups and "“Campaign landed”" in signups
    assert 'role="progressbar"' in signups or "progress" in signups
    # The member does not own the lead's objective: no objective score form on it.
    assert f"/scoring/objectives/{q.team_obj.pk}/" not in html
    assert f"/scoring/objectives/{q.member_obj.pk}/" in html


def test_accepting_and_overriding_a_score(client: Client, world: World) -> None:
    q = build_quarter(world)
    _login(client, world.member)
    url = _url("score-key-result", q.cycle, key_result_id=q.signups.pk)
    response = client.post(url, {"accept": "on"}, headers=HX)
    assert response.status_code == 200
    assert 'data-score="0.8"' in response.content.decode() and "Score saved." in response.content.decode()
    assert '<strong class="num" id="score-count">1 of 3</strong>' in response.content.decode()  # out of band
    before = db_digest()
    response = client.post(url, {"score": "0.4", "note": ""}, headers=HX)
    assert response.status_code == 422
    assert "more than 0.1 away from the suggested 0.8: add a note saying why." in response.content.decode()
    assert db_digest() == before and KeyResult.objects.get(pk=q.signups.pk).score == 0.8
    response = client.post(url, {"score": "0.4", "note": NOTE})
    assert response.status_code == 302
    kr = KeyResult.objects.get(pk=q.signups.pk)
    assert (kr.score, kr.score_note) == (0.4, NOTE)
    response = client.post(_url("score-objective", q.cycle, objective_id=q.member_obj.pk), {"accept": "on"}, headers=HX)
    assert response.status_code == 200 and 'data-score="0.55"' in response.content.decode()
    # Not on the member's page: the lead's own key result.
    assert (
        client.post(_url("score-key-result", q.cycle, key_result_id=q.latency.pk), {"accept": "on"}).status_code == 404
    )


def test_the_page_is_read_only_outside_review(client: Client, world: World, contracts: Contracts) -> None:
    q = build_quarter(world, review=False)
    _login(client, world.member)
    html = client.get(_url("scoring", q.cycle)).content.decode()
    assert "Scoring opens when the cycle enters review" in html and "Accept 0.8" not in html
    response = client.post(_url("score-key-result", q.cycle, key_result_id=q.signups.pk), {"accept": "on"}, follow=True)
    assert "Scoring opens when the cycle enters review." in response.content.decode()
    assert KeyResult.objects.get(pk=q.signups.pk).score is None
    okrs.cycle_transition(actor=world.champion, cycle=q.cycle, state="review")
    score_all(world, q)
    contracts.reflections_done = contracts.rollover_done = True
    _login(client, world.champion).post(_url("close", q.cycle))
    html = _login(client, world.member).get(_url("scoring", q.cycle)).content.decode()
    assert "This cycle is closed: scores are locked." in html and "Accept" not in html


def test_another_organisations_cycle_is_a_404_everywhere(client: Client, world: World) -> None:
    q = build_quarter(world)
    _login(client, world.outsider)
    before = db_digest()
    for name in ("scoring", "teams", "close"):
        assert client.get(_url(name, q.cycle)).status_code == 404
    for name in ("remind", "close", "reopen"):
        assert client.post(_url(name, q.cycle)).status_code == 404
    assert (
        client.post(_url("score-key-result", q.cycle, key_result_id=q.signups.pk), {"accept": "on"}).status_code == 404
    )
    assert db_digest() == before
    # And the other way round: Acme's people do not reach Globex's cycle.
    assert _login(client, world.admin).get(_url("scoring", q.other_cycle)).status_code == 404


def test_the_scoring_page_query_count_stays_flat(client: Client, world: World) -> None:
    q = build_quarter(world)
    _login(client, world.member)
    url = _url("scoring", q.cycle)
    client.get(url)
    with count_queries() as small:
        client.get(url)
    for kr in key_results_for(world.member, q.cycle, world.admin, 4):
        okrs.check_in_record(actor=world.member, key_result=kr, value=5, confidence=6)
    with assert_queries(small):
        assert client.get(url).status_code == 200
    assert len(small) == 12


def test_leads_see_their_teams_and_remind_the_late(client: Client, world: World) -> None:
    q = build_quarter(world)
    _login(client, world.lead)
    url = _url("teams", q.cycle)
    with count_queries() as small:
        html = client.get(url).content.decode()
    assert "Platform" in html and "Sales" not in html and "Remind the late" in html
    member_row = html.split(f'data-owner="{world.member.pk}"', 1)[1].split("</li>", 1)[0]
    assert "0 of 3" in member_row and "Late" in member_row
    response = client.post(_url("remind", q.cycle), {"member": world.member.pk}, headers=HX)
    assert response.status_code == 200 and "Reminded 1 person." in response.content.decode()
    response = client.post(_url("remind", q.cycle), {"member": world.member.pk}, headers=HX)
    assert "already been reminded today" in response.content.decode()
    key_results_for(world.lead, q.cycle, world.admin, 3, prefix="More")  # individual: under Platform
    with assert_queries(small):
        client.get(url)
    assert len(small) == 11
    html = _login(client, world.member).get(url).content.decode()
    assert "Team leads see their teams here" in html and "Platform" not in html.split('id="score-teams"')[1]


def test_the_close_checklist_closes_and_an_admin_reopens(client: Client, world: World, contracts: Contracts) -> None:
    q = build_quarter(world)
    _login(client, world.champion)
    url = _url("close", q.cycle)
    with count_queries() as queries:
        html = client.get(url).content.decode()
    assert len(queries) == 7, "\n".join(queries.statements)
    assert "0 of 4</strong>" in html and "disabled" in html and "Not yet: 4 key results still without a score" in html
    assert f'data-missing="{world.member.pk}"' in html and f"/cycles/{q.cycle.pk}/rollover/" in html
    response = client.post(url, follow=True)
    assert "cannot close yet" in response.content.decode()
    assert Cycle.objects.get(pk=q.cycle.pk).state == "review"
    score_all(world, q)
    contracts.reflections_done = contracts.rollover_done = True
    response = client.post(url, follow=True)
    assert "Current quarter is closed: 2 key results met, 1 partial, 1 missed." in response.content.decode()
    assert Cycle.objects.get(pk=q.cycle.pk).state == "closed"
    assert "Reopen the cycle" not in response.content.decode()  # champions do not reopen
    html = _login(client, world.admin).get(url).content.decode()
    assert "Reopen the cycle" in html
    client.post(_url("reopen", q.cycle))
    assert Cycle.objects.get(pk=q.cycle.pk).state == "review"


def test_the_checklist_names_the_first_thirty_still_scoring_and_counts_the_rest(client: Client, world: World) -> None:
    q = build_quarter(world)  # the member and the lead own the 4 unscored key results
    url = _url("close", q.cycle)
    _login(client, world.champion).get(url)
    with count_queries() as one_owner:
        client.get(url)
    owners = [
        f.MembershipFactory.create(
            organisation=world.org, user=f.UserFactory.create(email=f"owner{i:02}@acme.test", full_name=f"Owner {i:02}")
        )
        for i in range(32)
    ]
    for owner in owners:
        key_results_for(owner, q.cycle, world.admin, 1, prefix=f"KR of {owner.pk}")
    with assert_queries(one_owner):
        html = client.get(url).content.decode()
    named = [int(pk) for pk in re.findall(r'data-missing="(\d+)"', html)]
    assert len(named) == 30 and len(set(named)) == 30
    assert 'data-missing-more="4"' in html and "and 4 more people." in html
    assert "0 of 36</strong>" in html


def test_the_cycle_pages_link_scoring_and_closing(client: Client, world: World) -> None:
    q = build_quarter(world)
    _login(client, world.member)
    scoring, close = _url("scoring", q.cycle), _url("close", q.cycle)
    cycles = client.get(reverse("okrs:cycle-list")).content.decode()
    assert f'href="{scoring}"' in cycles and f'href="{close}"' in cycles and "Close the cycle" in cycles
    assert (
        f'href="{scoring}">Score my OKRs' in client.get(reverse("front:home") + f"?cycle={q.cycle.pk}").content.decode()
    )
    company = client.get(reverse("okrs:company") + f"?cycle={q.cycle.pk}").content.decode()
    assert f'href="{close}"' in company


def test_the_leads_view_pages_its_teams_and_reminders_come_back_to_the_page(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ambit.closeout import views

    q = build_quarter(world)
    sell = okrs.objective_create(
        actor=world.champion, cycle=q.cycle, title="Sell", team=world.other_team, state="active"
    )
    okrs.key_result_create(actor=world.champion, objective=sell, title="Deals", start_value=0, target_value=9)
    monkeypatch.setattr(views, "TEAMS_PER_PAGE", 1)
    _login(client, world.champion)
    url = _url("teams", q.cycle)
    first, second = client.get(url).content.decode(), client.get(url + "?page=2").content.decode()
    assert "Teams 1–1 of" in first and 'rel="next"' in first
    assert "Teams 2–2 of" in second and 'rel="prev"' in second
    assert first.count('<section class="card" aria-labelledby="score-team-') == 1
    assert second.count('<section class="card" aria-labelledby="score-team-') == 1
    assert f'action="{_url("remind", q.cycle)}?page=2"' in second
    back = client.post(_url("remind", q.cycle) + "?page=2", {"member": world.member.pk})
    assert back.status_code == 302 and back["Location"] == url + "?page=2"
