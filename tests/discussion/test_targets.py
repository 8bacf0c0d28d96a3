"""Comments on initiatives and KPIs (issue 16, part 9): the keys each kind names, who reads them
(an initiative: whoever sees its objective; a KPI: whoever sees the KPI), who a mention notifies,
the pages that show the threads (the KPI page, the initiatives list), the API, 404s elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404
from django.test import Client
from django.urls import reverse

from ambit.accounts.models import Membership
from ambit.core.models import AuditAction, AuditEntry
from ambit.discussion import selectors, services
from ambit.discussion.models import Comment, TargetKind
from ambit.initiatives import services as initiatives
from ambit.initiatives.models import Initiative
from ambit.kpis import services as kpis
from ambit.kpis.models import Kpi
from ambit.notify.models import Kind, Notification
from tests.api.conftest import ApiClient, token_for
from tests.builders import World, objective_with_krs
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def _client(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def _initiative(world: World, *, visibility: str = "public", title: str = "Instrument sign-ups") -> Initiative:
    """An initiative on the member's key result, in an objective of ``visibility`` the member owns."""
    _, (kr,) = objective_with_krs(
        actor=world.member,
        cycle=world.cycle,
        title=f"{visibility.title()} goal",
        owner=world.member,
        visibility=visibility,
        key_results=[{"title": "Weekly users", "start_value": 0, "target_value": 100, "owner": world.member}],
    )
    return initiatives.initiative_create(actor=world.member, key_result=kr, title=title, owner=world.member)


def _kpi(world: World) -> Kpi:
    return kpis.kpi_create(
        actor=world.lead, name="Churn", team=world.team, owner=world.lead, healthy_threshold=5, critical_threshold=3
    )


def _mentions_to(member: Membership) -> list[Notification]:
    return list(Notification.objects.filter(kind=Kind.MENTION, recipient=member))


def test_each_kind_names_exactly_its_keys(world: World) -> None:
    initiative = _initiative(world)
    kpi = _kpi(world)
    on_initiative = services.comment_add(
        actor=world.lead,
        target=selectors.target_get(actor=world.lead, kind=TargetKind.INITIATIVE, pk=initiative.pk),
        body="Blocked?",
    )
    kr = initiative.key_result
    assert (on_initiative.kind, on_initiative.initiative_id, on_initiative.key_result_id) == (
        "initiative",
        initiative.pk,
        kr.pk,
    )
    assert on_initiative.objective_id == kr.objective_id and on_initiative.kpi_id is None
    on_kpi = services.comment_add(
        actor=world.member, target=selectors.target_get(actor=world.member, kind=TargetKind.KPI, pk=kpi.pk), body="Up?"
    )
    assert (on_kpi.kind, on_kpi.kpi_id, on_kpi.objective_id, on_kpi.key_result_id) == ("kpi", kpi.pk, None, None)
    entry = AuditEntry.objects.get(action=AuditAction.COMMENT_ADD, object_id=str(on_kpi.pk))
    assert entry.changes["target"] == [None, f"kpi:{kpi.pk}"]
    # The database refuses a KPI comment naming an objective, and an initiative comment without its key result.
    bad: list[dict[str, Any]] = [
        {"kind": "kpi", "kpi": kpi, "objective": kr.objective},
        {"kind": "initiative", "initiative": initiative, "objective": kr.objective},
        {"kind": "objective", "objective": kr.objective, "kpi": kpi},
        {"kind": "kpi"},
    ]
    for keys in bad:
        with pytest.raises(IntegrityError), transaction.atomic():
            Comment.objects.create(organisation=world.org, author=world.lead, body="x", **keys)
    # Threads are separate: the initiative's thread is not its key result's.
    kr_target = selectors.target_get(actor=world.lead, kind=TargetKind.KEY_RESULT, pk=kr.pk)
    assert selectors.thread(actor=world.lead, target=kr_target) == []
    # Comments go with their target.
    initiative.delete()
    Kpi.objects.filter(pk=kpi.pk).delete()
    assert not Comment.objects.filter(pk__in=[on_initiative.pk, on_kpi.pk]).exists()


