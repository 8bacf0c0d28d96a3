"""Reads of the trash, scoped to the acting member's organisation, and the rules the pages show
as buttons (the services enforce the same ones).

Who sees an item: champions and admins see the organisation's whole trash (they see every OKR,
private ones included); anyone else sees what they own and what they deleted themselves, so the
person who just deleted something can take it back. Anything else is a 404, like an unknown id.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from ambit.accounts.models import Membership
from ambit.trash.models import TrashItem

NOT_FOUND = "It is not in the trash (restored, deleted for good, or never yours to see)."


def _seen(actor: Membership) -> Q:
    if actor.is_org_wide_editor:
        return Q()
    return Q(owner_id=actor.pk) | Q(deleted_by_id=actor.pk)


def trash_list(*, actor: Membership) -> QuerySet[TrashItem]:
    """The items the actor may see, newest deletion first, without their (large) payloads."""
    if not actor.is_active:
        return TrashItem.objects.none()
    return (
        TrashItem.objects.filter(_seen(actor), organisation_id=actor.organisation_id)
        .select_related("owner__user", "deleted_by__user")
        .defer("payload", "nulled")
        .order_by("-deleted_at", "-id")
    )


def trash_get(*, actor: Membership, item_id: int) -> TrashItem:
    found = (
        TrashItem.objects.filter(_seen(actor), organisation_id=actor.organisation_id, pk=item_id)
        .select_related("owner__user", "deleted_by__user")
        .defer("payload", "nulled")
        .first()
        if actor.is_active
        else None
    )
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def can_restore(actor: Membership, item: TrashItem) -> bool:
    if not actor.is_active or actor.organisation_id != item.organisation_id or not actor.can_write:
        return False
    return actor.is_org_wide_editor or actor.pk in (item.owner_id, item.deleted_by_id)


def can_delete_permanently(actor: Membership) -> bool:
    return actor.is_active and actor.can_write and actor.is_admin
