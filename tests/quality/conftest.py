"""A logged-in client per persona for the quality and readiness pages."""

from __future__ import annotations

from django.test import Client

from ambit.accounts.models import Membership


def login(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client
