"""Invitation links point where the app actually runs, and can be copied (issue 12, item 11)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks
from pytest_django.fixtures import Settings as SettingsWrapper

from ambit.accounts import invitations
from ambit.accounts.models import Invitation
from ambit.core.web import FALLBACK_SITE_URL, site_url
from tests.builders import World

pytestmark = pytest.mark.django_db

ACCEPT_PREFIX = "/accounts/invitations/accept/"


def _invite(client: Client, world: World, host: str) -> str:
    client.force_login(world.admin.user)
    response = client.post(
        reverse("accounts:members"),
        {"email": "new.person@acme.test", "role": "member", "send_email": "on"},
        HTTP_HOST=host,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_site_url_is_unset_by_default() -> None:
    from django.conf import settings

    assert settings.SITE_URL == ""


def test_without_site_url_the_link_is_built_from_the_request(
    client: Client,
    world: World,
    settings: SettingsWrapper,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.SITE_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        page = _invite(client, world, "localhost:9123")
    assert f'value="http://localhost:9123{ACCEPT_PREFIX}' in page
    assert "127.0.0.1:8000" not in page
    assert f"http://localhost:9123{ACCEPT_PREFIX}" in mail.outbox[0].body
    assert Invitation.objects.count() == 1


def test_a_configured_site_url_wins_over_the_request(
    client: Client,
    world: World,
    settings: SettingsWrapper,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.SITE_URL = "https://okr.acme.example/"
    with django_capture_on_commit_callbacks(execute=True):
        page = _invite(client, world, "localhost:9123")
    assert f'value="https://okr.acme.example{ACCEPT_PREFIX}' in page
    assert f"https://okr.acme.example{ACCEPT_PREFIX}" in mail.outbox[0].body
    assert "localhost:9123" not in mail.outbox[0].body


def test_the_api_builds_the_link_from_its_request(world: World, settings: SettingsWrapper) -> None:
    from tests.api.conftest import token_for

    settings.SITE_URL = ""
    client = Client()
    response = client.post(
        "/api/v1/invitations",
        {"email": "api.person@acme.test", "role": "member", "send_email": False},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for(world.admin)}"},
        HTTP_HOST="localhost:7001",
    )
    assert response.status_code == 201, response.content
    assert response.json()["url"].startswith(f"http://localhost:7001{ACCEPT_PREFIX}")


def test_a_service_call_without_a_request_falls_back(world: World, settings: SettingsWrapper) -> None:
    settings.SITE_URL = ""
    created = invitations.invitation_create(actor=world.admin, email="quiet@acme.test", send=False)
    assert created.url.startswith(f"{FALLBACK_SITE_URL}{ACCEPT_PREFIX}")
    assert site_url() == FALLBACK_SITE_URL


def test_the_link_has_a_copy_button_wired_by_ambit_js(client: Client, world: World) -> None:
    page = _invite(client, world, "localhost")
    assert 'data-copy-target="invite-link"' in page
    assert 'data-copy-status="invite-link"' in page
    assert 'id="invite-link"' in page
