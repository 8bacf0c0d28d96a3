"""A real SMTP server for the email tests (aiosmtpd on a free local port), with Django's SMTP
backend pointed at it, and ``SITE_URL`` set so the links in the emails are absolute."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pytest_django.fixtures import Settings as SettingsWrapper

SITE = "https://okr.example.test"


@dataclass
class Inbox:
    """What the server received, parsed with the standard library's ``email`` package."""

    envelopes: list[Envelope] = field(default_factory=list)

    @property
    def messages(self) -> list[EmailMessage]:
        parsed = []
        for envelope in self.envelopes:
            raw = envelope.original_content or envelope.content or b""
            data = raw if isinstance(raw, bytes) else raw.encode()
            message = email.message_from_bytes(data, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            parsed.append(message)
        return parsed

    def clear(self) -> None:
        self.envelopes.clear()


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.inbox.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings: SettingsWrapper) -> Iterator[Inbox]:
    inbox = Inbox()
    # aiosmtpd checks the server is up by connecting to its port, so it needs a real one: ask the
    # kernel for a free port, then let the server take it.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(_Handler(inbox), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 10
        yield inbox
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _site(settings: SettingsWrapper) -> None:
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "okr.example.test"]


def part(message: EmailMessage, content_type: str) -> str:
    body: Any = message.get_body(preferencelist=(content_type.split("/")[1],))
    assert body is not None and body.get_content_type() == content_type, f"no {content_type} part"
    return str(body.get_content())
