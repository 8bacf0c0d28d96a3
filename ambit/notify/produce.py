"""Producing notifications exactly once, and their deliveries on the channels each person chose.

Every producer (reminders, escalations, early warnings, announcements, the digest) builds
:class:`Draft` objects and hands them to :func:`produce`. The database decides what is new:
``INSERT … ON CONFLICT DO NOTHING`` on ``UNIQUE(recipient, kind, key)``, then one delivery per
chosen channel on ``UNIQUE(notification, channel)``. Two schedulers producing the same drafts at
the same moment insert each row once; the loser's statements are no-ops. Each new delivery is
handed to the ``deliver`` task once the transaction commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.notify.channels import CHANNELS
from ambit.notify.models import ChannelName, Delivery, DeliveryStatus, Notification, Preference
from ambit.notify.preferences import channels_for
from ambit.notify.tasks import BATCH, deliver_batch


@dataclass
class Draft:
    """A notification to produce: who, what kind, and the key that makes it unique (the subject
    and the period), with what it says and where it links (a path, made absolute by channels that
    leave Ambit)."""

    recipient: Membership
    kind: str
    key: str
    title: str
    body: str = ""
    url: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def preferences_of(recipient_ids: Iterable[int]) -> dict[int, Preference]:
    """Preferences by membership id, in one query."""
    ids = list(set(recipient_ids))
    if not ids:
        return {}
    return {p.membership_id: p for p in Preference.objects.filter(membership_id__in=ids)}


def produce(drafts: Sequence[Draft], *, now: dt.datetime) -> int:
    """Insert the drafts not produced yet (``created_at`` = ``now``), create their deliveries,
        and enqueue those on commit. Returns how many of them were new to this call (a scheduler
    racing another may count a row the other inserted at the same ``now``; the table holds it once). A draft
        whose person turned every channel off for its kind is not produced."""
    if not drafts:
        return 0
    prefs = preferences_of(d.recipient.pk for d in drafts)
    wanted = {(d.recipient.pk, d.kind, d.key): d for d in drafts if channels_for(prefs.get(d.recipient.pk), d.kind)}
    if not wanted:
        return 0
    with transaction.atomic():
        existing = _existing(wanted.keys())
        fresh = [d for k, d in wanted.items() if k not in existing]
        if not fresh:
            return 0
        Notification.objects.bulk_create(
            [
                Notification(
                    organisation_id=d.recipient.organisation_id,
                    recipient=d.recipient,
                    kind=d.kind,
                    key=d.key[:200],
                    title=d.title[:300],
                    body=d.body,
                    url=d.url[:500],
                    data=d.data,
                    created_at=now,
                )
                for d in fresh
            ],
            ignore_conflicts=True,
            batch_size=500,
        )
        # Read back what exists now for the fresh keys: rows another scheduler inserted a moment
        # ago are among them, and get their deliveries from whichever of us comes second (no-ops).
        rows = list(_matching(fresh).select_related("recipient__user", "organisation"))
        inserted = sum(1 for n in rows if n.created_at == now)
        deliveries = _deliveries(rows, prefs)
        Delivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=500)
        ids = list(
            Delivery.objects.filter(
                notification_id__in=[n.pk for n in rows], status=DeliveryStatus.PENDING
            ).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: enqueue_deliveries(ids))
    return inserted


def _found(keys: Iterable[tuple[int, str, str]]) -> dict[tuple[int, str, str], int]:
    """The notifications that exist among ``keys`` (recipient, kind, key), by key: their ids. Read
    per kind with the keys and the recipients as two plain ``IN`` lists (a few hundred of each at a
    time), then matched here: a weekly digest to 10,000 people is a few dozen short queries, where
    an OR of one condition per person took seconds just to compile."""
    wanted = {(recipient, kind, key[:200]) for recipient, kind, key in keys}
    by_kind: dict[str, tuple[set[int], set[str]]] = {}
    for recipient, kind, key in wanted:
        recipients, names = by_kind.setdefault(kind, (set(), set()))
        recipients.add(recipient)
        names.add(key)
    found: dict[tuple[int, str, str], int] = {}
    for kind, (recipients, names) in by_kind.items():
        for some_recipients in _chunks(sorted(recipients), 500):
            for some_names in _chunks(sorted(names), 500):
                rows = Notification.objects.filter(
                    kind=kind, recipient_id__in=some_recipients, key__in=some_names
                ).values_list("pk", "recipient_id", "key")
                for pk, recipient, key in rows:
                    if (recipient, kind, key) in wanted:
                        found[(recipient, kind, key)] = pk
    return found


def _existing(keys: Iterable[tuple[int, str, str]]) -> set[tuple[int, str, str]]:
    return set(_found(keys))


def _matching(drafts: Sequence[Draft]) -> Any:
    ids = list(_found((d.recipient.pk, d.kind, d.key) for d in drafts).values())
    return Notification.objects.filter(pk__in=ids)


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _deliveries(rows: Sequence[Notification], prefs: dict[int, Preference]) -> list[Delivery]:
    """One pending delivery per chosen channel that is installed and wants the notification."""
    out: list[Delivery] = []
    ready = timezone.now()  # delivery timing runs on the real clock, whatever ``now`` produced it
    for notification in rows:
        # The channels read the person's preference (``preferences.preference_of``): give them the
        # one loaded for the whole batch (None: all defaults) instead of a query each.
        notification.recipient._state.fields_cache["notification_preference"] = prefs.get(notification.recipient_id)
        for name in channels_for(prefs.get(notification.recipient_id), notification.kind):
            channel = CHANNELS.get(name)
            if channel is None or not channel.wants(notification):
                continue
            if name == ChannelName.IN_APP:
                # The inbox reads the notification row itself: delivered as it is written.
                out.append(
                    Delivery(
                        notification=notification,
                        channel=name,
                        status=DeliveryStatus.SENT,
                        attempts=1,
                        sent_at=ready,
                        next_attempt_at=ready,
                        created_at=ready,
                    )
                )
            else:
                out.append(Delivery(notification=notification, channel=name, next_attempt_at=ready, created_at=ready))
    return out


def enqueue_deliveries(delivery_ids: Iterable[int]) -> int:
    """Hand the deliveries to ``deliver_batch`` tasks, :data:`~ambit.notify.tasks.BATCH` at a time
    (the claim inside makes a repeat harmless). Returns how many deliveries were handed over."""
    ids = list(delivery_ids)
    for chunk in _chunks(ids, BATCH):
        deliver_batch.enqueue(chunk)
    return len(ids)
