"""``manage.py seed_synthetic --people N --seed S [--org-slug SLUG] [--replace]``: a large
deterministic organisation for benchmarks."""

from __future__ import annotations

import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ambit.accounts.models import Organisation
from ambit.okrs.seeding.purge import organisation_purge, users_purge
from ambit.okrs.seeding.synthetic import BENCH_PASSWORD, SyntheticBuilder, describe


def _sqlite_bytes() -> int | None:
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict["NAME"])
    if not os.path.exists(name):  # in-memory test databases
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(os.path.getsize(p) for p in (name, f"{name}-wal") if os.path.exists(p))


class Command(BaseCommand):
    help = "Generate a synthetic organisation of N people with a year of OKRs and weekly check-ins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--people", type=int, required=True, help="How many people (at least 20).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same data.")
        parser.add_argument("--org-slug", help="Slug of the organisation (default: synthetic-<N>).")
        parser.add_argument("--replace", action="store_true", help="Delete an organisation with that slug first.")

    def handle(self, *args: Any, **options: Any) -> None:
        people: int = options["people"]
        if people < 20:
            raise CommandError("--people must be at least 20 (a company, departments and teams need people).")
        slug = options["org_slug"] or f"synthetic-{people}"
        existing = Organisation.objects.filter(slug=slug).first()
        if existing is not None and not options["replace"]:
            raise CommandError(
                f"An organisation with the slug “{slug}” already exists: add --replace to delete and rebuild it, "
                "or choose another --org-slug."
            )
        started = time.monotonic()
        if existing is not None:
            self.stdout.write(f"Deleting the existing “{slug}”…")
            organisation_purge(organisation=existing)
        # Users of an earlier run that lost their organisation would clash on their emails.
        users_purge(email_suffix=f"@{slug}.test")
        self.stdout.write(f"Building “{slug}” with {people:,} people (seed {options['seed']})…")
        report = SyntheticBuilder(people=people, seed=options["seed"], slug=slug).build()
        # Fresh planner statistics: a bulk load leaves PostgreSQL guessing "a few rows" (nested
        # loops over 600,000 check-ins) until autovacuum gets round to it.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        report.seconds = time.monotonic() - started
        report.database_bytes = _sqlite_bytes()
        for line in describe(report):
            self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS(f"Log in as admin@{slug}.test with the password “{BENCH_PASSWORD}”."))