def test_a_private_objectives_initiative_is_404_and_mentions_reach_only_who_may_see_it(world: World) -> None:
    initiative = _initiative(world, visibility="private")
    target = selectors.target_get(actor=world.member, kind=TargetKind.INITIATIVE, pk=initiative.pk)
    c = services.comment_add(actor=world.member, target=target, body="@lead @viewer have a look")
    (note,) = _mentions_to(world.lead)  # the owner's manager sees the objective
    assert note.url == reverse("okrs:objective-detail", args=[initiative.key_result.objective_id]) + f"#comment-{c.pk}"
    assert "the initiative “Instrument sign-ups”" in note.title
    assert _mentions_to(world.viewer) == []
    for who in (world.viewer, world.outsider):
        with pytest.raises(Http404):
            selectors.target_get(actor=who, kind=TargetKind.INITIATIVE, pk=initiative.pk)
        with pytest.raises(Http404):
            selectors.comment_get(actor=who, comment_id=c.pk)
    url = reverse("discussion:thread", args=["initiative", initiative.pk])
    for who in (world.viewer, world.outsider):
        client = _client(who)
        assert client.get(url, headers=HX).status_code == 404
        assert client.post(url, {"body": "peek"}, headers=HX).status_code == 404
        assert client.post(reverse("discussion:delete", args=[c.pk]), headers=HX).status_code == 404
    api = ApiClient(token_for(world.viewer))
    assert api.get(f"initiatives/{initiative.pk}/comments").status_code == 404
    assert ApiClient(token_for(world.outsider)).get(f"initiatives/{initiative.pk}/comments").status_code == 404
    assert Comment.objects.count() == 1
    lead_html = _client(world.lead).get(url, headers=HX).content.decode()
    assert "have a look" in lead_html


def test_kpi_comments_are_read_by_the_organisation_and_404_to_another(world: World) -> None:
    kpi = _kpi(world)
    client = _client(world.member)
    url = reverse("discussion:thread", args=["kpi", kpi.pk])
    posted = client.post(url, {"body": "Why the jump, @lead? <b>"}, headers=HX)
    assert posted.status_code == 200
    html = posted.content.decode()
    assert "Why the jump" in html and "&lt;b&gt;" in html and f'data-member="{world.lead.pk}"' in html
    c = Comment.objects.get(kind="kpi")
    (note,) = _mentions_to(world.lead)
    assert note.url == reverse("kpis:detail", args=[kpi.pk]) + f"#comment-{c.pk}"
    assert note.data["objective_id"] is None and note.data["target_id"] == kpi.pk
    # A viewer reads but does not write; the author edits; another organisation gets 404 everywhere.
    viewer = _client(world.viewer)
    assert "Why the jump" in viewer.get(url, headers=HX).content.decode()
    assert viewer.post(url, {"body": "hi"}, headers=HX).status_code == 403
    assert (
        _client(world.lead).post(reverse("discussion:edit", args=[c.pk]), {"body": "x"}, headers=HX).status_code == 403
    )
    edited = client.post(reverse("discussion:edit", args=[c.pk]), {"body": "Fixed now"}, headers=HX)
    assert edited.status_code == 200 and "(edited)" in edited.content.decode()
    outsider = _client(world.outsider)
    for path in (url, reverse("discussion:edit", args=[c.pk])):
        assert outsider.get(path, headers=HX).status_code == 404
    assert outsider.post(url, {"body": "hi"}, headers=HX).status_code == 404
    assert outsider.post(reverse("discussion:delete", args=[c.pk]), headers=HX).status_code == 404
    assert ApiClient(token_for(world.outsider)).get(f"kpis/{kpi.pk}/comments").status_code == 404
    c.refresh_from_db()
    assert c.body == "Fixed now" and Comment.objects.count() == 1
    deleted = client.post(reverse("discussion:delete", args=[c.pk]), headers=HX)
    assert deleted.status_code == 200 and "No comments yet." in deleted.content.decode()


def test_the_kpi_page_loads_its_comments_and_the_thread_costs_the_same(world: World) -> None:
    kpi = _kpi(world)
    client = _client(world.lead)
    page = client.get(reverse("kpis:detail", args=[kpi.pk])).content.decode()
    assert f'hx-get="{reverse("discussion:thread", args=["kpi", kpi.pk])}"' in page
    assert 'hx-trigger="load"' in page and "discussion/discussion.js" in page
    target = selectors.target_get(actor=world.champion, kind=TargetKind.KPI, pk=kpi.pk)
    top = services.comment_add(actor=world.champion, target=target, body="first @member")
    url = reverse("discussion:thread", args=["kpi", kpi.pk])
    with count_queries() as small:
        assert client.get(url, headers=HX).status_code == 200
    for i in range(5):
        services.comment_add(actor=world.admin, target=target, body=f"reply {i} @lead", parent=top)
        services.comment_add(actor=world.member, target=target, body=f"more {i} @champion")
    with assert_queries(small):
        assert client.get(url, headers=HX).status_code == 200
    # session, user, membership, the KPI (with team and owner), the comments, their mentions
    assert len(small) == 6


