"""Keep ``Objective.rolled_progress`` true: after every committed write that can move an
objective's progress, recompute that objective and then, level by level, the objectives whose
progress depends on it (classic parents when the organisation blends children in, and the parent
objective of a key result that takes its progress from its duality children).

The trigger is the audit log: every service writes one entry per change inside its transaction,
so :func:`on_audit` sees every write without each service having to remember. The objectives
touched in a transaction are recomputed once, when it commits, by the ``refresh_rollups`` task:
in the request with the default in-process task backend, by ``manage.py db_worker`` with
TASKS_BACKEND=database (until it runs, objectives above read their children's previous values).
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import Prefetch

from ambit.okrs.metrics import compute_metrics
from ambit.okrs.models import Alignment, KeyResult, Objective

_TRACKED = {"okrs.objective", "okrs.keyresult", "okrs.checkin", "okrs.milestone", "okrs.alignment"}
_PENDING_ATTR = "_ambit_rollups_pending"
MAX_LEVELS = 12  # depth guard; real trees are 4–5 levels


def _objective_ids(obj: models.Model, changes: dict[str, Any]) -> set[int]:
    ids: set[int] = set()
    if isinstance(obj, Objective):
        ids.add(obj.pk)
        # Parents now and, for a removed link, the parent it had: their progress moves too.
        ids |= set(Alignment.objects.filter(child_id=obj.pk).values_list("parent_id", flat=True))
        if obj.source_key_result_id is not None:
            ids |= set(KeyResult.objects.filter(pk=obj.source_key_result_id).values_list("objective_id", flat=True))
        removed = changes.get("parent")
        if isinstance(removed, list | tuple) and removed and isinstance(removed[0], int):
            ids.add(removed[0])
    elif isinstance(obj, KeyResult):
        ids.add(obj.objective_id)
    elif isinstance(obj, Alignment):
        ids |= {obj.child_id, obj.parent_id}
    else:
        key_result_id = getattr(obj, "key_result_id", None)
        if key_result_id is not None:
            ids |= set(KeyResult.objects.filter(pk=key_result_id).values_list("objective_id", flat=True))
    return ids


def on_audit(*, organisation: Any, obj: models.Model, action: str, changes: dict[str, Any]) -> None:
    """Called by the audit writer: remember what moved; recompute once the transaction commits."""
    if organisation is None:
        return
    label = obj._meta.label_lower
    if label == "accounts.organisation" and "child_blend" in changes:
        # Every objective's progress changes: forget them all and recompute the organisation.
        Objective.objects.filter(organisation_id=organisation.pk).update(rolled_progress=None)
        _schedule(organisation.pk, None)
        return
    if label not in _TRACKED:
        return
    _schedule(organisation.pk, _objective_ids(obj, changes))


class _Batch:
    """The objectives touched in one transaction, per organisation (None: all of them); run as
    the transaction's on-commit callback."""

    def __init__(self) -> None:
        self.pending: dict[int, set[int] | None] = {}
        self.done = False

    def add(self, organisation_id: int, ids: set[int] | None) -> None:
        if ids is None or (organisation_id in self.pending and self.pending[organisation_id] is None):
            self.pending[organisation_id] = None
        else:
            current = self.pending.setdefault(organisation_id, set())
            assert current is not None
            current |= ids

    def __call__(self) -> None:
        from ambit.okrs.tasks import refresh_rollups

        self.done = True
        for organisation_id, ids in self.pending.items():
            # In-process by default; with TASKS_BACKEND=database a worker does it off the request.
            refresh_rollups.enqueue(organisation_id, sorted(ids) if ids is not None else None)


def _schedule(organisation_id: int, ids: set[int] | None) -> None:
    connection = transaction.get_connection()
    batch: _Batch | None = getattr(connection, _PENDING_ATTR, None)
    # A batch whose transaction rolled back (or already ran) is no longer among the callbacks.
    if batch is not None and not batch.done and any(entry[1] is batch for entry in connection.run_on_commit):
        batch.add(organisation_id, ids)
        return
    batch = _Batch()
    batch.add(organisation_id, ids)
    setattr(connection, _PENDING_ATTR, batch)
    transaction.on_commit(batch)  # outside a transaction this runs at once


def _load(ids: set[int]) -> list[Objective]:
    return list(
        Objective.objects.filter(pk__in=ids)
        .select_related("cycle")
        .prefetch_related(
            Prefetch("key_results", queryset=KeyResult.objects.prefetch_related("milestones", "checkpoints"))
        )
    )


def _dependants(organisation: Any, ids: set[int]) -> set[int]:
    """Objectives whose progress reads the progress of ``ids``."""
    out: set[int] = set()
    if organisation.child_blend > 0:
        out |= set(Alignment.objects.filter(child_id__in=ids).values_list("parent_id", flat=True))
    out |= set(
        KeyResult.objects.filter(child_objectives__in=ids, progress_from_children=True).values_list(
            "objective_id", flat=True
        )
    )
    return out


@transaction.atomic
def refresh(*, organisation: Any, objective_ids: set[int]) -> int:
    """Recompute ``objective_ids`` and, while values move, the objectives above them. Returns how
    many stored values changed."""
    pending = set(objective_ids)
    changed_total = 0
    first = True
    for _ in range(MAX_LEVELS):
        if not pending:
            break
        objectives = _load(pending)
        metrics = compute_metrics(organisation=organisation, objectives=objectives)
        changed = []
        for o in objectives:
            value = metrics.objective(o).progress
            if o.rolled_progress is None or abs(o.rolled_progress - value) > 1e-9:
                o.rolled_progress = value
                changed.append(o)
        # In id order, so concurrent refreshes take row locks in the same order.
        changed.sort(key=lambda o: o.pk)
        Objective.objects.bulk_update(changed, ["rolled_progress"])
        changed_total += len(changed)
        # The written objectives' dependants always, since a cancel or an unlink moves a parent
        # even when the child's own number stays; above that, only where something moved.
        moved = {o.pk for o in changed} | (set(pending) if first else set())
        first = False
        pending = _dependants(organisation, moved) if moved else set()
    return changed_total


@transaction.atomic
def refresh_all(*, organisation: Any) -> int:
    """Recompute every objective of the organisation (seeding, settings changes), a cycle at a
    time; children in other cycles are read from the store or walked as usual."""
    from ambit.okrs.models import Cycle

    count = 0
    for cycle_id in (
        Cycle.objects.filter(organisation_id=organisation.pk).order_by("start_date", "id").values_list("pk", flat=True)
    ):
        objectives = _load(set(Objective.objects.filter(cycle_id=cycle_id).values_list("pk", flat=True)))
        metrics = compute_metrics(organisation=organisation, objectives=objectives)
        for o in objectives:
            o.rolled_progress = metrics.objective(o).progress
        Objective.objects.bulk_update(objectives, ["rolled_progress"], batch_size=1000)
        count += len(objectives)
    return count
