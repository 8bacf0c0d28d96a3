"""Walk EVERY operation of the generated OpenAPI document: admins can do each one; outsiders get
404 on everything that names an object; viewers, read-only tokens and under-privileged roles get
403 on writes; and none of those refusals changes the database."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.db import connection

from ambit.core.models import AuditEntry
from tests.api.conftest import ApiClient, token_for
from tests.api.operations import BODIES, Operation, body_for, operations, url_for
from tests.builders import World, build_okr_data
from tests.helpers import ClientResponse

pytestmark = pytest.mark.django_db

OPS = list(operations())
WRITES = [op for op in OPS if op.is_write]
ADMIN_ONLY = {
    "organisation_update",
    "invitation_create",
    "invitation_revoke",
    "member_update",
    "team_create",
    "team_update",
    "team_delete",
    "team_member_set",
    "team_member_remove",
    "people_import",
    "trash_delete",  # deleting from the trash for good (issue 17)
    "cycle_reopen",  # reopening a closed cycle (issue 17)
}
EDITORS_ONLY = {
    "strategy_update",
    "value_create",
    "value_update",
    "value_delete",
    "big_move_create",
    "big_move_update",
    "big_move_delete",
    "cycle_create",
    "cycle_update",
    "cycle_transition",
    "cycle_close",  # issue 17
    "rollover_nothing",  # recording that nothing rolls over (issue 17)
}
# KPIs (issue 16): champions and admins, or the team's lead; the owner (the member) only records readings.
KPI_MANAGERS_ONLY = {"kpi_create", "kpi_update"}

# A team's ritual settings (issue 16): champions and admins, or the team's lead.
TEAM_LEADS_ONLY = {"ritual_settings_update"}

# A team's sprint goal (issue 16): its leads, champions and admins. Initiatives: the member owns
# the walk's key result, so they may add, change and plan its initiatives.
SPRINT_GOAL_LEADS_ONLY = {"sprint_goal_set"}

# Team check-ins (issue 16): the team's leads, champions and admins start (the walk starts Sales',
# which the lead does not lead) and end them, and delete others' items; members add and tick their own.
TEAM_MEETING_RUNNERS_ONLY = {"team_meeting_start", "team_meeting_end", "team_meeting_item_delete"}

# Comments (issue 16): the walk's comment is the admin's; only its author edits it, only its
# author or an admin deletes it.
AUTHOR_ONLY = {"comment_update", "comment_delete"}

# 1:1s (issue 16): the walk's 1:1 is the lead's and the member's. Nobody else may read or write it,
# whatever their role (admins included): they get 404, as for an id that does not exist.
PRIVATE_TO_PAIR = {"one_on_one_get", "one_on_one_item_add", "one_on_one_item_update", "one_on_one_notes"}
PAIR = {"lead", "member"}

# Monthly reviews (issue 16): champions and admins open and close them; they, and team leads,
# remind and record decisions; only the key result's owner (the member, in the walk) writes its
# commentary: anyone else, an admin too, gets 403.
REVIEW_EDITORS_ONLY = {"review_open", "review_close"}
REVIEW_LEADS_ONLY = {"review_remind", "review_decision_add", "review_decision_update", "review_decision_delete"}
REVIEW_OWNER_ONLY = {"review_commentary_write"}
REVIEW_OWNER = "member"

# Operations answering a file rather than JSON (issue 17: the cycle report, PDF by default).
FILE_OPERATIONS = {"cycle_report": "application/pdf"}

# Reflections and dependencies (issue 17): the walk's objective and team are Platform's, which the
# lead leads; the member neither owns that objective nor leads the team.
REFLECTION_WRITERS_ONLY = {"objective_reflection_put", "team_reflection_put", "dependency_add", "dependency_remove"}

# Presentation links (issue 17): champions and admins list, create and revoke them; others get 403,
# the list included (the quarter's wins are anyone's to read).
PRESENTATION_MANAGERS_ONLY = {"presentation_link_list", "presentation_link_create", "presentation_link_revoke"}


# Closing the quarter (issue 17): leads and above remind the late. The walk's cycle is not ready to
# close (nothing scored, rollover not decided) nor closed: an admin closing or reopening it gets 409.
SCORING_LEADS_ONLY = {"scoring_remind"}
# Rollover (issue 17): champions, admins and team leads (their teams' objectives); not members.
ROLLOVER_LEADS_ONLY = {"rollover_run"}
CYCLE_STATE_CONFLICTS = {"cycle_close", "cycle_reopen"}


def expected_status(op: Operation, persona: str, status: int) -> int:
    """``status``, or 404 for an operation on the walk's 1:1 by someone not in it, or 403 for the
    commentary on the walk's review by anyone but the key result's owner."""
    if op.operation_id in PRIVATE_TO_PAIR and persona not in PAIR:
        return 404
    if op.operation_id in REVIEW_OWNER_ONLY and persona != REVIEW_OWNER:
        return 403
    if op.operation_id in PRESENTATION_MANAGERS_ONLY and persona in ("viewer", "lead", "member"):
        return 403
    if op.operation_id in CYCLE_STATE_CONFLICTS and persona == "admin":
        return 409
    return status


def db_digest() -> dict[str, int]:
    """Row count of every table the project's models use, plus the audit log."""
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table not in counts:
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
                counts[table] = cursor.fetchone()[0]
    counts["audit entries"] = AuditEntry.objects.count()
    return counts


