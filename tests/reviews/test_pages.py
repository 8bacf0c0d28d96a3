"""The review pages: who has not written yet, the progress of commentary, the owner writing inline
by HTMX (and without it), bad input answered on the form, reminders, decisions, closing, objective
visibility, another organisation's 404 on every surface, and query counts that stay flat."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ambit.accounts import services as accounts
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle
from ambit.reviews.models import Commentary, Decision, Review, ReviewState
from ambit.reviews.scope import next_month
from tests.builders import World, backdate, days_ago
from tests.helpers import db_digest
from tests.querycount import assert_queries, count_queries
from tests.reviews.helpers import CHANGE, HAPPENED, HELP, build_scene, open_review, write

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
ANSWERS = {"what_happened": HAPPENED, "what_will_change": CHANGE, "help_needed": HELP}


def _detail(review: Review) -> str:
    return reverse("reviews:detail", args=[review.pk])


def _name(member: object) -> str:
    return str(member.user.get_full_name())  # type: ignore[attr-defined]


def _missing_names(html: str) -> str:
    return html.split('id="review-missing"', 1)[1].split("</section>", 1)[0]


def test_the_page_shows_who_has_not_written_yet(client: Client, world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    write(world.member, review, scene.behind)
    client.force_login(world.champion.user)
    html = client.get(_detail(review)).content.decode()
    assert "1 of 3</strong>" in html
    missing = _missing_names(html)
    assert _name(world.lead) in missing and _name(world.champion) in missing and _name(world.member) not in missing
    assert 'id="review-missing-count">2<' in missing
    assert "Remind everyone listed" in missing
    assert HAPPENED in html and "Commentary missing" in html
    assert html.count("Write your commentary") == 1  # on the champion's own key result alone


def test_the_owner_writes_inline_and_the_missing_list_shrinks(client: Client, world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    client.force_login(world.member.user)
    page = client.get(_detail(review)).content.decode()
    assert page.count("Write your commentary") == 1  # only on their own key result
    assert f'id="id_kr{scene.behind.pk}_what_happened"' in page
    url = reverse("reviews:commentary", args=[review.pk, scene.behind.pk])
    response = client.post(url, ANSWERS, headers=HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="review-kr-{scene.behind.pk}"' in html and HAPPENED in html and "Commentary saved." in html
    assert 'id="review-progress" aria-labelledby="review-progress-heading" hx-swap-oob="true"' in html
    assert "1 of 2</strong>" in html  # the member sees two of the three (not the champion's private one)
    assert _name(world.member) not in _missing_names(html)
    assert Commentary.objects.get().item.key_result_id == scene.behind.pk


def test_without_javascript_the_page_comes_back(client: Client, world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    client.force_login(world.member.user)
    url = reverse("reviews:commentary", args=[review.pk, scene.behind.pk])
    response = client.post(url, ANSWERS)
    assert response.status_code == 302 and response["Location"] == _detail(review)
    assert Commentary.objects.count() == 1


def test_missing_answers_come_back_on_the_form(client: Client, world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    client.force_login(world.member.user)
    url = reverse("reviews:commentary", args=[review.pk, scene.behind.pk])
    response = client.post(url, {**ANSWERS, "help_needed": "  "}, headers=HX)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Enter the help needed (write “none” if you need none)." in html
    assert 'aria-invalid="true"' in html and HAPPENED in html  # what was typed stays
    assert not Commentary.objects.exists()


def test_a_champion_cannot_write_for_the_owner_on_the_page(client: Client, world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    client.force_login(world.champion.user)
    before = db_digest()
    response = client.post(reverse("reviews:commentary", args=[review.pk, scene.behind.pk]), ANSWERS)
    assert response.status_code == 403
    assert db_digest() == before


def test_private_key_results_only_for_those_who_may_see_them(client: Client, world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    client.force_login(world.member.user)
    assert "Secret hires" not in client.get(_detail(review)).content.decode()
    url = reverse("reviews:commentary", args=[review.pk, scene.private.pk])
    assert client.post(url, ANSWERS).status_code == 404
    client.force_login(world.admin.user)
    assert "Secret hires" in client.get(_detail(review)).content.decode()


def test_another_organisation_gets_404_on_every_surface(client: Client, world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    decision = Decision.objects.create(organisation=world.org, review=review, text="Ours")
    client.force_login(world.outsider.user)
    before = db_digest()
    assert client.get(_detail(review)).status_code == 404
    posts = [
        (reverse("reviews:commentary", args=[review.pk, scene.behind.pk]), ANSWERS),
        (reverse("reviews:remind", args=[review.pk]), {}),
        (reverse("reviews:decision-add", args=[review.pk]), {"text": "Theirs"}),
        (reverse("reviews:close", args=[review.pk]), {}),
        (reverse("reviews:decision-delete", args=[decision.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
        assert client.post(url, data, headers=HX).status_code == 404, url
    assert "Ours" not in client.get(reverse("reviews:list")).content.decode()
    assert db_digest() == before


def test_the_remind_button_answers_inline(client: Client, world: World) -> None:
    build_scene(world)
    review = open_review(world)
    client.force_login(world.lead.user)
    page = client.get(_detail(review)).content.decode()
    assert f'name="member" value="{world.member.pk}"' in page
    assert f'name="member" value="{world.champion.pk}"' not in page  # not the lead's to remind (and private)
    response = client.post(reverse("reviews:remind", args=[review.pk]), {"member": world.member.pk}, headers=HX)
    assert response.status_code == 200 and "Reminded 1 person." in response.content.decode()
    again = client.post(reverse("reviews:remind", args=[review.pk]), {"member": world.member.pk}, headers=HX)
    assert "already been reminded today" in again.content.decode()
    client.force_login(world.member.user)
    assert "Remind everyone listed" not in client.get(_detail(review)).content.decode()
    assert client.post(reverse("reviews:remind", args=[review.pk]), {}).status_code == 403


def test_decisions_and_closing_from_the_page(client: Client, world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    client.force_login(world.champion.user)
    data = {"text": "Pair on the migration", "owner": world.member.pk, "due_on": "", "key_result": scene.behind.pk}
    response = client.post(reverse("reviews:decision-add", args=[review.pk]), data, headers=HX)
    assert response.status_code == 200 and "Pair on the migration" in response.content.decode()
    decision = Decision.objects.get()
    assert (decision.owner_id, decision.key_result_id) == (world.member.pk, scene.behind.pk)
    empty = client.post(reverse("reviews:decision-add", args=[review.pk]), {"text": ""}, headers=HX)
    assert empty.status_code == 422 and "This field is required." in empty.content.decode()
    client.force_login(world.member.user)
    assert client.post(reverse("reviews:decision-add", args=[review.pk]), {"text": "x"}).status_code == 403
    client.force_login(world.champion.user)
    assert client.post(reverse("reviews:close", args=[review.pk])).status_code == 302
    assert Review.objects.get().state == ReviewState.CLOSED
    html = client.get(_detail(review)).content.decode()
    assert "Close the review" not in html and "Record a decision" not in html and "closed" in html


def test_the_list_opens_the_months_review(client: Client, world: World) -> None:
    build_scene(world)
    client.force_login(world.champion.user)
    page = client.get(reverse("reviews:list")).content.decode()
    assert "Open the review" in page
    day = timezone.localdate() + dt.timedelta(days=4)
    response = client.post(reverse("reviews:open"), {"meeting_on": day.isoformat(), "hour": "9"})
    review = Review.objects.get()
    assert response.status_code == 302 and response["Location"] == _detail(review)
    assert (review.meeting_on, review.hour) == (day, 9)
    again = client.post(reverse("reviews:open"), {"meeting_on": day.isoformat(), "hour": "9"})
    assert again.status_code == 400 and "is already opened" in again.content.decode()
    client.force_login(world.member.user)
    assert "Open the review" not in client.get(reverse("reviews:list")).content.decode()
    assert client.post(reverse("reviews:open"), {"meeting_on": day.isoformat(), "hour": "9"}).status_code == 403


def test_my_week_asks_the_owner_for_their_commentary(client: Client, world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    client.force_login(world.member.user)
    html = client.get(reverse("front:home")).content.decode()
    assert "your commentary is needed" in html and _detail(review) in html
    write(world.member, review, scene.behind)
    cache.clear()
    assert "your commentary is needed" not in client.get(reverse("front:home")).content.decode()
    client.force_login(world.viewer.user)
    assert "your commentary is needed" not in client.get(reverse("front:home")).content.decode()


def _grow(world: World, scene_cycle: Cycle, n: int) -> None:
    """``n`` more people, each owning a behind key result in a team objective of their own team."""
    for i in range(n):
        person = accounts.membership_add(
            actor=world.admin, organisation=world.org, email=f"p{i}@acme.test", role="member"
        )
        team = accounts.team_create(actor=world.admin, name=f"Team {i}", parent=world.company)
        accounts.team_member_set(actor=world.admin, team=team, membership=person, is_lead=True)
        objective = okrs.objective_create(
            actor=world.champion,
            cycle=scene_cycle,
            title=f"Objective {i}",
            team=team,
            state="active",
        )
        kr = okrs.key_result_create(
            actor=world.champion, objective=objective, title=f"KR {i}", start_value=0, target_value=10, owner=person
        )
        backdate(objective, kr)
        okrs.check_in_record(actor=person, key_result=kr, value=1, confidence=3, at=days_ago(1))


@pytest.mark.parametrize("persona", ["champion", "member"])
def test_the_review_page_costs_the_same_with_3_or_23_key_results(client: Client, world: World, persona: str) -> None:
    small_world_scene = build_scene(world)
    review = open_review(world)
    write(world.member, review, small_world_scene.behind)
    Decision.objects.create(organisation=world.org, review=review, text="One", owner=world.lead)
    client.force_login(getattr(world, persona).user)
    client.get(_detail(review))
    with count_queries() as small:
        assert client.get(_detail(review)).status_code == 200
    _grow(world, small_world_scene.cycle, 20)
    Review.objects.all().delete()
    bigger = open_review(world)
    write(world.member, bigger, small_world_scene.behind)
    for i in range(5):
        Decision.objects.create(organisation=world.org, review=bigger, text=f"D{i}", owner=world.member)
    with assert_queries(small, label="the review page with 23 key results against 3"):
        html = client.get(_detail(bigger)).content.decode()
    assert "KR 19" in html


def test_the_list_page_costs_the_same_with_1_or_5_reviews(client: Client, world: World) -> None:
    build_scene(world)
    month = open_review(world).month
    client.force_login(world.member.user)
    client.get(reverse("reviews:list"))
    with count_queries() as small:
        client.get(reverse("reviews:list"))
    for _ in range(4):
        month = next_month(month)
        Review.objects.create(organisation=world.org, month=month, meeting_on=month.replace(day=5))
    with assert_queries(small, label="the review list with 5 reviews against 1"):
        assert client.get(reverse("reviews:list")).status_code == 200
