"""The shared web plumbing in ``ambit.core``: ``member_required`` (with a declared permission),
``errors_on`` / ``add_service_error``, and the per-object rights templates read
(``Objective.can_edit`` / ``can_cancel``, set by ``ambit.okrs.access``)."""

from __future__ import annotations

import functools
import re

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from ambit.accounts.middleware import resolve_membership
from ambit.accounts.models import Membership, User
from ambit.core.errors import Conflict
from ambit.core.forms import add_service_error, errors_on
from ambit.core.http import MemberRequest
from ambit.core.permissions import EDIT_OBJECTIVE_DENIED, VIEWER_DENIED, require_org_editor, require_writer
from ambit.core.web import member_required
from ambit.okrs import services as okrs
from ambit.okrs.access import objective_for_edit, with_access
from ambit.okrs.models import Objective
from tests import factories as f
from tests.builders import Tree, World

pytestmark = pytest.mark.django_db

calls: list[int] = []


@member_required
def plain_view(request: MemberRequest) -> HttpResponse:
    calls.append(request.member.pk)
    return HttpResponse("ok")


@member_required(permission=require_writer)
def writer_view(request: MemberRequest) -> HttpResponse:
    calls.append(request.member.pk)
    return HttpResponse("ok")


@member_required(permission=functools.partial(require_org_editor, what="change the strategy"))
def editor_view(request: MemberRequest) -> HttpResponse:
    calls.append(request.member.pk)
    return HttpResponse("ok")


def _request(user: User | AnonymousUser) -> HttpRequest:
    request = RequestFactory().get("/somewhere/?x=1")
    request.user = user
    request.session = SessionStore()
    # What MembershipMiddleware attaches (the same dynamic attribute, hence the same ignore).
    request.membership = SimpleLazyObject(lambda: resolve_membership(request))  # type: ignore[attr-defined]
    return request


@pytest.fixture(autouse=True)
def _clear_calls() -> None:
    calls.clear()


def test_member_required_sends_an_anonymous_visitor_to_log_in() -> None:
    response = plain_view(_request(AnonymousUser()))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=/somewhere/%3Fx%3D1" in response["Location"]
    assert calls == []


def test_member_required_shows_a_user_without_an_organisation_the_friendly_page() -> None:
    user = f.UserFactory.create()
    response = plain_view(_request(user))
    assert response.status_code == 200
    assert calls == []


def test_member_required_hands_the_view_a_plain_membership(world: World) -> None:
    response = plain_view(_request(world.member.user))
    assert response.status_code == 200
    assert calls == [world.member.pk]


@pytest.mark.parametrize("persona", ["admin", "champion", "lead", "member"])
def test_a_declared_writer_permission_lets_writers_through(world: World, persona: str) -> None:
    member = getattr(world, persona)
    assert writer_view(_request(member.user)).status_code == 200
    assert calls == [member.pk]


def test_a_declared_permission_refuses_before_the_view_runs_with_the_rules_message(world: World) -> None:
    with pytest.raises(PermissionDenied, match=re.escape(VIEWER_DENIED)):
        writer_view(_request(world.viewer.user))
    with pytest.raises(PermissionDenied, match=re.escape("Only OKR champions and admins may change the strategy.")):
        editor_view(_request(world.member.user))
    assert calls == []
    assert editor_view(_request(world.champion.user)).status_code == 200
    assert calls == [world.champion.pk]


class _Form(forms.Form):
    title = forms.CharField()
    weight = forms.FloatField()


def _bound() -> _Form:
    form = _Form({"title": "x", "weight": "1"})
    assert form.is_valid()
    return form


def test_errors_on_puts_a_field_error_on_its_field_and_the_rest_on_the_form() -> None:
    form = _bound()
    with errors_on(form):
        raise ValidationError({"title": "Too long.", "cycle": "Closed."})
    assert form.errors["title"] == ["Too long."]
    assert form.non_field_errors() == ["cycle: Closed."]


def test_errors_on_shows_a_conflict_on_the_field_it_names() -> None:
    form = _bound()
    with errors_on(form):
        raise Conflict("Would make a loop.", field="weight")
    assert form.errors == {"weight": ["Would make a loop."]}


