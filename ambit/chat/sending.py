"""Sending one chat post: claim it, POST its JSON, record the answer, schedule a retry.

Every step is a conditional UPDATE on the row, never a lock in memory: a post is claimed only from
*pending*, when due and while its channel is on (a test message goes to a disabled channel too):
two workers given the same post, one sends. Its outcome is recorded only while that claim still
stands (``status = sending AND claimed_at = <my claim>``), so a worker that outlived its lease
records nothing over its successor. A post left *sending* by a worker that died goes back to
pending after ``CHAT_LEASE_SECONDS`` (:func:`release_expired`, from the scheduler's tick).

Any 2xx is delivered (Slack answers ``200 ok``, Teams Workflows ``202``). Anything else is retried
with an exponential back-off up to ``CHAT_MAX_ATTEMPTS`` tries; after
``CHAT_DISABLE_AFTER_FAILURES`` failed tries in a row the channel is disabled (with an audit
entry) until someone turns it back on.

``at`` is the scheduler's clock (tests move it forward); the real clock is used when it is later.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ambit.chat.models import ChatPost, ChatWebhook, PostKind, PostStatus
from ambit.core.validation import control_characters

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 60
BACKOFF_FACTOR = 4
BACKOFF_MAX_SECONDS = 6 * 3600
ANSWER_EXCERPT = 200
USER_AGENT = "Ambit-Chat/1.0"
QUEUE_LIMIT = 1000
# A pending post whose task was lost is queued again once it has waited this long past its time
# (not at once: the producer's own task is usually on its way).
REQUEUE_AFTER = dt.timedelta(seconds=30)


def max_attempts() -> int:
    return int(getattr(settings, "CHAT_MAX_ATTEMPTS", 6))


def backoff(attempts: int) -> dt.timedelta:
    """The wait after ``attempts`` failed tries: 1, 4, 16, 64 minutes …, at most 6 hours."""
    seconds = BACKOFF_BASE_SECONDS * BACKOFF_FACTOR ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, BACKOFF_MAX_SECONDS))


def _clock(at: dt.datetime) -> dt.datetime:
    return max(at, timezone.now())


def claim(post_id: int, *, at: dt.datetime) -> dt.datetime | None:
    """Move the post from pending to sending if it is due and its channel is on (or it is a test).
    Returns the claim's time; None when another worker has it, it is not due, or it is settled."""
    now = _clock(at)
    # No join in the UPDATE (``webhook__enabled`` would make Django wrap the whole condition in
    # ``id IN (SELECT …)``, which PostgreSQL does not re-check after waiting for a concurrent claim):
    # the status test stays on the row itself, so of two workers only one moves it.
    enabled = ChatWebhook.objects.filter(enabled=True).values("pk")
    claimed = (
        ChatPost.objects.filter(pk=post_id, status=PostStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(webhook_id__in=enabled) | Q(kind=PostKind.TEST))
        .update(status=PostStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    return now if claimed else None


def _clean(text: str) -> str:
    # PostgreSQL cannot store NUL; other controls make no sense in a log either.
    return "".join(" " if control_characters(c) else c for c in text)


def post_json(url: str, payload: object) -> tuple[int | None, str]:
    """POST ``payload`` to ``url``: (status code, "" when delivered or what went wrong). Never
    raises for the far end's faults."""
    timeout = float(getattr(settings, "CHAT_TIMEOUT_SECONDS", 10))
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"content-type": "application/json; charset=utf-8", "user-agent": USER_AGENT}
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.post(url, content=body, headers=headers)
    except httpx.TimeoutException:
        return None, f"No answer within {timeout:g} s."
    except httpx.HTTPError as exc:
        return None, f"Could not connect: {type(exc).__name__}."
    code = response.status_code
    if 200 <= code < 300:
        return code, ""
    answer = _clean(response.text[:ANSWER_EXCERPT].strip())
    if 300 <= code < 400:
        return code, f"HTTP {code}: a redirect (not followed). Paste the channel's current webhook URL."
    return code, f"HTTP {code}: {answer}" if answer else f"HTTP {code}"


def deliver(post_id: int, *, at: dt.datetime) -> str | None:
    """Claim, send and record one post. Returns its new status, None when not claimed."""
    claimed_at = claim(post_id, at=at)
    if claimed_at is None:
        return None
    post = ChatPost.objects.select_related("webhook").get(pk=post_id)
    code, error = post_json(post.webhook.url, post.payload)
    return record(post, claimed_at=claimed_at, code=code, error=error, at=at)


def record(post: ChatPost, *, claimed_at: dt.datetime, code: int | None, error: str, at: dt.datetime) -> str | None:
    """Store the outcome of the try that ``claimed_at`` claimed, and what follows from it."""
    now = _clock(at)
    is_test = post.kind == PostKind.TEST
    fields: dict[str, object] = {"response_code": code, "last_error": error[:500]}
    if not error:
        fields.update(status=PostStatus.SENT, sent_at=now)
    elif is_test or post.attempts >= max_attempts():
        fields.update(status=PostStatus.FAILED)
    else:
        fields.update(status=PostStatus.PENDING, next_attempt_at=now + backoff(post.attempts))
    with transaction.atomic():
        mine = ChatPost.objects.filter(pk=post.pk, status=PostStatus.SENDING, claimed_at=claimed_at)
        if not mine.update(**fields):
            logger.warning("Chat post %s was taken over after its lease: outcome not recorded", post.pk)
            return None
        if not is_test:
            _count_outcome(post.webhook_id, ok=not error)
    if error:
        logger.warning("Chat post %s failed (try %d): %s", post.pk, post.attempts, error)
    return str(fields["status"])


def _count_outcome(webhook_id: int, *, ok: bool) -> None:
    """Reset the channel's failure run on success; on failure lengthen it and, once it is long
    enough, disable the channel (``services.webhook_auto_disable``)."""
    webhooks = ChatWebhook.objects.filter(pk=webhook_id)
    if ok:
        webhooks.filter(consecutive_failures__gt=0).update(consecutive_failures=0)
        return
    webhooks.update(consecutive_failures=F("consecutive_failures") + 1)
    state = webhooks.values("enabled", "consecutive_failures").first()
    limit = int(getattr(settings, "CHAT_DISABLE_AFTER_FAILURES", 10))
    if state is None or not state["enabled"] or state["consecutive_failures"] < limit:
        return
    from ambit.chat import services

    services.webhook_auto_disable(
        webhook_id=webhook_id,
        reason=f"Disabled automatically: {state['consecutive_failures']} posts in a row failed.",
    )


def release_expired(*, now: dt.datetime) -> int:
    """Posts left *sending* past the lease (their worker died): tried again at once, or failed when
    they have had all their tries. Each row moves only if its claim is still the one read.
    Returns how many were put back."""
    lease = dt.timedelta(seconds=int(getattr(settings, "CHAT_LEASE_SECONDS", 300)))
    stuck = ChatPost.objects.filter(status=PostStatus.SENDING, claimed_at__lt=_clock(now) - lease)
    note = "The worker sending it stopped before it finished; tried again."
    stuck.filter(attempts__gte=max_attempts()).update(status=PostStatus.FAILED, last_error=note)
    return stuck.filter(attempts__lt=max_attempts()).update(
        status=PostStatus.PENDING, next_attempt_at=F("claimed_at"), last_error=note
    )


def enqueue(post_ids: list[int], *, at: dt.datetime) -> int:
    """Queue a ``send_chat_post`` task for each post once the transaction commits."""
    from ambit.chat.tasks import send_chat_post

    moment = at.isoformat()
    for pk in post_ids:
        transaction.on_commit(functools.partial(send_chat_post.enqueue, pk, moment))
    return len(post_ids)


def sweep(*, now: dt.datetime) -> dict[str, int]:
    """Release expired claims, then queue every pending post whose time has come on an enabled
    channel (a back-off over, a worker that died, a task lost)."""
    released = release_expired(now=now)
    due = list(
        ChatPost.objects.filter(
            status=PostStatus.PENDING, next_attempt_at__lte=_clock(now) - REQUEUE_AFTER, webhook__enabled=True
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:QUEUE_LIMIT]
    )
    return {"released": released, "requeued": enqueue(due, at=now)}
