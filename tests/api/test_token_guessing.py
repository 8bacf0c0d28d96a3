"""Guessing API tokens: invalid bearer tokens are counted per IP, and past the limit that IP gets
429 with Retry-After (problem+json) for the rest of the window, even with a valid token."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django import Settings

from ambit.api.models import ApiToken
from tests.api.conftest import BASE, token_for
from tests.builders import World
from tests.helpers import ClientResponse

pytestmark = pytest.mark.django_db


def get(token: str, *, ip: str = "203.0.113.7") -> ClientResponse:
    return Client(REMOTE_ADDR=ip).get(f"{BASE}/organisation", headers={"Authorization": f"Bearer {token}"})


def test_guessing_ip_gets_429_with_retry_after_even_for_a_valid_token(world: World, settings: Settings) -> None:
    settings.API_TOKEN_FAILURE_LIMIT = 3
    settings.API_TOKEN_FAILURE_MINUTES = 10
    valid = token_for(world.member)
    assert get(valid).status_code == 200
    guesses = [get(f"amb_guess{i}").status_code for i in range(3)]
    assert guesses == [401, 401, 401]
    for token in ("amb_guess-again", "not-even-our-format", valid):
        refused = get(token)
        assert refused.status_code == 429
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert 1 <= int(refused.headers["Retry-After"]) <= 600
        assert refused.json()["status"] == 429
    # Another address is not affected, and the token itself stays valid.
    assert get(valid, ip="198.51.100.9").status_code == 200
    assert ApiToken.objects.get().revoked_at is None


def test_malformed_tokens_count_as_guesses(world: World, settings: Settings) -> None:
    settings.API_TOKEN_FAILURE_LIMIT = 2
    assert [get(t).status_code for t in ("garbage", "x" * 300, "amb_nope")] == [401, 401, 429]


def test_requests_without_a_token_are_not_guesses(world: World, settings: Settings) -> None:
    settings.API_TOKEN_FAILURE_LIMIT = 2
    anonymous = Client(REMOTE_ADDR="203.0.113.7")
    assert [anonymous.get(f"{BASE}/organisation").status_code for _ in range(4)] == [401] * 4
    assert get(token_for(world.member)).status_code == 200


def test_the_default_allows_twenty_guesses_in_ten_minutes(world: World) -> None:
    assert [get(f"amb_guess{i}").status_code for i in range(20)] == [401] * 20
    refused = get(f"amb_guess{20}")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 600
