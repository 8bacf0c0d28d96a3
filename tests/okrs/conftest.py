"""A logged-in client per persona for the web pages' tests (the OKR tree they browse is the shared
``tree`` fixture, built by ``tests/builders.py``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from ambit.accounts.models import Membership


def login(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def as_member() -> Callable[[Membership], Client]:
    return login
