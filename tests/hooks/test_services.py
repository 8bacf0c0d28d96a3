"""Endpoint writes: validation in one place, admins only, other organisations 404, audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from pytest_django.fixtures import Settings as SettingsWrapper

from ambit.core.models import AuditAction, AuditEntry
from ambit.hooks import selectors, services
from ambit.hooks.models import WebhookEndpoint
from tests.builders import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the URL."),
        ("example.com/hook", "Enter the full address events go to, starting with https://"),
        ("ftp://example.com/hook", "Enter the full address events go to, starting with https://"),
        ("https://exa mple.com/", "Enter the full address events go to, starting with https://"),
        ("http://example.com/hook", "Use an https:// address (e.g. https://example.com/ambit-events)"),
        ("https://user:pw@example.com/", "Leave the user name and password out of the URL"),
        ("https://example.com/\x00", "The URL contains control characters"),
    ],
)
def test_bad_urls_are_refused_with_a_clear_message(world: World, url: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(actor=world.admin, url=url)
    assert refused.value.message_dict["url"][0].startswith(message)
    assert not WebhookEndpoint.objects.exists()


def test_http_to_localhost_needs_the_setting(world: World, settings: SettingsWrapper) -> None:
    settings.WEBHOOKS_ALLOW_HTTP = False
    settings.DEBUG = False
    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(actor=world.admin, url="http://127.0.0.1:8000/hook")
    assert "only when WEBHOOKS_ALLOW_HTTP is on" in refused.value.message_dict["url"][0]
    settings.DEBUG = True
    assert services.endpoint_create(actor=world.admin, url="http://localhost:8000/hook").url.startswith("http://")


def test_create_makes_a_standard_webhooks_secret_and_audits_without_it(world: World) -> None:
    endpoint = services.endpoint_create(
        actor=world.admin,
        url="https://example.com/hook",
        description="  Warehouse  ",
        event_prefixes=["objective", "check_in", "check_in"],
    )
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) == 6 + 44
    assert (endpoint.description, endpoint.event_prefixes, endpoint.enabled) == (
        "Warehouse",
        ["check_in", "objective"],
        True,
    )
    assert (endpoint.organisation_id, endpoint.created_by_id) == (world.org.pk, world.admin.pk)
    entry = AuditEntry.objects.get(action=AuditAction.WEBHOOK_CREATE)
    assert entry.changes == {
        "url": "https://example.com/hook",
        "description": "Warehouse",
        "event_prefixes": ["check_in", "objective"],
        "enabled": True,
    }
    assert endpoint.secret not in str(entry.changes)


def test_an_unknown_event_prefix_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(actor=world.admin, url="https://example.com/h", event_prefixes=["payroll"])
    assert refused.value.message_dict["event_prefixes"] == [
        "“payroll” is not an event Ambit records: pick from the list (e.g. check_in)."
    ]


def test_update_saves_and_audits_only_what_changed(world: World) -> None:
    endpoint = services.endpoint_create(actor=world.admin, url="https://example.com/h")
    services.endpoint_update(
        actor=world.admin, endpoint=endpoint, url="https://example.com/new", description="", event_prefixes=[]
    )
    entry = AuditEntry.objects.get(action=AuditAction.WEBHOOK_UPDATE)
    assert entry.changes == {"url": ["https://example.com/h", "https://example.com/new"]}
    services.endpoint_update(actor=world.admin, endpoint=endpoint, enabled=False)
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, f"Turned off by {world.admin.user.full_name}.")


def test_delete_removes_the_endpoint_and_audits(world: World) -> None:
    endpoint = services.endpoint_create(actor=world.admin, url="https://example.com/h")
    services.endpoint_delete(actor=world.admin, endpoint=endpoint)
    assert not WebhookEndpoint.objects.exists()
    entry = AuditEntry.objects.get(action=AuditAction.WEBHOOK_DELETE)
    assert entry.changes == {"url": "https://example.com/h", "description": ""}


@pytest.mark.parametrize("persona", ["champion", "lead", "member", "viewer"])
def test_only_admins_manage_webhooks_and_nothing_changes(world: World, persona: str) -> None:
    endpoint = services.endpoint_create(actor=world.admin, url="https://example.com/h")
    actor = getattr(world, persona)
    before = AuditEntry.objects.count()
    attempts: list[Callable[[], object]] = [
        lambda: services.endpoint_create(actor=actor, url="https://example.com/x"),
        lambda: services.endpoint_update(actor=actor, endpoint=endpoint, url="https://example.com/y"),
        lambda: services.endpoint_rotate_secret(actor=actor, endpoint=endpoint),
        lambda: services.endpoint_delete(actor=actor, endpoint=endpoint),
        lambda: services.endpoint_send_test(actor=actor, endpoint=endpoint),
        lambda: selectors.endpoint_list(actor=actor),
        lambda: selectors.endpoint_get(actor=actor, endpoint_id=endpoint.pk),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    secret = endpoint.secret
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.secret, WebhookEndpoint.objects.count()) == ("https://example.com/h", secret, 1)
    assert AuditEntry.objects.count() == before


def test_another_organisations_admin_gets_404_and_nothing_changes(world: World) -> None:
    endpoint = services.endpoint_create(actor=world.admin, url="https://example.com/h")
    outsider = world.outsider
    attempts: list[Callable[[], object]] = [
        lambda: services.endpoint_update(actor=outsider, endpoint=endpoint, url="https://example.com/y"),
        lambda: services.endpoint_rotate_secret(actor=outsider, endpoint=endpoint),
        lambda: services.endpoint_delete(actor=outsider, endpoint=endpoint),
        lambda: services.endpoint_send_test(actor=outsider, endpoint=endpoint),
        lambda: selectors.endpoint_get(actor=outsider, endpoint_id=endpoint.pk),
        lambda: selectors.delivery_page(actor=outsider, endpoint=endpoint),
    ]
    for attempt in attempts:
        with pytest.raises(Http404):
            attempt()
    assert list(selectors.endpoint_list(actor=outsider)) == []
    endpoint.refresh_from_db()
    assert endpoint.url == "https://example.com/h"
