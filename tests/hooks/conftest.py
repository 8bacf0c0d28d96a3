"""Fixtures of the webhook tests: a live receiver on 127.0.0.1 and an endpoint of Acme aimed at it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks
from pytest_django.fixtures import Settings as SettingsWrapper

from ambit.hooks import dispatch, services
from ambit.hooks.models import WebhookEndpoint
from tests.builders import World
from tests.hooks.receiver import Receiver, running_receiver


@pytest.fixture(autouse=True)
def _local_http(settings: SettingsWrapper) -> None:
    # The receiver is http://127.0.0.1: accepted only with WEBHOOKS_ALLOW_HTTP (or DEBUG).
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as r:
        yield r


@pytest.fixture
def endpoint(world: World, receiver: Receiver) -> WebhookEndpoint:
    created = services.endpoint_create(actor=world.admin, url=receiver.url, description="Warehouse")
    receiver.secret = created.secret
    return created


Tick = Callable[..., int]


@pytest.fixture
def tick(django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> Tick:
    """``dispatch.enqueue_due(now)`` with the tasks it queues on commit run (each test is one
    transaction that never commits; the immediate backend then sends them in-process)."""

    def run(now: dt.datetime | None = None) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return dispatch.enqueue_due(now)

    return run
