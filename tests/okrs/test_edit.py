"""Creating and changing OKRs in the browser: forms call the services, errors land on fields."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from ambit.core.models import AuditEntry
from ambit.okrs.models import Alignment, Cycle, KeyResult, Milestone, Objective
from ambit.strategy.models import BigMove, Strategy
from tests.builders import Tree, World
from tests.okrs.conftest import login

pytestmark = pytest.mark.django_db


def test_create_objective_with_prefill_and_parent(world: World, tree: Tree) -> None:
    client = login(world.lead)
    url = reverse("okrs:objective-create")
    page = client.get(url + f"?cycle={world.cycle.pk}&team={world.team.pk}&parent={tree.company_obj.pk}")
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["team"] == world.team.pk and form.initial["parent"] == tree.company_obj.pk
    assert form.initial["theme"] == tree.big_move.pk
    response = client.post(
        url,
        {
            "title": "Zero downtime",
            "cycle": world.cycle.pk,
            "owner": world.lead.pk,
            "team": world.team.pk,
            "parent": tree.company_obj.pk,
            "ambition": "aspirational",
            "visibility": "public",
            "state": "active",
        },
    )
    created = Objective.objects.get(title="Zero downtime")
    assert response.status_code == 302 and response["Location"] == reverse("okrs:objective-detail", args=[created.pk])
    assert (created.team, created.level, created.ambition, created.state) == (
        world.team,
        "team",
        "aspirational",
        "active",
    )
    assert Alignment.objects.filter(child=created, parent=tree.company_obj).exists()
    assert AuditEntry.objects.filter(action="objective.create", object_id=str(created.pk)).exists()
    assert AuditEntry.objects.filter(action="alignment.add", object_id=str(created.pk)).exists()


def test_create_objective_for_a_team_you_do_not_lead_is_403(world: World, tree: Tree) -> None:
    before = Objective.objects.count()
    response = login(world.lead).post(
        reverse("okrs:objective-create"),
        {
            "title": "Sales push",
            "cycle": world.cycle.pk,
            "owner": world.lead.pk,
            "team": world.other_team.pk,
            "ambition": "committed",
            "visibility": "public",
            "state": "draft",
        },
    )
    assert response.status_code == 403
    assert Objective.objects.count() == before


def test_blank_title_shows_field_error(world: World, tree: Tree) -> None:
    response = login(world.member).post(
        reverse("okrs:objective-create"),
        {
            "title": "",
            "cycle": world.cycle.pk,
            "owner": world.member.pk,
            "ambition": "committed",
            "visibility": "public",
            "state": "draft",
        },
    )
    assert response.status_code == 400
    assert "This field is required." in response.context["form"].errors["title"]


def test_edit_objective(world: World, tree: Tree) -> None:
    client = login(world.lead)
    url = reverse("okrs:objective-edit", args=[tree.team_obj.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": "A platform customers love",
            "description": "Trust first",
            "owner": world.lead.pk,
            "team": world.team.pk,
            "ambition": "committed",
            "visibility": "team",
        },
    )
    assert response.status_code == 302
    tree.team_obj.refresh_from_db()
    assert (tree.team_obj.title, tree.team_obj.visibility) == ("A platform customers love", "team")
    entry = AuditEntry.objects.filter(action="objective.update", object_id=str(tree.team_obj.pk)).get()
    assert entry.changes["title"] == ["A platform customers trust", "A platform customers love"]


def test_member_edits_own_individual_objective(world: World, tree: Tree) -> None:
    response = login(world.member).post(
        reverse("okrs:objective-edit", args=[tree.member_obj.pk]),
        {"title": "Grow fast", "owner": world.member.pk, "ambition": "aspirational", "visibility": "public"},
    )
    assert response.status_code == 302
    assert Objective.objects.get(pk=tree.member_obj.pk).title == "Grow fast"


@pytest.mark.parametrize(
    ("data", "check"),
    [
        (
            {"kind": "increase", "start_value": "10", "target_value": "50", "stretch_target": "60", "unit": "users"},
            lambda kr: (
                (float(kr.start_value), float(kr.target_value), float(kr.stretch_target), kr.unit)
                == (10, 50, 60, "users")
            ),
        ),
        (
            {"kind": "stay_below", "target_value": "2", "unit": "%", "unit_kind": "percent"},
            lambda kr: (kr.start_value, float(kr.target_value), kr.unit_kind) == (None, 2.0, "percent"),
        ),
        (
            {"kind": "milestones", "milestones": "Plan\n\n  Build  \nShip\n", "start_value": "5"},
            lambda kr: (
                list(kr.milestones.values_list("title", flat=True)) == ["Plan", "Build", "Ship"]
                and kr.start_value is None
            ),
        ),
        (
            {"kind": "binary", "start_value": "3", "target_value": "9", "stretch_target": "12"},
            lambda kr: (float(kr.start_value), float(kr.target_value), kr.stretch_target) == (0, 1, None),
        ),
    ],
)
def test_create_key_result_of_every_kind(
    world: World, tree: Tree, data: dict[str, str], check: Callable[[KeyResult], bool]
) -> None:
    payload = {"title": "New KR", "weight": "1", "owner": world.member.pk, "unit_kind": "number", **data}
    response = login(world.lead).post(reverse("okrs:kr-create", args=[tree.team_obj.pk]), payload)
    assert response.status_code == 302, response.context and response.context["form"].errors
    kr = KeyResult.objects.get(title="New KR")
    assert kr.kind == data["kind"] and kr.owner == world.member and check(kr)
    assert AuditEntry.objects.filter(action="key_result.create", object_id=str(kr.pk)).exists()


def test_key_result_service_error_lands_on_the_field(world: World, tree: Tree) -> None:
    before = KeyResult.objects.count()
    response = login(world.lead).post(
        reverse("okrs:kr-create", args=[tree.team_obj.pk]),
        {
            "title": "Bad",
            "kind": "increase",
            "start_value": "50",
            "target_value": "10",
            "weight": "1",
            "owner": world.lead.pk,
            "unit_kind": "number",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["target_value"]
    assert any("use “decrease to”" in e for e in errors)
    assert "use “decrease to”" in response.content.decode()
    assert KeyResult.objects.count() == before
    response = login(world.lead).post(
        reverse("okrs:kr-create", args=[tree.team_obj.pk]),
        {
            "title": "Bad",
            "kind": "milestones",
            "milestones": "",
            "weight": "1",
            "owner": world.lead.pk,
            "unit_kind": "number",
        },
    )
    assert "at least one milestone" in response.context["form"].errors["milestones"][0]


def test_edit_key_result_and_add_milestone(world: World, tree: Tree) -> None:
    client = login(world.lead)
    url = reverse("okrs:kr-edit", args=[tree.latency.pk])
    page = client.get(url)
    assert page.context["form"].initial["target_value"] == "200"
    response = client.post(
        url,
        {
            "title": "p95 latency (API)",
            "kind": "decrease",
            "start_value": "800",
            "target_value": "150",
            "unit": "ms",
            "unit_kind": "number",
            "weight": "2",
            "owner": world.lead.pk,
        },
    )
    assert response.status_code == 302
    tree.latency.refresh_from_db()
    assert tree.latency.target_value is not None
    assert (tree.latency.title, float(tree.latency.target_value), tree.latency.weight) == (
        "p95 latency (API)",
        150.0,
        2.0,
    )
    entry = AuditEntry.objects.filter(action="key_result.update", object_id=str(tree.latency.pk)).get()
    assert set(entry.changes) == {"title", "target_value", "weight"}
    response = client.post(
        reverse("okrs:kr-edit", args=[tree.launch.pk]),
        {
            "title": "Launch status page",
            "kind": "milestones",
            "weight": "1",
            "owner": world.lead.pk,
            "unit_kind": "number",
            "add_milestone": "Announce",
        },
    )
    assert response.status_code == 302
    assert list(Milestone.objects.filter(key_result=tree.launch).values_list("title", flat=True)) == [
        "Design",
        "Build",
        "Announce",
    ]


def test_kind_change_after_check_ins_is_refused_on_the_kind_field(world: World, tree: Tree) -> None:
    response = login(world.lead).post(
        reverse("okrs:kr-edit", args=[tree.latency.pk]),
        {
            "title": "p95 latency",
            "kind": "increase",
            "start_value": "0",
            "target_value": "10",
            "weight": "1",
            "owner": world.lead.pk,
            "unit_kind": "number",
        },
    )
    assert response.status_code == 400
    assert "kind cannot change" in response.context["form"].errors["kind"][0]
    assert KeyResult.objects.get(pk=tree.latency.pk).kind == "decrease"


def test_cancel_needs_reason_then_cancels(world: World, tree: Tree) -> None:
    client = login(world.lead)
    url = reverse("okrs:objective-cancel", args=[tree.team_obj.pk])
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 400 and "Say why" in response.content.decode()
    assert Objective.objects.get(pk=tree.team_obj.pk).state == "active"
    assert client.post(url, {"reason": "Strategy changed"}).status_code == 302
    obj = Objective.objects.get(pk=tree.team_obj.pk)
    assert (obj.state, obj.cancel_reason) == ("cancelled", "Strategy changed")
    assert AuditEntry.objects.filter(action="objective.cancel", object_id=str(obj.pk)).exists()
    html = client.get(reverse("okrs:objective-detail", args=[obj.pk])).content.decode()
    assert "Strategy changed" in html


def test_state_changes(world: World, tree: Tree) -> None:
    client = login(world.lead)
    url = reverse("okrs:objective-state", args=[tree.team_obj.pk])
    assert client.post(url, {"state": "closed"}).status_code == 302
    assert Objective.objects.get(pk=tree.team_obj.pk).state == "closed"
    assert AuditEntry.objects.filter(action="objective.closed", object_id=str(tree.team_obj.pk)).exists()
    response = client.post(url, {"state": "proposed"}, follow=True)
    assert "can become active, not proposed" in response.content.decode()
    assert Objective.objects.get(pk=tree.team_obj.pk).state == "closed"


def test_align_and_remove(world: World, tree: Tree) -> None:
    client = login(world.member)
    url = reverse("okrs:objective-align", args=[tree.member_obj.pk])
    # The picker suggests the company's and the owner's team's objectives; not the objective
    # itself, not its current parent.
    page = client.get(url)
    choices = {o.pk for o in page.context["align_choices"].objectives}
    assert choices == {tree.company_obj.pk, tree.duality_child.pk}
    assert f'name="parent" value="{tree.company_obj.pk}"' in page.content.decode()
    assert client.post(url, {"parent": tree.company_obj.pk, "weight": "0.5"}).status_code == 302
    link = Alignment.objects.get(child=tree.member_obj, parent=tree.company_obj)
    assert link.weight == 0.5
    assert AuditEntry.objects.filter(action="alignment.add", object_id=str(tree.member_obj.pk)).exists()
    assert client.post(url, {"remove": tree.company_obj.pk}).status_code == 302
    assert not Alignment.objects.filter(child=tree.member_obj, parent=tree.company_obj).exists()
    assert AuditEntry.objects.filter(action="alignment.remove", object_id=str(tree.member_obj.pk)).exists()


def test_alignment_loop_is_refused_with_the_message_shown(world: World, tree: Tree) -> None:
    client = login(world.champion)
    url = reverse("okrs:objective-align", args=[tree.company_obj.pk])
    for text in (tree.member_obj.title, tree.team_obj.title):  # below it: would loop, so not offered
        page = client.get(url, {"q": text})
        assert page.context["align_choices"].objectives == [], text
    before = Alignment.objects.count()
    response = client.post(url, {"parent": tree.member_obj.pk, "weight": "1"})
    assert response.status_code == 400
    message = response.context["form"].errors["parent"][0]
    assert "would make a loop" in message
    assert "would make a loop" in response.content.decode()
    assert Alignment.objects.count() == before


def test_cascade_key_result_to_child_objective(world: World, tree: Tree) -> None:
    client = login(world.lead)
    url = reverse("okrs:kr-cascade", args=[tree.launch.pk])
    assert client.get(url).context["form"].initial["title"] == "Launch status page"
    response = client.post(
        url,
        {
            "title": "Status page live",
            "owner": world.member.pk,
            "team": "",
            "state": "draft",
            "progress_from_child": "on",
        },
    )
    child = Objective.objects.get(title="Status page live")
    assert response.status_code == 302 and response["Location"] == reverse("okrs:objective-detail", args=[child.pk])
    assert (child.source_key_result, child.owner, child.level) == (tree.launch, world.member, "individual")
    assert KeyResult.objects.get(pk=tree.launch.pk).progress_from_children is True
    assert AuditEntry.objects.filter(action="key_result.cascade", object_id=str(tree.launch.pk)).exists()
    parent_html = client.get(reverse("okrs:objective-detail", args=[tree.team_obj.pk])).content.decode()
    assert "Status page live" in parent_html


def test_champion_creates_cycle_and_sees_errors(world: World) -> None:
    client = login(world.champion)
    url = reverse("okrs:cycle-list")
    response = client.post(
        url,
        {
            "name": "Current quarter",
            "kind": "quarter",
            "start_date": "2030-01-01",
            "end_date": "2029-01-01",
            "state": "planning",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "already exists" in errors["name"][0] and "after the start" in errors["end_date"][0]
    response = client.post(
        url,
        {
            "name": "Q1 2030",
            "kind": "quarter",
            "start_date": "2030-01-01",
            "end_date": "2030-03-31",
            "state": "planning",
        },
    )
    assert response.status_code == 302
    cycle = Cycle.objects.get(name="Q1 2030")
    assert AuditEntry.objects.filter(action="cycle.create", object_id=str(cycle.pk)).exists()
    assert login(world.member).post(url, {"name": "Q2 2030"}).status_code == 403


def test_champion_edits_strategy(world: World, tree: Tree) -> None:
    client = login(world.champion)
    assert (
        client.post(reverse("strategy:edit"), {"mission": "Make OKRs easy", "vision": "Everyone aligned"}).status_code
        == 302
    )
    assert Strategy.objects.get(organisation=world.org).mission == "Make OKRs easy"
    assert client.post(reverse("strategy:value-create"), {"name": "Ownership"}).status_code == 302
    response = client.post(
        reverse("strategy:big-move-create"), {"title": "Go global", "horizon_start": 2027, "horizon_end": 2026}
    )
    assert response.status_code == 400 and "last year" in response.context["form"].errors["horizon_end"][0]
    assert (
        client.post(
            reverse("strategy:big-move-create"), {"title": "Go global", "horizon_start": 2026, "horizon_end": 2028}
        ).status_code
        == 302
    )
    move = BigMove.objects.get(title="Go global")
    assert (
        client.post(
            reverse("strategy:big-move-edit", args=[move.pk]),
            {"title": "Go global", "horizon_start": 2026, "horizon_end": 2029, "is_archived": "on"},
        ).status_code
        == 302
    )
    move.refresh_from_db()
    assert (move.horizon_end, move.is_archived) == (2029, True)
    assert client.post(reverse("strategy:value-delete", args=[tree.value.pk])).status_code == 302
    actions = set(AuditEntry.objects.filter(organisation=world.org).values_list("action", flat=True))
    assert {"strategy.update", "value.create", "big_move.create", "big_move.update", "value.delete"} <= actions
    html = client.get(reverse("strategy:detail")).content.decode()
    assert "Make OKRs easy" in html and "Win the mid-market" in html  # the objective under its big move
