"""Exactly once: two schedulers ticking at the same moments, in two threads with their own database
connections, over a simulated week (time moved forward): every notification and delivery exists
once and every delivery is sent once. PostgreSQL is where several schedulers meet in production
(``make test`` with ``DATABASE_URL=postgres://…``, as CI runs it); SQLite's in-memory test database
refuses a second writer outright ("table is locked"), so the concurrent test is PostgreSQL's.
The one-process test (``--once`` twice) runs on both."""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections

from ambit.notify.models import Delivery, Kind, Notification
from ambit.notify.scheduler import run_due
from ambit.okrs import services as okrs
from tests.builders import World
from tests.notify.conftest import build_season
from tests.notify.helpers import Probe, berlin, use_probe


def _together(*calls: Callable[[], object]) -> list[BaseException]:
    """Run ``calls`` at the same instant, each in its own thread (and database connection)."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            call()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_over_a_week_produce_and_send_everything_once(world: World, probe: Probe) -> None:
    if connections["default"].vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (run with DATABASE_URL=postgres://…)")
    season = build_season(world)
    use_probe(world.member, world.lead, world.champion, world.admin, world.viewer)
    kr = season.member_krs[0]
    okrs.check_in_record(actor=world.member, key_result=kr, value=10, confidence=8, at=berlin(2026, 10, 19, 9))
    okrs.check_in_record(actor=world.member, key_result=kr, value=11, confidence=3, at=berlin(2026, 10, 19, 10))

    start = berlin(2026, 10, 19, 11)
    for tick in range(0, 7 * 24, 3):  # every three hours for a week, both schedulers at once
        now = start + dt.timedelta(hours=tick)
        tick_once = functools.partial(run_due, now)
        assert _together(tick_once, tick_once) == []

    kinds = sorted(Notification.objects.values_list("kind", "recipient_id", "key"))
    assert len(kinds) == len(set(kinds))
    reminders = [(r, k) for kind, r, k in kinds if kind == Kind.CHECKIN_REMINDER]
    assert sorted(reminders) == sorted([(world.member.pk, "2026-10-23"), (world.lead.pk, "2026-10-23")])
    warnings = [(r, k) for kind, r, k in kinds if kind == Kind.EARLY_WARNING]
    assert len(warnings) == 1 and warnings[0][0] == world.lead.pk  # the 8 → 3 check-in, to the manager
    deliveries = list(Delivery.objects.values_list("notification_id", "channel", "status", "attempts"))
    assert len(deliveries) == 2 * len(kinds)  # in-app and probe, once each
    assert {(status, attempts) for _, _, status, attempts in deliveries} == {("sent", 1)}
    probe_ids = set(Delivery.objects.filter(channel="probe").values_list("pk", flat=True))
    assert set(probe.sent) == probe_ids
    assert set(probe.sent.values()) == {1}


@pytest.mark.django_db(transaction=True)
def test_run_scheduler_once_at_a_moment_twice_sends_nothing_twice(world: World, probe: Probe) -> None:
    build_season(world)
    use_probe(world.member, world.lead)
    out = StringIO()
    call_command("run_scheduler", "--once", "--at", "2026-10-23T10:30+02:00", stdout=out)
    assert "checkin_reminder: 2" in out.getvalue()
    call_command("run_scheduler", "--once", "--at", "2026-10-23T10:31+02:00", stdout=out)
    assert "checkin_reminder: 0" in out.getvalue()
    assert Notification.objects.filter(kind=Kind.CHECKIN_REMINDER).count() == 2
    reminder_probes = Delivery.objects.filter(channel="probe", notification__kind=Kind.CHECKIN_REMINDER)
    assert [probe.sent[pk] for pk in reminder_probes.values_list("pk", flat=True)] == [1, 1]
    assert set(probe.sent.values()) == {1}  # whatever else was due (the digest), once too
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
