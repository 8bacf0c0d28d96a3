"""The mechanics of the trash, without permissions or audit: what a delete would remove, as
serialised rows, and putting those rows back.

**Capture.** Django's deletion collector, told never to "fast delete", finds every row the delete
of an object cascades to and every row whose foreign key it sets to null, exactly as
``obj.delete()`` will. The rows are read again whole (the collector may load only their keys) and
serialised with ``django.core.serializers`` in insertion order: the reverse of the collector's
deletion order. A ``PROTECT`` reference inside the deleted set (a check-in that corrects another)
does not stop the capture; the delete service clears it before deleting.

**Restore.** The rows go back with their original ids in one statement per model and batch
(ids are never reused: SQLite's AUTOINCREMENT, PostgreSQL's identity sequence). Before writing,
every foreign key that leaves the restored set is checked: a target gone since is nulled when the
link was ``SET_NULL``, drops a row the delete of that target would have cascaded to (an alignment
to a parent deleted since), and refuses the restore otherwise (its cycle, or the objective of a
key result, is gone: restore that first). Then the links the delete nulled are set back where the
row still exists and its link is still empty.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core import serializers
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, router, transaction
from django.db.models.deletion import CASCADE, SET_NULL, Collector, ProtectedError, RestrictedError

from ambit.core.errors import Conflict

CHUNK = 500
Key = tuple[str, str]  # (model label, str(pk))


class _Everything(Collector):
    """The default collector, except that it loads every row (no fast deletes) and carries on
    past PROTECT and RESTRICT references, which the delete itself will meet or handle."""

    def can_fast_delete(self, *args: Any, **kwargs: Any) -> bool:
        return False

    def collect(self, objs: Any, *args: Any, **kwargs: Any) -> None:
        with contextlib.suppress(ProtectedError, RestrictedError):
            super().collect(objs, *args, **kwargs)


@dataclass
class Captured:
    payload: list[dict[str, Any]]
    nulled: list[list[Any]]
    counts: dict[str, int]
    summary: str


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


def _serialised_fields(model: type[models.Model]) -> list[str]:
    # Concrete fields only: many-to-many rows are captured as rows of their own through table.
    names: list[str] = []
    for f in model._meta.concrete_fields:
        names += [f.name, f.attname]
    return names


def capture(obj: models.Model) -> Captured:
    """Everything ``obj.delete()`` would remove or change, ready to store in a ``TrashItem``."""
    using = router.db_for_write(type(obj), instance=obj)
    collector = _Everything(using=using)
    collector.collect([obj])
    collector.sort()  # deletion order: rows that depend on others first
    root_model = type(obj)
    payload: list[dict[str, Any]] = []
    deleted: dict[type[models.Model], set[Any]] = {}
    counts: dict[str, int] = {}
    for model in reversed(list(collector.data)):
        pks = sorted({o.pk for o in collector.data[model]})
        if not pks:
            continue
        deleted[model] = set(pks)
        rows: list[models.Model] = []
        for chunk in _chunks(pks):
            rows += list(model._base_manager.using(using).filter(pk__in=chunk).order_by("pk"))
        fields = _serialised_fields(model)
        payload += serializers.get_serializer("python")().serialize(rows, fields=fields)
        counted = len(rows) - (1 if model is root_model else 0)
        if counted:
            counts[model._meta.label] = counted
    return Captured(
        payload=_jsonable(payload),
        nulled=_nulled(collector, deleted),
        counts=counts,
        summary=summarise(counts),
    )


class _Encoder(DjangoJSONEncoder):
    """The JSON serialiser's encoder (dates, decimals, UUIDs as text), except that times keep their
    microseconds: Django's cuts them to milliseconds, and a restored row must be the row deleted."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


def _jsonable(payload: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # As data for a JSONField.
    return list(json.loads(json.dumps(payload, cls=_Encoder)))


def _nulled(collector: Collector, deleted: dict[type[models.Model], set[Any]]) -> list[list[Any]]:
    out: list[list[Any]] = []
    for (fk, value), batches in collector.field_updates.items():
        if value is not None:
            continue  # SET_DEFAULT / SET(...): nothing in Ambit uses them
        model = fk.model._meta.concrete_model
        assert model is not None
        batch: Any
        for batch in batches:
            if isinstance(batch, models.QuerySet):
                pairs = list(batch.values_list("pk", fk.attname))
            else:
                pairs = [(o.pk, getattr(o, fk.attname)) for o in batch]
            gone = deleted.get(model, set())
            out += [[model._meta.label, pk, fk.attname, was] for pk, was in pairs if pk not in gone and was is not None]
    return out


# Words for models whose default verbose name reads badly ("check ins", "kpi link"); by label, so
# the trash imports none of their apps.
WORDS = {
    "okrs.CheckIn": ("check-in", "check-ins"),
    "kpis.KpiLink": ("KPI link", "KPI links"),
    "kpis.KpiReading": ("KPI reading", "KPI readings"),
    "okrs.Alignment": ("alignment link", "alignment links"),
}


def _plural(model: type[models.Model], n: int) -> str:
    words = WORDS.get(model._meta.label) or (model._meta.verbose_name, model._meta.verbose_name_plural)
    return f"{n} {words[0] if n == 1 else words[1]}"


def summarise(counts: dict[str, int]) -> str:
    """``"3 key results, 41 check-ins"``: what comes back with it (link tables left out)."""
    parts = []
    for label, n in counts.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        if not model._meta.auto_created:
            parts.append(_plural(model, n))
    return ", ".join(parts)


# --- Restore ---------------------------------------------------------------------------------


@dataclass
class _Row:
    obj: models.Model
    key: Key
    dropped: bool = False
    links: list[tuple[models.ForeignKey[Any, Any], Key]] = field(default_factory=list)


def _key(model: type[models.Model], pk: Any) -> Key:
    return (model._meta.concrete_model._meta.label, str(pk))  # type: ignore[union-attr]


def _foreign_keys(model: type[models.Model]) -> list[models.ForeignKey[Any, Any]]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)]


