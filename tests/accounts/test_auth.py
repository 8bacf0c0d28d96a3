"""Logging in and out, and resetting a password by email."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.builders import World

pytestmark = pytest.mark.django_db


def test_login_page_renders(client: Client, world: World) -> None:
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'autocomplete="email"' in html and "Forgot your password?" in html


def test_login_with_email_and_password(client: Client, world: World) -> None:
    response = client.post(reverse("accounts:login"), {"username": "member@acme.test", "password": "pw-for-tests-1"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_says_what_to_do(client: Client, world: World) -> None:
    response = client.post(reverse("accounts:login"), {"username": "member@acme.test", "password": "nope"})
    assert response.status_code == 200
    assert "don&#x27;t match an account" in response.content.decode()


def test_logout_by_post(client: Client, world: World) -> None:
    client.force_login(world.member.user)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_password_reset_full_flow(client: Client, world: World) -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": "member@acme.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["member@acme.test"]
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", str(mail.outbox[0].body))
    assert link
    page = client.get(link.group(1), follow=True)
    assert b"Choose a new password" in page.content
    set_url = page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "brand-new-phrase-9", "new_password2": "brand-new-phrase-9"})
    assert done.status_code == 302
    world.member.user.refresh_from_db()
    assert world.member.user.check_password("brand-new-phrase-9")


def test_password_reset_for_unknown_email_sends_nothing_but_looks_the_same(client: Client, world: World) -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@acme.test"})
    assert response.status_code == 302
    assert mail.outbox == []
