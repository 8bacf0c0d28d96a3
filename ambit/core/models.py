"""Shared base models and the audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class TimeStamped(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class OrgScoped(TimeStamped):
    """Everything tenant-owned carries its organisation, so scoping is one indexed filter."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    """Every action the audit log records: ``<object>.<verb>`` (zulip's ``AuditLogEventType``).

    Services pass a member, never a free string, so a typo fails the type check instead of
    writing an action no filter finds. The values are what the log has always stored: renaming
    one would split an object's history, so add members, never change a value.
    """

    ORGANISATION_CREATE = "organisation.create", "organisation created"
    ORGANISATION_UPDATE = "organisation.update", "organisation or charter changed"
    MEMBERSHIP_ADD = "membership.add", "member added"
    MEMBERSHIP_UPDATE = "membership.update", "member changed"
    USER_UPDATE_PROFILE = "user.update_profile", "profile changed"
    TEAM_CREATE = "team.create", "team created"
    TEAM_UPDATE = "team.update", "team changed"
    TEAM_MEMBER_SET = "team.member_set", "team member set"
    TEAM_MEMBER_REMOVE = "team.member_remove", "team member removed"
    TEAM_DELETE = "team.delete", "team deleted"
    INVITATION_CREATE = "invitation.create", "invitation sent"
    INVITATION_ACCEPT = "invitation.accept", "invitation accepted"
    INVITATION_REVOKE = "invitation.revoke", "invitation revoked"
    API_TOKEN_CREATE = "api_token.create", "API token created"
    API_TOKEN_REVOKE = "api_token.revoke", "API token revoked"
    STRATEGY_UPDATE = "strategy.update", "strategy changed"
    VALUE_CREATE = "value.create", "value created"
    VALUE_UPDATE = "value.update", "value changed"
    VALUE_DELETE = "value.delete", "value deleted"
    BIG_MOVE_CREATE = "big_move.create", "big move created"
    BIG_MOVE_UPDATE = "big_move.update", "big move changed"
    BIG_MOVE_DELETE = "big_move.delete", "big move deleted"
    CYCLE_CREATE = "cycle.create", "cycle created"
    CYCLE_UPDATE = "cycle.update", "cycle changed"
    OBJECTIVE_CREATE = "objective.create", "objective created"
    OBJECTIVE_UPDATE = "objective.update", "objective changed"
    # One per state an objective moves to (``objective_set_state``); cancelling has its own.
    OBJECTIVE_DRAFT = "objective.draft", "objective back to draft"
    OBJECTIVE_PROPOSED = "objective.proposed", "objective proposed"
    OBJECTIVE_ACTIVE = "objective.active", "objective activated"
    OBJECTIVE_CLOSED = "objective.closed", "objective closed"
    OBJECTIVE_CANCEL = "objective.cancel", "objective cancelled"
    OBJECTIVE_DELETE = "objective.delete", "objective deleted"
    OBJECTIVE_SCORE = "objective.score", "objective scored"
    ALIGNMENT_ADD = "alignment.add", "alignment added"
    ALIGNMENT_REMOVE = "alignment.remove", "alignment removed"
    KEY_RESULT_CREATE = "key_result.create", "key result created"
    KEY_RESULT_UPDATE = "key_result.update", "key result changed"
    KEY_RESULT_CANCEL = "key_result.cancel", "key result cancelled"
    KEY_RESULT_DELETE = "key_result.delete", "key result deleted"
    KEY_RESULT_SCORE = "key_result.score", "key result scored"
    KEY_RESULT_CASCADE = "key_result.cascade", "key result cascaded to an objective"
    KEY_RESULT_MILESTONE_ADD = "key_result.milestone_add", "milestone added"
    CHECK_IN_RECORD = "check_in.record", "check-in recorded"
    WEBHOOK_CREATE = "webhook.create", "webhook endpoint created"
    WEBHOOK_UPDATE = "webhook.update", "webhook endpoint changed"
    WEBHOOK_DELETE = "webhook.delete", "webhook endpoint deleted"
    WEBHOOK_ROTATE_SECRET = "webhook.rotate_secret", "webhook signing secret rotated"
    # Ambit turned the endpoint off itself after repeated failed deliveries (no actor).
    WEBHOOK_DISABLE = "webhook.disable", "webhook endpoint disabled after failures"
    # An admin's "Send test event": delivered to that endpoint only, never to the others.
    WEBHOOK_TEST = "webhook.test", "webhook test event sent"
    NOTIFICATION_READ = "notification.read", "notification marked read"
    NOTIFICATION_READ_ALL = "notification.read_all", "all notifications marked read"
    NOTIFICATION_LINKS_REVOKE = "notification.links_revoke", "check-in links revoked"
    NOTIFICATION_PREFERENCES_UPDATE = "notification.preferences_update", "notification preferences changed"
    NOTIFICATION_EMAIL_STOP = "notification.email_stop", "email stopped from an unsubscribe link"
    # Rotating a feed records the old address's revoke and the new one's create.
    CALENDAR_FEED_CREATE = "calendar_feed.create", "calendar feed address created"
    CALENDAR_FEED_REVOKE = "calendar_feed.revoke", "calendar feed address revoked"
    CHAT_WEBHOOK_CREATE = "chat_webhook.create", "chat channel added"
    CHAT_WEBHOOK_UPDATE = "chat_webhook.update", "chat channel changed"
    CHAT_WEBHOOK_DELETE = "chat_webhook.delete", "chat channel removed"
    # Ambit turned the channel off itself after repeated failed posts (no actor).
    CHAT_WEBHOOK_DISABLE = "chat_webhook.disable", "chat channel disabled after failures"
    CHAT_WEBHOOK_TEST = "chat_webhook.test", "chat channel test message sent"
    # Planning a quarter (issue 15).
    TEAM_ARCHIVE = "team.archive", "team archived"
    TEAM_RESTORE = "team.restore", "team restored"
    PEOPLE_IMPORT = "people.import", "people imported"
    OBJECTIVE_SENT_BACK = "objective.sent_back", "objective sent back with a comment"
    CYCLE_PUBLISH = "cycle.publish", "cycle published"
    PLANNING_REMIND = "planning.remind", "late teams reminded to plan"
    MEETING_NOTE_ADD = "meeting.note_add", "meeting note recorded"
    MEETING_NOTE_UPDATE = "meeting.note_update", "meeting note changed"
    MEETING_NOTE_DELETE = "meeting.note_delete", "meeting note deleted"
    TEMPLATE_CREATE = "template.create", "OKR template created"
    TEMPLATE_UPDATE = "template.update", "OKR template changed"
    TEMPLATE_DELETE = "template.delete", "OKR template deleted"
    # Running the quarter (issue 16).
    KPI_CREATE = "kpi.create", "KPI created"
    KPI_UPDATE = "kpi.update", "KPI changed"
    KPI_DELETE = "kpi.delete", "KPI deleted"
    KPI_READING = "kpi.reading", "KPI reading recorded"
    COMMENT_ADD = "comment.add", "comment added"
    COMMENT_EDIT = "comment.edit", "comment edited"
    COMMENT_DELETE = "comment.delete", "comment deleted"
    STANDUP_POST = "standup.post", "standup posted"
    STANDUP_EDIT = "standup.edit", "standup changed"
    WEEK_COMMITMENTS = "week.commitments", "Monday commitments set"
    WEEK_WINS = "week.wins", "Friday wins shared"
    ONE_ON_ONE_CREATE = "one_on_one.create", "1:1 started"
    ONE_ON_ONE_UPDATE = "one_on_one.update", "1:1 changed"
    ONE_ON_ONE_ITEM_ADD = "one_on_one.item_add", "1:1 talking point, note or action added"
    ONE_ON_ONE_ITEM_UPDATE = "one_on_one.item_update", "1:1 talking point, note or action changed"
    ONE_ON_ONE_ITEM_DELETE = "one_on_one.item_delete", "1:1 talking point, note or action deleted"
    INITIATIVE_CREATE = "initiative.create", "initiative created"
    INITIATIVE_UPDATE = "initiative.update", "initiative changed"
    INITIATIVE_DELETE = "initiative.delete", "initiative deleted"
    SPRINT_PLAN = "sprint.plan", "initiative planned into a sprint or taken out"
    SPRINT_UPDATE = "sprint.update", "sprint goal changed"
    TEAM_MEETING_START = "team_meeting.start", "team check-in started"
    TEAM_MEETING_END = "team_meeting.end", "team check-in ended"
    TEAM_MEETING_ITEM_ADD = "team_meeting.item_add", "team check-in decision or action added"
    TEAM_MEETING_ITEM_UPDATE = "team_meeting.item_update", "team check-in decision or action changed"
    TEAM_MEETING_ITEM_DELETE = "team_meeting.item_delete", "team check-in decision or action deleted"
    REVIEW_OPEN = "review.open", "monthly review opened"
    REVIEW_CLOSE = "review.close", "monthly review closed"
    REVIEW_COMMENTARY = "review.commentary", "monthly review commentary written"
    REVIEW_REMIND = "review.remind", "monthly review commentary reminder sent"
    REVIEW_DECISION_ADD = "review.decision_add", "monthly review decision recorded"
    REVIEW_DECISION_UPDATE = "review.decision_update", "monthly review decision changed"
    REVIEW_DECISION_DELETE = "review.decision_delete", "monthly review decision deleted"
    REFLECTION_SAVE = "reflection.save", "weekly reflection saved"
    RITUAL_SETTINGS_UPDATE = "ritual_settings.update", "team ritual settings changed"
    # Closing the quarter (issue 17).
    CYCLE_CLOSE = "cycle.close", "cycle closed"
    CYCLE_REOPEN = "cycle.reopen", "closed cycle reopened"
    SCORING_REMIND = "scoring.remind", "late owners reminded to score"
    OBJECTIVE_REFLECTION_SAVE = "objective_reflection.save", "objective reflection written"
    TEAM_REFLECTION_SAVE = "team_reflection.save", "team reflection written"
    DEPENDENCY_ADD = "dependency.add", "dependency declared"
    DEPENDENCY_REMOVE = "dependency.remove", "dependency removed"
    OBJECTIVE_ROLLOVER = "objective.rollover", "objective rolled over into the next cycle"
    ROLLOVER_DECIDE = "rollover.decide", "rollover decided for a cycle"
    PRESENTATION_LINK_CREATE = "presentation_link.create", "presentation link created"
    PRESENTATION_LINK_REVOKE = "presentation_link.revoke", "presentation link revoked"
    TRASH_MOVE = "trash.move", "moved to the trash"
    TRASH_RESTORE = "trash.restore", "restored from the trash"
    TRASH_PURGE = "trash.purge", "purged from the trash after 30 days"
    TRASH_DELETE = "trash.delete", "deleted permanently from the trash"


class AuditEntry(models.Model):
    """One write: who, when, what, and the before/after of each changed field.

    ``action`` is a dotted name (``objective.create``, ``check_in.record``). ``changes`` maps a
    field name to ``[before, after]`` as JSON-able values.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64, choices=AuditAction.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["organisation", "-created_at"], name="audit_org_time_idx"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("The audit log is append-only.")
        super().save(*args, **kwargs)
