"""``manage.py purge_trash [--at ISO-8601]``: delete for good what has been in the trash for 30
days, now (the scheduler queues the same job on its own; this is for operators and cron)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ambit.trash.services import trash_purge_expired


class Command(BaseCommand):
    help = "Delete for good the trash items past their 30 days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="Purge as of this moment (ISO 8601, with its offset); default: now.")

    def handle(self, *args: Any, **options: Any) -> None:
        at = timezone.now()
        if options["at"]:
            try:
                at = dt.datetime.fromisoformat(options["at"])
            except ValueError:
                raise CommandError("--at takes an ISO 8601 moment, e.g. 2026-12-31T00:00:00+00:00.") from None
            if timezone.is_naive(at):
                raise CommandError("--at needs its UTC offset, e.g. 2026-12-31T00:00:00+00:00.")
        self.stdout.write(f"Purged {trash_purge_expired(now=at)} item(s) from the trash.")
