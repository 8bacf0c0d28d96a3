"""The bi-weekly team check-in (issue 16, part 7): the team page in meeting mode.

A team holds one meeting at a time (started, then ended by a lead, a champion or an admin). The
meeting looks back over what moved since the previous one (``since``, kept on the row so a past
meeting reads the same later) and records its items: decisions, action items (an owner and a due
day, optional) and each key result owner's short note for the meeting. An action item stays open
until someone ticks it done; every later meeting of the team shows it (carried over) until then,
without copying it: the item keeps the meeting it was raised in.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from ambit.core.models import OrgScoped


class TeamMeeting(OrgScoped):
    """One bi-weekly check-in of ``team``; open while ``ended_at`` is empty (one open per team)."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="check_in_meetings")
    held_on = models.DateField(help_text="The organisation's local day the meeting started.")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    since = models.DateTimeField(help_text="What moved from this moment on is the meeting's agenda.")
    started_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team"], condition=Q(ended_at__isnull=True), name="teammeeting_one_open_per_team"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="teammeeting_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["team", "started_at"], name="teammeeting_team_time_idx")]

    def __str__(self) -> str:
        return f"Team check-in {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class ItemKind(models.TextChoices):
    DECISION = "decision", "Decision"
    ACTION = "action", "Action item"
    NOTE = "note", "Owner's note"


class TeamMeetingItem(OrgScoped):
    """A decision, an action item or an owner's note on a key result, raised in ``meeting``.

    ``team`` repeats the meeting's team so the team's open action items (carried to every later
    meeting) are one indexed read."""

    meeting = models.ForeignKey(TeamMeeting, on_delete=models.CASCADE, related_name="items")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ItemKind.choices)
    text = models.TextField()
    key_result = models.ForeignKey(
        "okrs.KeyResult", null=True, blank=True, on_delete=models.SET_NULL, related_name="team_meeting_items"
    )
    owner = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="team_meeting_actions"
    )
    due_on = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    author = models.ForeignKey("accounts.Membership", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=ItemKind.ACTION) | Q(owner__isnull=True, due_on__isnull=True, done=False),
                name="teammeetingitem_action_fields",
            ),
        ]
        indexes = [models.Index(fields=["team", "kind", "done"], name="teammeetingitem_open_idx")]

    def __str__(self) -> str:
        # The audit log's object name: the kind and the id, the text is in the entry's changes.
        return f"Team check-in {self.get_kind_display().lower()} {self.pk}"

    @property
    def is_action(self) -> bool:
        return self.kind == ItemKind.ACTION
