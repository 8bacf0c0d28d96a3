"""Keep ``Objective.rolled_progress`` true: after every committed write that can move an
objective's progress, recompute that objective and then the objectives whose progress depends on
it (classic parents when the organisation blends children in, and the parent objective of a key
result that takes its progress from its duality children). Objectives are computed in dependency
order — children before the parents that read their stored values, whatever their cycles (an
annual objective blending quarterly children) — so one pass leaves every value right.

The trigger is explicit: each service that can move progress calls :func:`schedule_objective`,
:func:`schedule_key_result` or :func:`schedule_organisation` beside its audit entry, inside its
transaction, so the side effect is visible where it is caused. The objectives touched in a
transaction are recomputed once, when it commits, by the ``refresh_rollups`` task: in the request
with the default in-process task backend, by ``manage.py run_worker`` with TASKS_BACKEND=database
(until it runs, objectives above read their children's previous values).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F, Prefetch

from ambit.accounts.models import Organisation
from ambit.okrs.metrics import compute_metrics
from ambit.okrs.models import Alignment, KeyResult, Objective

_PENDING_ATTR = "_ambit_rollups_pending"
BATCH = 2000  # objectives computed per round, to bound memory on large organisations


def schedule_objective(objective: Objective, *, former_parent_id: int | None = None) -> None:
    """Recompute ``objective`` when the transaction commits, with the objectives that read it: its
    aligned parents, the objective of the key result it feeds (duality) and ``former_parent_id``,
    a parent it was just unlinked from, which no longer reads it but must drop its share.

    Call it before a delete: the links are read now, while they still exist."""
    ids = {objective.pk}
    ids |= set(Alignment.objects.filter(child_id=objective.pk).values_list("parent_id", flat=True))
    if objective.source_key_result_id is not None:
        ids |= set(KeyResult.objects.filter(pk=objective.source_key_result_id).values_list("objective_id", flat=True))
    if former_parent_id is not None:
        ids.add(former_parent_id)
    _schedule(objective.organisation_id, ids)


def schedule_key_result(key_result: KeyResult) -> None:
    """Recompute the key result's objective (and what reads it) when the transaction commits."""
    _schedule(key_result.organisation_id, {key_result.objective_id})


def schedule_objective_ids(organisation_id: int, ids: Iterable[int]) -> None:
    """Recompute these objectives (and what reads them: the refresh finds the readers above) when
    the transaction commits: a bulk write's one task (closing a cycle's objectives)."""
    _schedule(organisation_id, set(ids))


def schedule_check_ins(key_results: Iterable[KeyResult]) -> None:
    """Recompute the objectives of freshly checked-in key results (and what reads them): one task
    for all of them.

    With a task queue kept in this database (TASKS_BACKEND=database, django-tasks-db) and no
    batch already open in the transaction, the task is enqueued at once, inside the check-in's
    transaction: it commits with the check-in, in one commit instead of two (the on-commit enqueue
    is an INSERT in a transaction of its own, a second flush to disk on every check-in), and a
    process that dies right after the commit cannot lose it. The worker sees the task only once
    the transaction has committed. Any other backend (the in-process one runs the task as it is
    enqueued, which must wait for the commit) takes the on-commit batch as the other writes do."""
    by_organisation: dict[int, set[int]] = defaultdict(set)
    for key_result in key_results:
        by_organisation[key_result.organisation_id].add(key_result.objective_id)
    connection = transaction.get_connection()
    if connection.in_atomic_block and _open_batch(connection) is None and _queue_commits_with_writes():
        from ambit.okrs.tasks import refresh_rollups

        for organisation_id, ids in by_organisation.items():
            refresh_rollups.enqueue(organisation_id, sorted(ids))
        return
    for organisation_id, ids in by_organisation.items():
        _schedule(organisation_id, ids)


def _queue_commits_with_writes() -> bool:
    """Whether enqueuing a task writes it in this database's current transaction."""
    from django_tasks_db import DatabaseBackend

    from ambit.okrs.tasks import refresh_rollups

    return isinstance(refresh_rollups.get_backend(), DatabaseBackend)


def schedule_organisation(organisation: Organisation) -> None:
    """The organisation's blend with aligned children changed, so every objective's progress may
    have: forget the stored values now and recompute them all when the transaction commits."""
    Objective.objects.filter(organisation_id=organisation.pk).update(rolled_progress=None)
    _schedule(organisation.pk, None)


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


def _open_batch(connection: Any) -> _Batch | None:
    """The batch waiting for this transaction's commit, if any. A batch whose transaction rolled
    back (or already ran) is no longer among the callbacks."""
    batch: _Batch | None = getattr(connection, _PENDING_ATTR, None)
    if batch is not None and not batch.done and any(entry[1] is batch for entry in connection.run_on_commit):
        return batch
    return None


def _schedule(organisation_id: int, ids: set[int] | None) -> None:
    connection = transaction.get_connection()
    batch = _open_batch(connection)
    if batch is not None:
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
    if changed_total:
        _moved(organisation)
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
    if count:
        _moved(organisation)
    return count


def _moved(organisation: Any) -> None:
    """Stored roll-ups changed: move the organisation's ``rollup_version`` (last, so its row lock
    is held only until the commit), which changes ``okrs.data_version`` and with it the keys of
    the cached pages that printed the values before."""
    Organisation.objects.filter(pk=organisation.pk).update(rollup_version=F("rollup_version") + 1)
