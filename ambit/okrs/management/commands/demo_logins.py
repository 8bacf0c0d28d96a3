"""``manage.py demo_logins [--url URL]``: where to go and whom to log in as."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from ambit.accounts.models import Membership, Organisation
from ambit.okrs.seeding import demo_content as content
from ambit.okrs.seeding.demo import demo_password

LOGINS = (
    ("admin@northwind.test", "admin: charter, people, Django admin; also a viewer in Globex"),
    ("champion@northwind.test", "OKR champion: strategy, cycles, every OKR"),
    ("lead@northwind.test", "team lead of Platform"),
    ("member@northwind.test", "member of Platform with key results to check in"),
    ("admin@globex.test", "admin of Globex, a second organisation"),
)


class Command(BaseCommand):
    help = "Print the URL and the demo logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--url", default=settings.SITE_URL, help="Where Ambit runs (default: SITE_URL).")

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["url"]
        if not Organisation.objects.filter(slug=content.ORG_SLUG).exists():
            self.stdout.write(f"Ambit runs at {url}")
            self.stdout.write("No demo organisation yet: run `manage.py seed_demo` (or `make demo`) to create one.")
            return
        present = set(
            Membership.objects.filter(user__email__in=[e for e, _ in LOGINS]).values_list("user__email", flat=True)
        )
        password = demo_password()
        lines = [f"Ambit is running at {url}", f"Demo logins (password for all: {password}):"]
        lines += [f"  {email:<26} {role}" for email, role in LOGINS if email in present]
        width = max(len(line) for line in lines)
        rule = "─" * width
        self.stdout.write("\n".join([rule, *lines, rule]))
