"""Key results' check-in history, read the cheap way.

Two reads, each one query whatever the number of key results:

- ``compact_history``: every check-in of the key results as a small tuple (no model instances,
  no author), oldest first. The forecast fits all of them and the charts draw them, so this is
  what ``compute_metrics`` and the objective page's charts read.
- ``latest_check_ins``: the newest ``per_key_result`` check-ins of each key result with their
  authors, newest first, optionally only those older than a check-in (``before``): the history
  table of the objective page, a page at a time.

- ``kept_daily``: what a check-in's answer reads for its forecast: one key result's
  daily readings (``engine.daily.DailyState``: a reading per day of the cycle, not a row per
  check-in) kept in the cache and brought up to date with the check-ins added since, so a write
  costs the same with 10 or 10,000 check-ins behind it.

Callers scope: these take key result ids the acting member was already allowed to read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.cache import cache
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from ambit.okrs.engine import Reading
from ambit.okrs.engine.daily import DailyState, Key, reading_key
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


class _KeptDaily(NamedTuple):
    basis: Hashable  # what the readings were made with (kind, milestones, cycle): another → build again
    checkins: int  # check-ins in the state
    last: int  # the highest check-in id in it
    state: DailyState


# The check-in a new one corrects, read in the same query (a join): whether it is a reading of this
# history and where it sits in the order, which the kept days alone cannot say.
_TARGET_FIELDS = (
    "corrects__key_result_id",
    "corrects__created_at",
    "corrects__value",
    "corrects__milestones_done",
)


def kept_daily(
    key_result: KeyResult,
    *,
    basis: Hashable,
    readings: Callable[[Sequence[CheckInRow]], list[Reading]],
    cycle_start: dt.datetime,
    cycle_end: dt.datetime,
) -> list[tuple[dt.datetime, float]]:
    """``engine.daily_readings`` of ``key_result``'s check-ins, each made a reading by ``readings``
    (given the rows of ``compact_history``; it may drop some), one query at most in the common
    case: none when the cache holds a state of every check-in (as many as
    ``key_result.checkin_count``, as loaded) made with the same ``basis``, else the check-ins
    newer than its last (with what each corrects) added to it, else all of them. A kept state
    that cannot take the new ones (``DailyState.add``'s rare False), or that they leave short of
    the count, is built again from all of them: a second query. Keyed like ``kept_history``."""
    key = f"kr-daily:{key_result.pk}:{key_result.created_at.timestamp()}"
    kept = cache.get(key)
    own = CheckIn.objects.filter(key_result_id=key_result.pk)
    state: DailyState | None = None
    if isinstance(kept, _KeptDaily) and kept.basis == basis and kept.checkins <= key_result.checkin_count:
        if kept.checkins == key_result.checkin_count:
            return kept.state.daily()
        newer: list[CheckInRow] = []
        targets: dict[int, Key] = {}
        for pk, kr_id, created_at, value, done, corrects_id, *target in own.filter(pk__gt=kept.last).values_list(
            *_ROW_FIELDS, *_TARGET_FIELDS
        ):
            newer.append(CheckInRow(pk, kr_id, created_at, value, done or [], corrects_id))
            t_kr, t_at, t_value, t_done = target
            if corrects_id is not None and t_kr == key_result.pk:
                given = readings([CheckInRow(corrects_id, t_kr, t_at, t_value, t_done or [], None)])
                if given:
                    targets[corrects_id] = reading_key(given[0])
        # Fewer than the key result counts: one committed late with a lower id than the kept
        # last (concurrent writers) was never read: start again rather than miss it for good.
        complete = kept.checkins + len(newer) >= key_result.checkin_count
        if complete and kept.state.add(readings(newer), targets):
            state, count = kept.state, kept.checkins + len(newer)
            last = max([kept.last, *(r.pk for r in newer)])
    if state is None:
        rows = _rows(own.order_by("created_at", "id"))
        state = DailyState.build(readings(rows), cycle_start=cycle_start, cycle_end=cycle_end)
        count, last = len(rows), max((r.pk for r in rows), default=0)
    if count == key_result.checkin_count:  # complete as the caller saw it: worth keeping
        cache.set(key, _KeptDaily(basis, count, last, state), KEPT_SECONDS)
    return state.daily()


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
