"""Monthly reviews in the API, through the same services and visibility as the pages: the list
(paged, a fixed number of queries: pinned here, registered in tests/api/test_query_counts.py's
PINNED_ELSEWHERE), one review with its agenda, who is missing, commentary (its owner only),
reminders, decisions, opening and closing; another organisation's ids 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ambit.core.models import AuditAction, AuditEntry
from ambit.reviews.models import Commentary, Decision, Review
from ambit.reviews.scope import next_month
from tests.api.conftest import ApiClient, token_for
from tests.builders import World
from tests.helpers import db_digest
from tests.querycount import assert_queries, check_count, count_queries
from tests.reviews.helpers import CHANGE, HAPPENED, HELP, build_scene, open_review

pytestmark = pytest.mark.django_db

ANSWERS = {"what_happened": HAPPENED, "what_will_change": CHANGE, "help_needed": HELP}


def test_open_read_write_and_close(world: World) -> None:
    scene = build_scene(world)
    champion = ApiClient(token_for(world.champion))
    day = timezone.localdate() + dt.timedelta(days=3)
    opened = champion.post("reviews", {"meeting_on": day.isoformat(), "hour": 9})
    assert opened.status_code == 201, opened.content
    body = opened.json()
    assert body | {"id": 0} == {
        "id": 0,
        "month": day.replace(day=1).isoformat(),
        "meeting_on": day.isoformat(),
        "hour": 9,
        "state": "open",
        "item_count": 3,
        "written_count": 0,
    }
    review_id = body["id"]
    member = ApiClient(token_for(world.member))
    detail = member.get(f"reviews/{review_id}").json()
    assert [i["key_result_id"] for i in detail["items"]] == [scene.behind.pk, scene.at_risk.pk]  # not the private one
    assert detail["items"][0] | {"progress": 0, "expected": 0} == {
        "key_result_id": scene.behind.pk,
        "title": "Weekly users",
        "objective_id": scene.team_obj.pk,
        "owner_id": world.member.pk,
        "status": "behind",
        "progress": 0,
        "expected": 0,
        "confidence": 4,
        "commentary": None,
    }
    missing = member.get(f"reviews/{review_id}/missing").json()["owners"]
    names = [o["name"] for o in missing]
    assert names == sorted(names, key=str.lower)  # by name
    assert {o["member_id"]: o["key_result_ids"] for o in missing} == {
        world.member.pk: [scene.behind.pk],
        world.lead.pk: [scene.at_risk.pk],
    }
    written = member.put(f"reviews/{review_id}/key-results/{scene.behind.pk}/commentary", ANSWERS)
    assert written.status_code == 200, written.content
    assert written.json()["what_happened"] == HAPPENED and written.json()["edited_at"] is None
    assert member.get(f"reviews/{review_id}").json()["written_count"] == 1
    closed = champion.post(f"reviews/{review_id}/close")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    late = member.put(f"reviews/{review_id}/key-results/{scene.behind.pk}/commentary", ANSWERS)
    assert late.status_code == 409 and "This review is closed" in late.json()["detail"]


def test_commentary_is_the_owners_alone_and_its_answers_are_required(world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    url = f"reviews/{review.pk}/key-results/{scene.behind.pk}/commentary"
    clients = {p: ApiClient(token_for(getattr(world, p))) for p in ("champion", "admin", "lead", "viewer", "member")}
    before = db_digest()
    for persona in ("champion", "admin", "lead"):
        refused = clients[persona].put(url, ANSWERS)
        assert refused.status_code == 403, persona
        assert refused.json()["detail"] == "Only the key result's owner writes its commentary."
    viewer = clients["viewer"].put(url, ANSWERS)
    assert viewer.status_code == 403
    bad = clients["member"].put(url, {**ANSWERS, "what_will_change": " "})
    assert bad.status_code == 422
    assert bad.json()["errors"] == [{"field": "what_will_change", "message": "Enter the what will change."}]
    assert db_digest() == before
    private = clients["member"].put(f"reviews/{review.pk}/key-results/{scene.private.pk}/commentary", ANSWERS)
    assert private.status_code == 404
    assert not Commentary.objects.exists()


def test_reminders_and_decisions(world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    lead = ApiClient(token_for(world.lead))
    reminded = lead.post(f"reviews/{review.pk}/remind", {})
    assert reminded.status_code == 200
    assert reminded.json() == {"reminded": sorted([world.member.pk, world.lead.pk]), "already": []}
    assert lead.post(f"reviews/{review.pk}/remind", {"member_ids": [world.champion.pk]}).status_code == 403
    assert ApiClient(token_for(world.member)).post(f"reviews/{review.pk}/remind", {}).status_code == 403
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    added = lead.post(
        f"reviews/{review.pk}/decisions",
        {"text": "Pair on it", "owner_id": world.member.pk, "due_on": due, "key_result_id": scene.behind.pk},
    )
    assert added.status_code == 201, added.content
    decision_id = added.json()["id"]
    assert added.json() | {"id": 0} == {
        "id": 0,
        "review_id": review.pk,
        "text": "Pair on it",
        "owner_id": world.member.pk,
        "due_on": due,
        "key_result_id": scene.behind.pk,
        "author_id": world.lead.pk,
    }
    off_agenda = lead.post(f"reviews/{review.pk}/decisions", {"text": "x", "key_result_id": scene.on_track.pk})
    assert off_agenda.status_code == 422
    assert off_agenda.json()["errors"] == [
        {"field": "key_result", "message": "Pick one of the key results on this review's agenda."}
    ]
    patched = lead.patch(f"reviews/decisions/{decision_id}", {"due_on": None})
    assert patched.status_code == 200 and patched.json()["due_on"] is None and patched.json()["text"] == "Pair on it"
    assert lead.get(f"reviews/{review.pk}").json()["decisions"][0]["id"] == decision_id
    assert ApiClient(token_for(world.member)).delete(f"reviews/decisions/{decision_id}").status_code == 403
    assert lead.delete(f"reviews/decisions/{decision_id}").status_code == 204
    assert not Decision.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.REVIEW_DECISION_DELETE).count() == 1


def test_only_champions_and_admins_open_and_close(world: World) -> None:
    build_scene(world)
    clients = [ApiClient(token_for(getattr(world, persona))) for persona in ("lead", "member", "viewer")]
    before = db_digest()
    for client in clients:
        assert client.post("reviews", {}).status_code == 403
    assert db_digest() == before
    review = open_review(world)
    assert ApiClient(token_for(world.lead)).post(f"reviews/{review.pk}/close").status_code == 403
    past = ApiClient(token_for(world.admin)).post("reviews", {"meeting_on": "2001-01-01"})
    assert past.status_code == 422
    again = ApiClient(token_for(world.admin)).post("reviews", {"meeting_on": review.meeting_on.isoformat()})
    assert again.status_code == 409


def test_another_organisation_gets_404(world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    decision = Decision.objects.create(organisation=world.org, review=review, text="Ours")
    outsider = ApiClient(token_for(world.outsider))
    lead = ApiClient(token_for(world.lead))
    before = db_digest()
    for method, path, body in (
        ("GET", f"reviews/{review.pk}", None),
        ("GET", f"reviews/{review.pk}/missing", None),
        ("PUT", f"reviews/{review.pk}/key-results/{scene.behind.pk}/commentary", ANSWERS),
        ("POST", f"reviews/{review.pk}/remind", {}),
        ("POST", f"reviews/{review.pk}/decisions", {"text": "Theirs"}),
        ("PATCH", f"reviews/decisions/{decision.pk}", {"text": "Theirs"}),
        ("DELETE", f"reviews/decisions/{decision.pk}", None),
        ("POST", f"reviews/{review.pk}/close", None),
    ):
        assert outsider.call(method, path, body).status_code == 404, path
    assert outsider.get("reviews").json() == {"items": [], "next_cursor": None}
    owner = lead.post(f"reviews/{review.pk}/decisions", {"text": "x", "owner_id": world.outsider.pk})
    assert owner.status_code == 404
    assert db_digest() == before


def test_review_list_costs_the_same_with_one_or_many_rows(world: World) -> None:
    build_scene(world)
    month = open_review(world).month
    for persona in ("admin", "lead"):
        client = ApiClient(token_for(getattr(world, persona)))
        client.get("organisation")  # the token's first use records last_used_at
        with count_queries() as lists:
            assert len(client.get("reviews", limit=200).json()["items"]) == 1
        # The token; the page (a member adds the visibility subquery inside it, not a query of its own)
        # and, for a lead, their teams (one query).
        check_count(lists, 2 if persona == "admin" else 3, label=f"review_list as {persona}")
    for _ in range(6):
        month = next_month(month)
        Review.objects.create(organisation=world.org, month=month, meeting_on=month.replace(day=5))
    client = ApiClient(token_for(world.lead))
    client.get("organisation")
    with assert_queries(lists):
        assert len(client.get("reviews", limit=200).json()["items"]) == 7
