"""What reaches people: one :class:`Notification` per recipient, kind and period, and one
:class:`Delivery` of it per channel.

Exactly once is the database's job, not a lock's: ``notification_once`` makes a second scheduler
that produces the same reminder for the same person and period a no-op (INSERT … ON CONFLICT DO
NOTHING), and ``delivery_once`` does the same for each channel. A delivery is claimed by a
conditional UPDATE (pending → sending, with ``claimed_at``); one left in *sending* by a worker that
died is put back after a lease, so it is retried, never lost.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from ambit.core.models import OrgScoped


class Kind(models.TextChoices):
    CHECKIN_REMINDER = "checkin_reminder", "Check-in reminder"
    STALE = "stale", "Key result gone quiet"
    EARLY_WARNING = "early_warning", "Early warning"
    DIGEST = "digest", "Weekly digest"
    ANNOUNCEMENT = "announcement", "Announcement"
    OBJECTIVE_STATE = "objective_state", "Objective proposed, approved or sent back"
    PLANNING_REMINDER = "planning_reminder", "Reminder to plan the coming cycle"
    MEETING_ACTION = "meeting_action", "Action item from an OKR meeting"
    KPI_ALERT = "kpi_alert", "KPI left its healthy band"
    MENTION = "mention", "Mentioned in a comment"
    STANDUP_REMINDER = "standup_reminder", "Standup reminder"
    STANDUP_BLOCKER = "standup_blocker", "Blocker raised in a standup"
    WEEK_PLAN_REMINDER = "week_plan_reminder", "Monday commitments or Friday wins reminder"
    ONE_ON_ONE = "one_on_one", "Upcoming 1:1"
    SPRINT_PLANNING = "sprint_planning", "Sprint planning"
    TEAM_MEETING = "team_meeting", "Upcoming team check-in"
    REVIEW_COMMENTARY = "review_commentary", "Monthly review commentary needed"
    SCORING_REMINDER = "scoring_reminder", "Reminder to score your OKRs"
    CYCLE_CLOSED = "cycle_closed", "Cycle closed with its results"


class ChannelName(models.TextChoices):
    IN_APP = "in_app", "In Ambit"
    EMAIL = "email", "Email"


class Notification(OrgScoped):
    """Something one person should know. ``key`` names the subject and period ("2026-11-30" for the
    check-in reminder of that day, "kr:42:2026-11-30" for one key result's escalation), so the same
    notification can only be produced once."""

    recipient = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    key = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "kind", "key"], name="notification_once")]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id}: {self.title}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not sent"


class Delivery(models.Model):
    """One notification on one channel: its state, tries and last error (the delivery log)."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once")]
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"],
                name="delivery_due",
                condition=Q(status__in=["pending", "sending"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} delivery of {self.notification_id}: {self.status}"


class Preference(OrgScoped):
    """A person's choices: which channels each kind uses (missing kind: the defaults), their own
    reminder hour and time zone (blank: the organisation's), and a one-click stop to all email."""

    membership = models.OneToOneField(
        "accounts.Membership", on_delete=models.CASCADE, related_name="notification_preference"
    )
    channels = models.JSONField(default=dict, blank=True)  # {kind: [channel, …]}
    reminder_hour = models.PositiveSmallIntegerField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    email_stopped_at = models.DateTimeField(null=True, blank=True)
    # Part of every signed check-in link sent to this person (``notify.links``): moving it
    # revokes every link sent so far.
    link_version = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(reminder_hour__isnull=True) | Q(reminder_hour__lte=23), name="preference_hour_range"
            )
        ]

    def __str__(self) -> str:
        return f"Notification preferences of {self.membership_id}"


class ProducerMark(OrgScoped):
    """A producer handled this organisation's ``key`` (a reminder period, an announced cycle):
    the next tick skips it instead of working it out again. Written after the notifications, so a
    scheduler that dies half-way is redone by the next tick (the notifications' own UNIQUE keeps
    that harmless); two schedulers writing it at once are one row."""

    producer = models.CharField(max_length=64)
    key = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "producer", "key"], name="producer_mark_once")]

    def __str__(self) -> str:
        return f"{self.producer} {self.key} for {self.organisation_id}"


class ScanCursor(models.Model):
    """How far a producer that reads new rows (the early warnings read new check-ins) has read:
    the next tick starts a little before it, so a row committed late is still seen."""

    name = models.CharField(max_length=64, unique=True)
    position = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.position:%Y-%m-%d %H:%M:%S}"