def test_the_initiatives_list_has_a_comments_toggle_per_initiative(world: World) -> None:
    first = _initiative(world)
    kr = first.key_result
    second = initiatives.initiative_create(actor=world.member, key_result=kr, title="Second")
    target = selectors.target_get(actor=world.lead, kind=TargetKind.INITIATIVE, pk=first.pk)
    services.comment_add(actor=world.lead, target=target, body="one")
    gone = services.comment_add(actor=world.lead, target=target, body="two")
    services.comment_add(actor=world.lead, target=target, body="three")
    services.comment_delete(actor=world.lead, comment=gone)
    client = _client(world.member)
    url = reverse("initiatives:kr-initiatives", args=[kr.pk])
    html = client.get(url, headers=HX).content.decode()
    assert f'hx-get="{reverse("discussion:thread", args=["initiative", first.pk])}"' in html
    assert f'hx-get="{reverse("discussion:thread", args=["initiative", second.pk])}"' in html
    assert 'Comments (2)<span class="sr-only"> on Instrument sign-ups</span>' in html
    assert 'Comments (0)<span class="sr-only"> on Second</span>' in html
    with count_queries() as small:
        client.get(url, headers=HX)
    for n in range(4):
        more = initiatives.initiative_create(actor=world.member, key_result=kr, title=f"More {n}")
        services.comment_add(
            actor=world.admin,
            target=selectors.target_get(actor=world.admin, kind=TargetKind.INITIATIVE, pk=more.pk),
            body="x",
        )
    with assert_queries(small):
        client.get(url, headers=HX)
    thread = client.post(
        reverse("discussion:thread", args=["initiative", second.pk]), {"body": "On it @lead"}, headers=HX
    )
    assert thread.status_code == 200 and "On it" in thread.content.decode()
    assert len(_mentions_to(world.lead)) == 1


def test_the_api_lists_and_creates_initiative_and_kpi_comments(world: World) -> None:
    initiative = _initiative(world)
    kpi = _kpi(world)
    lead = ApiClient(token_for(world.lead))
    made = lead.post(f"initiatives/{initiative.pk}/comments", {"body": "Ship it @member"})
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["kind"], body["initiative_id"], body["key_result_id"], body["kpi_id"]) == (
        "initiative",
        initiative.pk,
        initiative.key_result_id,
        None,
    )
    assert body["objective_id"] == initiative.key_result.objective_id
    reply = lead.post(f"kpis/{kpi.pk}/comments", {"body": "x", "parent_id": body["id"]})
    assert reply.status_code == 422 and reply.json()["errors"][0]["field"] == "parent_id"
    on_kpi = lead.post(f"kpis/{kpi.pk}/comments", {"body": "Watch it"})
    assert on_kpi.status_code == 201
    assert (on_kpi.json()["kind"], on_kpi.json()["kpi_id"], on_kpi.json()["objective_id"]) == ("kpi", kpi.pk, None)
    member = ApiClient(token_for(world.member))
    assert [c["body"] for c in member.get(f"kpis/{kpi.pk}/comments").json()["items"]] == ["Watch it"]
    assert [c["body"] for c in member.get(f"initiatives/{initiative.pk}/comments").json()["items"]] == [
        "Ship it @member"
    ]
    assert member.patch(f"comments/{on_kpi.json()['id']}", {"body": "mine"}).status_code == 403
    assert lead.patch(f"comments/{on_kpi.json()['id']}", {"body": "Watch it closely"}).status_code == 200
    viewer = ApiClient(token_for(world.viewer))
    assert viewer.post(f"kpis/{kpi.pk}/comments", {"body": "hi"}).status_code == 403
    assert Comment.objects.count() == 2


def test_initiative_and_kpi_comment_lists_cost_the_same_with_one_or_many_rows(world: World) -> None:
    initiative, kpi = _initiative(world), _kpi(world)
    paths = [f"initiatives/{initiative.pk}/comments", f"kpis/{kpi.pk}/comments"]
    writer = ApiClient(token_for(world.lead))
    for path in paths:
        assert writer.post(path, {"body": "first"}).status_code == 201
    client = ApiClient(token_for(world.member))
    client.get("organisation")  # the token's first use records it: not the list's cost
    small = []
    for path in paths:
        with count_queries() as q:
            assert client.get(path).status_code == 200
        small.append(q)
    for i in range(4):
        for path in paths:
            assert writer.post(path, {"body": f"more {i} @member @admin"}).status_code == 201
    for path, q in zip(paths, small, strict=True):
        with assert_queries(q):
            assert len(client.get(path).json()["items"]) == 5
    # token, the target (with its objective or the KPI's visibility), the comments with their
    # authors, their mentions
    assert [len(q) for q in small] == [4, 4]
