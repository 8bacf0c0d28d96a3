"""Background work of the OKR app (django-tasks: in-process with TASKS_BACKEND=immediate, queued
for ``manage.py run_worker`` with TASKS_BACKEND=database, which runs a task again when its worker
died or it failed on a transient database error — so every task here must be idempotent)."""

from __future__ import annotations

import logging
import time

from django.db import OperationalError
from django_tasks import task

from ambit.accounts.models import Organisation
from ambit.okrs import rollups

DEADLOCK_RETRIES = 4
# The benchmark (bench/run.py) counts these lines in the worker's log: keep the wording.
RETRY_LOG = "refresh_rollups: try %d of %d failed (%s); running it again"

logger = logging.getLogger(__name__)


@task()
def refresh_rollups(organisation_id: int, objective_ids: list[int] | None) -> int:
    """Bring the stored roll-ups of ``objective_ids`` (None: the whole organisation) and of the
    objectives above them up to date; enqueued when a write commits."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:  # deleted since
        return 0
    for attempt in range(DEADLOCK_RETRIES):
        try:
            if objective_ids is None:
                return rollups.refresh_all(organisation=organisation)
            return rollups.refresh(organisation=organisation, objective_ids=set(objective_ids))
        except OperationalError as exc:
            # PostgreSQL ends one of two transactions that wait on each other (a request writing
            # beside this); the refresh is idempotent, so run it again.
            if attempt == DEADLOCK_RETRIES - 1:
                raise
            logger.warning(RETRY_LOG, attempt + 1, DEADLOCK_RETRIES, exc)
            time.sleep(0.05 * 2**attempt)
    return 0
