"""The scheduler's "chat" producer: the weekly digest and cycle announcements posted to each Slack
and Teams channel that wants them, once per channel, then the sweep of the posts.

* **Digest**: on the digest's moment (the email digest's rule, ``notify.digest.produce_digests``:
  the charter's reminder weekday and hour in the organisation's time zone, weekly) each enabled
  channel that posts digests gets one post keyed ``digest:<ISO week>``: a team's channel its
  team's digest, the organisation's channel the organisation's. The digest is the one the emails
  read (``cached_digest``); a digest with no key result in it is not posted (the email digest's
  quiet default).
* **Announcements**: a cycle that became active recently (``notify.announcements``' reading of
  the audit log) is posted once to every enabled channel that posts announcements, keyed
  ``announce:cycle:<id>``.

Posts are written with ``bulk_create(ignore_conflicts=True)`` against UNIQUE(webhook, key): two
schedulers at once, or one run twice, post nothing twice. Each organisation's period is then
marked handled (``notify.marks``), so a tick with nothing due costs a few queries per
organisation that has an enabled channel, and none for the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.urls import reverse

from ambit.accounts.models import Organisation, Team
from ambit.chat import sending
from ambit.chat.builders import payload_for
from ambit.chat.messages import ChatMessage, announcement_message, digest_message
from ambit.chat.models import ChatPost, ChatWebhook, PostKind, PostStatus
from ambit.core.web import site_url
from ambit.notify import marks
from ambit.notify.announcements import RECENT, _became_active_at
from ambit.notify.digest import Digest, cached_digest, iso_week
from ambit.notify.schedule import Moment, due_moment
from ambit.notify.scheduler import register_producer
from ambit.okrs.models import Cycle, CycleState, Objective, ObjectiveState, Visibility

PRODUCER = "chat"
DIGEST_MARK = "chat.digest"
ANNOUNCE_MARK = "chat.announcement"


def digest_moment(organisation: Organisation, now: dt.datetime) -> Moment | None:
    """The digest's moment this week once it has passed (the arguments ``produce_digests`` uses)."""
    return due_moment(
        now,
        weekday=organisation.reminder_weekday,
        hour=organisation.reminder_hour,
        time_zone=organisation.time_zone,
        cadence_days=7,
    )


def _has_key_results(digest: Digest) -> bool:
    return sum(c["key_results"] for c in digest["cycles"]) > 0


def _create(webhooks: list[ChatWebhook], *, key: str, kind: str, message: ChatMessage, now: dt.datetime) -> int:
    return queue_posts(
        webhooks,
        key=key,
        kind=kind,
        title=message.title,
        payload=lambda service: payload_for(service, message),
        now=now,
    )


def queue_posts(
    webhooks: list[ChatWebhook],
    *,
    key: str,
    kind: str,
    title: str,
    payload: Callable[[str], dict[str, Any]],
    now: dt.datetime,
) -> int:
    """One post per channel (none twice: the UNIQUE key), each queued on commit; ``payload`` lays
    the body out for a service (built once per service). Returns how many this call created."""
    if not webhooks:
        return 0
    ids = [w.pk for w in webhooks]
    before = set(ChatPost.objects.filter(webhook_id__in=ids, key=key).values_list("webhook_id", flat=True))
    payloads: dict[str, dict[str, Any]] = {}
    posts = [
        ChatPost(
            webhook_id=w.pk,
            key=key,
            kind=kind,
            title=title[:300],
            payload=payloads.setdefault(w.service, payload(w.service)),
            next_attempt_at=now,
        )
        for w in webhooks
        if w.pk not in before
    ]
    ChatPost.objects.bulk_create(posts, ignore_conflicts=True)
    waiting = list(
        ChatPost.objects.filter(webhook_id__in=ids, key=key, status=PostStatus.PENDING).values_list("pk", flat=True)
    )
    sending.enqueue(waiting, at=now)
    return len(posts)


def digest_posts(organisation: Organisation, now: dt.datetime) -> int:
    moment = digest_moment(organisation, now)
    if moment is None:
        return 0
    week = iso_week(moment.local_day)
    if marks.done(organisation.pk, DIGEST_MARK, week):
        return 0
    webhooks = list(
        ChatWebhook.objects.filter(organisation=organisation, enabled=True, posts_digest=True).select_related("team")
    )
    by_scope: dict[int | None, list[ChatWebhook]] = {}
    for webhook in webhooks:
        by_scope.setdefault(webhook.team_id, []).append(webhook)
    created = 0
    base = site_url()
    for team_id, group in by_scope.items():
        team: Team | None = group[0].team if team_id is not None else None
        digest = cached_digest(organisation, team, moment.local_day)
        if _has_key_results(digest):
            message = digest_message(digest, site_url=base)
            created += _create(group, key=f"digest:{week}", kind=PostKind.DIGEST, message=message, now=now)
    marks.mark(organisation.pk, DIGEST_MARK, week)
    return created


def _announce(organisation: Organisation, cycle: Cycle, webhooks: list[ChatWebhook], now: dt.datetime) -> int:
    objectives = Objective.objects.filter(
        cycle=cycle, state=ObjectiveState.ACTIVE, visibility=Visibility.PUBLIC
    ).count()
    message = announcement_message(
        cycle_name=cycle.name,
        start=cycle.start_date,
        end=cycle.end_date,
        objectives=objectives,
        path=reverse("front:home") + f"?cycle={cycle.pk}",
        site_url=site_url(),
    )
    return _create(webhooks, key=f"announce:cycle:{cycle.pk}", kind=PostKind.ANNOUNCEMENT, message=message, now=now)


def announcement_posts(organisation: Organisation, now: dt.datetime) -> int:
    """Like ``notify.announcements.announcements_for_organisation``: an active cycle not handled
    yet is announced when it became active within RECENT of ``now``; an older one is only marked."""
    active = list(Cycle.objects.filter(organisation=organisation, state=CycleState.ACTIVE))
    keys = {c.pk: f"cycle:{c.pk}" for c in active}
    handled = marks.handled(organisation.pk, ANNOUNCE_MARK, list(keys.values()))
    waiting = [c for c in active if keys[c.pk] not in handled]
    if not waiting:
        return 0
    since = _became_active_at(waiting)
    webhooks = list(ChatWebhook.objects.filter(organisation=organisation, enabled=True, posts_announcements=True))
    created = 0
    for cycle in waiting:
        became = since.get(cycle.pk)
        if became is not None and became > now:
            continue  # a tick for an earlier moment: not active yet then
        if became is not None and now - became <= RECENT:
            created += _announce(organisation, cycle, webhooks, now)
        marks.mark(organisation.pk, ANNOUNCE_MARK, keys[cycle.pk])
    return created


def produce_chat(now: dt.datetime) -> int:
    """One tick: what is due at ``now`` for every organisation with an enabled channel, then the
    sweep (expired claims released, due retries queued). Returns how many posts it created."""
    with_channels = ChatWebhook.objects.filter(enabled=True).values("organisation_id")
    created = 0
    for organisation in Organisation.objects.filter(pk__in=with_channels):
        # No transaction around them: the posts are written before the mark, so a tick that dies
        # in between is redone by the next one, and the UNIQUE key keeps that harmless.
        created += digest_posts(organisation, now)
        created += announcement_posts(organisation, now)
    sending.sweep(now=now)
    return created


register_producer(PRODUCER, produce_chat)
