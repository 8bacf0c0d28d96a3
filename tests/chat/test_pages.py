"""Settings → Chat channels: champions and admins manage the organisation's and every team's
channels, team leads their teams'; members and viewers get 403, another organisation 404; the URL
is never shown after saving; "Send test message" posts through the same path; the page costs a
fixed number of queries."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper

from ambit.accounts.models import Membership
from ambit.chat import services
from ambit.chat.models import ChatPost, ChatWebhook, PostKind, PostStatus
from ambit.core.models import AuditAction, AuditEntry
from tests.builders import World
from tests.chat.receiver import Channel
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db

PAGE = "/settings/chat/"
SECRET_URL = "https://hooks.slack.com/services/T0001/B0001/abcdefghijklmnopWXYZ"
CHANNEL_URLS = [
    ("chat:channel-test", "post"),
    ("chat:channel-enable", "post"),
    ("chat:channel-disable", "post"),
    ("chat:channel-delete", "get"),
    ("chat:channel-delete", "post"),
]


def _as(client: Client, member: Membership) -> Client:
    client.force_login(member.user)
    return client


def _state() -> list[tuple[object, ...]]:
    return list(ChatWebhook.objects.order_by("pk").values_list("pk", "enabled", "name", "posts_digest"))


def test_admin_adds_a_channel_and_its_url_is_never_shown_again(client: Client, world: World) -> None:
    _as(client, world.admin)
    page = client.get(PAGE)
    html = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    for label in (
        'for="id_url"',
        'for="id_team"',
        'for="id_name"',
        "<legend>Service</legend>",
        "<legend>What it posts</legend>",
    ):
        assert label in html
    assert '<option value="" selected>The whole organisation</option>' in html
    response = client.post(
        PAGE, {"service": "slack", "url": SECRET_URL, "team": "", "name": "#general", "posts_digest": "on"}
    )
    assert response.status_code == 302 and response["Location"] == PAGE
    webhook = ChatWebhook.objects.get()
    assert (webhook.url, webhook.team_id, webhook.name, webhook.posts_digest, webhook.posts_announcements) == (
        SECRET_URL,
        None,
        "#general",
        True,
        False,
    )
    assert webhook.created_by_id == world.admin.pk and webhook.enabled
    html = client.get(PAGE).content.decode()
    assert "hooks.slack.com/…WXYZ" in html and "Whole organisation" in html
    assert "abcdefghijklmnop" not in html and "T0001" not in html
    (entry,) = AuditEntry.objects.filter(action=AuditAction.CHAT_WEBHOOK_CREATE)
    assert entry.changes["url"] == [None, "hooks.slack.com/…WXYZ"]
    assert "abcdefghijklmnop" not in str(entry.changes)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.slack.com/services/x", "Use the https:// address"),
        ("not a url", "Paste the whole webhook URL"),
        ("https://user:pw@hooks.slack.com/x", "Leave any user name and password out"),
        ("", "Enter the webhook URL."),
    ],
)
def test_a_bad_url_is_refused_with_the_services_message(client: Client, world: World, url: str, message: str) -> None:
    response = _as(client, world.admin).post(PAGE, {"service": "slack", "url": url, "team": ""})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ChatWebhook.objects.exists()


def test_http_to_localhost_only_when_chat_allow_http_is_on(world: World, settings: SettingsWrapper) -> None:
    settings.CHAT_ALLOW_HTTP = False
    with pytest.raises(Exception, match="https://"):
        services.webhook_create(actor=world.admin, service="teams", url="http://127.0.0.1:9/hook")
    settings.CHAT_ALLOW_HTTP = True
    assert services.webhook_create(actor=world.admin, service="teams", url="http://127.0.0.1:9/hook").pk
    with pytest.raises(Exception, match="https://"):
        services.webhook_create(actor=world.admin, service="teams", url="http://example.com/hook")


def test_a_lead_manages_only_their_teams_channels(client: Client, world: World) -> None:
    sales = services.webhook_create(actor=world.admin, service="slack", url=SECRET_URL, team=world.other_team)
    whole = services.webhook_create(actor=world.champion, service="teams", url=SECRET_URL + "2")
    _as(client, world.lead)
    html = client.get(PAGE).content.decode()
    assert "The whole organisation" not in html and "Team Platform" in html and "Team Sales" not in html
    assert sales.masked_url not in html and whole.masked_url not in html
    assert client.post(PAGE, {"service": "slack", "url": SECRET_URL, "team": ""}).status_code == 400
    other = client.post(PAGE, {"service": "slack", "url": SECRET_URL, "team": str(world.other_team.pk)})
    assert other.status_code == 400
    assert ChatWebhook.objects.count() == 2
    response = client.post(PAGE, {"service": "teams", "url": SECRET_URL, "team": str(world.team.pk)})
    assert response.status_code == 302
    mine = ChatWebhook.objects.get(team=world.team)
    assert mine.masked_url in client.get(PAGE).content.decode()
    before = _state()
    for name, method in CHANNEL_URLS:
        for hook in (sales, whole):
            assert getattr(client, method)(reverse(name, args=[hook.pk])).status_code == 403, name
    assert _state() == before
    assert not ChatPost.objects.exists()


@pytest.mark.parametrize("persona", ["member", "viewer"])
def test_members_and_viewers_may_not_manage_channels(client: Client, world: World, persona: str) -> None:
    hook = services.webhook_create(actor=world.admin, service="slack", url=SECRET_URL)
    _as(client, getattr(world, persona))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"service": "slack", "url": SECRET_URL, "team": ""}).status_code == 403
    before = _state()
    for name, method in CHANNEL_URLS:
        assert getattr(client, method)(reverse(name, args=[hook.pk])).status_code == 403
    assert _state() == before and not ChatPost.objects.exists()
    assert reverse("chat:channels") not in client.get(reverse("front:settings")).content.decode()


def test_another_organisations_channel_is_a_404_everywhere(client: Client, world: World) -> None:
    hook = services.webhook_create(actor=world.admin, service="slack", url=SECRET_URL)
    before = _state()
    _as(client, world.outsider)
    for name, method in CHANNEL_URLS:
        assert getattr(client, method)(reverse(name, args=[hook.pk])).status_code == 404, name
    assert _state() == before and not ChatPost.objects.exists()
    assert Client().get(PAGE).status_code == 302


def test_send_test_message_posts_now_and_shows_the_response_code(
    client: Client, world: World, channel: Channel
) -> None:
    hook = services.webhook_create(actor=world.lead, service="teams", url=channel.url, team=world.team)
    _as(client, world.lead)
    response = client.post(reverse("chat:channel-test", args=[hook.pk]), follow=True)
    assert "Test message posted: the channel answered HTTP 200." in response.content.decode()
    (body,) = channel.bodies
    card = body["attachments"][0]["content"]
    assert card["body"][0]["text"] == "Test message from Ambit"
    assert "for the team Platform of Acme" in " ".join(e.get("text", "") for e in card["body"])
    post = ChatPost.objects.get()
    assert (post.kind, post.status, post.response_code, post.attempts) == (PostKind.TEST, PostStatus.SENT, 200, 1)
    assert post.payload == body
    assert AuditEntry.objects.filter(action=AuditAction.CHAT_WEBHOOK_TEST, object_id=str(hook.pk)).count() == 1
    assert "Test message" in response.content.decode() and "200" in response.content.decode()


def test_a_failing_test_message_says_why_and_is_not_retried(client: Client, world: World, channel: Channel) -> None:
    hook = services.webhook_create(actor=world.admin, service="slack", url=channel.url)
    services.webhook_update(actor=world.admin, webhook=hook, enabled=False)
    channel.fail(400)
    response = _as(client, world.admin).post(reverse("chat:channel-test", args=[hook.pk]), follow=True)
    assert "Test message not posted. HTTP 400: invalid_payload" in response.content.decode()
    post = ChatPost.objects.get()
    assert (post.status, post.attempts, post.response_code) == (PostStatus.FAILED, 1, 400)
    hook.refresh_from_db()
    assert hook.consecutive_failures == 0  # a test does not count towards disabling
    assert len(channel.bodies) == 1  # sent to a disabled channel: that is what a test is for


def test_disable_enable_and_remove_are_audited(client: Client, world: World) -> None:
    hook = services.webhook_create(actor=world.admin, service="slack", url=SECRET_URL)
    _as(client, world.champion)
    client.post(reverse("chat:channel-disable", args=[hook.pk]))
    hook.refresh_from_db()
    assert not hook.enabled and hook.disabled_reason.startswith("Turned off by")
    assert "Turned off by" in client.get(PAGE).content.decode()
    client.post(reverse("chat:channel-enable", args=[hook.pk]))
    hook.refresh_from_db()
    assert hook.enabled and hook.disabled_reason == ""
    confirm = client.get(reverse("chat:channel-delete", args=[hook.pk]))
    assert confirm.status_code == 200 and "Remove this channel?" in confirm.content.decode()
    assert SECRET_URL not in confirm.content.decode()
    assert client.post(reverse("chat:channel-delete", args=[hook.pk])).status_code == 302
    assert not ChatWebhook.objects.exists()
    actions = list(AuditEntry.objects.filter(object_type="chat.chatwebhook").values_list("action", flat=True))
    assert actions.count(AuditAction.CHAT_WEBHOOK_UPDATE) == 2 and AuditAction.CHAT_WEBHOOK_DELETE in actions


def test_the_settings_page_links_to_it_for_those_who_manage_channels(client: Client, world: World) -> None:
    for persona in ("admin", "champion", "lead"):
        html = _as(Client(), getattr(world, persona)).get(reverse("front:settings")).content.decode()
        assert f'href="{PAGE}"' in html, persona


def _posts(hook: ChatWebhook, n: int) -> None:
    ChatPost.objects.bulk_create(
        ChatPost(webhook=hook, key=f"digest:{i}", kind=PostKind.DIGEST, title=f"Digest {i}", status=PostStatus.SENT)
        for i in range(n)
    )


@pytest.mark.parametrize("persona", ["admin", "lead"])
def test_the_page_costs_the_same_queries_with_one_channel_or_many(client: Client, world: World, persona: str) -> None:
    first = services.webhook_create(actor=world.admin, service="slack", url=SECRET_URL, team=world.team)
    _posts(first, 1)
    _as(client, getattr(world, persona))
    client.get(PAGE)
    with count_queries() as small:
        assert client.get(PAGE).status_code == 200
    for i in range(6):
        hook = services.webhook_create(
            actor=world.admin, service="teams" if i % 2 else "slack", url=f"{SECRET_URL}{i}", team=world.team
        )
        _posts(hook, 5)
    services.webhook_create(actor=world.admin, service="slack", url=SECRET_URL + "org")
    with assert_queries(small):
        response = client.get(PAGE)
    assert response.content.decode().count("Send test message") == (8 if persona == "admin" else 7)
