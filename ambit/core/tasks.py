"""The background worker that survives dead workers and an unavailable database.

django-tasks-db (0.13.0, its newest release) claims a task by marking it RUNNING with
``started_at`` and the worker's id, then never looks at it again: a worker killed in the middle of
a task (out of memory, a deploy, SIGKILL) leaves it RUNNING for ever. Its ``db_worker`` also exits
on a database error anywhere but the claim query (SQLite's "database is locked" at BEGIN or COMMIT,
a lost PostgreSQL connection), and records a task that raised such an error as FAILED for good.

:class:`Worker` is the library's worker (same claim, same ``run_task``, same signals and options)
with three additions; ``manage.py run_worker`` runs it:

* **A lease.** At start and then every ``sweep_every`` seconds the worker puts back in the queue
  every task that has been RUNNING for longer than ``TASK_LEASE_SECONDS`` (:func:`requeue_abandoned`).
  The lease is not renewed while a task runs, so it must be longer than the longest task (a full
  ``refresh_rollups`` of a large organisation takes seconds; the default is 300 s). A task that
  outlives it may be run a second time beside the first, which is harmless only for idempotent
  tasks: every Ambit task is (they recompute stored values from the source rows).
* **Back-off.** A transient database error (``OperationalError``, ``InterfaceError``) while claiming,
  sweeping or recording an outcome is logged and waited out, with exponential back-off, and the
  loop carries on.
* **Retries.** A task that failed on a transient database error, or whose outcome could not be
  recorded, goes back to READY to run again after a back-off, until it has been tried
  ``TASK_MAX_ATTEMPTS`` times. Attempts are counted by ``worker_ids``, which the library extends at
  every claim, so tries by a worker that died count too.

Every change of a task's row after its claim is a conditional UPDATE on the claim that was read
(``started_at``): a task that finished, or that another worker's sweep already moved, is left alone.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from typing import Any

from django.db import InterfaceError, OperationalError, close_old_connections
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError)
_TRANSIENT_PATHS = frozenset(f"{cls.__module__}.{cls.__qualname__}" for cls in TRANSIENT_ERRORS)
RETRY_BASE_SECONDS = 1.0
RETRY_MAX_SECONDS = 60.0
SWEEP_MAX_SECONDS = 60.0


class TaskAbandoned(Exception):
    """Recorded as the error of a task given up after ``TASK_MAX_ATTEMPTS`` tries."""


def backoff(attempt: int, *, base: float = RETRY_BASE_SECONDS) -> float:
    """Seconds to wait before try ``attempt + 1``: doubling from ``base``, at most a minute."""
    return float(min(base * 2 ** max(attempt - 1, 0), RETRY_MAX_SECONDS))


def _class_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _give_up(claim: QuerySet[DBTaskResult[..., Any]], *, now: dt.datetime, reason: str) -> int:
    return claim.update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        return_value=None,
        exception_class_path=_class_path(TaskAbandoned),
        traceback=f"{_class_path(TaskAbandoned)}: {reason}\n",
    )


def requeue_abandoned(
    *, lease_seconds: float, max_attempts: int, backend_name: str = "default", now: dt.datetime | None = None
) -> int:
    """Put back in the queue the tasks RUNNING for longer than the lease (their worker died); fail
    those already tried ``max_attempts`` times (a task that kills its worker every time). Returns
    how many rows moved; a second call straight after moves none."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=lease_seconds)
    moved = 0
    stale = DBTaskResult.objects.running().filter(backend_name=backend_name, started_at__lt=cutoff)
    for task_id, started_at, worker_ids in stale.values_list("id", "started_at", "worker_ids"):
        claim = DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING, started_at=started_at)
        attempts = len(worker_ids or [])
        if attempts >= max_attempts:
            count = _give_up(claim, now=now, reason=f"its worker stopped responding on each of {attempts} tries")
            if count:
                logger.error("Task id=%s abandoned by %d workers: marked failed", task_id, attempts)
        else:
            # run_after is kept: the task was due when it was claimed, and keeps its place.
            count = claim.update(status=TaskResultStatus.READY)
            if count:
                logger.warning(
                    "Task id=%s was RUNNING for over %s s (worker %s stopped): queued again",
                    task_id,
                    lease_seconds,
                    (worker_ids or ["?"])[-1],
                )
        moved += count
    return moved


