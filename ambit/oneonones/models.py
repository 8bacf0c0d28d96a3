"""Bi-weekly 1:1s (issue 16, part 6): a private space per manager and report.

Only the two people of a 1:1 ever read or write it: no role (champion, admin) opens it, the
Django admin does not list these models, the audit log stores ids and lengths but never the text,
and webhooks leave ``one_on_one.*`` out (``ambit.hooks.events.PRIVATE_PREFIXES``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from ambit.core.models import OrgScoped

DEFAULT_CADENCE_DAYS = 14
DEFAULT_HOUR = 10


class OneOnOne(OrgScoped):
    """The standing 1:1 of a manager and one of their reports (one per pair)."""

    manager = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="one_on_ones_led")
    report = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="one_on_ones_attended")
    cadence_days = models.PositiveSmallIntegerField(default=DEFAULT_CADENCE_DAYS)
    next_on = models.DateField(help_text="The day of the next meeting.")
    hour = models.PositiveSmallIntegerField(default=DEFAULT_HOUR, help_text="Local hour (organisation's time zone).")

    class Meta:
        ordering = ["next_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["manager", "report"], name="oneonone_unique_pair"),
            models.CheckConstraint(condition=~Q(manager=F("report")), name="oneonone_two_people"),
            models.CheckConstraint(condition=Q(cadence_days__gte=1, cadence_days__lte=90), name="oneonone_cadence"),
            models.CheckConstraint(condition=Q(hour__lte=23), name="oneonone_hour"),
        ]

    def __str__(self) -> str:
        # Goes into the audit log's object name: ids only, never names or text.
        return f"1:1 {self.pk}"

    def involves(self, membership_id: int) -> bool:
        return membership_id in (self.manager_id, self.report_id)


class Meeting(OrgScoped):
    """One meeting of a 1:1: its shared notes, and its talking points and action items."""

    one_on_one = models.ForeignKey(OneOnOne, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField()
    notes = models.TextField(blank=True)
    held = models.BooleanField(default=False)
    held_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [models.UniqueConstraint(fields=["one_on_one", "date"], name="oneonone_meeting_unique_date")]

    def __str__(self) -> str:
        return f"1:1 meeting {self.pk}"


class ItemKind(models.TextChoices):
    TALKING_POINT = "talking_point", "Talking point"
    ACTION = "action", "Action item"


class Item(OrgScoped):
    """A talking point or an action item of a meeting. An action not done when the next meeting is
    created is carried to it (a new row pointing at the one it continues)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=16, choices=ItemKind.choices)
    text = models.TextField()
    author = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="+")
    done = models.BooleanField(default=False)
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"1:1 item {self.pk}"
