"""Throttles count guesses per client address, also behind a reverse proxy."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.test import Client, RequestFactory, override_settings

from ambit.accounts.models import User
from ambit.core.throttle import client_ip

rf = RequestFactory()


def _request(remote: str, forwarded: str | None = None) -> WSGIRequest:
    extra: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **extra)


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_a_proxy_the_forwarded_header_is_ignored() -> None:
    assert client_ip(_request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_appended_counts() -> None:
    # The client forged "1.2.3.4"; the proxy appended the real address last.
    assert client_ip(_request("10.0.0.2", "1.2.3.4, 198.51.100.7")) == "198.51.100.7"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_outer_ones_entry_counts() -> None:
    assert client_ip(_request("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.1")) == "198.51.100.7"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_missing_header_falls_back_to_the_connection() -> None:
    assert client_ip(_request("10.0.0.2")) == "10.0.0.2"


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_lockout_behind_a_proxy_is_per_client(client: Client, django_user_model: type[User]) -> None:
    """Two people behind the same proxy: one's failed guesses don't lock the other's address out."""
    from django.conf import settings

    django_user_model.objects.create_user(email="pat@acme.test", password="right-horse-battery")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post(
            "/accounts/login/",
            {"username": "pat@acme.test", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
    locked = client.post(
        "/accounts/login/",
        {"username": "pat@acme.test", "password": "right-horse-battery"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert locked.status_code == 429
    other = client.post(
        "/accounts/login/",
        {"username": "pat@acme.test", "password": "right-horse-battery"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    assert other.status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_garbage_is_never_returned_as_an_address() -> None:
    """axes keeps the address in an inet column on PostgreSQL: anything else would be a 500."""
    assert client_ip(_request("10.0.0.2", "1.2.3.4, unknown")) == "10.0.0.2"
    assert client_ip(rf.get("/", REMOTE_ADDR="")) == "0.0.0.0"
    assert client_ip(_request("10.0.0.2", "1.2.3.4, 2001:db8::1 ")) == "2001:db8::1"
