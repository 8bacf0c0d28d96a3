"""Key results' check-in history, read the cheap way.

Two reads, each one query whatever the number of key results:

- ``compact_history``: every check-in of the key results as a small tuple (no model instances,
  no author), oldest first. The forecast fits all of them and the charts draw them, so this is
  what ``compute_metrics`` and the objective page's charts read.
- ``latest_check_ins``: the newest ``per_key_result`` check-ins of each key result with their
  authors, newest first, optionally only those older than a check-in (``before``): the history
  table of the objective page, a page at a time.

Callers scope: these take key result ids the acting member was already allowed to read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from ambit.okrs.models import CheckIn


class CheckInRow(NamedTuple):
    """One check-in reduced to what progress, forecasts and charts need."""

    pk: int
    key_result_id: int
    created_at: dt.datetime
    value: Decimal | None
    milestones_done: list[Any]
    corrects_id: int | None


_ROW_FIELDS = ("id", "key_result_id", "created_at", "value", "milestones_done", "corrects_id")


def compact_history(key_result_ids: Iterable[int]) -> dict[int, list[CheckInRow]]:
    """Every check-in of ``key_result_ids``, oldest first, per key result (one query)."""
    history: dict[int, list[CheckInRow]] = {}
    rows = CheckIn.objects.filter(key_result_id__in=list(key_result_ids)).order_by("created_at", "id")
    for pk, kr_id, created_at, value, done, corrects_id in rows.values_list(*_ROW_FIELDS):
        history.setdefault(kr_id, []).append(CheckInRow(pk, kr_id, created_at, value, done or [], corrects_id))
    return history


def latest_check_ins(
    key_result_ids: Iterable[int], *, per_key_result: int, before: CheckIn | None = None
) -> dict[int, list[CheckIn]]:
    """The newest ``per_key_result`` check-ins of each key result (with their authors), newest
    first, in one query; with ``before``, only check-ins older than it (the next page)."""
    qs = CheckIn.objects.filter(key_result_id__in=list(key_result_ids))
    if before is not None:
        qs = qs.filter(Q(created_at__lt=before.created_at) | Q(created_at=before.created_at, id__lt=before.pk))
    ranked = (
        qs.annotate(
            rank=Window(
                RowNumber(), partition_by=[F("key_result_id")], order_by=[F("created_at").desc(), F("id").desc()]
            )
        )
        .filter(rank__lte=per_key_result)
        .select_related("author__user")
        .order_by("key_result_id", "-created_at", "-id")
    )
    out: dict[int, list[CheckIn]] = {}
    for c in ranked:
        out.setdefault(c.key_result_id, []).append(c)
    return out
