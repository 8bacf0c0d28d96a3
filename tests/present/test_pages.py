"""The pages: the celebration (three lists, a team filter by HTMX, visibility), the slides (every
part of the deck, the scores once the cycle is in review), the links page (champions and admins:
the new address shown once, revoke), another organisation's cycle a 404, and pinned query counts
that do not grow with the data."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from ambit.accounts.models import TeamKind
from ambit.okrs import services as okrs
from ambit.okrs.models import CycleState
from ambit.present.models import PresentationLink
from ambit.strategy import services as strategy
from tests import factories as f
from tests.builders import World, backdate
from tests.helpers import db_digest
from tests.present.helpers import Scene, build_scene
from tests.querycount import assert_queries

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
# Pinned: session and membership, the cycle, the teams, then the wins' reads (key results, their
# milestones, corrections of first check-ins, Friday wins, their authors' teams).
# Computed (after any write): the data version, then the wins' 11. Kept until the next write: the
# session, user, membership, cycle and teams, the data version and the presentation-link rights.
WINS_QUERIES = 12
WINS_KEPT_QUERIES = 7
# Computed (after any write): the data version, then the deck's 18. Kept until the next write: the
# session, user, membership and cycle, the data version and the presentation-link rights.
SLIDES_QUERIES = 19
SLIDES_KEPT_QUERIES = 6
LINKS_QUERIES = 6


def _grow(world: World, scene: Scene, n: int) -> None:
    """More of everything the pages list: objectives with met and moving key results, departments."""
    for i in range(n):
        dept = okrs.objective_create(
            actor=world.champion, cycle=scene.cycle, title=f"Dept {i}", team=scene.department, state="active"
        )
        kr = okrs.key_result_create(
            actor=world.champion, objective=dept, title=f"Dept KR {i}", start_value=0, target_value=4
        )
        okrs.check_in_record(actor=world.champion, key_result=kr, value=1, confidence=5)
        okrs.check_in_record(actor=world.champion, key_result=kr, value=4, confidence=7)
        company = okrs.objective_create(
            actor=world.champion, cycle=scene.cycle, title=f"Company {i}", team=world.company, state="active"
        )
        okrs.key_result_create(
            actor=world.champion, objective=company, title=f"Milestones {i}", kind="milestones", milestones=["A", "B"]
        )


def test_the_celebration_page_lists_the_wins_a_member_may_see(client: Client, world: World) -> None:
    scene = build_scene(world)
    client.force_login(world.member.user)
    html = client.get(reverse("present:wins", args=[scene.cycle.pk])).content.decode()
    assert "Closed the Initech deal" in html and "Last quarter&#x27;s win" not in html
    assert "Activation rate 40% → 61% (target 60%)" in html and "Uptime: 99.9% (stay above 99.5%)" in html
    assert "Secret plan" not in html  # the champion's private objective
    assert f'href="/objectives/{scene.company_obj.pk}/"' in html
    assert 'role="progressbar"' in html and "+90%" in html
    assert reverse("present:slides", args=[scene.cycle.pk]) in html
    assert reverse("present:links", args=[scene.cycle.pk]) not in html  # members do not manage links


def test_the_team_filter_answers_htmx_with_the_lists_only(client: Client, world: World) -> None:
    scene = build_scene(world)
    client.force_login(world.champion.user)
    response = client.get(reverse("present:wins", args=[scene.cycle.pk]), {"team": "engineering"}, headers=HX)
    html = response.content.decode()
    assert html.startswith('<div id="wins-lists"') and "<html" not in html
    assert "Deploys a day: 20% → 70%" in html and "Activation rate" not in html and "Initech" not in html


def test_the_current_cycle_s_wins_are_one_click_away(client: Client, world: World) -> None:
    client.force_login(world.viewer.user)
    response = client.get(reverse("present:wins-current"))
    assert response.status_code == 302 and response["Location"] == reverse("present:wins", args=[world.cycle.pk])


def test_another_organisation_s_cycle_is_a_404(client: Client, world: World) -> None:
    client.force_login(world.outsider.user)
    for name in ("present:wins", "present:slides", "present:links"):
        assert client.get(reverse(name, args=[world.cycle.pk])).status_code == 404


def test_the_slides_show_every_part_of_the_deck(client: Client, world: World) -> None:
    scene = build_scene(world)
    strategy.strategy_update(actor=world.champion, mission="Make work visible", vision="Every team aligned")
    move = strategy.big_move_create(actor=world.champion, title="Own onboarding", horizon_start=2026, horizon_end=2028)
    okrs.objective_update(actor=world.champion, objective=scene.company_obj, theme=move)
    client.force_login(world.member.user)
    html = client.get(reverse("present:slides", args=[scene.cycle.pk])).content.decode()
    assert 'src="/static/present/present.js"' in html and "<script>" not in html
    assert "data-deck-counter>1 / 5<" in html  # title, strategy, company, Engineering, wins
    assert [int(n) for n in re.findall(r'id="slide-(\d+)"', html)] == [1, 2, 3, 4, 5]
    assert "Make work visible" in html and "Every team aligned" in html and "Own onboarding" in html
    assert "100% of its company objectives" in html
    assert "Customers love onboarding" in html and "Activation rate" in html
    engineering = html.split('id="slide-4-h">Engineering</h2>', 1)[1].split("</section>", 1)[0]
    assert "Ship faster" in engineering and "Best key result" in engineering and "Deploys a day" in engineering
    assert "Nothing at risk." in engineering
    assert "Closed the Initech deal" in html  # Friday wins in the app's deck
    assert "Scores" not in html  # the cycle is still active


def test_a_department_s_highlights_include_its_teams(client: Client, world: World) -> None:
    scene = build_scene(world)
    backend = f.TeamFactory.create(organisation=world.org, name="Backend", slug="backend", parent=scene.department)
    ops = f.TeamFactory.create(
        organisation=world.org, name="Operations", slug="ops", kind=TeamKind.DEPARTMENT, parent=world.company
    )
    support = f.TeamFactory.create(organisation=world.org, name="Support", slug="support", parent=ops)
    slow = okrs.objective_create(
        actor=world.champion, cycle=scene.cycle, title="Faster API", team=backend, state="active"
    )
    latency = okrs.key_result_create(
        actor=world.champion, objective=slow, title="Fast p95", start_value=0, target_value=10
    )
    okrs.check_in_record(actor=world.champion, key_result=latency, value=1, confidence=3)
    happy = okrs.objective_create(
        actor=world.champion, cycle=scene.cycle, title="Happy users", team=support, state="active"
    )
    okrs.key_result_create(actor=world.champion, objective=happy, title="CSAT", start_value=80, target_value=90)
    backdate(slow, latency, days=60)
    client.force_login(world.member.user)
    html = client.get(reverse("present:slides", args=[scene.cycle.pk])).content.decode()
    assert "data-deck-counter>1 / 6<" in html  # Engineering, Operations (by name)
    engineering = html.split('id="slide-4-h">Engineering</h2>', 1)[1].split("</section>", 1)[0]
    assert "Ship faster" in engineering and "Faster API" not in engineering  # its own objectives listed
    assert "And 1 team objective below it." in engineering
    risk = engineering.split("Most at risk", 1)[1]
    assert "Fast p95" in risk and "status-behind" in risk and "Backend" in risk
    operations = html.split('id="slide-5-h">Operations</h2>', 1)[1].split("</section>", 1)[0]
    assert "its teams' objectives" in operations and "Happy users" in operations and "Support ·" in operations


def test_in_review_the_deck_ends_with_the_scores(client: Client, world: World) -> None:
    scene = build_scene(world)
    okrs.objective_score(actor=world.champion, objective=scene.dept_obj, score=0.5, note="Half way")
    type(scene.cycle).objects.filter(pk=scene.cycle.pk).update(state=CycleState.REVIEW)
    client.force_login(world.champion.user)
    html = client.get(reverse("present:slides", args=[scene.cycle.pk])).content.decode()
    assert "data-deck-counter>1 / 6<" in html
    scores = html.split('id="slide-6-h">Scores</h2>', 1)[1].split("</section>", 1)[0]
    ship = scores.split("Ship faster", 1)[1].split("</li>", 1)[0]
    assert ">0.5<" in ship and "band-yellow" in ship and 'data-verdict="missed"' in ship  # committed: met only at 1.0
    onboarding = scores.split("Customers love onboarding", 1)[1].split("</li>", 1)[0]
    assert "1.0" in onboarding and "suggested" in onboarding and "band-green" in onboarding and "Met" in onboarding


def test_the_pages_cost_the_same_with_one_or_many_rows(client: Client, world: World) -> None:
    scene = build_scene(world)
    client.force_login(world.champion.user)
    urls = {
        "wins": (reverse("present:wins", args=[scene.cycle.pk]), WINS_QUERIES),
        "slides": (reverse("present:slides", args=[scene.cycle.pk]), SLIDES_QUERIES),
        "links": (reverse("present:links", args=[scene.cycle.pk]), LINKS_QUERIES),
    }
    client.post(urls["links"][0], {"days": "5"})
    for url, count in urls.values():
        with assert_queries(count, label=url):
            assert client.get(url).status_code == 200
    with assert_queries(SLIDES_KEPT_QUERIES, label="slides again"):
        assert client.get(urls["slides"][0]).status_code == 200
    with assert_queries(WINS_KEPT_QUERIES, label="wins again"):
        assert client.get(urls["wins"][0]).status_code == 200
    _grow(world, scene, 3)
    client.post(urls["links"][0], {"days": "9"})
    for url, count in urls.values():
        with assert_queries(count, label=url):
            assert client.get(url).status_code == 200
    with assert_queries(SLIDES_KEPT_QUERIES, label="slides again"):
        assert client.get(urls["slides"][0]).status_code == 200
    with assert_queries(WINS_KEPT_QUERIES, label="wins again"):
        assert client.get(urls["wins"][0]).status_code == 200


def test_the_links_page_shows_a_new_address_once(client: Client, world: World) -> None:
    client.force_login(world.champion.user)
    url = reverse("present:links", args=[world.cycle.pk])
    created = client.post(url, {"days": "10"})
    html = created.content.decode()
    assert created.status_code == 200 and created["Cache-Control"] == "no-store"
    address = re.search(r'id="issued-url" type="text" readonly value="([^"]+)"', html)
    assert address is not None and "/p/" in address.group(1)
    token = address.group(1).rsplit("/p/", 1)[1].strip("/")
    assert "Live" in html and world.champion.user.get_full_name() in html
    again = client.get(url).content.decode()
    assert token not in again and 'id="issued-url"' not in again
    link = PresentationLink.objects.get()
    revoked = client.post(reverse("present:link-revoke", args=[link.pk]), follow=True)
    assert "The link is revoked" in revoked.content.decode() and "Revoked" in revoked.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_bad_days_come_back_on_the_form(client: Client, world: World) -> None:
    client.force_login(world.admin.user)
    before = db_digest()
    response = client.post(reverse("present:links", args=[world.cycle.pk]), {"days": "45"})
    assert response.status_code == 400
    assert "a whole number of days from 1 to 30" in response.content.decode()
    assert db_digest() == before


def test_members_may_not_manage_links(client: Client, world: World) -> None:
    client.force_login(world.lead.user)
    before = db_digest()
    url = reverse("present:links", args=[world.cycle.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"days": "7"}).status_code == 403
    assert db_digest() == before


def test_the_admin_revokes_a_link_through_the_service(client: Client, world: World) -> None:
    from ambit.core.models import AuditAction, AuditEntry
    from ambit.present import services as present

    issued = present.presentation_link_create(actor=world.champion, cycle=world.cycle, days=7)
    world.admin.user.is_staff = True
    world.admin.user.save()
    client.force_login(world.admin.user)
    changelist = reverse("admin:present_presentationlink_changelist")
    page = client.get(changelist)
    assert page.status_code == 200 and issued.token not in page.content.decode()
    detail = client.get(reverse("admin:present_presentationlink_change", args=[issued.link.pk])).content.decode()
    assert issued.link.token_hash not in detail and issued.token not in detail
    done = client.post(
        changelist, {"action": "revoke_selected", "_selected_action": [issued.link.pk]}, follow=True
    ).content.decode()
    assert "1 link revoked." in done
    issued.link.refresh_from_db()
    assert issued.link.revoked_at is not None and issued.link.revoked_by == world.admin
    assert AuditEntry.objects.filter(action=AuditAction.PRESENTATION_LINK_REVOKE, actor=world.admin.user).count() == 1
    again = client.post(
        changelist, {"action": "revoke_selected", "_selected_action": [issued.link.pk]}, follow=True
    ).content.decode()
    assert "already revoked" in again.lower()
    gone = client.get(reverse("present:public", kwargs={"token": issued.token}))
    assert gone.status_code == 410


def test_the_key_results_met_page_through_a_long_quarter(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ambit.present import views as present_views

    scene = build_scene(world)
    monkeypatch.setattr(present_views, "MET_PER_PAGE", 2)
    client.force_login(world.champion.user)
    url = reverse("present:wins", args=[scene.cycle.pk])

    def met(html: str) -> list[str]:
        section = html.split('id="wins-met-heading"')[1].split("</section>")[0]
        return re.findall(r'<p class="wins-text m-0"><a href="[^"]+">([^<]+)</a>', section)

    first = client.get(url).content.decode()
    assert 'Key results met <span class="muted small num">3</span>' in first
    assert len(met(first)) == 2 and "1–2 of 3" in first
    assert f'href="{url}?met_page=2#wins-met-heading"' in first and "Previous" not in first.split("wins-met")[1]
    second = client.get(f"{url}?met_page=2").content.decode()
    assert len(met(second)) == 1 and "3–3 of 3" in second and 'start="3"' in second
    assert not set(met(first)) & set(met(second))
    assert met(client.get(f"{url}?met_page=99").content.decode()) == met(second)  # past the end: the last page
