"""Team check-ins in the API: list, get with items and carried actions, start, end, add, update,
delete, the team's open actions; the same services (permissions, messages, audit) as the pages;
another organisation's ids 404; lists cost a fixed number of queries (pinned here, registered in
tests/api/test_query_counts.py's PINNED_ELSEWHERE)."""

from __future__ import annotations

import pytest

from ambit.core.models import AuditAction, AuditEntry
from ambit.notify.models import Kind, Notification
from ambit.teammeetings import services
from ambit.teammeetings.models import TeamMeeting, TeamMeetingItem
from tests.api.conftest import ApiClient, token_for
from tests.builders import World
from tests.helpers import db_digest
from tests.querycount import assert_queries, check_count, count_queries
from tests.teammeetings.helpers import build_scenario

pytestmark = pytest.mark.django_db


def test_a_meeting_through_the_api(world: World) -> None:
    scenario = build_scenario(world)
    lead, member = ApiClient(token_for(world.lead)), ApiClient(token_for(world.member))
    started = lead.post(f"teams/{world.team.pk}/check-ins", None)
    assert started.status_code == 201, started.content
    meeting = started.json()
    assert meeting["is_open"] and meeting["team_id"] == world.team.pk and meeting["started_by_id"] == world.lead.pk
    assert lead.post(f"teams/{world.team.pk}/check-ins", None).status_code == 409
    added = member.post(
        f"team-check-ins/{meeting['id']}/items",
        {"kind": "action", "text": "Split the suite", "owner_id": world.lead.pk, "key_result_id": scenario.behind.pk},
    )
    assert added.status_code == 201, added.content
    item = added.json()
    assert item | {"id": 0, "created_at": ""} == {
        "id": 0,
        "meeting_id": meeting["id"],
        "team_id": world.team.pk,
        "kind": "action",
        "text": "Split the suite",
        "key_result_id": scenario.behind.pk,
        "owner_id": world.lead.pk,
        "due_on": None,
        "done": False,
        "done_at": None,
        "author_id": world.member.pk,
        "created_at": "",
    }
    assert Notification.objects.filter(recipient=world.lead, kind=Kind.TEAM_MEETING).count() == 1
    # The member is not the owner: they may not tick it; the lead (its owner) may.
    assert member.patch(f"team-check-in-items/{item['id']}", {"done": True}).status_code == 403
    ticked = lead.patch(f"team-check-in-items/{item['id']}", {"done": True})
    assert ticked.status_code == 200 and ticked.json()["done"] and ticked.json()["done_at"]
    cleared = member.patch(f"team-check-in-items/{item['id']}", {"text": "Split the suite in two"})
    assert cleared.status_code == 200 and cleared.json()["text"] == "Split the suite in two"
    detail = member.get(f"team-check-ins/{meeting['id']}").json()
    assert [i["text"] for i in detail["items"]] == ["Split the suite in two"] and detail["carried_actions"] == []
    ended = lead.post(f"team-check-ins/{meeting['id']}/end", None)
    assert ended.status_code == 200 and not ended.json()["is_open"]
    assert lead.post(f"team-check-ins/{meeting['id']}/end", None).status_code == 409
    listed = member.get(f"teams/{world.team.pk}/check-ins").json()
    assert [m["id"] for m in listed["items"]] == [meeting["id"]] and listed["next_cursor"] is None
    actions = AuditEntry.objects.filter(object_type__startswith="teammeetings").values_list("action", flat=True)
    assert set(actions) == {
        AuditAction.TEAM_MEETING_START,
        AuditAction.TEAM_MEETING_ITEM_ADD,
        AuditAction.TEAM_MEETING_ITEM_UPDATE,
        AuditAction.TEAM_MEETING_END,
    }


def test_open_actions_carry_to_the_next_meeting_in_the_api(world: World) -> None:
    first = services.meeting_start(actor=world.lead, team=world.team)
    action = services.item_add(actor=world.lead, meeting=first, kind="action", text="Fix alerts", owner=world.member)
    services.meeting_end(actor=world.lead, meeting=first)
    client = ApiClient(token_for(world.viewer))
    assert [i["id"] for i in client.get(f"teams/{world.team.pk}/check-ins/open-actions").json()["items"]] == [action.pk]
    second = services.meeting_start(actor=world.lead, team=world.team)
    detail = client.get(f"team-check-ins/{second.pk}").json()
    assert detail["items"] == [] and [i["id"] for i in detail["carried_actions"]] == [action.pk]


