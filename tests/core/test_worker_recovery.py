"""The background worker (``manage.py run_worker``) recovers the tasks of a worker that died,
waits out a locked database instead of exiting, and retries a task that failed on one."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ambit.core.tasks import TaskAbandoned, Worker, requeue_abandoned
from ambit.okrs import rollups
from ambit.okrs import tasks as okr_tasks
from ambit.okrs.models import Objective
from tests.builders import World, build_annual_over_quarters
from tests.core import worker_probe
from tests.okrs.test_rollups_one_pass import _from_scratch, _stored

ROOT = Path(__file__).resolve().parents[2]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
LEASE = 300
WRONG = 0.99
WAIT_SECONDS = 90  # the most a subprocess step may take on a loaded machine; never asserted


def _worker(worker_id: str = "alive", max_attempts: int = 3) -> Worker:
    """A worker that runs what is due, then returns (``--batch``)."""
    return Worker(
        lease_seconds=LEASE,
        max_attempts=max_attempts,
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


@pytest.fixture
def database_tasks(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Objective]]:
    """The world on the database task backend, its roll-ups refreshed by a first worker pass;
    back-off sleeps skipped."""
    monkeypatch.setattr("ambit.core.tasks.time.sleep", lambda seconds: None)
    monkeypatch.setattr("ambit.okrs.tasks.time.sleep", lambda seconds: None)
    with override_settings(TASKS=DATABASE_TASKS):
        objectives = build_annual_over_quarters(world)
        assert DBTaskResult.objects.ready().exists()  # the writes queued their refreshes
        _worker().run()
        assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()
        yield objectives


def _queue_refresh(org_id: int) -> DBTaskResult[..., Any]:
    result = okr_tasks.refresh_rollups.enqueue(org_id, None)
    return DBTaskResult.objects.get(pk=result.id)


def _die_holding(row: DBTaskResult[..., Any], *worker_ids: str, seconds_ago: float) -> None:
    """Leave ``row`` as the library leaves a task whose worker was killed mid-run."""
    for worker_id in worker_ids:
        row.claim(worker_id)
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - dt.timedelta(seconds=seconds_ago))


@pytest.mark.django_db(transaction=True)
def test_a_task_left_running_by_a_dead_worker_runs_again_once(world: World, database_tasks: list[Objective]) -> None:
    objectives = database_tasks
    expected = _from_scratch(world.org, objectives)
    Objective.objects.filter(organisation=world.org).update(rolled_progress=WRONG)
    row = _queue_refresh(world.org.pk)
    _die_holding(row, "dead", seconds_ago=LEASE - 60)

    # Within its lease the task may still be running somewhere: left alone.
    assert requeue_abandoned(lease_seconds=LEASE, max_attempts=3) == 0
    _worker().run()
    row.refresh_from_db()
    assert (row.status, row.worker_ids) == ("RUNNING", ["dead"])
    assert _stored(objectives) == [WRONG] * len(objectives)

    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - dt.timedelta(seconds=LEASE + 1))
    _worker().run()  # sweeps at start, then runs it

    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"
    assert row.worker_ids == ["dead", "alive"]
    assert row.return_value == len(objectives)
    assert _stored(objectives) == pytest.approx(expected)

    # Nothing more to recover, and a completed task is never run again.
    assert requeue_abandoned(lease_seconds=0, max_attempts=3) == 0
    _worker("another").run()
    row.refresh_from_db()
    assert (row.status, row.worker_ids) == ("SUCCESSFUL", ["dead", "alive"])
    assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()


@pytest.mark.django_db(transaction=True)
def test_a_task_that_kills_its_worker_every_time_is_given_up(world: World, database_tasks: list[Objective]) -> None:
    Objective.objects.filter(organisation=world.org).update(rolled_progress=WRONG)
    row = _queue_refresh(world.org.pk)
    _die_holding(row, "first", "second", "third", seconds_ago=LEASE + 1)

    assert requeue_abandoned(lease_seconds=LEASE, max_attempts=3) == 1

    row.refresh_from_db()
    assert row.status == "FAILED"
    assert row.exception_class_path == f"{TaskAbandoned.__module__}.TaskAbandoned"
    _worker().run()
    row.refresh_from_db()
    assert (row.status, row.worker_ids) == ("FAILED", ["first", "second", "third"])
    assert _stored(database_tasks) == [WRONG] * len(database_tasks)


def _failing_until(calls: list[int], failures: int) -> Callable[..., int]:
    real = rollups.refresh_all

    def refresh_all(*, organisation: Any) -> int:
        calls.append(organisation.pk)
        if len(calls) <= failures:
            raise OperationalError("database is locked")
        return real(organisation=organisation)

    return refresh_all


@pytest.mark.django_db(transaction=True)
def test_a_task_failing_on_a_locked_database_is_retried_not_failed(
    world: World, database_tasks: list[Objective], monkeypatch: pytest.MonkeyPatch
) -> None:
    objectives = database_tasks
    expected = _from_scratch(world.org, objectives)
    Objective.objects.filter(organisation=world.org).update(rolled_progress=WRONG)
    calls: list[int] = []
    # The task's own retries (4) all fail: the worker must not record it as failed for good.
    monkeypatch.setattr(rollups, "refresh_all", _failing_until(calls, failures=okr_tasks.DEADLOCK_RETRIES))
    row = _queue_refresh(world.org.pk)

    _worker().run()

    row.refresh_from_db()
    assert row.status == "READY"
    assert len(calls) == okr_tasks.DEADLOCK_RETRIES
    assert not DBTaskResult.objects.ready().filter(pk=row.pk).exists()  # after a back-off
    assert _stored(objectives) == [WRONG] * len(objectives)

    DBTaskResult.objects.filter(pk=row.pk).update(run_after=timezone.now())  # the back-off is over
    _worker("next").run()

    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"
    assert row.worker_ids == ["alive", "next"]
    assert _stored(objectives) == pytest.approx(expected)


@pytest.mark.django_db(transaction=True)
def test_a_task_failing_on_the_database_every_time_ends_failed(
    world: World, database_tasks: list[Objective], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rollups, "refresh_all", _failing_until([], failures=1000))
    row = _queue_refresh(world.org.pk)
    for worker_id in ("one", "two"):
        DBTaskResult.objects.filter(pk=row.pk).update(run_after=timezone.now())
        _worker(worker_id, max_attempts=2).run()

    row.refresh_from_db()
    assert row.status == "FAILED"
    assert row.exception_class_path == "django.db.utils.OperationalError"
    assert row.worker_ids == ["one", "two"]


@pytest.mark.django_db(transaction=True)
def test_a_task_failing_on_a_bug_is_failed_at_once(
    world: World, database_tasks: list[Objective], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*, organisation: Any) -> int:
        raise ValueError("a bug, not the database")

    monkeypatch.setattr(rollups, "refresh_all", broken)
    row = _queue_refresh(world.org.pk)
    _worker().run()
    row.refresh_from_db()
    assert (row.status, row.exception_class_path, row.worker_ids) == ("FAILED", "builtins.ValueError", ["alive"])


@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_out_a_locked_database_when_claiming(
    world: World, database_tasks: list[Objective], monkeypatch: pytest.MonkeyPatch
) -> None:
    objectives = database_tasks
    expected = _from_scratch(world.org, objectives)
    Objective.objects.filter(organisation=world.org).update(rolled_progress=WRONG)
    row = _queue_refresh(world.org.pk)
    worker = _worker()
    real_claim = worker._claim
    attempts: list[int] = []

    def locked_twice() -> DBTaskResult[..., Any] | None:
        attempts.append(1)
        if len(attempts) <= 2:
            raise OperationalError("database is locked")
        return real_claim()

    monkeypatch.setattr(worker, "_claim", locked_twice)
    worker.run()

    assert len(attempts) == 4  # two locked, one that ran the task, one that found the queue empty
    row.refresh_from_db()
    assert (row.status, row.worker_ids) == ("SUCCESSFUL", ["alive"])
    assert _stored(objectives) == pytest.approx(expected)


# --- Real worker processes on a SQLite file ---------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database with the organisation and one queued ``refresh_after_gate``."""
    folder = tmp_path_factory.mktemp("worker-template")
    env = _env(folder)
    for command in (
        ["migrate", "-v0"],
        ["shell", "-c", f"from tests.core.worker_probe import build; build({str(folder)!r})"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env={**env, "TASKS_BACKEND": "immediate"}, check=True
        )
    return folder


def _env(folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {
        **env,
        "AMBIT_VAR_DIR": str(folder),  # SQLite at <folder>/ambit.sqlite3
        "DJANGO_SETTINGS_MODULE": "tests.core.worker_settings",
        "TASKS_BACKEND": "database",
        "DEBUG": "0",
        "LOG_LEVEL": "INFO",
        **extra,
    }


@pytest.fixture
def site(template: Path, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A copy of the template, and a way to start workers on it (all stopped at the end)."""
    for name in ("ambit.sqlite3", "expected.json", "task.json"):
        shutil.copy(template / name, tmp_path / name)
    task = json.loads((tmp_path / "task.json").read_text())
    gate = tmp_path / worker_probe.GATE
    started: list[subprocess.Popen[bytes]] = []
    command = [sys.executable, "manage.py", "run_worker", "--no-reload", "--no-startup-delay", "--interval", "0.05"]

    def start(worker_id: str, **env: str) -> subprocess.Popen[bytes]:
        with open(tmp_path / f"{worker_id}.log", "wb") as log:  # the child keeps its own handle
            process = subprocess.Popen(
                [*command, "--worker-id", worker_id],
                cwd=ROOT,
                env=_env(tmp_path, **env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        return process

    yield {
        "db": tmp_path / "ambit.sqlite3",
        "task_id": task["id"].replace("-", ""),
        "gate": gate,
        "expected": json.loads((tmp_path / "expected.json").read_text()),
        "start": start,
        "log": lambda worker_id: (tmp_path / f"{worker_id}.log").read_text(errors="replace"),
    }
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def _read(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db, timeout=30) as connection:
        return connection.execute(sql, params).fetchall()


def _task_row(site: dict[str, Any]) -> tuple[str, list[str]]:
    [(status, worker_ids)] = _read(
        site["db"], f"SELECT status, worker_ids FROM {DBTaskResult._meta.db_table} WHERE id = ?", site["task_id"]
    )
    return status, json.loads(worker_ids)


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def _rollups_right(site: dict[str, Any]) -> None:
    stored = dict(_read(site["db"], f"SELECT id, rolled_progress FROM {Objective._meta.db_table}"))
    assert {str(pk): value for pk, value in stored.items()} == pytest.approx(site["expected"])


def test_a_worker_killed_mid_task_is_replaced_by_the_next_worker(site: dict[str, Any]) -> None:
    first = site["start"]("first", TASK_LEASE_SECONDS="1")
    _until(lambda: _task_row(site)[0] == "RUNNING", "the first worker to claim the task")
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert _task_row(site) == ("RUNNING", ["first"])  # what the library leaves behind

    site["gate"].touch()
    second = site["start"]("second", TASK_LEASE_SECONDS="1")
    _until(lambda: _task_row(site)[0] == "SUCCESSFUL", "the second worker to recover and run the task")

    assert _task_row(site) == ("SUCCESSFUL", ["first", "second"])
    assert "queued again" in site["log"]("second")
    _rollups_right(site)
    assert second.poll() is None


def test_the_worker_outlives_a_database_locked_longer_than_the_busy_timeout(site: dict[str, Any]) -> None:
    lock = sqlite3.connect(site["db"], timeout=30, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # hold the write lock while the worker starts and claims
    worker = site["start"]("steady")
    _until(lambda: site["log"]("steady").count("Database unavailable") >= 2, "the worker to meet the lock")
    assert worker.poll() is None
    assert _task_row(site) == ("READY", [])
    lock.execute("COMMIT")

    _until(lambda: _task_row(site)[0] == "RUNNING", "the worker to claim the task once the lock is gone")
    lock.execute("BEGIN IMMEDIATE")  # and again while the task writes its roll-ups
    met_so_far = site["log"]("steady").count("Database unavailable")  # the task waits at its gate
    site["gate"].touch()
    _until(lambda: site["log"]("steady").count("Database unavailable") > met_so_far, "the task to meet the lock")
    assert worker.poll() is None
    assert _task_row(site)[0] == "RUNNING"
    lock.execute("COMMIT")
    lock.close()

    _until(lambda: _task_row(site)[0] == "SUCCESSFUL", "the task to run again and complete")
    assert worker.poll() is None
    assert _task_row(site) == ("SUCCESSFUL", ["steady", "steady"])
    _rollups_right(site)
