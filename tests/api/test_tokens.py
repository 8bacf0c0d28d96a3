"""API tokens: hashed at rest, shown once, scoped to a member and role, revocable, rate limited."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from ambit.accounts.models import User
from ambit.api.models import ApiToken
from ambit.api.services import api_token_create, api_token_revoke
from ambit.core.errors import Conflict
from ambit.core.models import AuditEntry
from tests.api.conftest import ApiClient
from tests.builders import World
from tests.querycount import assert_queries

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_hashed_with_a_visible_prefix_and_audited(world: World) -> None:
    created = api_token_create(actor=world.member, name="Sheet sync", read_only=True)
    token = ApiToken.objects.get()
    assert created.secret.startswith("amb_") and len(created.secret) > 40
    assert token.hash == hashlib.sha256(created.secret.encode()).hexdigest()
    assert created.secret not in {token.hash, token.prefix, token.name}
    assert created.secret.startswith(token.prefix) and len(token.prefix) == 12
    assert (token.membership, token.read_only) == (world.member, True)
    entry = AuditEntry.objects.get(action="api_token.create")
    assert created.secret not in str(entry.changes)


def test_a_token_acts_as_its_member_with_that_role(world: World) -> None:
    response = ApiClient(api_token_create(actor=world.viewer, name="v").secret).get("organisation")
    assert response.json()["slug"] == "acme"
    response = ApiClient(api_token_create(actor=world.outsider, name="o").secret).get("organisation")
    assert response.json()["slug"] == "globex"


def test_revoked_expired_or_deactivated_tokens_get_401(world: World) -> None:
    revoked = api_token_create(actor=world.member, name="r")
    api_token_revoke(actor=world.member, token=revoked.token)
    expired = api_token_create(actor=world.member, name="e")
    ApiToken.objects.filter(pk=expired.token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    gone = api_token_create(actor=world.champion, name="g")
    world.champion.is_active = False
    world.champion.save()
    for secret in (revoked.secret, expired.secret, gone.secret):
        assert ApiClient(secret).get("organisation").status_code == 401


def test_only_the_owner_or_an_admin_revokes_and_only_once(world: World) -> None:
    created = api_token_create(actor=world.member, name="m")
    with pytest.raises(PermissionDenied):
        api_token_revoke(actor=world.lead, token=created.token)
    assert ApiToken.objects.get().revoked_at is None
    api_token_revoke(actor=world.admin, token=created.token)
    with pytest.raises(Conflict):
        api_token_revoke(actor=world.member, token=created.token)
    assert AuditEntry.objects.filter(action="api_token.revoke").count() == 1


def test_last_used_is_recorded_at_most_once_a_minute(world: World) -> None:
    created = api_token_create(actor=world.member, name="m")
    client = ApiClient(created.secret)
    client.get("organisation")
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    with assert_queries(1, label="a second use within the minute"):  # the token look-up only: no UPDATE
        client.get("organisation")
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=first - dt.timedelta(minutes=2))
    client.get("organisation")
    last_used_at = ApiToken.objects.get().last_used_at
    assert last_used_at is not None and last_used_at > first


def test_create_api_token_command_prints_a_working_token(world: World) -> None:
    out = io.StringIO()
    call_command("create_api_token", user="LEAD@acme.test", org="acme", read_only=True, name="CLI", stdout=out)
    secret = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert (token.name, token.read_only, token.membership) == ("CLI", True, world.lead)
    client = ApiClient(secret)
    assert client.get("organisation").status_code == 200
    assert client.post("values", {"name": "x"}).status_code == 403


def test_create_api_token_command_refuses_a_non_member(world: World) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_token", user="outsider@globex.test", org="acme", stdout=io.StringIO())
    assert ApiToken.objects.count() == 0


def test_rate_limit_per_token_with_retry_after(world: World, settings: Settings) -> None:
    settings.API_RATE_LIMIT = 3
    a = ApiClient(api_token_create(actor=world.member, name="a").secret)
    b = ApiClient(api_token_create(actor=world.member, name="b").secret)
    assert [a.get("organisation").status_code for _ in range(3)] == [200, 200, 200]
    limited = a.get("organisation")
    assert limited.status_code == 429
    assert limited.headers["Content-Type"] == "application/problem+json"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert b.get("organisation").status_code == 200  # another token has its own budget


def test_unauthenticated_requests_are_limited_per_ip(world: World, settings: Settings) -> None:
    settings.API_RATE_LIMIT = 2
    anonymous = ApiClient(None)
    assert [anonymous.get("organisation").status_code for _ in range(3)] == [401, 401, 429]
    assert ApiClient(api_token_create(actor=world.member, name="a").secret).get("organisation").status_code == 200


def _login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_settings_page_creates_shows_once_lists_and_revokes(world: World) -> None:
    client = _login(world.member.user)
    response = client.post("/settings/tokens/", {"name": "Zapier", "read_only": "on"})
    assert response.status_code == 201
    token = ApiToken.objects.get()
    page = response.content.decode()
    secret = next(w for w in page.replace('"', " ").split() if w.startswith("amb_") and len(w) > 40)
    assert token.hash == hashlib.sha256(secret.encode()).hexdigest()
    assert (token.name, token.read_only, token.membership) == ("Zapier", True, world.member)

    listing = client.get("/settings/tokens/").content.decode()
    assert "Zapier" in listing and token.prefix in listing and secret not in listing

    response = client.post(f"/settings/tokens/{token.pk}/revoke")
    assert response.status_code == 302
    assert ApiToken.objects.get().revoked_at is not None
    assert ApiClient(secret).get("organisation").status_code == 401


def test_settings_page_shows_only_your_tokens_and_hides_others_revoke(world: World) -> None:
    mine = api_token_create(actor=world.lead, name="Lead's script")
    client = _login(world.member.user)
    assert "Lead's script" not in client.get("/settings/tokens/").content.decode()
    assert client.post(f"/settings/tokens/{mine.token.pk}/revoke").status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_settings_page_needs_login() -> None:
    response = Client().get("/settings/tokens/")
    assert response.status_code == 302 and "login" in response["Location"]
