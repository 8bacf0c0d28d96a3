"""``manage.py seed_demo [--if-empty] [--reset]``: the Northwind Labs demo organisation."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from ambit.accounts.models import Organisation
from ambit.okrs.seeding import demo_content as content
from ambit.okrs.seeding.demo import DemoBuilder
from ambit.okrs.seeding.purge import organisation_purge, users_purge
from ambit.okrs.signals import demo_seeded


class Command(BaseCommand):
    help = "Create the demo organisation (Northwind Labs, about 40 people, a quarter of check-ins) and Globex."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when any organisation exists (for `make run`)."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo organisations and their people first, then rebuild."
        )
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            help="Build the demo as if today were this date (YYYY-MM-DD, not in the future): for reproducible "
            "screenshots and tests.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options["as_of"] is not None:
            now = dt.datetime.combine(options["as_of"], dt.time(12), tzinfo=dt.UTC)
            if now > timezone.now():
                raise CommandError("--as-of must not be in the future: check-ins cannot be dated ahead.")
        if options["if_empty"] and Organisation.objects.exists():
            self.stdout.write("Organisations already exist: seed_demo --if-empty left the database as it is.")
            return
        slugs = (content.ORG_SLUG, content.GLOBEX_SLUG)
        existing = list(Organisation.objects.filter(slug__in=slugs))
        if existing and not options["reset"]:
            raise CommandError(
                f"The demo organisation already exists ({', '.join(o.slug for o in existing)}): "
                "run `manage.py seed_demo --reset` to rebuild it."
            )
        started = time.monotonic()
        # One transaction: a failed rebuild leaves the old demo in place.
        with transaction.atomic():
            for org in existing:
                organisation_purge(organisation=org)
            for domain in (content.DOMAIN, content.GLOBEX_DOMAIN):
                users_purge(email_suffix=f"@{domain}")
            built = DemoBuilder(now=now).build()
            # The apps above okrs add their part (notify: a past week of notifications).
            demo_seeded.send(Command, organisations=list(Organisation.objects.filter(slug__in=slugs)), now=now)
        self.stdout.write(
            self.style.SUCCESS(
                f"Built {content.ORG_NAME}: {built.people} people, {built.teams} teams, {built.objectives} objectives, "
                f"{built.key_results} key results, {built.check_ins} check-ins "
                f"({time.monotonic() - started:.1f} s)."
            )
        )
        # The logins are listed once, with their real roles, by demo_logins (``make run`` calls it).
        self.stdout.write("Run `manage.py demo_logins` for the logins.")
