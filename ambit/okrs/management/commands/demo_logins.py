"""``manage.py demo_logins [--url URL]``: where to go and whom to log in as.

``make run`` prints this once, after migrate and seed_demo have finished (seed_demo itself prints
only its summary). Each login's description is read from the database (role, teams led, other
organisations), so it can never contradict what the person may actually do once logged in."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.management.base import BaseCommand

from ambit.accounts.models import Membership, Organisation, Role, TeamMember
from ambit.core.web import site_url
from ambit.okrs.seeding import demo_content as content
from ambit.okrs.seeding.demo import demo_password

# The published demo logins, in the order people should try them.
LOGINS = (
    "admin@northwind.test",
    "champion@northwind.test",
    "lead@northwind.test",
    "member@northwind.test",
    "admin@globex.test",
)


def login_descriptions() -> dict[str, str]:
    """``email -> "member of Northwind Labs, lead of Platform; viewer of Globex"`` for each demo
    login that exists, from its memberships and the teams it leads."""
    memberships = list(
        Membership.objects.filter(user__email__in=LOGINS, is_active=True)
        .select_related("user", "organisation")
        .order_by("pk")  # the membership a person joined first (their own organisation) first
    )
    led: dict[int, list[str]] = defaultdict(list)
    for link in TeamMember.objects.filter(membership__in=memberships, is_lead=True).select_related("team"):
        led[link.membership_id].append(link.team.name)
    parts: dict[str, list[str]] = defaultdict(list)
    for m in memberships:
        text = f"{Role(m.role).label.lower()} of {m.organisation.name}"
        if led[m.pk]:
            text += ", lead of " + ", ".join(sorted(led[m.pk]))
        parts[m.user.email].append(text)
    return {email: "; ".join(parts[email]) for email in LOGINS if email in parts}


class Command(BaseCommand):
    help = "Print the URL and the demo logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--url", default=site_url(), help="Where Ambit runs (default: SITE_URL, else the local address)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["url"]
        if not Organisation.objects.filter(slug=content.ORG_SLUG).exists():
            self.stdout.write(f"Ambit runs at {url}")
            self.stdout.write("No demo organisation yet: run `manage.py seed_demo` (or `make demo`) to create one.")
            return
        described = login_descriptions()
        lines = [f"Ambit is running at {url}", f"Demo logins (password for all: {demo_password()}):"]
        lines += [f"  {email:<26} {text}" for email, text in described.items()]
        width = max(len(line) for line in lines)
        rule = "─" * width
        self.stdout.write("\n".join([rule, *lines, rule]))
