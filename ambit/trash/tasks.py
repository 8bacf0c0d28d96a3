"""The purge of the trash in the background (django-tasks: in-process with TASKS_BACKEND=immediate,
queued for ``manage.py run_worker`` with TASKS_BACKEND=database). Idempotent: a second run, or a
run beside another, purges nothing twice.

The scheduler (``manage.py run_scheduler``) calls :func:`enqueue_purge` on every tick; the notify
app registers it (``NotifyConfig.ready``), since the trash may not import notify (notify reads the
OKRs, which import the trash)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django_tasks import task

from ambit.trash.models import TrashItem
from ambit.trash.services import trash_purge_expired

PRODUCER = "trash_purge"


@task()
def purge_trash(at: str) -> int:
    """Purge every item past its 30 days at ``at`` (ISO 8601); returns how many went."""
    return trash_purge_expired(now=dt.datetime.fromisoformat(at))


def enqueue_purge(now: dt.datetime) -> int:
    """A scheduler producer: queue the purge when an item is due (one indexed query otherwise).
    Returns 0: it produces no notification."""
    if TrashItem.objects.filter(purge_after__lte=now).exists():
        at = now.isoformat()
        transaction.on_commit(lambda: purge_trash.enqueue(at))
    return 0
