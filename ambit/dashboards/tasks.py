"""Background work of the dashboards: computing a slow kept summary again after writes (``kept``).

Idempotent: it computes the view at the data version it finds, as the viewer who asked, and
keeps it under that version; run twice, the second run finds it kept and stops."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task


@task()
def refresh_dashboard(
    view: str, kind: str, membership_id: int, cycle_id: int, subject_id: int | None, day: str | None
) -> bool:
    """Compute the ``kind`` view (``kept.register``) of ``cycle_id`` as ``membership_id`` sees it,
    on ``day`` (None: today), and keep it. Returns whether it computed."""
    from ambit.dashboards import kept
    from ambit.okrs.data_version import data_version

    try:
        found = kept.resolve(kind, membership_id, cycle_id, subject_id, dt.date.fromisoformat(day) if day else None)
        if found is None:
            return False  # the viewer, the cycle or what was looked at is gone
        key = f"{found.view}:{data_version(organisation_id=found.organisation_id).token}"
        kept_now = cache.get(key)
        if kept_now is not None and (timezone.now() - kept_now.computed_at).total_seconds() < found.seconds:
            return False  # a request or an earlier run kept this version already
        summary = kept.store(found.view, key, found.compute, found.seconds)
        if found.warm is not None:
            found.warm(summary)  # render the parts kept beside it now, not in the first request after
        return True
    finally:
        kept.refresh_done(view)
