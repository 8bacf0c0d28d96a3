"""Check-ins on linked key results become KPI readings.

``okrs`` cannot know about KPIs (it must not import them), and a check-in's request must not pay
for them (its statements are pinned: tests/test_check_in_write_cost.py). So, as the webhooks do
with the audit log, the check-ins table is the outbox: every scheduler tick (each minute,
``manage.py run_scheduler``) reads, in one query, the check-ins with a value past each link's
cursor, records one reading each (``KpiReading.check_in`` is unique: two schedulers at once
record it once) and moves the cursor. A check-in therefore reaches its KPI within a minute.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F

from ambit.kpis import services
from ambit.kpis.models import KpiLink
from ambit.notify.scheduler import register_producer
from ambit.okrs.models import CheckIn

PRODUCER = "kpi-links"
BATCH = 500


def sync_linked_check_ins(now: dt.datetime | None = None) -> int:
    """Turn the pending check-ins of every linked key result into readings; returns how many."""
    pending = list(
        CheckIn.objects.filter(
            key_result__kpi_link__isnull=False, pk__gt=F("key_result__kpi_link__cursor"), value__isnull=False
        )
        .select_related("key_result__kpi_link", "author", "key_result")
        .order_by("pk")[:BATCH]
    )
    made = 0
    cursors: dict[int, int] = {}
    for check_in in pending:
        link: KpiLink = check_in.key_result.kpi_link  # kpis' reverse accessor (django-stubs sees it)
        try:
            with transaction.atomic():
                if services.record_from_check_in(link, check_in) is not None:
                    made += 1
        except IntegrityError:
            pass  # another scheduler recorded it first
        cursors[link.pk] = max(cursors.get(link.pk, 0), check_in.pk)
    for link_id, cursor in cursors.items():
        KpiLink.objects.filter(pk=link_id, cursor__lt=cursor).update(cursor=cursor)
    return made


def _producer(now: dt.datetime) -> int:
    sync_linked_check_ins(now)
    return 0  # readings, not notifications (their alerts are counted by nobody)


register_producer(PRODUCER, _producer)
