"""Writes of the trash. Delete services call :func:`move_to_trash`; the pages, the API, the admin
and the purge task call the rest. Each checks the permission, runs in one transaction and writes
its audit entry.

- ``move_to_trash``: inside a delete service's transaction, *before* the delete (audited
  ``trash.move`` beside the delete's own entry);
- ``trash_restore``: the owner, the person who deleted it, OKR champions and admins
  (``selectors.can_restore``); all or nothing;
- ``trash_delete``: deleting for good now is for admins;
- ``trash_purge_expired``: the background job, past ``purge_after`` (no actor).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.audit import audit_record
from ambit.core.errors import Conflict
from ambit.core.models import AuditAction
from ambit.core.permissions import require_admin, require_same_org, require_writer
from ambit.trash import capture, selectors
from ambit.trash.models import KEEP_DAYS, TrashItem
from ambit.trash.signals import restored

DELETE_WHAT = "delete from the trash for good"
RESTORE_DENIED = "Only its owner, the person who deleted it, OKR champions and admins may restore it."
PURGE_BATCH = 200


def _owner_id(obj: models.Model) -> int | None:
    try:
        owner = obj._meta.get_field("owner")
    except FieldDoesNotExist:
        return None
    if getattr(owner, "related_model", None) is not Membership:
        return None
    value = getattr(obj, "owner_id", None)
    return value if isinstance(value, int) else None


def move_to_trash(*, actor: Membership, obj: models.Model, label: str, url: str = "") -> TrashItem:
    """Keep ``obj`` and everything its delete will remove or unlink, for ``KEEP_DAYS`` days.

    Call it inside the delete service's transaction, after its permission check and before
    ``obj.delete()``. ``label`` names it in the trash (its title); ``url`` is where it lives, for
    the link shown once it is back."""
    organisation_id: int = getattr(obj, "organisation_id", None) or 0
    require_same_org(actor, organisation_id)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("move_to_trash runs inside the delete's transaction.")
    kept = capture.capture(obj)
    now = timezone.now()
    item = TrashItem.objects.create(
        organisation_id=organisation_id,
        model_label=obj._meta.label,
        object_id=str(obj.pk),
        kind=str(obj._meta.verbose_name),
        title=label[:300],
        url=url[:300],
        owner_id=_owner_id(obj),
        deleted_by=actor,
        deleted_at=now,
        purge_after=now + dt.timedelta(days=KEEP_DAYS),
        payload=kept.payload,
        nulled=kept.nulled,
        counts=kept.counts,
        summary=kept.summary[:500],
    )
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.TRASH_MOVE,
        obj=item,
        changes={
            "object": [None, f"{obj._meta.label}:{obj.pk}"],
            "counts": [None, kept.counts],
            "purge_after": [None, item.purge_after],
        },
    )
    return item


@dataclass(frozen=True)
class Restored:
    item_id: int
    kind: str
    title: str
    url: str
    summary: str
    rows: dict[str, list[Any]]


def _locked(item: TrashItem) -> TrashItem:
    found = TrashItem.objects.select_for_update().filter(pk=item.pk).first()
    if found is None:  # restored, purged or deleted since the page was read
        raise Http404(selectors.NOT_FOUND)
    return found


def _refusal(item: TrashItem, refused: capture.Refused) -> Conflict:
    """The message for a restore that needs something gone: restore it first when it is in the
    trash too, else say what is missing."""
    label, pk = refused.target
    waiting = (
        TrashItem.objects.filter(organisation_id=item.organisation_id, model_label=label, object_id=pk)
        .exclude(pk=item.pk)
        .only("kind", "title")
        .first()
    )
    if waiting is not None:
        return Conflict(
            f"Restore the {waiting.kind} “{waiting.title}” from the trash first: this {item.kind} belongs to it."
        )
    needed = str(refused.fk.verbose_name)
    if refused.row.key == (item.model_label, item.object_id):
        return Conflict(f"The {needed} of this {item.kind} no longer exists, so it cannot be restored.")
    what = str(type(refused.row.obj)._meta.verbose_name)
    return Conflict(f"It cannot be restored: the {needed} of one of its {what} rows no longer exists.")


@transaction.atomic
def trash_restore(*, actor: Membership, item: TrashItem) -> Restored:
    """Put the item back: the object and everything deleted with it, with their original ids, and
    the links its delete emptied. Refused (nothing written) when something it needs is gone."""
    require_same_org(actor, item.organisation_id)
    require_writer(actor)
    if not selectors.can_restore(actor, item):
        raise PermissionDenied(RESTORE_DENIED)
    item = _locked(item)
    try:
        rows = capture.restore_rows(payload=item.payload, nulled=item.nulled, root=(item.model_label, item.object_id))
    except capture.Refused as refused:
        raise _refusal(item, refused) from None
    done = Restored(item.pk, item.kind, item.title, item.url, item.summary, rows)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.TRASH_RESTORE,
        obj=item,
        changes={"object": [None, f"{item.model_label}:{item.object_id}"], "rows": [None, rows]},
    )
    item.delete()
    restored.send(sender=TrashItem, organisation_id=actor.organisation_id, rows=rows)
    return done


@transaction.atomic
def trash_delete(*, actor: Membership, item: TrashItem) -> None:
    """Delete the item for good now, before its 30 days are over (admins)."""
    require_same_org(actor, item.organisation_id)
    require_admin(actor, DELETE_WHAT)
    item = _locked(item)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.TRASH_DELETE,
        obj=item,
        changes={"object": [f"{item.model_label}:{item.object_id}", None]},
    )
    item.delete()


def trash_purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete every item past its ``purge_after`` (each in its own transaction, audited with no
    actor). Running it twice, or from two workers at once, purges each item once."""
    now = now or timezone.now()
    purged = 0
    while True:
        due = list(
            TrashItem.objects.filter(purge_after__lte=now).order_by("pk").values_list("pk", flat=True)[:PURGE_BATCH]
        )
        if not due:
            return purged
        for pk in due:
            with transaction.atomic():
                item = (
                    TrashItem.objects.select_for_update()
                    .filter(pk=pk, purge_after__lte=now)
                    .defer("payload", "nulled")
                    .first()
                )
                if item is None:
                    continue
                audit_record(
                    actor=None,
                    organisation=item.organisation,
                    action=AuditAction.TRASH_PURGE,
                    obj=item,
                    changes={"object": [f"{item.model_label}:{item.object_id}", None]},
                )
                item.delete()
                purged += 1
