"""Initiatives and sprint plans in the API: the same services as the pages (permissions, messages,
audit), another organisation's ids 404, and the list costs a fixed number of queries (registered
in tests/api/test_query_counts.py's PINNED_ELSEWHERE)."""

from __future__ import annotations

import pytest

from ambit.core.models import AuditAction, AuditEntry
from ambit.initiatives import services
from ambit.initiatives.models import Initiative, SprintEntry, SprintPlan
from ambit.okrs import services as okrs
from tests.api.conftest import ApiClient, token_for
from tests.builders import World, days_ago
from tests.initiatives.helpers import Board, build_board
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(world: World) -> Board:
    return build_board(world)


def test_create_read_update_plan_and_delete(world: World, board: Board) -> None:
    member = ApiClient(token_for(world.member))
    body = {
        "title": "Cache the dashboard",
        "owner_id": world.member.pk,
        "due_date": board.current.end_date.isoformat(),
        "link_url": "https://gitlab.com/acme/web/-/merge_requests/8",
        "sprint_id": board.current.pk,
    }
    response = member.post(f"key-results/{board.kr.pk}/initiatives", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created | {"id": 0, "done_at": None} == {
        "id": 0,
        "key_result_id": board.kr.pk,
        "title": "Cache the dashboard",
        "description": "",
        "owner_id": world.member.pk,
        "status": "planned",
        "due_date": board.current.end_date.isoformat(),
        "link_url": "https://gitlab.com/acme/web/-/merge_requests/8",
        "link_key": "acme/web!8",
        "sprint_id": board.current.pk,
        "sprint_number": 2,
        "position": 1,
        "done_at": None,
        "counts_toward_progress": False,
    }
    pk = created["id"]
    assert member.get(f"initiatives/{pk}").json()["title"] == "Cache the dashboard"

    patched = member.patch(f"initiatives/{pk}", {"status": "done", "owner_id": None})
    assert patched.status_code == 200, patched.content
    assert patched.json()["status"] == "done" and patched.json()["done_at"] and patched.json()["owner_id"] is None

    unplanned = member.post(f"initiatives/{pk}/plan", {"sprint_id": None})
    assert unplanned.status_code == 200 and unplanned.json()["sprint_id"] is None
    assert not SprintEntry.objects.exists()
    actions = list(
        AuditEntry.objects.filter(object_type="initiatives.initiative").order_by("pk").values_list("action", flat=True)
    )
    assert actions == [AuditAction.INITIATIVE_CREATE, AuditAction.INITIATIVE_UPDATE, AuditAction.SPRINT_PLAN]

    assert member.call("DELETE", f"initiatives/{pk}").status_code == 204
    assert not Initiative.objects.exists()


def test_validation_messages_are_the_services(world: World, board: Board) -> None:
    lead = ApiClient(token_for(world.lead))
    bad = lead.post(f"key-results/{board.kr.pk}/initiatives", {"title": "x", "link_url": "ftp://x.example.com"})
    assert bad.status_code in (400, 422), bad.content
    errors = bad.json()["errors"]
    assert errors == [
        {"field": "link_url", "message": "Enter the full address of the issue, starting with https:// (or http://)."}
    ]
    ended = lead.post(f"key-results/{board.kr.pk}/initiatives", {"title": "x", "sprint_id": board.last.pk})
    assert ended.status_code in (400, 422)
    assert ended.json()["errors"][0]["field"] == "sprint"
    assert not Initiative.objects.exists()


def test_viewer_gets_403_and_outsider_404(world: World, board: Board) -> None:
    i = services.initiative_create(actor=world.lead, key_result=board.kr, title="Cache")
    viewer = ApiClient(token_for(world.viewer))
    assert viewer.get(f"initiatives/{i.pk}").status_code == 200
    assert viewer.patch(f"initiatives/{i.pk}", {"title": "x"}).status_code == 403
    assert viewer.post(f"initiatives/{i.pk}/plan", {"sprint_id": board.current.pk}).status_code == 403
    outsider = ApiClient(token_for(world.outsider))
    assert outsider.get(f"initiatives/{i.pk}").status_code == 404
    assert outsider.patch(f"initiatives/{i.pk}", {"title": "x"}).status_code == 404
    assert outsider.get(f"teams/{world.team.pk}/sprints/{board.current.pk}/plan").status_code == 404
    assert outsider.get("initiatives", key_result_id=board.kr.pk).status_code == 404
    assert outsider.get("initiatives").json()["items"] == []
    i.refresh_from_db()
    assert i.title == "Cache" and i.sprint_id is None


def test_list_filters(world: World, board: Board) -> None:
    a = services.initiative_create(actor=world.lead, key_result=board.kr, title="A", sprint=board.current)
    b = services.initiative_create(actor=world.lead, key_result=board.other_kr, title="B", status="done")
    client = ApiClient(token_for(world.member))

    def ids(**query: object) -> list[int]:
        return [row["id"] for row in client.get("initiatives", **query).json()["items"]]

    assert ids() == [a.pk, b.pk]
    assert ids(key_result_id=board.kr.pk) == [a.pk]
    assert ids(sprint_id=board.current.pk) == [a.pk]
    assert ids(status="done") == [b.pk]
    assert ids(team_id=world.other_team.pk) == []
    assert ids(team_id=world.team.pk) == [a.pk, b.pk]


def test_sprint_plan_behind_first_and_goal(world: World, board: Board) -> None:
    okrs.check_in_record(actor=world.member, key_result=board.kr, value=60, confidence=7, at=days_ago(1))
    okrs.check_in_record(actor=world.lead, key_result=board.other_kr, value=390, confidence=4, at=days_ago(1))
    services.initiative_create(actor=world.lead, key_result=board.other_kr, title="Profile", sprint=board.current)
    lead = ApiClient(token_for(world.lead))
    put = lead.call("PUT", f"teams/{world.team.pk}/sprints/{board.current.pk}/goal", {"goal": "p95 under 300"})
    assert put.status_code == 200 and put.json()["goal"] == "p95 under 300"
    assert SprintPlan.objects.get().goal == "p95 under 300"
    member = ApiClient(token_for(world.member))
    assert (
        member.call("PUT", f"teams/{world.team.pk}/sprints/{board.current.pk}/goal", {"goal": "x"}).status_code == 403
    )
    plan = member.get(f"teams/{world.team.pk}/sprints/{board.current.pk}/plan").json()
    assert plan["goal"] == "p95 under 300" and plan["sprint_number"] == 2
    assert [(r["title"], r["status"]) for r in plan["key_results"]] == [
        ("Latency p95", "behind"),
        ("Weekly users", "on_track"),
    ]
    assert [i["title"] for i in plan["key_results"][0]["planned"]] == ["Profile"]
    assert plan["key_results"][0]["confidence_trend"] == [4]


def test_initiative_list_costs_the_same_with_one_or_many_rows(world: World, board: Board) -> None:
    services.initiative_create(actor=world.lead, key_result=board.kr, title="One", sprint=board.current)
    for persona in ("admin", "lead"):
        client = ApiClient(token_for(getattr(world, persona)))
        client.get("initiatives")  # the token's first use is recorded once (throttled after)
        with count_queries() as small:
            assert client.get("initiatives").status_code == 200
        with count_queries() as filtered_small:
            assert client.get("initiatives", team_id=world.team.pk, sprint_id=board.current.pk).status_code == 200
        for n in range(5):
            services.initiative_create(
                actor=world.lead,
                key_result=board.other_kr,
                title=f"{persona} {n}",
                owner=world.member,
                sprint=board.current,
            )
        # The token, the page (visibility a subquery; a lead's teams one recursive query).
        assert len(small) == (2 if persona == "admin" else 3)
        with assert_queries(small):
            assert len(client.get("initiatives").json()["items"]) > 1
        with assert_queries(filtered_small):
            client.get("initiatives", team_id=world.team.pk, sprint_id=board.current.pk)


def test_reorder(world: World, board: Board) -> None:
    a, b = (services.initiative_create(actor=world.lead, key_result=board.kr, title=t) for t in "ab")
    member = ApiClient(token_for(world.member))
    url = f"key-results/{board.kr.pk}/initiatives/order"
    response = member.call("PUT", url, {"initiative_ids": [b.pk, a.pk]})
    assert response.status_code == 200, response.content
    assert [i["title"] for i in response.json()["items"]] == ["b", "a"]
    assert member.call("PUT", url, {"initiative_ids": [b.pk]}).status_code in (400, 422)
    assert ApiClient(token_for(world.viewer)).call("PUT", url, {"initiative_ids": [a.pk, b.pk]}).status_code == 403
    assert list(Initiative.objects.order_by("position").values_list("title", flat=True)) == ["b", "a"]
