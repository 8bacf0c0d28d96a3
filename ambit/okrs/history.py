"""Key results' check-in history, read the cheap way.

Two reads, each one query whatever the number of key results:

- ``compact_history``: every check-in of the key results as a small tuple (no model instances,
  no author), oldest first. The forecast fits all of them and the charts draw them, so this is
  what ``compute_metrics`` and the objective page's charts read.
- ``latest_check_ins``: the newest ``per_key_result`` check-ins of each key result with their
  authors, newest first, optionally only those older than a check-in (``before``): the history
  table of the objective page, a page at a time.

- ``kept_history``: one key result's compact history, kept in the cache between writes and
  brought up to date by reading only the check-ins added since (check-ins are append-only, and
  ``checkin_count`` grows with each): what a check-in's answer reads for its forecast, so a write
  costs the same with 10 or 10,000 check-ins behind it.

Callers scope: these take key result ids the acting member was already allowed to read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.cache import cache
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from ambit.okrs.models import CheckIn, KeyResult


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


# How long a key result's history stays in the cache unused (a bound on memory, not on freshness:
# the check-in count says whether it is complete).
KEPT_SECONDS = 60 * 60


def _rows(check_ins: Any) -> list[CheckInRow]:
    return [
        CheckInRow(pk, kr_id, created_at, value, done or [], corrects_id)
        for pk, kr_id, created_at, value, done, corrects_id in check_ins.values_list(*_ROW_FIELDS)
    ]


def kept_history(key_result: KeyResult) -> list[CheckInRow]:
    """``key_result``'s check-ins, oldest first, as ``compact_history`` gives them: from the cache
    when it holds them all (as many as ``key_result.checkin_count``, as loaded), after reading only
    the newer ones when it holds fewer, else in full. The key names the key result's id and
    creation, so a key result deleted and another given its id never share it."""
    key = f"kr-history:{key_result.pk}:{key_result.created_at.timestamp()}"
    kept = cache.get(key)
    own = CheckIn.objects.filter(key_result_id=key_result.pk)
    if isinstance(kept, tuple) and len(kept) == 2 and kept[0] <= key_result.checkin_count:
        count: int = kept[0]
        rows: list[CheckInRow] = list(kept[1])
        if count == key_result.checkin_count:
            return rows
        last = max((r.pk for r in rows), default=0)
        newer = _rows(own.filter(pk__gt=last))
        rows = sorted([*rows, *newer], key=lambda r: (r.created_at, r.pk))
        count += len(newer)
    else:
        rows = _rows(own.order_by("created_at", "id"))
        count = len(rows)
    if count == key_result.checkin_count:  # complete as the caller saw it: worth keeping
        cache.set(key, (count, rows), KEPT_SECONDS)
    return rows


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
