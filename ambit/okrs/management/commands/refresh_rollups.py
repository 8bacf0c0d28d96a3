"""``manage.py refresh_rollups [--org SLUG]``: recompute every objective's stored roll-up.

Writes keep them up to date; run this after loading data with something other than the services
(a restore, a bulk SQL import) or to repair them."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ambit.accounts.models import Organisation
from ambit.okrs.rollups import refresh_all


class Command(BaseCommand):
    help = "Recompute the stored rolled-up progress of every objective (of one organisation, or all)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--org", help="Slug of one organisation (default: every organisation).")

    def handle(self, *args: Any, **options: Any) -> None:
        orgs = Organisation.objects.order_by("slug")
        if options["org"]:
            orgs = orgs.filter(slug=options["org"])
            if not orgs.exists():
                raise CommandError(f"No organisation with the slug “{options['org']}”.")
        for org in orgs:
            started = time.monotonic()
            count = refresh_all(organisation=org)
            self.stdout.write(f"{org.slug}: {count:,} objectives in {time.monotonic() - started:.1f} s")