def test_refusals_name_the_field_and_change_nothing(world: World) -> None:
    meeting = services.meeting_start(actor=world.lead, team=world.team)
    member = ApiClient(token_for(world.member))
    before = db_digest()
    empty = member.post(f"team-check-ins/{meeting.pk}/items", {"kind": "decision", "text": " "})
    assert empty.status_code == 422
    owner = member.post(
        f"team-check-ins/{meeting.pk}/items", {"kind": "decision", "text": "x", "owner_id": world.lead.pk}
    )
    assert owner.status_code == 422, owner.content
    assert owner.json()["errors"] == [
        {"field": "owner_id", "message": "Only an action item has an owner: choose “action item” or clear the owner."}
    ]
    bad_kind = member.post(f"team-check-ins/{meeting.pk}/items", {"kind": "wish", "text": "x"})
    assert bad_kind.status_code == 422
    assert member.post(f"teams/{world.team.pk}/check-ins", None).status_code == 403
    assert member.post(f"team-check-ins/{meeting.pk}/end", None).status_code == 403
    assert db_digest() == before


def test_another_organisation_gets_404(world: World) -> None:
    meeting = services.meeting_start(actor=world.lead, team=world.team)
    item = services.item_add(actor=world.lead, meeting=meeting, kind="decision", text="Ours")
    outsider, lead = ApiClient(token_for(world.outsider)), ApiClient(token_for(world.lead))
    before = db_digest()
    for method, path, body in (
        ("GET", f"teams/{world.team.pk}/check-ins", None),
        ("GET", f"teams/{world.team.pk}/check-ins/open-actions", None),
        ("POST", f"teams/{world.team.pk}/check-ins", None),
        ("GET", f"team-check-ins/{meeting.pk}", None),
        ("POST", f"team-check-ins/{meeting.pk}/end", None),
        ("POST", f"team-check-ins/{meeting.pk}/items", {"kind": "decision", "text": "x"}),
        ("PATCH", f"team-check-in-items/{item.pk}", {"text": "Theirs"}),
        ("DELETE", f"team-check-in-items/{item.pk}", None),
    ):
        assert outsider.call(method, path, body).status_code == 404, path
    # Naming another organisation's member as the owner is a 404 on that field.
    theirs = lead.post(
        f"team-check-ins/{meeting.pk}/items", {"kind": "action", "text": "x", "owner_id": world.outsider.pk}
    )
    assert theirs.status_code == 404
    assert db_digest() == before
    assert TeamMeeting.objects.get().ended_at is None and TeamMeetingItem.objects.get().text == "Ours"


def test_lists_cost_the_same_with_one_or_many_rows(world: World) -> None:
    meeting = services.meeting_start(actor=world.lead, team=world.team)
    services.item_add(actor=world.lead, meeting=meeting, kind="action", text="A0", owner=world.member)
    services.meeting_end(actor=world.lead, meeting=meeting)
    counts = {}
    for persona in ("admin", "lead"):
        client = ApiClient(token_for(getattr(world, persona)))
        client.get("organisation")  # the token's first use records last_used_at
        with count_queries() as meetings:
            client.get(f"teams/{world.team.pk}/check-ins", limit=200)
        check_count(meetings, 3, label=f"team_meeting_list as {persona}")  # the token, the team, the page
        with count_queries() as actions:
            client.get(f"teams/{world.team.pk}/check-ins/open-actions", limit=200)
        check_count(actions, 3, label=f"team_meeting_open_actions as {persona}")
        counts[persona] = (meetings, actions)
    for i in range(8):
        m = services.meeting_start(actor=world.lead, team=world.team)
        services.item_add(actor=world.lead, meeting=m, kind="action", text=f"A{i + 1}", owner=world.member)
        services.meeting_end(actor=world.lead, meeting=m)
    client = ApiClient(token_for(world.lead))
    client.get("organisation")
    meetings, actions = counts["lead"]
    with assert_queries(meetings):
        assert len(client.get(f"teams/{world.team.pk}/check-ins", limit=200).json()["items"]) == 9
    with assert_queries(actions):
        assert len(client.get(f"teams/{world.team.pk}/check-ins/open-actions", limit=200).json()["items"]) == 9
