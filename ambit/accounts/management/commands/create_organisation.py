"""``manage.py create_organisation --name NAME --slug SLUG --admin-email EMAIL [--admin-name NAME]
[--time-zone TZ] [--url URL]``: a self-hoster's first organisation and its first admin.

The organisation is created through ``accounts.services.organisation_create`` (audit entry,
empty strategy). A new admin gets a one-time link to choose a password (Django's password-reset
token, as the "forgot your password" email uses); an existing account keeps its password. Refused
with a non-zero exit code when the slug is taken or an input is invalid; nothing is half-written.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ambit.accounts.models import Organisation, User
from ambit.accounts.services import MEMBERSHIP_TEXT, organisation_create
from ambit.core.errors import Conflict
from ambit.core.services import full_clean_or_raise
from ambit.core.validation import clean_texts
from ambit.core.web import site_url


def set_password_url(user: User, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url.rstrip("/") + reverse("accounts:password_reset_confirm", args=[uid, token])


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return "; ".join(exc.messages)


class Command(BaseCommand):
    help = "Create an organisation and its first admin (printing a one-time link to set a password)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="The organisation's name.")
        parser.add_argument("--slug", required=True, help="Its short name in addresses: letters, digits, hyphens.")
        parser.add_argument("--admin-email", required=True, help="The first admin's email address.")
        parser.add_argument("--admin-name", default="", help="The first admin's name (for a new account).")
        parser.add_argument("--time-zone", default="UTC", help="An IANA time zone such as Europe/Berlin.")
        parser.add_argument("--url", default="", help="The site's address for the link (default: SITE_URL).")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = str(options["slug"]).strip().lower()
        if Organisation.objects.filter(slug=slug).exists():
            raise CommandError(f"The slug “{slug}” is taken by another organisation: choose another --slug.")
        try:
            texts = clean_texts({"email": options["admin_email"], "full_name": options["admin_name"]}, MEMBERSHIP_TEXT)
            email = User.objects.normalize_email(texts["email"]).lower()
            with transaction.atomic():
                user = User.objects.filter(email__iexact=email).first()
                existed = user is not None
                if user is None:
                    user = User(email=email, full_name=texts["full_name"])
                    full_clean_or_raise(user, exclude=["password"], unique=True)
                    user.set_unusable_password()
                    user.save()
                org = organisation_create(name=options["name"], creator=user, slug=slug, time_zone=options["time_zone"])
        except ValidationError as exc:
            raise CommandError(f"Nothing was created: {_messages(exc)}") from None
        except Conflict as exc:
            raise CommandError(f"Nothing was created: {exc.message}") from None
        base = str(options["url"] or "") or site_url()
        self.stdout.write(f"Created {org.name} ({org.slug}) with {email} as its admin.")
        if existed:
            self.stdout.write(f"{email} already has an account: they sign in with their existing password.")
        else:
            self.stdout.write("Send them this one-time link to choose a password (it stops working once used):")
            self.stdout.write(set_password_url(user, base))
        self.stdout.write(f"Then they finish the set-up at {base.rstrip('/')}{reverse('setup:home')}")
