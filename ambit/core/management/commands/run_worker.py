"""``manage.py run_worker``: the production background worker (TASKS_BACKEND=database).

It takes every option of django-tasks-db's ``db_worker`` and runs :class:`ambit.core.tasks.Worker`,
which also re-queues tasks left RUNNING by a worker that died (``TASK_LEASE_SECONDS``), waits out a
locked or lost database instead of exiting, and retries a task that failed on such an error (up
to ``TASK_MAX_ATTEMPTS`` tries)."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from ambit.core.tasks import Worker


class Command(DbWorkerCommand):
    help = "Run the background worker: db_worker plus recovery of abandoned tasks and database back-off."

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            lease_seconds=settings.TASK_LEASE_SECONDS,
            max_attempts=settings.TASK_MAX_ATTEMPTS,
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )
        if reload and not batch:
            # As db_worker: development only; only the reloaded child handles signals.
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
