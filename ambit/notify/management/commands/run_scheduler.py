"""``manage.py run_scheduler [--once] [--at ISO-DATETIME] [--interval SECONDS]``: produce the
notifications that are due (``ambit.notify.scheduler.run_due``).

``--once`` runs one tick and returns: what cron calls, and what an operator runs to catch up
(``--at`` names the moment, e.g. ``2026-11-27T10:05+01:00``; a naive time is read in ``TIME_ZONE``).
Without it, a tick every ``--interval`` seconds (60) until interrupted. Any number of schedulers
may run at once, on any machine that reaches the database: what one produces the others skip.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError, close_old_connections
from django.utils import timezone

from ambit.notify.scheduler import run_due

logger = logging.getLogger(__name__)


def _moment(raw: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--at takes an ISO date and time such as 2026-11-27T10:05+01:00, not {raw!r}.") from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = "Produce the notifications that are due (reminders, escalations, early warnings, announcements, digests)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Run one tick and return (for cron).")
        parser.add_argument("--at", type=_moment, help="The moment of the tick (with --once); default now.")
        parser.add_argument("--interval", type=float, default=60.0, help="Seconds between ticks (default 60).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["at"] is not None and not options["once"]:
            raise CommandError("--at goes with --once.")
        if options["once"]:
            counts = run_due(options["at"] or timezone.now())
            self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        interval = max(options["interval"], 0.1)
        self.stdout.write(f"Scheduler running: a tick every {interval:g} s (Ctrl-C to stop).")
        while not stop.is_set():
            try:
                counts = run_due(timezone.now())
                if any(counts.values()):
                    logger.info("Scheduler tick: %s", counts)
            except (OperationalError, InterfaceError) as exc:
                # The database is away (a restart, a locked SQLite file): wait for the next tick.
                logger.warning("Scheduler tick skipped, database unavailable: %s", exc)
                close_old_connections()
            stop.wait(interval)
        self.stdout.write("Scheduler stopped.")
