"""Writes for chat channels: add, change (what it posts, on or off), remove, send a test message, and
the automatic disabling after repeated failures. Each checks permission (``selectors``), runs in
one transaction and writes an audit entry. The webhook URL is a secret: it never goes into the
audit log, only its host and last characters."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership, Team
from ambit.chat import sending
from ambit.chat.builders import payload_for
from ambit.chat.messages import probe_message
from ambit.chat.models import ChatPost, ChatWebhook, PostKind, Service
from ambit.chat.selectors import require_can_manage, require_chat_manager
from ambit.core.audit import AuditAction, audit_record
from ambit.core.services import apply_changes, lock_and_refresh
from ambit.core.validation import TextRule, clean_text, clean_texts
from ambit.core.web import site_url

MAX_URL = 2000
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
TEXT = {"name": TextRule(150, label="name", single_line=True)}
AUDITED = ("name", "posts_digest", "posts_announcements", "posts_standups", "enabled")


def http_allowed() -> bool:
    return bool(getattr(settings, "CHAT_ALLOW_HTTP", False))


def clean_service(value: Any) -> str:
    if value not in Service.values:
        raise ValidationError({"service": "Choose Slack or Microsoft Teams."})
    return str(value)


def clean_url(value: Any) -> str:
    """The webhook URL, or a ValidationError that says what to change. The one place URLs are checked."""
    url = clean_text(value, field="url", label="webhook URL", max_length=MAX_URL, required=True, single_line=True)
    example = "e.g. https://hooks.slack.com/services/…"
    try:
        URLValidator(schemes=["http", "https"])(url)
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except (ValidationError, ValueError):
        raise ValidationError({"url": f"Paste the whole webhook URL, starting with https:// ({example})."}) from None
    if parts.username or parts.password:
        raise ValidationError({"url": "Leave any user name and password out of the URL."})
    if parts.scheme.lower() == "http" and (host not in LOCAL_HOSTS or not http_allowed()):
        raise ValidationError(
            {"url": f"Use the https:// address the chat service gave you ({example}): posts are sent encrypted."}
        )
    return url


def _clean_team(actor: Membership, team: Team | int | None) -> Team | None:
    if team is None:
        return None
    team_id = team.pk if isinstance(team, Team) else team
    found = Team.objects.filter(organisation_id=actor.organisation_id, pk=team_id).first()
    if found is None:
        raise ValidationError({"team": "Choose one of your organisation's teams, or the whole organisation."})
    return found


def _masked(webhook: ChatWebhook) -> dict[str, Any]:
    return {
        "service": webhook.service,
        "team": webhook.team_id,
        "url": webhook.masked_url,
        "name": webhook.name,
        "posts_digest": webhook.posts_digest,
        "posts_announcements": webhook.posts_announcements,
        "posts_standups": webhook.posts_standups,
        "enabled": webhook.enabled,
    }


@transaction.atomic
def webhook_create(
    *,
    actor: Membership,
    service: str,
    url: str,
    team: Team | int | None = None,
    name: str = "",
    posts_digest: bool = True,
    posts_announcements: bool = True,
    posts_standups: bool = True,
) -> ChatWebhook:
    """A new channel, enabled; it gets the next digest and announcements due from now on."""
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    for field, clean in (
        ("service", lambda: clean_service(service)),
        ("url", lambda: clean_url(url)),
        ("team", lambda: _clean_team(actor, team)),
        ("name", lambda: clean_texts({"name": name}, TEXT)["name"]),
    ):
        try:
            fields[field] = clean()
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if "team" in errors:
        require_chat_manager(actor)
    else:
        target: Team | None = fields["team"]
        require_can_manage(actor, actor.organisation_id, target.pk if target is not None else None)
    if errors:
        raise ValidationError(errors)
    webhook = ChatWebhook.objects.create(
        organisation_id=actor.organisation_id,
        created_by=actor,
        posts_digest=bool(posts_digest),
        posts_announcements=bool(posts_announcements),
        posts_standups=bool(posts_standups),
        **fields,
    )
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.CHAT_WEBHOOK_CREATE,
        obj=webhook,
        changes={k: [None, v] for k, v in _masked(webhook).items()},
    )
    return webhook


@transaction.atomic
def webhook_update(*, actor: Membership, webhook: ChatWebhook, **fields: Any) -> ChatWebhook:
    """Change the name, what it posts, or ``enabled``. Enabling clears the failure count and the
    reason; posts already waiting resume."""
    require_can_manage(actor, webhook.organisation_id, webhook.team_id)
    for flag in ("posts_digest", "posts_announcements", "posts_standups", "enabled"):
        if flag in fields:
            fields[flag] = bool(fields[flag])
    fields = clean_texts(fields, TEXT)
    lock_and_refresh(webhook)
    changes = apply_changes(webhook, fields, AUDITED)
    if not changes:
        return webhook
    saved = list(changes)
    if changes.get("enabled") == [False, True]:
        webhook.disabled_reason = ""
        webhook.consecutive_failures = 0
        saved += ["disabled_reason", "consecutive_failures"]
    elif changes.get("enabled") == [True, False]:
        webhook.disabled_reason = f"Turned off by {actor.user.get_full_name()}."
        saved.append("disabled_reason")
    webhook.save(update_fields=[*saved, "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.CHAT_WEBHOOK_UPDATE,
        obj=webhook,
        changes=changes,
    )
    return webhook


@transaction.atomic
def webhook_delete(*, actor: Membership, webhook: ChatWebhook) -> None:
    """Remove the channel with its post log; posts still waiting are dropped."""
    require_can_manage(actor, webhook.organisation_id, webhook.team_id)
    lock_and_refresh(webhook)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.CHAT_WEBHOOK_DELETE,
        obj=webhook,
        changes={k: [v, None] for k, v in _masked(webhook).items()},
    )
    webhook.delete()


def posts_label(webhook: ChatWebhook) -> list[str]:
    return [
        label
        for wanted, label in (
            (webhook.posts_digest, "the weekly digest"),
            (webhook.posts_announcements, "cycle announcements"),
            (webhook.posts_standups and webhook.team_id is not None, "the daily standup"),
        )
        if wanted
    ]


def webhook_send_test(*, actor: Membership, webhook: ChatWebhook) -> ChatPost:
    """Post a short test message to this channel now, through the same builders and sending path
    as every post (once: a test is not retried, and its outcome does not count towards disabling).
    Works on a disabled channel, to check it before turning it back on."""
    with transaction.atomic():
        require_can_manage(actor, webhook.organisation_id, webhook.team_id)
        scope = f"the team {webhook.team.name}" if webhook.team is not None else "the whole organisation"
        message = probe_message(
            organisation=actor.organisation.name,
            scope=scope,
            posts=posts_label(webhook),
            path=reverse("chat:channels"),
            site_url=site_url(),
        )
        now = timezone.now()
        post = ChatPost.objects.create(
            webhook=webhook,
            key=f"test:{uuid.uuid4().hex}",
            kind=PostKind.TEST,
            title=message.title,
            payload=payload_for(webhook.service, message),
            next_attempt_at=now,
        )
        audit_record(
            actor=actor,
            organisation=actor.organisation,
            action=AuditAction.CHAT_WEBHOOK_TEST,
            obj=webhook,
            changes={"post": [None, post.pk]},
        )
    sending.deliver(post.pk, at=now)
    post.refresh_from_db()
    return post


@transaction.atomic
def webhook_auto_disable(*, webhook_id: int, reason: str) -> bool:
    """Turn a channel off after repeated failures (no actor: Ambit does it). Exactly once: only the
    call that moves it from enabled writes the audit entry. Returns whether it did."""
    if not ChatWebhook.objects.filter(pk=webhook_id, enabled=True).update(
        enabled=False, disabled_reason=reason[:300], updated_at=timezone.now()
    ):
        return False
    webhook = ChatWebhook.objects.select_related("organisation").get(pk=webhook_id)
    audit_record(
        actor=None,
        organisation=webhook.organisation,
        action=AuditAction.CHAT_WEBHOOK_DISABLE,
        obj=webhook,
        changes={"enabled": [True, False], "disabled_reason": [None, webhook.disabled_reason]},
    )
    return True
