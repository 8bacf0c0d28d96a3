"""Time travel for the dashboard: the cycle's objects as they stood at a past moment, worked back
from how they stand now through the audit log's changes since then.

Every service writes an audit entry whose ``changes`` map a field to ``[before, after]``. A field's
value at the moment is the ``before`` of its first change after it (walking the entries back from
today, each sets the field to its ``before``, and the oldest one wins); a field never changed since
keeps today's value. So one query (the audit entries of the organisation since the moment, of the
actions below) and one pure function (``rewind``) give the states, weights, targets and teams then.

Alignment links have their own entries, on the child objective (``alignment.add`` with ``parent:
[None, id]``, ``alignment.remove`` with ``parent: [id, None]`` and the link's weight): a link whose
first entry since the moment is an add did not exist then; one whose first entry is a remove did,
with the weight that entry recorded (1.0, the default, for removals logged before the weight was).

Check-ins are not read here: a key result's reading then is its latest check-in before the moment
(``checkin_annotations``). Objects created since are left out by their ``created_at``. Deleted key
results and objectives are gone from the database; the services refuse to delete anything with
check-ins, so what was deleted never had progress, and it is left out like a cancelled one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.db import models
from django.db.models import JSONField, OuterRef, QuerySet, Subquery

from ambit.core.models import AuditAction, AuditEntry
from ambit.okrs import engine
from ambit.okrs.metrics_then import LinksThen
from ambit.okrs.models import CheckIn, KeyResult, Objective

CYCLE = "okrs.cycle"
OBJECTIVE = "okrs.objective"
KEY_RESULT = "okrs.keyresult"

# The actions whose entries can change what the dashboard shows (check-ins are read apart).
REWIND_ACTIONS = (
    AuditAction.CYCLE_UPDATE,
    AuditAction.OBJECTIVE_UPDATE,
    AuditAction.OBJECTIVE_DRAFT,
    AuditAction.OBJECTIVE_PROPOSED,
    AuditAction.OBJECTIVE_ACTIVE,
    AuditAction.OBJECTIVE_CLOSED,
    AuditAction.OBJECTIVE_CANCEL,
    AuditAction.ALIGNMENT_ADD,
    AuditAction.ALIGNMENT_REMOVE,
    AuditAction.KEY_RESULT_UPDATE,
    AuditAction.KEY_RESULT_CANCEL,
)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(value)
    return value


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(value)
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(value) from exc


def _weight(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(value)
    return float(value)


def _day(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(_text(value))


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(value)
    return value


def _id(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(value)
    return int(value)


# Per object type: the fields worked back, each with the attribute it sets and how its logged
# value reads (a logged value that does not read is ignored: today's value stays).
FIELDS: dict[str, dict[str, tuple[str, Callable[[Any], Any]]]] = {
    CYCLE: {"state": ("state", _text)},
    OBJECTIVE: {
        "state": ("state", _text),
        "team": ("team_id", _id),
        "ambition": ("ambition", _text),
        "plan_start": ("plan_start", _day),
    },
    KEY_RESULT: {
        "state": ("state", _text),
        "weight": ("weight", _weight),
        "start_value": ("start_value", _decimal),
        "target_value": ("target_value", _decimal),
        "stretch_target": ("stretch_target", _decimal),
        "progress_from_children": ("progress_from_children", _flag),
        "progress_from_initiatives": ("progress_from_initiatives", _flag),
        "plan_start": ("plan_start", _day),
    },
}


class Change(NamedTuple):
    """One audit entry, as ``rewind`` reads it."""

    object_type: str
    object_id: str
    action: str
    changes: Any  # ``{field: [before, after]}``; anything else is ignored


@dataclass
class Then:
    """What was different at the moment: ``fields[(object_type, object_id)][attribute]`` is the
    value an attribute had then (read into its Python type), and ``links[(child, parent)]`` the
    weight an alignment link had then, None where it did not exist then. Whatever is not named
    is as today."""

    fields: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    links: dict[tuple[int, int], float | None] = field(default_factory=dict)

    def value(self, object_type: str, object_id: int | str, attribute: str, today: Any) -> Any:
        return self.fields.get((object_type, str(object_id)), {}).get(attribute, today)

    def apply(self, obj: models.Model, object_type: str) -> None:
        """Set ``obj``'s attributes (in memory, never saved) to their values then."""
        for attribute, value in self.fields.get((object_type, str(obj.pk)), {}).items():
            setattr(obj, attribute, value)

    def links_at(self, moment: dt.datetime) -> LinksThen:
        """What ``compute_metrics`` needs to link the objectives as they were linked at ``moment``
        and to read the objectives feeding them (other cycles') as they were then."""

        def key_results(qs: QuerySet[KeyResult]) -> QuerySet[KeyResult]:
            return qs.filter(created_at__lt=moment).annotate(**checkin_annotations(moment))

        return LinksThen(
            moment=moment,
            links=dict(self.links),
            states=self.changed(OBJECTIVE, "state"),
            key_results=key_results,
            rewind=self.rewind_objectives,
        )

    def rewind_objectives(self, objectives: Iterable[Objective]) -> None:
        """Objectives loaded with their cycle and key results (annotated by ``checkin_annotations``)
        made to read as they were (in memory, never saved)."""
        for o in objectives:
            self.apply(o, OBJECTIVE)
            if o._state.fields_cache.get("cycle") is not None:
                self.apply(o.cycle, CYCLE)
            for kr in o.key_results.all():
                self.apply(kr, KEY_RESULT)
                rewind_checkins(kr)

    def changed(self, object_type: str, attribute: str) -> dict[int, Any]:
        """``{id: value then}`` of the objects of ``object_type`` whose ``attribute`` changed since."""
        return {
            int(oid): values[attribute]
            for (kind, oid), values in self.fields.items()
            if kind == object_type and attribute in values and oid.isdigit()
        }


