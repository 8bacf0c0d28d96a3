"""Dashboard summaries kept between writes, and refreshed off the request when they are slow.

A summary (the organisation's, a team's, a person's) is computed once per *view* (organisation,
cycle, day, what is looked at, the objectives the viewer may see) and *data version* (any write
moves it, ``okrs.data_version``), and kept in Django's cache. After a write:

- A summary that computes quickly (under ``SLOW_SUMMARY_SECONDS``: any organisation of a few
  hundred people) is computed again by the first request that needs it, so it is always exact.
- A slow one (a 10,000-person organisation takes seconds) is never computed in a request once one
  exists. The request shows the one it has, marked ``behind`` with the time it was computed, and
  asks the background worker (``tasks.refresh_dashboard``) for a new one: once per view however
  many requests ask, and no sooner than ``REFRESH_SPACING`` times its computation after the last,
  so that under a steady stream of check-ins the worker spends most of its time on the roll-ups
  and the notifications, not on one page. The first view after a write costs what a cached view
  costs, and the figures catch up within a computation or two.
- Without a background worker (``TASKS_BACKEND=immediate``, the default of ``make run``) a slow
  summary stands in for ten times its computation (at most ``MAX_STALE_SECONDS``), and then the
  next request computes it.

Today's figures also depend on the clock (pace, staleness): a summary older than its ``seconds``
is refreshed the same way even when nothing was written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

from ambit.okrs.data_version import data_version

# A computation that died leaves its lock behind for at most this long.
COMPUTE_LOCK_SECONDS = 120
# A summary that took at least this long to compute is refreshed off the request after writes.
SLOW_SUMMARY_SECONDS = 1.0
# Without a worker, a slow summary is shown for up to STALE_FACTOR times its computation after a
# write, at most MAX_STALE_SECONDS, before a request computes it again.
STALE_FACTOR = 10
MAX_STALE_SECONDS = 120
# With a worker: a refresh starts no sooner than REFRESH_SPACING computations after the last one.
REFRESH_SPACING = 2.0
# A slow summary is kept this long to stand in (a day: the view key holds the day).
KEEP_SLOW_SECONDS = 24 * 60 * 60
# A queued refresh blocks others for the same view this long (a dead worker's is retried anyway).
REFRESH_LOCK_SECONDS = 300

logger = logging.getLogger(__name__)


class Keepable(Protocol):
    computed_at: dt.datetime
    compute_seconds: float
    behind: bool
    cache_key: str


K = TypeVar("K", bound=Keepable)


@dataclasses.dataclass(frozen=True)
class Refresh:
    """What the worker needs to compute a view again as the same viewer (``tasks.refresh_dashboard``)."""

    kind: str  # a kind registered with ``register``: "organisation", "team", "person", "deck", …
    membership_id: int  # the viewer (0: nobody, e.g. a public presentation link)
    cycle_id: int
    subject_id: int | None  # the team or the person looked at
    day: dt.date | None  # None: today


@dataclasses.dataclass(frozen=True)
class Resolved:
    """A view as the worker finds it now: its key (without the data version), how to compute it,
    and what to render beside it once computed (``warm``)."""

    organisation_id: int
    view: str
    seconds: int
    compute: Callable[[], Keepable]
    warm: Callable[[Any], object] | None = None


# kind → resolver(membership_id, cycle_id, subject_id, day): the view, or None when it is gone
# (the viewer left, the cycle or team was deleted). Registered by each app's ready().
Resolver = Callable[[int, int, int | None, dt.date | None], Resolved | None]
_RESOLVERS: dict[str, Resolver] = {}


def register(kind: str, resolver: Resolver) -> None:
    _RESOLVERS[kind] = resolver


def resolve(
    kind: str, membership_id: int, cycle_id: int, subject_id: int | None, day: dt.date | None
) -> Resolved | None:
    try:
        resolver = _RESOLVERS[kind]
    except KeyError:
        raise ValueError(f"unknown kept view kind {kind!r}") from None
    return resolver(membership_id, cycle_id, subject_id, day)


def is_slow(summary: Keepable) -> bool:
    return summary.compute_seconds >= SLOW_SUMMARY_SECONDS


def may_stand_in(summary: Keepable, now: dt.datetime) -> bool:
    """Without a worker: may this summary be shown after a write it predates? Only a slow one,
    and only for a while."""
    if not is_slow(summary):
        return False
    window = min(MAX_STALE_SECONDS, summary.compute_seconds * STALE_FACTOR)
    return (now - summary.computed_at).total_seconds() < window


def _behind(summary: Any) -> Any:
    return dataclasses.replace(summary, behind=True)


def kept(
    *,
    organisation_id: int,
    view: str,
    seconds: int,
    compute: Callable[[], K],
    refresh: Refresh | None,
) -> K:
    """The summary of ``view`` at the organisation's current data version: from the cache, from
    ``compute()`` on a miss, or (slow ones) the previous one while the worker computes the next."""
    key = f"{view}:{data_version(organisation_id=organisation_id).token}"
    now = timezone.now()
    found: Any = cache.get(key)
    if found is not None and (not is_slow(found) or _age(found, now) < seconds):
        return found  # type: ignore[no-any-return]
    previous: Any = found
    if previous is None:
        latest = cache.get(f"{view}:latest")
        previous = cache.get(latest) if isinstance(latest, str) else None
    if previous is not None and is_slow(previous):
        if refresh is not None and background_refresh_available():
            request_refresh(view, previous, refresh)
            return _behind(previous)  # type: ignore[no-any-return]
        if may_stand_in(previous, now):
            return _behind(previous)  # type: ignore[no-any-return]
    if not cache.add(f"{key}:computing", 1, COMPUTE_LOCK_SECONDS) and previous is not None:
        return _behind(previous)  # type: ignore[no-any-return]  # another request is computing it
    try:
        return store(view, key, compute, seconds)
    finally:
        cache.delete(f"{key}:computing")


def store(view: str, key: str, compute: Callable[[], K], seconds: int) -> K:
    """Compute the summary and keep it under ``key`` (read before computing, so what is kept is
    never older than its key says), and as the view's latest."""
    started = time.perf_counter()
    summary = compute()
    summary.compute_seconds = time.perf_counter() - started
    summary.cache_key = key
    keep = max(seconds, KEEP_SLOW_SECONDS) if is_slow(summary) else seconds
    cache.set_many({key: summary, f"{view}:latest": key}, keep)
    return summary


