"""API test helpers: tokens per persona and an authenticated client (the OKR data set the API tests
read and write is the shared ``okr_data`` fixture, built by ``tests/builders.py``)."""

from __future__ import annotations

import json
from typing import Any, Protocol

import pytest
from django.test import Client
from pytest_django import Settings

from ambit.accounts.models import Membership
from ambit.api.services import api_token_create
from tests.builders import World

BASE = "/api/v1"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    # The personas' passwords are hashed per test; Argon2 would dominate these many-world tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def token_for(membership: Membership, *, read_only: bool = False) -> str:
    return api_token_create(actor=membership, name="tests", read_only=read_only).secret


class Multipart(dict[str, Any]):
    """A ``multipart/form-data`` body (files as ``SimpleUploadedFile``) for :meth:`ApiClient.call`."""


class ApiClient:
    """Django's test client speaking JSON with a bearer token."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def call(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        url = path if path.startswith("/") else f"{BASE}/{path}"
        fn = getattr(self.client, method.lower())
        if method.upper() in ("GET", "HEAD"):
            return fn(url, query, headers=self._headers())
        if isinstance(body, Multipart):
            return fn(url, dict(body), headers=self._headers())
        data = json.dumps(body) if body is not None else ""
        return fn(url, data, content_type="application/json", headers=self._headers())

    def get(self, path: str, **query: Any) -> Any:
        return self.call("GET", path, **query)

    def post(self, path: str, body: Any = None) -> Any:
        return self.call("POST", path, body)

    def patch(self, path: str, body: Any = None) -> Any:
        return self.call("PATCH", path, body)

    def put(self, path: str, body: Any = None) -> Any:
        return self.call("PUT", path, body)

    def delete(self, path: str) -> Any:
        return self.call("DELETE", path)


class ApiAs(Protocol):
    """The ``api_as`` fixture: an :class:`ApiClient` holding a token of the named persona."""

    def __call__(self, persona: str, *, read_only: bool = False) -> ApiClient: ...


@pytest.fixture
def api_as(world: World) -> ApiAs:
    """``api_as("admin")`` (or "champion", "lead", "member", "viewer", "outsider"), optionally read-only."""

    def make(persona: str, *, read_only: bool = False) -> ApiClient:
        return ApiClient(token_for(getattr(world, persona), read_only=read_only))

    return make
