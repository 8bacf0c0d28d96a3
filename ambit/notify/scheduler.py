"""The scheduler: one tick produces every notification due at ``now`` that was not produced yet,
then sweeps the deliveries. ``manage.py run_scheduler`` calls :func:`run_due` (``--once``, or in a
loop every ``--interval`` seconds); tests call it with the moment they want.

For the other producers (the weekly digest and any later ritual)
----------------------------------------------------------------
* Register a producer once, at import time of your module (``NotifyConfig.ready`` imports the
  built-in producers, then ``ambit.notify.email`` and ``ambit.notify.digest`` when they exist)::

      from ambit.notify.scheduler import register_producer

      def produce_digests(now: datetime) -> int:   # returns how many notifications it produced
          ...

      register_producer("digest", produce_digests)

  ``fn(now)`` is called on every tick (every minute by default, and by ``run_scheduler --once
  --at …``) with an aware datetime: decide from ``now`` alone whether something is due (e.g.
  ``ambit.notify.schedule.due_moment(now, weekday=…, hour=…, time_zone=…, cadence_days=7)``, None
  until this period's moment has passed), never from the wall clock.
* Produce notifications with ``ambit.notify.produce.produce(drafts, *, now) -> int``, where each
  draft is ``ambit.notify.produce.Draft(recipient=<Membership>, kind=Kind.DIGEST, key="<period>",
  title=…, body=…, url="/path/", data={…})``. ``UNIQUE(recipient, kind, key)`` makes a repeat a
  no-op, so key by period ("2026-11-30", "team:7:2026-11-30"): calling it again, or from two
  schedulers at once, produces nothing twice. It creates one ``Delivery`` per channel the person's
  ``Preference.channels[kind]`` selects (default: in_app and email; none at all: nothing is
  produced; email never after ``email_stopped_at``) among the channels registered in
  ``ambit.notify.channels.CHANNELS`` whose ``wants(notification)`` is true, and enqueues the
  ``deliver_batch`` task for them on commit (in-app deliveries are written as sent).
* To skip work already done in a period (so a tick is cheap), ``ambit.notify.marks.done(
  organisation_id, producer, key)`` / ``marks.mark(...)`` record "handled" per organisation.
* A channel's ``send(delivery)`` raises on failure: ``deliver`` retries with back-off
  (``NOTIFY_MAX_ATTEMPTS``), and a delivery whose worker died is retried after
  ``NOTIFY_LEASE_SECONDS``. It must tolerate being called twice for one delivery.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone

from ambit.notify.delivery import release_expired
from ambit.notify.models import Delivery, DeliveryStatus
from ambit.notify.produce import enqueue_deliveries

logger = logging.getLogger(__name__)

Producer = Callable[[dt.datetime], int]
PRODUCERS: dict[str, Producer] = {}

# A pending delivery whose task was lost from the queue is enqueued again by the sweep once it has
# waited this long past its time (not at once: the producer's own task is usually on its way).
REQUEUE_AFTER = dt.timedelta(seconds=30)


def register_producer(name: str, fn: Producer) -> Producer:
    """Add (or replace) the producer called ``name``: ``fn(now)`` produces what is due at ``now``
    and returns how many notifications it produced."""
    PRODUCERS[name] = fn
    return fn


def sweep_deliveries(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Deliveries a worker died holding go back to pending after the lease; pending ones whose time
    has come (a back-off over, a task lost) are enqueued again. Runs on the real clock: the lease
    is about workers, not about the moment notifications are produced for."""
    now = now or timezone.now()
    released = release_expired(now=now)
    due = Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - REQUEUE_AFTER)
    waiting = list(due.exclude(pk__in=released).order_by("next_attempt_at").values_list("pk", flat=True)[:5000])
    requeued = enqueue_deliveries([*released, *waiting])
    return {"released": len(released), "requeued": requeued}


def run_due(now: dt.datetime) -> dict[str, int]:
    """One tick: every registered producer at ``now`` (one failing producer is logged and does not
    stop the others), then the delivery sweep. Returns the count per producer and of the sweep."""
    counts = {name: run_producer(name, fn, now) for name, fn in list(PRODUCERS.items())}
    counts.update(sweep_deliveries())
    return counts


def run_producer(name: str, fn: Producer, now: dt.datetime) -> int:
    """One producer at ``now``; a failure is logged and counts 0 (the next tick tries again). Inside
    a transaction (``seed_demo``, tests) it runs in a savepoint, so its failure spoils nothing else."""
    try:
        if connection.in_atomic_block:
            with transaction.atomic():
                return fn(now)
        return fn(now)
    except Exception:
        logger.exception("Producer %s failed at %s; the next tick tries again", name, now.isoformat())
        return 0