def _age(summary: Keepable, now: dt.datetime) -> float:
    return (now - summary.computed_at).total_seconds()


def background_refresh_available() -> bool:
    """Whether tasks go to a worker (which can also run them later), not in the request."""
    from ambit.dashboards.tasks import refresh_dashboard

    return bool(refresh_dashboard.get_backend().supports_defer)


def request_refresh(view: str, previous: Keepable, refresh: Refresh) -> bool:
    """Queue one refresh of ``view`` for the worker, unless one is queued already. Returns
    whether this call queued it."""
    from ambit.dashboards.tasks import refresh_dashboard

    flag = f"{view}:refresh-queued"
    if not cache.add(flag, 1, REFRESH_LOCK_SECONDS):
        return False
    spacing = dt.timedelta(seconds=previous.compute_seconds * REFRESH_SPACING)
    run_after = max(timezone.now(), previous.computed_at + spacing)
    try:
        refresh_dashboard.using(run_after=run_after).enqueue(
            view,
            refresh.kind,
            refresh.membership_id,
            refresh.cycle_id,
            refresh.subject_id,
            refresh.day.isoformat() if refresh.day else None,
        )
    except DatabaseError:
        # The queue's database is busy (SQLite under a burst of writes): the next view asks again.
        cache.delete(flag)
        logger.warning("dashboard refresh of %s not queued: the task queue refused it", view, exc_info=True)
        return False
    return True


def refresh_done(view: str) -> None:
    cache.delete(f"{view}:refresh-queued")
