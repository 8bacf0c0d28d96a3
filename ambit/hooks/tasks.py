"""Background work of the webhooks (django-tasks; in-process with TASKS_BACKEND=immediate, queued for
``manage.py run_worker`` with TASKS_BACKEND=database). Running one twice is harmless: the delivery
is claimed by a conditional UPDATE, so only one run sends it."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from ambit.hooks import sending


@task()
def send_webhook(delivery_id: int, at: str) -> str:
    """Send one delivery that was due at ``at`` (ISO 8601); returns its new status."""
    return sending.deliver(delivery_id, at=dt.datetime.fromisoformat(at)) or "not claimed"
