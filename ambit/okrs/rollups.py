"""Keep ``Objective.rolled_progress`` true: after every committed write that can move an
objective's progress, recompute that objective and then the objectives whose progress depends on
it (classic parents when the organisation blends children in, and the parent objective of a key
result that takes its progress from its duality children). Objectives are computed in dependency
order — children before the parents that read their stored values, whatever their cycles (an
annual objective blending quarterly children) — so one pass leaves every value right.

The trigger is the audit log: every service writes one entry per change inside its transaction,
so :func:`on_audit` sees every write without each service having to remember. The objectives
touched in a transaction are recomputed once, when it commits, by the ``refresh_rollups`` task:
in the request with the default in-process task backend, by ``manage.py run_worker`` with
TASKS_BACKEND=database (until it runs, objectives above read their children's previous values).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.db.models import Prefetch

from ambit.okrs.metrics import compute_metrics
from ambit.okrs.models import Alignment, KeyResult, Objective

_TRACKED = {"okrs.objective", "okrs.keyresult", "okrs.checkin", "okrs.milestone", "okrs.alignment"}
_PENDING_ATTR = "_ambit_rollups_pending"
BATCH = 2000  # objectives computed per round, to bound memory on large organisations


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


def _load(ids: Iterable[int]) -> list[Objective]:
    return list(
        Objective.objects.filter(pk__in=list(ids))
        .select_related("cycle")
        .prefetch_related(
            Prefetch("key_results", queryset=KeyResult.objects.prefetch_related("milestones", "checkpoints"))
        )
    )


def _links(organisation: Any, ids: set[int] | None) -> list[tuple[int, int]]:
    """(child, reader) pairs: ``reader``'s progress reads ``child``'s — an aligned parent when the
    organisation blends children in, the objective of the key result a duality child feeds.
    ``ids`` None: every link in the organisation."""
    alignments = Alignment.objects.filter(organisation_id=organisation.pk)
    duality = Objective.objects.filter(organisation_id=organisation.pk, source_key_result__progress_from_children=True)
    if ids is not None:
        alignments = alignments.filter(child_id__in=ids)
        duality = duality.filter(pk__in=ids)
    links: list[tuple[int, int]] = []
    if organisation.child_blend > 0:
        links.extend(alignments.values_list("child_id", "parent_id"))
    links.extend(duality.values_list("pk", "source_key_result__objective_id"))
    return links


def _readers_above(organisation: Any, ids: set[int]) -> dict[int, set[int]]:
    """Every objective whose progress reads ``ids``, directly or through others: child → readers."""
    readers: dict[int, set[int]] = defaultdict(set)
    seen = set(ids)
    frontier = set(ids)
    while frontier:
        found: set[int] = set()
        for child, reader in _links(organisation, frontier):
            readers[child].add(reader)
            found.add(reader)
        frontier = found - seen
        seen |= frontier
    return readers


def _levels(nodes: set[int], links: Iterable[tuple[int, int]]) -> list[list[int]]:
    """``nodes`` in dependency order (Kahn's algorithm): each level reads only levels before it,
    so children — of any cycle, annual above quarterly — are stored before a parent is computed.
    Objectives on a loop of links (the services refuse them) and those above come last, together."""
    feeders: dict[int, int] = dict.fromkeys(nodes, 0)
    readers: dict[int, set[int]] = defaultdict(set)
    for child, reader in links:
        if child in feeders and reader in feeders and child != reader and reader not in readers[child]:
            readers[child].add(reader)
            feeders[reader] += 1
    levels: list[list[int]] = []
    level = sorted(pk for pk, count in feeders.items() if count == 0)
    while level:
        levels.append(level)
        following: list[int] = []
        for pk in level:
            for reader in readers[pk]:
                feeders[reader] -= 1
                if feeders[reader] == 0:
                    following.append(reader)
        level = sorted(following)
    looped = sorted(pk for pk, count in feeders.items() if count > 0)
    if looped:
        levels.append(looped)
    return levels


def _recompute(organisation: Any, ids: list[int], *, write_all: bool = False) -> list[int]:
    """Compute ``ids`` (objectives that do not read each other) from their key results and their
    children's stored roll-ups; store the values that moved (every value with ``write_all``).
    Returns the ids whose stored value changed."""
    changed_ids: list[int] = []
    for start in range(0, len(ids), BATCH):
        objectives = _load(ids[start : start + BATCH])
        metrics = compute_metrics(organisation=organisation, objectives=objectives)
        written = []
        for o in objectives:
            value = metrics.objective(o).progress
            moved = o.rolled_progress is None or abs(o.rolled_progress - value) > 1e-9
            if moved:
                changed_ids.append(o.pk)
            if moved or write_all:
                o.rolled_progress = value
                written.append(o)
        # In id order, so concurrent refreshes take row locks in the same order.
        written.sort(key=lambda o: o.pk)
        Objective.objects.bulk_update(written, ["rolled_progress"], batch_size=1000)
    return changed_ids


@transaction.atomic
def refresh(*, organisation: Any, objective_ids: set[int]) -> int:
    """Recompute ``objective_ids`` and, children before parents, the objectives above them that
    read a value that moved — one pass, whatever the depth. Returns how many stored values
    changed."""
    readers = _readers_above(organisation, objective_ids)
    nodes = set(objective_ids).union(*readers.values())
    # The written objectives' readers always, since a cancel or an unlink moves a parent even
    # when the child's own number stays; above that, only where something moved.
    due = set(objective_ids).union(*(readers[pk] for pk in objective_ids))
    changed_total = 0
    for level in _levels(nodes, ((child, reader) for child, above in readers.items() for reader in above)):
        batch = [pk for pk in level if pk in due]
        if not batch:
            continue
        changed = _recompute(organisation, batch)
        for pk in changed:
            due |= readers[pk]
        changed_total += len(changed)
    return changed_total


@transaction.atomic
def refresh_all(*, organisation: Any) -> int:
    """Recompute and store every objective of the organisation (seeding, settings changes, repair),
    children before parents across cycles, so one call leaves every value as
    :func:`compute_metrics` would find it from scratch. Returns how many objectives it stored."""
    ids = set(Objective.objects.filter(organisation_id=organisation.pk).values_list("pk", flat=True))
    count = 0
    for level in _levels(ids, _links(organisation, None)):
        _recompute(organisation, level, write_all=True)
        count += len(level)
    return count