def test_the_walk_covers_every_operation_and_every_body() -> None:
    assert len(OPS) >= 55
    ids = [op.operation_id for op in OPS]
    assert len(ids) == len(set(ids)), "operation ids must be unique"
    missing = [op.operation_id for op in OPS if op.has_body and op.operation_id not in BODIES]
    assert missing == []


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.operation_id)
def test_admin_can_do_every_operation(world: World, op: Operation) -> None:
    data = build_okr_data(world)
    client = ApiClient(token_for(world.admin))
    response = client.call(op.method, url_for(op, world, data), body_for(op, world, data))
    if (expected := expected_status(op, "admin", op.success)) != op.success:
        _refused(response, expected)
        return
    assert response.status_code == op.success, response.content
    if op.operation_id in FILE_OPERATIONS:
        assert response.headers["Content-Type"] == FILE_OPERATIONS[op.operation_id] and response.content
    elif op.success != 204:
        assert response.headers["Content-Type"].startswith("application/json")
        json.loads(response.content)


def _refused(response: ClientResponse, status: int) -> None:
    assert response.status_code == status, response.content
    assert response.headers["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == status and body["title"] and body["detail"] and body["type"].startswith("urn:ambit:")


def test_outsider_gets_404_on_everything_that_names_an_object(world: World) -> None:
    data = build_okr_data(world)
    client = ApiClient(token_for(world.outsider))
    before = db_digest()
    checked = 0
    for op in OPS:
        url, body = url_for(op, world, data), body_for(op, world, data)
        names_object = bool(op.params) or any(k.endswith("_id") or k == "parents" for k in (body or {}))
        if names_object:
            _refused(client.call(op.method, url, body), 404)
            checked += 1
        elif not op.is_write:
            response = client.call(op.method, url)
            # Globex has no cycle, so no current one either: a 404 (Acme's is never offered).
            assert response.status_code == (404 if op.operation_id == "cycle_current" else 200), op.operation_id
            text = response.content.decode()
            # Globex's own data only: nothing of Acme's leaks into its lists.
            for leak in ("Acme", "acme.test", "Grow revenue", "Customers first", "Own the mid-market", "Platform"):
                assert leak not in text, (op.operation_id, leak)
    assert checked >= 45
    assert db_digest() == before


@pytest.mark.parametrize("persona", ["viewer", "admin-read-only"])
def test_viewers_and_read_only_tokens_get_403_on_every_write(world: World, persona: str) -> None:
    data = build_okr_data(world)
    if persona == "viewer":
        client = ApiClient(token_for(world.viewer))
    else:
        client = ApiClient(token_for(world.admin, read_only=True))
    before = db_digest()
    for op in OPS:
        response = client.call(op.method, url_for(op, world, data), body_for(op, world, data))
        if op.is_write:
            # A read-only token is refused before anything is looked up; a viewer outside the 1:1 finds nothing.
            _refused(response, 403 if persona == "admin-read-only" else expected_status(op, persona, 403))
        elif expected_status(op, persona, 200) in (403, 404):
            _refused(response, expected_status(op, persona, 200))
        else:
            assert response.status_code == 200, (op.operation_id, response.content)
    assert db_digest() == before


@pytest.mark.parametrize(
    ("persona", "refused"),
    [
        ("champion", ADMIN_ONLY | AUTHOR_ONLY | REVIEW_OWNER_ONLY),
        (
            "lead",
            ADMIN_ONLY
            | EDITORS_ONLY
            | AUTHOR_ONLY
            | {"team_meeting_start"}
            | REVIEW_EDITORS_ONLY
            | REVIEW_OWNER_ONLY
            | PRESENTATION_MANAGERS_ONLY,
        ),
        (
            "member",
            ADMIN_ONLY
            | EDITORS_ONLY
            | AUTHOR_ONLY
            | KPI_MANAGERS_ONLY
            | TEAM_LEADS_ONLY
            | SPRINT_GOAL_LEADS_ONLY
            | TEAM_MEETING_RUNNERS_ONLY
            | REVIEW_EDITORS_ONLY
            | REVIEW_LEADS_ONLY
            | REFLECTION_WRITERS_ONLY
            | PRESENTATION_MANAGERS_ONLY
            | SCORING_LEADS_ONLY
            | ROLLOVER_LEADS_ONLY,
        ),
    ],
)
def test_roles_get_403_on_writes_above_their_role(world: World, persona: str, refused: set[str]) -> None:
    data = build_okr_data(world)
    client = ApiClient(token_for(getattr(world, persona)))
    before = db_digest()
    for op in WRITES:
        if op.operation_id in refused:
            _refused(client.call(op.method, url_for(op, world, data), body_for(op, world, data)), 403)
    for op in OPS:
        if not op.is_write:
            status = expected_status(op, persona, 200)
            assert client.call(op.method, url_for(op, world, data)).status_code == status, op.operation_id
    assert db_digest() == before


def test_member_cannot_edit_the_leads_objective_but_can_check_in_on_their_own_key_result(world: World) -> None:
    data = build_okr_data(world)
    client = ApiClient(token_for(world.member))
    before = db_digest()
    _refused(client.patch(f"objectives/{data.team_obj.pk}", {"title": "Mine now"}), 403)
    new_kr = {"title": "x", "start_value": 0, "target_value": 1}
    _refused(client.post(f"objectives/{data.company_obj.pk}/key-results", new_kr), 403)
    assert db_digest() == before
    response = client.post(f"key-results/{data.kr.pk}/check-ins", {"value": 60})
    assert response.status_code == 201
    assert db_digest()["audit entries"] == before["audit entries"] + 1
