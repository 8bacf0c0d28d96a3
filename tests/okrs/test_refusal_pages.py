"""Show only what a person may do, and every refusal as a page with its reason (issue 12, item 12)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from ambit.core.permissions import APPROVAL_DENIED, can_activate_objective, can_set_objective_state
from ambit.okrs.models import Objective
from tests.builders import World, key_results_for, objective_with_krs
from tests.helpers import db_digest

pytestmark = pytest.mark.django_db


def _approval_required(world: World) -> None:
    world.org.approval_required = True
    world.org.save(update_fields=["approval_required"])
    world.member.organisation.approval_required = True


def _own_draft(world: World) -> Objective:
    objective, _ = objective_with_krs(actor=world.member, cycle=world.cycle, title="Grow as an engineer")
    return objective


def test_with_approval_required_the_owner_is_not_offered_activate(client: Client, world: World) -> None:
    _approval_required(world)
    objective = _own_draft(world)
    client.force_login(world.member.user)
    page = client.get(reverse("okrs:objective-detail", args=[objective.pk]))
    transitions = dict(page.context["transitions"])
    assert "active" not in transitions
    assert transitions.get("proposed") == "Propose"
    assert ">Activate<" not in page.content.decode()


def test_the_lead_is_offered_activate_on_the_same_objective(client: Client, world: World) -> None:
    _approval_required(world)
    objective = _own_draft(world)
    client.force_login(world.lead.user)
    page = client.get(reverse("okrs:objective-detail", args=[objective.pk]))
    assert dict(page.context["transitions"]).get("active") == "Activate"


def test_without_approval_the_owner_activates(client: Client, world: World) -> None:
    objective = _own_draft(world)
    client.force_login(world.member.user)
    page = client.get(reverse("okrs:objective-detail", args=[objective.pk]))
    assert dict(page.context["transitions"]).get("active") == "Activate"


def test_the_rule_the_page_uses_is_the_rule_the_service_enforces(world: World) -> None:
    _approval_required(world)
    objective = _own_draft(world)
    assert not can_activate_objective(world.member, objective)
    assert not can_set_objective_state(world.member, objective, "active")
    assert can_set_objective_state(world.member, objective, "proposed")
    assert can_activate_objective(world.lead, objective)
    assert can_activate_objective(world.champion, objective)
    assert not can_set_objective_state(world.viewer, objective, "proposed")


def test_a_refused_activation_is_a_page_with_the_services_reason(client: Client, world: World) -> None:
    _approval_required(world)
    objective = _own_draft(world)
    client.force_login(world.member.user)
    before = db_digest()
    response = client.post(reverse("okrs:objective-state", args=[objective.pk]), {"state": "active"})
    assert response.status_code == 403
    html = response.content.decode()
    assert APPROVAL_DENIED in html
    assert "<html" in html and 'class="topbar"' in html  # the site layout, not a bare "403 Forbidden"
    assert "You can't do that here" in html
    assert db_digest() == before
    objective.refresh_from_db()
    assert objective.state == "draft"


def test_a_viewers_refusal_names_the_rule(client: Client, world: World) -> None:
    objective = _own_draft(world)
    client.force_login(world.viewer.user)
    response = client.post(reverse("okrs:objective-state", args=[objective.pk]), {"state": "proposed"})
    assert response.status_code == 403
    assert "Viewers can read but not change anything." in response.content.decode()


def test_not_found_is_a_page_in_the_same_layout(client: Client, world: World) -> None:
    client.force_login(world.member.user)
    missing = client.get(reverse("okrs:objective-detail", args=[999_999]))
    assert missing.status_code == 404
    html = missing.content.decode()
    assert "<html" in html and 'class="topbar"' in html and "Not found" in html
    unknown = client.get("/no/such/page/")
    assert unknown.status_code == 404
    assert "Back to My week" in unknown.content.decode()
    assert "tried these URL patterns" not in unknown.content.decode()


def test_a_used_invitation_is_a_410_page_in_the_same_layout(client: Client, world: World) -> None:
    response = client.get(reverse("accounts:invitation-accept", args=["not-a-token"]))
    assert response.status_code == 410
    html = response.content.decode()
    assert 'class="topbar"' in html and "This invitation can't be used" in html
    assert "Go to log in" in html


def test_an_htmx_action_that_is_refused_shows_the_refusal_in_place(client: Client, world: World) -> None:
    client.force_login(world.member.user)
    html = client.get(reverse("front:home")).content.decode()
    found = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert found is not None
    handling = json.loads(found.group(1))["responseHandling"]
    refusal = {"code": "40[34]", "swap": True, "error": False, "select": "#main", "target": "#main"}
    assert any(refusal.items() <= rule.items() for rule in handling)
    assert handling.index(next(r for r in handling if refusal.items() <= r.items())) < len(handling) - 1
    # What it swaps in: the refusal page's <main>, with the reason.
    (kr,) = key_results_for(world.champion, world.cycle, world.admin, 1)
    refused = client.get(reverse("front:kr-checkin", args=[kr.pk]), HTTP_HX_REQUEST="true")
    assert refused.status_code == 403
    body = refused.content.decode()
    assert '<main id="main"' in body and "Only the key result&#x27;s owner" in body
