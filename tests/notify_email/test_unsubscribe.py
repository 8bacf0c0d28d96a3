"""One-click unsubscribe: a page that asks, a POST (a mail client's RFC 8058 one-click, with no
CSRF token and no session) that stops all email, a tampered token refused, email then skipped,
and the preferences page turning it back on."""

from __future__ import annotations

import pytest
from django.test import Client

from ambit.core.models import AuditEntry
from ambit.notify.channels import CHANNELS
from ambit.notify.models import Preference
from ambit.notify.preferences import unsubscribe_token
from tests.builders import World
from tests.notify_email.helpers import make_delivery

pytestmark = pytest.mark.django_db


def _url(token: str) -> str:
    return f"/email/unsubscribe/{token}/"


def _audits(world: World) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type="notify.preference"))


def test_get_asks_first_and_changes_nothing(world: World) -> None:
    response = Client().get(_url(unsubscribe_token(world.member)))
    assert response.status_code == 200
    html = response.content.decode()
    assert "member@acme.test" in html
    assert '<button class="btn btn-primary" type="submit">Stop all email</button>' in html
    assert not Preference.objects.exists()


def test_one_click_post_stops_all_email_without_login_or_csrf(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        _url(unsubscribe_token(world.member)),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "Email stopped" in response.content.decode()
    preference = Preference.objects.get(membership=world.member)
    assert preference.email_stopped_at is not None
    assert preference.organisation_id == world.org.pk
    (entry,) = _audits(world)
    assert entry.action == "notification.email_stop"
    assert entry.actor_id == world.member.user_id
    assert entry.organisation_id == world.org.pk
    assert entry.changes["email_stopped_at"][0] is None

    # A second click changes nothing and records nothing more.
    client.post(_url(unsubscribe_token(world.member)))
    assert len(_audits(world)) == 1
    world.member.refresh_from_db()
    assert not CHANNELS["email"].wants(make_delivery(world.member).notification)
    assert CHANNELS["email"].wants(make_delivery(world.lead).notification)  # nobody else's


@pytest.mark.parametrize("mangle", ["swap", "truncate", "garbage"])
def test_a_tampered_token_is_refused_and_changes_nothing(world: World, mangle: str) -> None:
    token = unsubscribe_token(world.member)
    if mangle == "swap":
        # Another person's payload with this person's signature.
        bad = unsubscribe_token(world.lead).split(":")[0] + ":" + token.split(":")[1]
    elif mangle == "truncate":
        bad = token[:-3]
    else:
        bad = "not-a-token"
    for method in ("get", "post"):
        response = getattr(Client(), method)(_url(bad))
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    assert not Preference.objects.exists()
    assert not _audits(world)


def test_the_token_of_an_inactive_membership_does_nothing(world: World) -> None:
    token = unsubscribe_token(world.member)
    world.member.is_active = False
    world.member.save()
    assert Client().post(_url(token)).status_code == 400
    assert not Preference.objects.exists()


def test_the_preferences_page_turns_email_back_on(world: World, client: Client) -> None:
    Client().post(_url(unsubscribe_token(world.member)))
    client.force_login(world.member.user)
    page = client.get("/settings/notifications/").content.decode()
    assert 'name="email_enabled"' in page and 'name="email_enabled" checked' not in page
    response = client.post("/settings/notifications/", _all_on())
    assert response.status_code == 302
    preference = Preference.objects.get(membership=world.member)
    assert preference.email_stopped_at is None
    world.member.refresh_from_db()
    assert CHANNELS["email"].wants(make_delivery(world.member).notification)


def _all_on() -> dict[str, object]:
    from ambit.notify.models import Kind

    data: dict[str, object] = {"email_enabled": "on", "reminder_hour": "", "time_zone": ""}
    for kind in Kind:
        data[f"channels_{kind.value}"] = ["in_app", "email"]
    return data
