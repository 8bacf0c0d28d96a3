"""Fixtures of the chat tests: a live channel on 127.0.0.1 standing in for the webhook URL, Acme's
digest due now, and a scheduler tick whose queued tasks run (immediate backend) on commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from django.utils import timezone
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks
from pytest_django.fixtures import Settings as SettingsWrapper

from ambit.chat.producer import produce_chat
from tests.builders import DashboardScenario, World, build_dashboard_scenario
from tests.chat.receiver import Channel, running_channel


@pytest.fixture(autouse=True)
def _local_http(settings: SettingsWrapper) -> None:
    # The stand-in channel is http://127.0.0.1: accepted only with CHAT_ALLOW_HTTP.
    settings.CHAT_ALLOW_HTTP = True
    settings.CHAT_TIMEOUT_SECONDS = 0.5
    settings.SITE_URL = "https://okr.example.com"


@pytest.fixture
def channel() -> Iterator[Channel]:
    with running_channel() as c:
        yield c


@pytest.fixture
def second_channel() -> Iterator[Channel]:
    with running_channel() as c:
        yield c


@pytest.fixture
def scenario(world: World) -> DashboardScenario:
    """The dashboard's scenario, with Acme's digest moment (weekday and hour) already past today."""
    org = world.org
    org.time_zone = "UTC"
    org.reminder_weekday = timezone.now().weekday()
    org.reminder_hour = 0
    org.save()
    return build_dashboard_scenario(world)


Tick = Callable[..., int]


@pytest.fixture
def tick(django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> Tick:
    """``produce_chat(now)`` with the tasks it queues on commit run (each test is one transaction
    that never commits; the immediate backend then sends them in-process)."""

    def run(now: dt.datetime | None = None) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return produce_chat(now or timezone.now())

    return run
