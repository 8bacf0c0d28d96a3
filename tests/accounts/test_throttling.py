"""Brute force: wrong passwords lock a username+IP pair out of /accounts/login/ and /admin/login/
for the cool-off (django-axes), and password-reset requests are limited per address and per IP —
all without telling whether an account exists."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.cache import cache
from django.db.models import F
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from tests.builders import World
from tests.helpers import ClientResponse

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"
LOGIN = reverse("accounts:login")
ADMIN_LOGIN = reverse("admin:login")
RESET = reverse("accounts:password_reset")
LOCKED = "Too many failed attempts: try again in 15 minutes or reset your password."


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Settings) -> None:
    # Dozens of password checks per test; Argon2 would dominate. Runs before the personas exist.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    # Reset counters live in the process-wide cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


def post_login(client: Client, email: str, password: str, url: str = LOGIN) -> ClientResponse:
    return client.post(url, {"username": email, "password": password})


def fail(client: Client, email: str, times: int, url: str = LOGIN) -> list[int]:
    return [post_login(client, email, "wrong-password", url).status_code for _ in range(times)]


def page_text(response: ClientResponse) -> str:
    html = response.content.decode()
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "<csrf token>", html)  # the only per-response difference


def test_wrong_passwords_then_the_right_one_is_refused_with_429(
    client: Client, world: World, settings: Settings
) -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    assert fail(client, "member@acme.test", 4) == [200] * 4
    locked = post_login(client, "member@acme.test", "wrong-password")
    assert locked.status_code == 429
    right = post_login(client, "member@acme.test", PASSWORD)
    assert right.status_code == 429
    assert LOCKED in right.content.decode()
    assert right["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still not logged in


def test_the_admin_login_is_locked_out_the_same_way(client: Client, world: World) -> None:
    user = world.champion.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    assert fail(client, user.email, 5, ADMIN_LOGIN) == [200, 200, 200, 200, 429]
    right = post_login(client, user.email, PASSWORD, ADMIN_LOGIN)
    assert right.status_code == 429
    assert LOCKED in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_unknown_account_gets_the_same_page(world: World) -> None:
    known, unknown = Client(), Client()
    assert fail(known, "member@acme.test", 5) == fail(unknown, "nobody@acme.test", 5)
    a = post_login(known, "member@acme.test", PASSWORD)
    b = post_login(unknown, "nobody@acme.test", PASSWORD)
    assert (a.status_code, b.status_code) == (429, 429)
    assert page_text(a) == page_text(b)
    assert a["Retry-After"] == b["Retry-After"]


def test_the_lockout_is_per_username_and_ip(world: World) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    assert fail(attacker, "member@acme.test", 5)[-1] == 429
    # The person, from their own address, still logs in; the attacker's other guesses are separate.
    victim = Client(REMOTE_ADDR="198.51.100.10")
    assert post_login(victim, "member@acme.test", PASSWORD).status_code == 302
    assert post_login(attacker, "lead@acme.test", PASSWORD).status_code == 302


def test_email_case_does_not_buy_more_guesses(client: Client, world: World) -> None:
    emails = ["member@acme.test", "MEMBER@acme.test", "Member@Acme.test", " member@acme.test", "member@ACME.TEST"]
    statuses = [post_login(client, e, "wrong-password").status_code for e in emails]
    assert statuses == [200, 200, 200, 200, 429]
    assert post_login(client, "member@acme.test", PASSWORD).status_code == 429


def test_after_the_cool_off_the_right_password_works(client: Client, world: World) -> None:
    fail(client, "member@acme.test", 5)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=14))
    assert post_login(client, "member@acme.test", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=16))
    response = post_login(client, "member@acme.test", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_success_resets_the_count(client: Client, world: World) -> None:
    assert fail(client, "member@acme.test", 4) == [200] * 4
    assert post_login(client, "member@acme.test", PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    assert fail(client, "member@acme.test", 4) == [200] * 4
    assert AccessAttempt.objects.get().failures_since_start == 4


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    import ambit.settings as module

    monkeypatch.setenv("LOGIN_FAILURE_LIMIT", "3")
    monkeypatch.setenv("LOGIN_COOLOFF_MINUTES", "30")
    try:
        fresh = importlib.reload(module)
        assert fresh.AXES_FAILURE_LIMIT == 3
        assert fresh.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
        assert fresh.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    finally:
        monkeypatch.undo()
        importlib.reload(module)


# --- Password reset -------------------------------------------------------------------------------


def reset(client: Client, email: str) -> ClientResponse:
    return client.post(RESET, {"email": email})


def test_reset_requests_past_the_limit_send_no_mail(client: Client, world: World, settings: Settings) -> None:
    assert settings.PASSWORD_RESET_LIMIT_PER_EMAIL == 5
    assert [reset(client, "member@acme.test").status_code for _ in range(5)] == [302] * 5
    assert len(mail.outbox) == 5
    refused = reset(client, "member@acme.test")
    assert refused.status_code == 429
    assert re.search(r"Too many reset requests: wait \d+ minutes, then try again", refused.content.decode())
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert len(mail.outbox) == 5


def test_reset_limit_looks_the_same_for_an_unknown_address(world: World) -> None:
    known, unknown = Client(), Client(REMOTE_ADDR="198.51.100.20")
    assert [reset(known, "member@acme.test").status_code for _ in range(5)] == [
        reset(unknown, "nobody@acme.test").status_code for _ in range(5)
    ]
    a, b = reset(known, "member@acme.test"), reset(unknown, "nobody@acme.test")
    assert (a.status_code, b.status_code) == (429, 429)
    assert page_text(a).replace("member@acme.test", "X") == page_text(b).replace("nobody@acme.test", "X")
    assert len(mail.outbox) == 5
    assert all(m.to == ["member@acme.test"] for m in mail.outbox)


def test_reset_requests_are_limited_per_ip(world: World, settings: Settings) -> None:
    settings.PASSWORD_RESET_LIMIT_PER_IP = 3
    client = Client(REMOTE_ADDR="203.0.113.5")
    assert [reset(client, e).status_code for e in ("a@x.test", "b@x.test", "member@acme.test")] == [302] * 3
    assert reset(client, "lead@acme.test").status_code == 429
    assert [m.to for m in mail.outbox] == [["member@acme.test"]]
    # Another address's own allowance is untouched from another IP.
    assert reset(Client(REMOTE_ADDR="198.51.100.1"), "lead@acme.test").status_code == 302
    assert [m.to for m in mail.outbox] == [["member@acme.test"], ["lead@acme.test"]]


def test_reset_address_limit_ignores_case(client: Client, world: World, settings: Settings) -> None:
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 2
    statuses = [reset(client, e).status_code for e in ("member@acme.test", "MEMBER@acme.test", "Member@Acme.Test")]
    assert statuses == [302, 302, 429]
    assert len(mail.outbox) == 2
