"""Create a personal API token for a member and print it (the only time it is shown)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ambit.accounts.models import Membership
from ambit.api.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token acting as the member EMAIL of organisation SLUG; prints the token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="The member's email address.")
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("--read-only", action="store_true", help="The token can read but not change anything.")
        parser.add_argument("--name", default="Command line", help="A name to tell the token apart.")

    def handle(self, *args: Any, **options: Any) -> None:
        membership = (
            Membership.objects.select_related("organisation", "user")
            .filter(user__email__iexact=options["user"].strip(), organisation__slug=options["org"].strip())
            .first()
        )
        if membership is None or not membership.is_active:
            raise CommandError(f"{options['user']} is not an active member of “{options['org']}”.")
        try:
            created = api_token_create(actor=membership, name=options["name"], read_only=options["read_only"])
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        self.stdout.write(created.secret)
