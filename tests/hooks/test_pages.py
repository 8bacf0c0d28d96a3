"""Settings → Webhooks: admins manage endpoints; others get 403, other organisations 404; the list
and the log cost a fixed number of queries."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ambit.core.models import AuditAction, AuditEntry
from ambit.hooks import services
from ambit.hooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from ambit.hooks.selectors import LOG_PAGE
from ambit.strategy import services as strategy
from tests.builders import World
from tests.hooks.conftest import Tick
from tests.hooks.receiver import Receiver
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db

ENDPOINT_PAGES = [
    ("hooks:endpoint-detail", "get"),
    ("hooks:endpoint-edit", "get"),
    ("hooks:endpoint-edit", "post"),
    ("hooks:endpoint-enable", "post"),
    ("hooks:endpoint-disable", "post"),
    ("hooks:endpoint-rotate", "post"),
    ("hooks:endpoint-test", "post"),
    ("hooks:endpoint-delete", "get"),
    ("hooks:endpoint-delete", "post"),
]


def _as(client: Client, member: object) -> Client:
    client.force_login(member.user)  # type: ignore[attr-defined]
    return client


def _endpoint(world: World, url: str = "https://example.com/hook") -> WebhookEndpoint:
    return services.endpoint_create(actor=world.admin, url=url, description="Warehouse")


def test_admin_adds_an_endpoint_and_sees_its_secret(client: Client, world: World) -> None:
    _as(client, world.admin)
    page = client.get(reverse("hooks:endpoint-create"))
    assert page.status_code == 200
    assert 'for="id_url"' in page.content.decode() and "<legend>Events</legend>" in page.content.decode()
    response = client.post(
        reverse("hooks:endpoint-create"),
        {"url": "https://example.com/hook", "description": "Warehouse", "event_prefixes": ["check_in"]},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("hooks:endpoint-detail", args=[endpoint.pk])
    assert (endpoint.event_prefixes, endpoint.created_by_id) == (["check_in"], world.admin.pk)
    detail = client.get(response["Location"])
    html = detail.content.decode()
    assert endpoint.secret in html and "Send test event" in html
    assert detail["Cache-Control"] == "no-store"
    assert "Nothing sent yet." in html


def test_a_bad_url_shows_the_services_message_on_the_field(client: Client, world: World) -> None:
    _as(client, world.admin)
    response = client.post(reverse("hooks:endpoint-create"), {"url": "http://example.com/h"})
    assert response.status_code == 400
    assert "Use an https:// address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_admin_edits_disables_enables_rotates_and_deletes(client: Client, world: World) -> None:
    endpoint = _endpoint(world)
    _as(client, world.admin)
    edit = reverse("hooks:endpoint-edit", args=[endpoint.pk])
    assert client.post(edit, {"url": "https://example.com/v2", "description": "Lake"}).status_code == 302
    client.post(reverse("hooks:endpoint-disable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.description, endpoint.enabled) == ("https://example.com/v2", "Lake", False)
    assert "Turned off by" in client.get(reverse("hooks:endpoint-detail", args=[endpoint.pk])).content.decode()
    client.post(reverse("hooks:endpoint-enable", args=[endpoint.pk]))
    old = endpoint.secret
    client.post(reverse("hooks:endpoint-rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.secret != old and endpoint.previous_secret == old
    assert client.get(reverse("hooks:endpoint-delete", args=[endpoint.pk])).status_code == 200
    response = client.post(reverse("hooks:endpoint-delete", args=[endpoint.pk]))
    assert response["Location"] == reverse("hooks:endpoint-list")
    assert not WebhookEndpoint.objects.exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"webhook.update", "webhook.rotate_secret", "webhook.delete"} <= actions


def test_send_test_event_shows_the_answer_in_the_log(
    client: Client, world: World, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    _as(client, world.admin)
    response = client.post(reverse("hooks:endpoint-test", args=[endpoint.pk]), follow=True)
    html = response.content.decode()
    assert "Test event delivered: the receiver answered HTTP 200." in html
    assert "<code>webhook.test</code>" in html
    assert receiver.types == ["webhook.test"] and receiver.received[0].verified


def test_the_settings_page_links_webhooks_for_admins_only(client: Client, world: World) -> None:
    url = reverse("hooks:endpoint-list")
    assert f'href="{url}"' in _as(client, world.admin).get(reverse("front:settings")).content.decode()
    assert f'href="{url}"' not in _as(client, world.champion).get(reverse("front:settings")).content.decode()


@pytest.mark.parametrize("persona", ["champion", "lead", "member", "viewer"])
def test_non_admins_get_403_on_every_page_and_nothing_changes(client: Client, world: World, persona: str) -> None:
    endpoint = _endpoint(world)
    _as(client, getattr(world, persona))
    before = AuditEntry.objects.count()
    for name in ("hooks:endpoint-list", "hooks:endpoint-create"):
        assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse("hooks:endpoint-create"), {"url": "https://example.com/x"}).status_code == 403
    for name, method in ENDPOINT_PAGES:
        response = getattr(client, method)(reverse(name, args=[endpoint.pk]), {"url": "https://example.com/x"})
        assert response.status_code == 403, (name, method)
    assert AuditEntry.objects.count() == before
    assert WebhookEndpoint.objects.get().url == "https://example.com/hook"


def test_another_organisations_admin_gets_404_on_every_endpoint_page(client: Client, world: World) -> None:
    endpoint = _endpoint(world)
    _as(client, world.outsider)
    before = AuditEntry.objects.count()
    for name, method in ENDPOINT_PAGES:
        response = getattr(client, method)(reverse(name, args=[endpoint.pk]), {"url": "https://example.com/x"})
        assert response.status_code == 404, (name, method)
    assert endpoint.url not in client.get(reverse("hooks:endpoint-list")).content.decode()
    assert AuditEntry.objects.count() == before
    assert WebhookEndpoint.objects.get().enabled


def test_the_list_costs_the_same_for_1_and_6_endpoints(client: Client, world: World) -> None:
    _endpoint(world)
    _as(client, world.admin)
    url = reverse("hooks:endpoint-list")
    client.get(url)
    with count_queries() as one:
        assert client.get(url).status_code == 200
    for i in range(5):
        _endpoint(world, f"https://example.com/{i}")
    with assert_queries(one, label="the endpoint list with 6 endpoints against 1"):
        html = client.get(url).content.decode()
    assert html.count("https://example.com/") == 6
    assert len(one) == 5


def test_the_log_is_paged_newest_first_at_a_fixed_cost(
    client: Client, world: World, endpoint: WebhookEndpoint, receiver: Receiver, tick: Tick
) -> None:
    _as(client, world.admin)
    url = reverse("hooks:endpoint-detail", args=[endpoint.pk])
    strategy.value_create(actor=world.champion, name="Value first")
    tick()
    client.get(url)
    with count_queries() as one:
        assert client.get(url).status_code == 200
    receiver.default = 500
    for i in range(LOG_PAGE + 4):
        strategy.value_create(actor=world.champion, name=f"Value {i}")
    tick()
    with assert_queries(one, label="the log with 30 deliveries against 1"):
        html = client.get(url).content.decode()
    assert len(one) == 6
    newest = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-pk")
    assert html.index(f"Value {LOG_PAGE + 3}") < html.index(f"Value {LOG_PAGE + 2}"), "newest first"
    assert "Value first" not in html and "Older deliveries" in html
    assert html.count(">500<") == LOG_PAGE
    older = newest[LOG_PAGE - 1].pk
    fragment = client.get(f"{url}?before={older}", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and "Value first" in fragment and "Value 0" in fragment
    assert "Older deliveries" not in fragment
    assert newest[0].status == DeliveryStatus.PENDING
    assert AuditEntry.objects.filter(action=AuditAction.VALUE_CREATE).count() == LOG_PAGE + 5