def _pair(value: Any) -> tuple[Any, Any] | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    return None


def _link(then: Then, change: Change) -> None:
    parent = _pair(change.changes.get("parent"))
    if parent is None or not change.object_id.isdigit():
        return
    before, after = parent
    weight = _pair(change.changes.get("weight"))
    try:
        if change.action == AuditAction.ALIGNMENT_ADD and before is None and after is not None:
            then.links.setdefault((int(change.object_id), int(after)), None)
        elif change.action == AuditAction.ALIGNMENT_REMOVE and before is not None and after is None:
            logged = weight[0] if weight is not None else None
            then.links.setdefault((int(change.object_id), int(before)), 1.0 if logged is None else _weight(logged))
    except (TypeError, ValueError):
        return  # a malformed entry tells nothing: the link stays as it is today


def rewind(changes: Iterable[Change]) -> Then:
    """What the entries since a moment, oldest first, say was different at that moment."""
    then = Then()
    for change in changes:
        if not isinstance(change.changes, dict):
            continue
        if change.action in (AuditAction.ALIGNMENT_ADD, AuditAction.ALIGNMENT_REMOVE):
            _link(then, change)
            continue
        fields = FIELDS.get(change.object_type)
        if fields is None:
            continue
        values = then.fields.setdefault((change.object_type, change.object_id), {})
        for name, logged in change.changes.items():
            pair = _pair(logged)
            if name not in fields or pair is None:
                continue
            attribute, read = fields[name]
            if attribute in values:
                continue  # an older change since the moment already says what it was then
            try:
                values[attribute] = read(pair[0])
            except (TypeError, ValueError):
                continue
        if not values:
            del then.fields[(change.object_type, change.object_id)]
    return then


def changes_since(org_id: int, moment: dt.datetime) -> list[Change]:
    """The organisation's entries at or after ``moment`` that ``rewind`` reads, oldest first: one
    query along the ``(organisation, created_at)`` index, whatever the number of entries."""
    rows = (
        AuditEntry.objects.filter(organisation_id=org_id, created_at__gte=moment, action__in=REWIND_ACTIONS)
        .order_by("created_at", "id")
        .values_list("object_type", "object_id", "action", "changes")
    )
    return [Change(*row) for row in rows]


def checkin_annotations(moment: dt.datetime) -> dict[str, Any]:
    """Each key result's latest check-in before ``moment``: value, milestones, confidence, time."""
    latest = CheckIn.objects.filter(key_result=OuterRef("pk"), created_at__lt=moment).order_by("-created_at", "-id")
    return {
        "then_value": Subquery(latest.values("value")[:1]),
        "then_milestones": Subquery(latest.values("milestones_done")[:1], output_field=JSONField()),
        "then_confidence": Subquery(latest.values("confidence")[:1]),
        "then_at": Subquery(latest.values("created_at")[:1]),
    }


def rewind_checkins(kr: KeyResult) -> None:
    """Make the in-memory key result (annotated by ``checkin_annotations``) read as it did then:
    its latest check-in then (never saved)."""
    at = getattr(kr, "then_at", None)
    kr.last_checkin_at = at
    kr.checkin_count = 1 if at is not None else 0
    kr.current_value = getattr(kr, "then_value", None) if at is not None else None
    kr.current_milestones_done = (getattr(kr, "then_milestones", None) or []) if at is not None else []
    confidence = getattr(kr, "then_confidence", None)
    kr.current_confidence = confidence if confidence is not None else engine.DEFAULT_CONFIDENCE