def _load(payload: list[dict[str, Any]]) -> list[_Row]:
    try:
        objects = list(serializers.deserialize("python", payload, ignorenonexistent=True))
    except DeserializationError:
        raise Conflict("It can no longer be restored: what it was made of has changed since it was deleted.") from None
    return [_Row(obj=d.object, key=_key(type(d.object), d.object.pk)) for d in objects]


def _missing_targets(rows: list[_Row], using: str) -> set[Key]:
    """Targets of links leaving the restored set that no longer exist, found with one query per
    target model."""
    inside = {r.key for r in rows}
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for row in rows:
        for fk in _foreign_keys(type(row.obj)):
            value = getattr(row.obj, fk.attname)
            if value is None:
                continue
            target_model = fk.related_model
            assert isinstance(target_model, type)
            target = _key(target_model, value)
            row.links.append((fk, target))
            if target not in inside:
                wanted[target_model].add(value)
    missing: set[Key] = set()
    for target_model, values in wanted.items():
        found: set[str] = set()
        for chunk in _chunks(sorted(values, key=str)):
            there = target_model._base_manager.using(using).filter(pk__in=chunk).values_list("pk", flat=True)
            found |= {str(v) for v in there}
        missing |= {_key(target_model, v) for v in values if str(v) not in found}
    return missing


class Refused(Exception):
    """A restore cannot go ahead: ``field`` of the root row (or a row it holds) points at
    ``target``, which is gone."""

    def __init__(self, row: _Row, fk: models.ForeignKey[Any, Any], target: Key) -> None:
        super().__init__(f"{row.key} needs {target}")
        self.row = row
        self.fk = fk
        self.target = target


def _settle(rows: list[_Row], root: Key, missing: set[Key]) -> list[tuple[_Row, str]]:
    """Decide what happens to each link to something gone: null it (SET_NULL), drop the row
    (CASCADE, except the root) or refuse. Dropping a row may leave others pointing at it, so
    repeat until nothing moves. Returns the links to null, as (row, attname)."""
    gone = set(missing)
    to_null: list[tuple[_Row, str]] = []
    moved = True
    while moved:
        moved = False
        for row in rows:
            if row.dropped:
                continue
            for fk, target in row.links:
                if target not in gone or getattr(row.obj, fk.attname) is None:
                    continue
                on_delete = fk.remote_field.on_delete
                if on_delete is SET_NULL and fk.null:
                    setattr(row.obj, fk.attname, None)
                    to_null.append((row, fk.attname))
                elif on_delete is CASCADE and row.key != root:
                    row.dropped = True
                    gone.add(row.key)
                    moved = True
                    break
                else:
                    raise Refused(row, fk, target)
    return to_null


def _insert(rows: list[_Row], using: str) -> dict[str, list[Any]]:
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for row in rows:
        if not row.dropped:
            by_model.setdefault(type(row.obj), []).append(row.obj)
    connection = connections[using]
    restored: dict[str, list[Any]] = {}
    for model, objs in by_model.items():
        fields = [f for f in model._meta.local_concrete_fields if not getattr(f, "generated", False)]
        size = max(connection.ops.bulk_batch_size(fields, objs), 1)
        for i in range(0, len(objs), size):
            # raw: the stored values as they were, no auto_now, no signals (nothing saved anew).
            model._base_manager.using(using)._insert(objs[i : i + size], fields=fields, raw=True, using=using)  # type: ignore[attr-defined]
        restored[model._meta.label] = [o.pk for o in objs]
    connection.check_constraints(table_names=[m._meta.db_table for m in by_model])
    return restored


def _relink(nulled: list[list[Any]], restored: dict[str, list[Any]], using: str) -> None:
    back = {(label, str(pk)) for label, pks in restored.items() for pk in pks}
    groups: dict[tuple[str, str, Any], list[Any]] = defaultdict(list)
    for label, pk, attname, was in nulled:
        groups[(label, attname, was)].append(pk)
    for (label, attname, was), pks in groups.items():
        try:
            model = apps.get_model(label)
            fk = next(f for f in model._meta.concrete_fields if f.attname == attname)
        except (LookupError, StopIteration):
            continue  # the model or the field is gone since: nothing to link back
        target_model = fk.related_model
        assert isinstance(target_model, type) and issubclass(target_model, models.Model)
        if _key(target_model, was) not in back and not target_model._base_manager.using(using).filter(pk=was).exists():
            continue
        for chunk in _chunks(pks):
            empty = model._base_manager.using(using).filter(pk__in=chunk, **{f"{attname}__isnull": True})
            empty.update(**{attname: was})


def restore_rows(*, payload: list[dict[str, Any]], nulled: list[list[Any]], root: Key) -> dict[str, list[Any]]:
    """Put the captured rows back (all or nothing); returns the ids restored per model label.
    Raises :class:`Refused` when something it needs is gone, ``Conflict`` when a row cannot be
    written (a unique value taken since)."""
    rows = _load(payload)
    if not rows:
        return {}
    using = router.db_for_write(type(rows[0].obj)) or DEFAULT_DB_ALIAS
    _settle(rows, root, _missing_targets(rows, using))
    try:
        with transaction.atomic(using=using):
            restored = _insert(rows, using)
    except IntegrityError:
        raise Conflict(
            "It cannot be restored: something created since it was deleted takes its place "
            "(the same name or link). Change or remove that first."
        ) from None
    _relink(nulled, restored, using)
    return restored
