"""Background work of the planning sheets (django-tasks: in-process with TASKS_BACKEND=immediate,
queued for ``manage.py db_worker`` with TASKS_BACKEND=database)."""

from __future__ import annotations

from django_tasks import task

from ambit.sheets.services import import_job_run


@task()
def sheet_import_run(job_id: int) -> str:
    """Check or apply one uploaded planning sheet (see ``import_job_run``); takes the job's id
    so that the queue holds no tenant data, and is safe to run again."""
    return import_job_run(job_id=job_id)
