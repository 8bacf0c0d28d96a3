"""The audit log's one writer. Services call ``audit_record`` inside their transaction.

It only writes the entry: what a write sets off (such as the roll-up refresh) is called by
the service that causes it, where a reader can see it, never from here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models

from ambit.core.models import AuditAction, AuditEntry

if TYPE_CHECKING:
    from ambit.accounts.models import Membership, Organisation, User

__all__ = ["AuditAction", "audit_entry", "audit_record", "audit_record_all", "diff", "snapshot"]


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        # format "f": 50 stays "50", where str(normalize()) prints "5E+1".
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Field values of ``obj`` as JSON-able data (foreign keys as ids)."""
    out: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        out[name] = _jsonable(getattr(obj, attname))
    return out


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for every field whose value changed."""
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def audit_record(
    *,
    actor: Membership | User | None,
    organisation: Organisation | None,
    action: AuditAction,
    obj: models.Model,
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Record that ``actor`` did ``action`` to ``obj``; ``changes`` maps a field to ``[before, after]``."""
    entry = audit_entry(actor=actor, organisation=organisation, action=action, obj=obj, changes=changes)
    entry.save()
    return entry


def audit_entry(
    *,
    actor: Membership | User | None,
    organisation: Organisation | None,
    action: AuditAction,
    obj: models.Model,
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """The entry ``audit_record`` writes, not yet saved: a service recording many of them at once
    (the weekly check-in) builds them with this and writes them with :func:`audit_record_all`."""
    user: Any = getattr(actor, "user", actor)
    return AuditEntry(
        organisation=organisation,
        actor=user if user is not None and getattr(user, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        changes={k: _jsonable(v) for k, v in (changes or {}).items()},
    )


def audit_record_all(entries: Sequence[AuditEntry]) -> list[AuditEntry]:
    """Write entries built by :func:`audit_entry` in one INSERT (none: no query)."""
    if any(e.pk is not None for e in entries):
        raise ValueError("The audit log is append-only.")
    return AuditEntry.objects.bulk_create(entries) if entries else []