def retry_or_fail(task: DBTaskResult[..., Any], *, max_attempts: int, now: dt.datetime | None = None) -> bool:
    """After ``task`` ran (or the worker lost track of it), queue it again if it failed on a
    transient database error or its outcome was never recorded (still RUNNING); after
    ``max_attempts`` tries, leave it failed. Returns whether it was queued again."""
    now = now or timezone.now()
    claim = DBTaskResult.objects.filter(pk=task.pk, started_at=task.started_at).filter(
        Q(status=TaskResultStatus.RUNNING)
        | Q(status=TaskResultStatus.FAILED, exception_class_path__in=_TRANSIENT_PATHS)
    )
    attempts = len(task.worker_ids)
    if attempts >= max_attempts:
        if _give_up(claim.filter(status=TaskResultStatus.RUNNING), now=now, reason="its outcome could not be recorded"):
            logger.error("Task id=%s: outcome not recorded after %d tries, marked failed", task.pk, attempts)
        elif claim.exists():
            logger.error("Task id=%s failed on a database error %d times: left failed", task.pk, attempts)
        return False
    delay = backoff(attempts)
    requeued = bool(
        claim.update(status=TaskResultStatus.READY, run_after=now + dt.timedelta(seconds=delay), finished_at=None)
    )
    if requeued:
        logger.warning("Task id=%s hit a transient database error: runs again in %.0f s", task.pk, delay)
    return requeued


class Worker(db_worker.Worker):
    """django-tasks-db's worker with a lease sweep, database back-off and transient retries."""

    def __init__(
        self, *, lease_seconds: float, max_attempts: int, sweep_every: float | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.sweep_every = (
            sweep_every if sweep_every is not None else max(1.0, min(lease_seconds / 2, SWEEP_MAX_SECONDS))
        )
        self._next_sweep = 0.0
        self._database_failures = 0
        self._unsettled: DBTaskResult[..., Any] | None = None

    def run(self) -> None:
        logger.info(
            "Starting worker worker_id=%s queues=%s lease=%ss",
            self.worker_id,
            ",".join(self.queue_names),
            self.lease_seconds,
        )
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # spreads workers started together
        while self.running:
            close_old_connections()
            try:
                task = self._step()
            except TRANSIENT_ERRORS as exc:
                self._wait_for_database(exc)
                continue
            self._database_failures = 0
            if self.batch and task is None:
                logger.info("No more tasks to run for worker_id=%s - exiting.", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info("Ran %d tasks on worker_id=%s - exiting.", self._run_tasks, self.worker_id)
                return
            close_old_connections()
            if self.running and task is None:
                time.sleep(self.interval)

    def _step(self) -> DBTaskResult[..., Any] | None:
        """Settle what a database error interrupted, sweep when due, claim and run one task."""
        if self._unsettled is not None:
            retry_or_fail(self._unsettled, max_attempts=self.max_attempts)
            self._unsettled = None
        if time.monotonic() >= self._next_sweep:
            requeue_abandoned(
                lease_seconds=self.lease_seconds, max_attempts=self.max_attempts, backend_name=self.backend_name
            )
            self._next_sweep = time.monotonic() + self.sweep_every
        task = self._claim()
        if task is not None:
            # Until settled, a database error leaves the task to be retried at the next step.
            self._unsettled = task
            self.run_task(task)
            if task.status != TaskResultStatus.SUCCESSFUL:
                retry_or_fail(task, max_attempts=self.max_attempts)
            self._unsettled = None
        return task

    def _claim(self) -> DBTaskResult[..., Any] | None:
        """The library's claim, with its database errors left to the caller's back-off."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task = tasks.get_locked()
            if task is not None:
                task.claim(self.worker_id)
        return task

    def _wait_for_database(self, exc: Exception) -> None:
        self._database_failures += 1
        delay = backoff(self._database_failures, base=max(self.interval, 0.1))
        logger.warning(
            "Database unavailable for worker_id=%s (%s: %s); trying again in %.1f s",
            self.worker_id,
            type(exc).__name__,
            exc,
            delay,
        )
        # A connection broken by the error (PostgreSQL restart, network) is dropped and reopened.
        close_old_connections()
        if self.running:
            time.sleep(delay)
