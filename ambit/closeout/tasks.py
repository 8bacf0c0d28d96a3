"""The close-out's announcements in the background (django-tasks: in-process with
TASKS_BACKEND=immediate, queued for ``manage.py run_worker`` with TASKS_BACKEND=database).

Each is enqueued inside the write's transaction, so with the database backend it is queued if and
only if the write commits. In a 10,000-person organisation the quarter's wins take seconds to
gather and the announcement is 10,000 notifications: the closing request no longer waits for
either. Idempotent: every notification has a unique key, so a second run (a worker killed
mid-task and the task run again) sends nobody anything twice."""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def announce_cycle_closed(cycle_id: int, results: dict[str, float | int | None], at: str) -> int:
    """Tell every active member that cycle ``cycle_id`` closed with ``results`` (the ones its
    ``cycle.close`` audit entry records) and the quarter's wins. Nothing when the cycle was
    reopened before this ran. Returns how many notifications were new."""
    from ambit.closeout.services import cycle_closed_notify

    return cycle_closed_notify(cycle_id=cycle_id, results=results, now=dt.datetime.fromisoformat(at))


@task()
def announce_scoring_open(cycle_id: int, at: str) -> int:
    """Ask every owner of an unscored key result of ``cycle_id`` to score (once per cycle)."""
    from ambit.closeout.services import scoring_open_notify

    return scoring_open_notify(cycle_id=cycle_id, now=dt.datetime.fromisoformat(at))
