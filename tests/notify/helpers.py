"""What the notification tests share: a probe channel that counts what it sends, and moments."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Iterator

import pytest

from ambit.accounts.models import Membership
from ambit.notify.channels import CHANNELS
from ambit.notify.models import Delivery, Notification, Preference

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


class Probe:
    """A channel that records each delivery it sends (and can be told to fail or to die)."""

    name = "probe"

    def __init__(self) -> None:
        self.sent: Counter[int] = Counter()
        self.fail = False
        self.die = False

    def wants(self, notification: Notification) -> bool:
        return True

    def send(self, delivery: Delivery) -> None:
        if self.die:
            self.die = False
            raise SystemExit("the worker was killed mid-send")  # not an Exception: nothing is recorded
        if self.fail:
            raise ConnectionError("the far end is down")
        self.sent[delivery.pk] += 1


@pytest.fixture
def probe() -> Iterator[Probe]:
    channel = Probe()
    CHANNELS["probe"] = channel
    yield channel
    del CHANNELS["probe"]


def use_probe(*members: Membership, kinds: tuple[str, ...] = ()) -> None:
    """These people get every kind (or ``kinds``) in the inbox and on the probe channel only."""
    from ambit.notify.models import Kind

    for m in members:
        Preference.objects.update_or_create(
            membership=m,
            defaults={
                "organisation_id": m.organisation_id,
                "channels": {k: ["in_app", "probe"] for k in (kinds or Kind.values)},
            },
        )


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=BERLIN)
