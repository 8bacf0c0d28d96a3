"""The cascade page needs edit rights on the key result's objective: cascading can hand the key
result's progress to the child, whose owner would then drive it with their own check-ins."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ambit.okrs.models import KeyResult, Objective
from tests.builders import Tree, World
from tests.helpers import db_digest
from tests.okrs.conftest import login

pytestmark = pytest.mark.django_db


def test_member_cannot_cascade_the_leads_key_result_on_the_web(world: World, tree: Tree) -> None:
    client = login(world.member)
    url = reverse("okrs:kr-cascade", args=[tree.launch.pk])
    before = db_digest()
    assert client.get(url).status_code == 403
    response = client.post(
        url, {"title": "Mine now", "owner": world.member.pk, "team": "", "state": "draft", "progress_from_child": "on"}
    )
    assert response.status_code == 403
    assert db_digest() == before
    assert KeyResult.objects.get(pk=tree.launch.pk).progress_from_children is False
    assert not Objective.objects.filter(source_key_result=tree.launch).exists()


def test_member_sees_no_cascade_button_on_the_leads_objective(world: World, tree: Tree) -> None:
    html = login(world.member).get(reverse("okrs:objective-detail", args=[tree.team_obj.pk])).content.decode()
    assert reverse("okrs:kr-cascade", args=[tree.launch.pk]) not in html
    # Their own objective they may cascade, and any writer may still start a supporting objective.
    own = login(world.member).get(reverse("okrs:objective-detail", args=[tree.member_obj.pk])).content.decode()
    assert reverse("okrs:kr-cascade", args=[tree.member_kr.pk]) in own
    assert "New supporting objective" in html


def test_lead_sees_the_cascade_button_on_their_teams_objective(world: World, tree: Tree) -> None:
    html = login(world.lead).get(reverse("okrs:objective-detail", args=[tree.team_obj.pk])).content.decode()
    assert reverse("okrs:kr-cascade", args=[tree.launch.pk]) in html


def test_outsider_gets_404_on_the_cascade_page(world: World, tree: Tree) -> None:
    client = login(world.outsider)
    url = reverse("okrs:kr-cascade", args=[tree.launch.pk])
    before = db_digest()
    assert client.get(url).status_code == 404
    assert client.post(url, {"title": "X", "owner": world.outsider.pk, "state": "draft"}).status_code == 404
    assert db_digest() == before
