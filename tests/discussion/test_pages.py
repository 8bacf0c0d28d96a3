"""The comment partials: loaded after the objective page, escaped, HTMX actions answer with the
thread, refusals (403, 404, 422, 429) and the thread's fixed query count."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ambit.accounts.models import Membership
from ambit.discussion import selectors, services
from ambit.discussion.models import Comment, TargetKind
from ambit.okrs import services as okrs
from tests import factories as f
from tests.builders import OkrData, World
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def client_for(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def _thread_url(slug: str, pk: int) -> str:
    return reverse("discussion:thread", args=[slug, pk])


def _add(actor: Membership, obj_pk: int, body: str, parent: Comment | None = None) -> Comment:
    target = selectors.target_get(actor=actor, kind=TargetKind.OBJECTIVE, pk=obj_pk)
    return services.comment_add(actor=actor, target=target, body=body, parent=parent)


def test_the_objective_page_loads_its_comments_afterwards(world: World, okr_data: OkrData) -> None:
    page = client_for(world.member).get(reverse("okrs:objective-detail", args=[okr_data.team_obj.pk]))
    html = page.content.decode()
    section = reverse("discussion:objective-section", args=[okr_data.team_obj.pk])
    assert f'hx-get="{section}"' in html and 'hx-trigger="load"' in html
    assert "discussion/discussion.js" in html


def test_the_section_shows_the_thread_and_a_toggle_per_key_result(world: World, okr_data: OkrData) -> None:
    _add(world.lead, okr_data.team_obj.pk, "Objective <b>note</b> for @member")
    kr_target = selectors.target_get(actor=world.lead, kind=TargetKind.KEY_RESULT, pk=okr_data.kr.pk)
    services.comment_add(actor=world.lead, target=kr_target, body="kr one")
    services.comment_add(actor=world.lead, target=kr_target, body="kr two")
    response = client_for(world.member).get(
        reverse("discussion:objective-section", args=[okr_data.team_obj.pk]), headers=HX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Objective &lt;b&gt;note&lt;/b&gt; for" in html and "<b>note" not in html
    assert f'data-member="{world.member.pk}"' in html
    assert f'hx-get="{_thread_url("key-result", okr_data.kr.pk)}"' in html
    assert "Weekly users — Comments (2)" in html
    assert 'name="body"' in html  # a member may comment
    kr_html = client_for(world.member).get(_thread_url("key-result", okr_data.kr.pk), headers=HX).content.decode()
    assert "kr one" in kr_html and "kr two" in kr_html


def test_posting_editing_and_deleting_answer_with_the_thread(world: World, okr_data: OkrData) -> None:
    client = client_for(world.member)
    url = _thread_url("objective", okr_data.team_obj.pk)
    response = client.post(url, {"body": "Hello <script>x</script> @lead"}, headers=HX)
    assert response.status_code == 200
    comment = Comment.objects.get(author=world.member)
    html = response.content.decode()
    assert f'id="comment-{comment.pk}"' in html and "&lt;script&gt;" in html and "<script>x" not in html
    reply = client.post(url, {"body": "a reply", "parent_id": comment.pk}, headers=HX)
    assert reply.status_code == 200 and Comment.objects.get(body="a reply").parent_id == comment.pk
    form = client.get(reverse("discussion:edit", args=[comment.pk]), headers=HX)
    assert form.status_code == 200 and "Edit your comment" in form.content.decode()
    saved = client.post(reverse("discussion:edit", args=[comment.pk]), {"body": "Changed"}, headers=HX)
    assert saved.status_code == 200 and "(edited)" in saved.content.decode()
    gone = client.post(reverse("discussion:delete", args=[comment.pk]), headers=HX)
    assert gone.status_code == 200 and "Comment deleted" in gone.content.decode()
    assert "a reply" in gone.content.decode()


def test_refusals(world: World, okr_data: OkrData) -> None:
    comment = _add(world.member, okr_data.team_obj.pk, "mine")
    url = _thread_url("objective", okr_data.team_obj.pk)
    lead = client_for(world.lead)
    assert lead.get(reverse("discussion:edit", args=[comment.pk]), headers=HX).status_code == 403
    assert lead.post(reverse("discussion:edit", args=[comment.pk]), {"body": "x"}, headers=HX).status_code == 403
    assert lead.post(reverse("discussion:delete", args=[comment.pk]), headers=HX).status_code == 403
    assert client_for(world.viewer).post(url, {"body": "hi"}, headers=HX).status_code == 403
    bad = lead.post(url, {"body": "   "}, headers=HX)
    assert bad.status_code == 422 and "Enter the comment." in bad.content.decode()
    assert lead.post(url, {"body": "x", "parent_id": "abc"}, headers=HX).status_code == 422
    assert lead.get(_thread_url("nonsense", okr_data.team_obj.pk), headers=HX).status_code == 404
    comment.refresh_from_db()
    assert comment.body == "mine"


def test_posting_too_fast_is_a_429_with_the_reason(world: World, okr_data: OkrData) -> None:
    client = client_for(world.lead)
    url = _thread_url("objective", okr_data.team_obj.pk)
    for i in range(services.RATE_LIMIT):
        assert client.post(url, {"body": f"n{i}"}, headers=HX).status_code == 200
    response = client.post(url, {"body": "again"}, headers=HX)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "comments in the last minute" in response.content.decode()
    assert not Comment.objects.filter(body="again").exists()


def test_another_organisation_gets_404_on_every_route(world: World, okr_data: OkrData) -> None:
    comment = _add(world.lead, okr_data.team_obj.pk, "secret plan")
    check_in = okr_data.kr.checkins.first()
    assert check_in is not None
    outsider = client_for(world.outsider)
    gets = [
        reverse("discussion:objective-section", args=[okr_data.team_obj.pk]),
        _thread_url("objective", okr_data.team_obj.pk),
        _thread_url("key-result", okr_data.kr.pk),
        _thread_url("check-in", check_in.pk),
        reverse("discussion:edit", args=[comment.pk]),
    ]
    for url in gets:
        assert outsider.get(url, headers=HX).status_code == 404, url
    posts = [*gets[1:], reverse("discussion:delete", args=[comment.pk])]
    for url in posts:
        assert outsider.post(url, {"body": "hi"}, headers=HX).status_code == 404, url
    found = outsider.get(reverse("discussion:mention-search"), {"q": "lead", "for": "x"}, headers=HX)
    assert found.status_code == 200 and "acme.test" not in found.content.decode()
    assert Comment.objects.count() == 2  # the walk's and this test's
    comment.refresh_from_db()
    assert comment.body == "secret plan"


def test_a_private_objectives_comments_are_404_to_those_who_cannot_see_it(world: World) -> None:
    private = okrs.objective_create(
        actor=world.member, cycle=world.cycle, title="Quiet", owner=world.member, visibility="private"
    )
    _add(world.member, private.pk, "private note")
    viewer = client_for(world.viewer)
    assert viewer.get(_thread_url("objective", private.pk), headers=HX).status_code == 404
    assert viewer.get(reverse("discussion:objective-section", args=[private.pk]), headers=HX).status_code == 404
    assert client_for(world.lead).get(_thread_url("objective", private.pk), headers=HX).status_code == 200


def test_the_mention_picker_offers_handles_and_explicit_tokens_for_shared_ones(world: World) -> None:
    f.MembershipFactory.create(
        user=f.UserFactory.create(email="sam@acme.test", full_name="Sam Rivers"), organisation=world.org
    )
    f.MembershipFactory.create(
        user=f.UserFactory.create(email="sam@elsewhere.test", full_name="Sam Stone"), organisation=world.org
    )
    f.MembershipFactory.create(
        user=f.UserFactory.create(email="samantha@acme.test", full_name="Samantha Lee"), organisation=world.org
    )
    html = (
        client_for(world.lead)
        .get(reverse("discussion:mention-search"), {"q": "sam", "for": "new-objective-1"}, headers=HX)
        .content.decode()
    )
    assert 'data-mention-insert="@samantha"' in html
    assert "(member:" in html and 'data-mention-insert="@sam"' not in html
    assert 'data-mention-target="new-objective-1"' in html
    bad = client_for(world.lead).get(reverse("discussion:mention-search"), {"q": "sam", "for": '"><x'}, headers=HX)
    assert "&quot;&gt;&lt;x" not in bad.content.decode() and 'data-mention-target=""' in bad.content.decode()


def _grow(world: World, okr_data: OkrData, n: int) -> None:
    for i in range(n):
        top = _add(world.admin, okr_data.team_obj.pk, f"note {i} @member @lead")
        _add(world.champion, okr_data.team_obj.pk, f"reply {i} @admin", parent=top)
        if i % 2:
            services.comment_delete(actor=world.admin, comment=top)


def test_the_thread_costs_the_same_with_one_or_many_comments(world: World, okr_data: OkrData) -> None:
    client = client_for(world.lead)
    urls = [
        _thread_url("objective", okr_data.team_obj.pk),
        reverse("discussion:objective-section", args=[okr_data.team_obj.pk]),
    ]
    _grow(world, okr_data, 1)
    small = []
    for url in urls:
        with count_queries() as q:
            assert client.get(url, headers=HX).status_code == 200
        small.append(q)
    _grow(world, okr_data, 6)
    for url, q in zip(urls, small, strict=True):
        with assert_queries(q):
            assert client.get(url, headers=HX).status_code == 200
    # Pinned: session, user, membership, the objective (public: no visibility query), the comments
    # with their authors, their mentions (+ the section's key results and their counts).
    assert [len(q) for q in small] == [6, 8]
