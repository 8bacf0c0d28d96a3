"""The email channel against a real SMTP server: both parts, the headers of RFC 8058 one-click
unsubscribe, a Message-ID that a resend repeats, and links that lead somewhere."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from ambit.notify.channels import CHANNELS
from ambit.notify.models import Kind, Preference
from ambit.notify.preferences import unsubscribe_token
from tests.builders import World
from tests.notify_email.conftest import SITE, Inbox, part
from tests.notify_email.helpers import links, make_delivery

pytestmark = pytest.mark.django_db

ITEMS = [
    {"title": "Deploys a day", "detail": "last updated 9 days ago", "url": "/check-in/"},
    {"title": "Green builds", "detail": "never updated"},
]


def test_reminder_email_has_both_parts_and_one_click_unsubscribe_headers(world: World, smtp: Inbox) -> None:
    delivery = make_delivery(world.member, data={"items": ITEMS})
    CHANNELS["email"].send(delivery)

    (message,) = smtp.messages
    assert message["To"] == "member@acme.test" or "member@acme.test" in message["To"]
    assert message["Subject"] == "Time to check in: 2 key results"
    assert message["Auto-Submitted"] == "auto-generated"
    token = unsubscribe_token(world.member)
    # A long header is folded onto a continuation line (RFC 5322 FWS): the value is the same.
    assert message["List-Unsubscribe"].strip() == f"<{SITE}/email/unsubscribe/{token}/>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"

    text = part(message, "text/plain")
    assert "Two of your key results have not been updated this week." in text
    assert "- Deploys a day (last updated 9 days ago)" in text
    assert f"Check in now: {SITE}/check-in/" in text
    assert f"Stop all email from Ambit: {SITE}/email/unsubscribe/{token}/" in text

    html = part(message, "text/html")
    assert '<meta name="color-scheme" content="light dark">' in html
    assert "@media (prefers-color-scheme: dark)" in html
    assert "max-width: 600px" in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<h1>Time to check in: 2 key results</h1>" in html
    assert 'style="' not in html  # the styles live in the <style> block, light and dark
    hrefs = links(html)
    assert f"{SITE}/check-in/" in hrefs
    assert f"{SITE}/settings/notifications/" in hrefs
    assert f"{SITE}/email/unsubscribe/{token}/" in hrefs


def test_every_link_in_the_email_resolves(world: World, smtp: Inbox, client: Client) -> None:
    CHANNELS["email"].send(make_delivery(world.member, data={"items": ITEMS}))
    html = part(smtp.messages[0], "text/html")
    client.force_login(world.member.user)
    hrefs = links(html)
    assert len(hrefs) >= 4
    for href in hrefs:
        assert href.startswith(SITE + "/"), href
        response = client.get(href.removeprefix(SITE), HTTP_HOST="okr.example.test", secure=True)
        assert response.status_code == 200, f"{href}: {response.status_code}"


def test_a_resend_of_one_delivery_is_the_same_message(world: World, smtp: Inbox) -> None:
    delivery = make_delivery(world.member)
    other = make_delivery(world.member, key="2026-12-04")
    CHANNELS["email"].send(delivery)
    CHANNELS["email"].send(delivery)  # a worker died after sending, before recording it
    CHANNELS["email"].send(other)

    first, again, different = smtp.messages
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"] == f"<ambit.delivery.{delivery.pk}.{delivery.notification_id}@okr.example.test>"
    assert different["Message-ID"] != first["Message-ID"]
    assert part(first, "text/html") == part(again, "text/html")


@pytest.mark.parametrize(
    ("kind", "action"),
    [
        (Kind.STALE, "See the key result"),
        (Kind.EARLY_WARNING, "See what changed"),
        (Kind.ANNOUNCEMENT, "Open in Ambit"),
    ],
)
def test_each_kind_has_its_own_wording(world: World, smtp: Inbox, kind: str, action: str) -> None:
    CHANNELS["email"].send(make_delivery(world.lead, kind=kind, title="A title", url="/dashboard/"))
    (message,) = smtp.messages
    assert f"{action}: {SITE}/dashboard/" in part(message, "text/plain")
    assert re.search(rf'<a class="btn" href="{re.escape(SITE)}/dashboard/">{action}</a>', part(message, "text/html"))


def test_a_title_with_a_line_break_still_makes_a_one_line_subject(world: World, smtp: Inbox) -> None:
    CHANNELS["email"].send(make_delivery(world.member, title="Two\nlines"))
    assert smtp.messages[0]["Subject"] == "Two lines"


def test_email_channel_wants_only_what_the_person_lets_through(world: World) -> None:
    email = CHANNELS["email"]
    notification = make_delivery(world.member).notification
    assert email.wants(notification)

    pref = Preference.objects.create(
        organisation=world.org, membership=world.member, channels={Kind.CHECKIN_REMINDER: ["in_app"]}
    )
    world.member.refresh_from_db()
    notification.refresh_from_db()
    assert not email.wants(notification)
    digest = make_delivery(world.member, kind=Kind.DIGEST, key="org:2026-W48").notification
    assert email.wants(digest)  # only the reminder was turned off

    pref.channels = {}
    pref.email_stopped_at = pref.created_at
    pref.save()
    digest.refresh_from_db()
    assert not email.wants(digest)

    world.lead.user.email = ""
    world.lead.user.save()
    assert not email.wants(make_delivery(world.lead).notification)


def test_a_failing_server_raises_so_the_delivery_is_retried(world: World, settings: SettingsWrapper) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # discard: nothing listens
    settings.EMAIL_TIMEOUT = 2
    with pytest.raises(OSError):
        CHANNELS["email"].send(make_delivery(world.member))