def test_errors_on_keeps_a_plain_validation_error_on_the_form() -> None:
    form = _bound()
    add_service_error(form, ValidationError(["First.", "Second."]))
    assert form.non_field_errors() == ["First.", "Second."]


@pytest.mark.parametrize("exc", [PermissionDenied("no"), Http404("gone"), RuntimeError("bug")])
def test_errors_on_lets_anything_but_a_service_refusal_through(exc: Exception) -> None:
    form = _bound()
    with pytest.raises(type(exc)), errors_on(form):
        raise exc
    assert form.errors == {}


def test_errors_on_leaves_the_form_clean_when_the_service_succeeds() -> None:
    form = _bound()
    with errors_on(form):
        result = 42
    assert result == 42
    assert form.errors == {}


def test_objective_rights_follow_the_permission_rule_and_the_state(world: World, tree: Tree) -> None:
    objectives = [tree.company_obj, tree.team_obj, tree.member_obj]
    with_access(world.lead, objectives)
    # The lead leads Platform (team_obj) and manages the member, not the company objective.
    assert [o.editor for o in objectives] == [False, True, True]
    assert [o.can_edit for o in objectives] == [False, True, True]
    with_access(world.viewer, objectives)
    assert [o.can_edit for o in objectives] == [False, False, False]

    okrs.objective_set_state(actor=world.champion, objective=tree.team_obj, state="closed")
    closed = Objective.objects.get(pk=tree.team_obj.pk)
    with_access(world.lead, [closed])
    assert (closed.can_edit, closed.can_cancel) == (False, True)  # closed: no edits, may still cancel
    okrs.objective_cancel(actor=world.champion, objective=closed, reason="Dropped")
    cancelled = Objective.objects.get(pk=tree.team_obj.pk)
    with_access(world.champion, [cancelled])
    assert (cancelled.can_edit, cancelled.can_cancel) == (False, False)


def test_objective_for_edit_is_404_outside_the_organisation_and_403_without_the_right(world: World, tree: Tree) -> None:
    assert objective_for_edit(world.lead, tree.team_obj.pk).can_edit
    with pytest.raises(PermissionDenied, match=re.escape(EDIT_OBJECTIVE_DENIED)):
        objective_for_edit(world.member, tree.company_obj.pk)
    with pytest.raises(Http404):
        objective_for_edit(world.outsider, tree.team_obj.pk)


def test_the_objective_page_offers_edits_only_to_those_who_may(world: World, tree: Tree) -> None:
    url = reverse("okrs:objective-detail", args=[tree.team_obj.pk])
    edit = reverse("okrs:objective-edit", args=[tree.team_obj.pk])
    cancel = reverse("okrs:objective-cancel", args=[tree.team_obj.pk])

    def page(member: Membership) -> str:
        client = Client()
        client.force_login(member.user)
        return client.get(url).content.decode()

    assert edit in page(world.lead) and cancel in page(world.lead)
    assert edit not in page(world.viewer) and cancel not in page(world.viewer)


@pytest.mark.django_db
def test_an_htmx_request_without_a_session_sends_the_whole_page_to_the_login(client: Client) -> None:
    """An HTMX request made from a page whose session expired (the header's lazily loaded badge, a
    swapped part) must not swap the login page into that part: HX-Redirect takes the whole page
    there, back to the page it came from afterwards; a plain request still gets the redirect."""
    badge = reverse("notify:unread-badge")
    page = "http://testserver/objectives/7/?cycle=2"
    response = client.get(badge, headers={"HX-Request": "true", "HX-Current-URL": page})
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/objectives/7/%3Fcycle%3D2"
    elsewhere = client.get(badge, headers={"HX-Request": "true", "HX-Current-URL": "https://evil.test/x"})
    assert elsewhere["HX-Redirect"] == f"/accounts/login/?next={badge}"
    plain = client.get(badge)
    assert plain.status_code == 302 and plain["Location"] == f"/accounts/login/?next={badge}"
