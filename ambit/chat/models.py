"""Slack and Microsoft Teams channels: incoming-webhook URLs of an organisation or a team, and the
log of what was posted to each.

Chat posts go to a channel, not to a person. Exactly once is the database's job:
``chat_post_once`` (UNIQUE(webhook, key)) makes a second producer that posts the same week's digest
or the same cycle's announcement to the same channel a no-op (INSERT … ON CONFLICT DO NOTHING). A
post is claimed by a conditional UPDATE (pending → sending, with ``claimed_at``); one left in
*sending* by a worker that died goes back to pending after a lease, so it is retried, never lost.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import models
from django.db.models import Q
from django.utils import timezone

from ambit.core.models import OrgScoped

# How much of the URL's end the pages show: enough to tell two channels apart, not to use one.
SHOWN_TAIL = 4


class Service(models.TextChoices):
    SLACK = "slack", "Slack"
    TEAMS = "teams", "Microsoft Teams"


class ChatWebhook(OrgScoped):
    """An incoming-webhook URL of a Slack or Teams channel. ``team`` empty: the organisation's
    channel (gets the organisation's digest); otherwise the team's (gets that team's digest).
    The URL is a secret (whoever has it can post to the channel): pages show only ``masked_url``."""

    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    service = models.CharField(max_length=8, choices=Service.choices)
    url = models.CharField(max_length=2000)
    name = models.CharField(max_length=150, blank=True)
    posts_digest = models.BooleanField(default=True)
    posts_announcements = models.BooleanField(default=True)
    posts_standups = models.BooleanField(
        default=True, help_text="A team's channel: the day's standup summary (ambit.rituals.chat_posts)."
    )
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organisation", "enabled"], name="chat_webhook_org")]

    def __str__(self) -> str:
        return f"{self.get_service_display()} {self.masked_url}"

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()

    @property
    def masked_url(self) -> str:
        """The host and the last few characters: "hooks.slack.com/…x9Qz"."""
        return f"{self.host}/…{self.url[-SHOWN_TAIL:]}"

    @property
    def scope_label(self) -> str:
        return self.team.name if self.team_id is not None and self.team is not None else "Whole organisation"


class PostKind(models.TextChoices):
    DIGEST = "digest", "Weekly digest"
    ANNOUNCEMENT = "announcement", "Announcement"
    STANDUP = "standup", "Daily standup"
    TEST = "test", "Test message"


class PostStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class ChatPost(models.Model):
    """One message on its way to one channel: ``payload`` is the exact JSON body sent (built once,
    so every retry sends the same message), with its state, tries and the channel's last answer."""

    webhook = models.ForeignKey(ChatWebhook, on_delete=models.CASCADE, related_name="posts")
    key = models.CharField(max_length=200)  # "digest:2026-W48", "announce:cycle:12", "test:<hex>"
    kind = models.CharField(max_length=16, choices=PostKind.choices)
    title = models.CharField(max_length=300, blank=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=PostStatus.choices, default=PostStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["webhook", "key"], name="chat_post_once")]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="chat_post_due", condition=Q(status__in=["pending", "sending"])
            ),
            models.Index(fields=["webhook", "-id"], name="chat_post_log"),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.webhook_id} ({self.status})"
