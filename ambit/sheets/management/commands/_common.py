"""Shared look-ups for the sheet commands: organisation, acting membership, cycle."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.http import Http404

from ambit.accounts.models import Membership, Organisation, Role
from ambit.okrs.models import Cycle
from ambit.okrs.selectors import cycle_by_name


def organisation(slug: str) -> Organisation:
    org = Organisation.objects.filter(slug=slug).first()
    if org is None:
        raise CommandError(f"No organisation with the slug “{slug}”.")
    return org


def acting_member(org: Organisation, email: str | None) -> Membership:
    qs = Membership.objects.select_related("organisation", "user").filter(organisation=org, is_active=True)
    if email:
        member = qs.filter(user__email__iexact=email.strip()).first()
        if member is None:
            raise CommandError(f"{email} is not an active member of {org.slug}.")
        return member
    # Without --as-user the export is the organisation's full view, as an admin sees it.
    member = qs.filter(role=Role.ADMIN).order_by("created_at", "id").first()
    if member is None:
        raise CommandError(f"{org.slug} has no active admin: pass --as-user EMAIL.")
    return member


def cycle(actor: Membership, name: str) -> Cycle:
    try:
        return cycle_by_name(actor=actor, name=name)
    except Http404:
        raise CommandError(f"No cycle named “{name}” in {actor.organisation.slug}.") from None
