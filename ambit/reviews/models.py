"""The monthly review (issue 16, part 8; seed 004): before the meeting, the owner of every key
result behind or at risk writes a commentary (what happened, what will change, what help is
needed); the review page shows who has not yet, reminds them, and is the meeting's agenda; the
meeting's decisions are recorded.

One review per organisation per month (the month its meeting falls in), organisation-wide: the
page filters it by team. The key results in scope are frozen when the review opens
(``ReviewItem`` keeps their status, progress, expected pace and confidence at that moment), so the
agenda does not shift while people write. Closing the review locks commentary and decisions.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ambit.core.models import OrgScoped

# The charter-like default: the first Tuesday of the month at 10:00 local (editable when opening).
DEFAULT_WEEKDAY = 1  # Tuesday
DEFAULT_HOUR = 10
MEETING_MINUTES = 60


class ReviewState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Review(OrgScoped):
    month = models.DateField(help_text="The first day of the month the meeting falls in.")
    meeting_on = models.DateField(help_text="The day of the meeting.")
    hour = models.PositiveSmallIntegerField(default=DEFAULT_HOUR, help_text="Local hour (organisation time zone).")
    state = models.CharField(max_length=16, choices=ReviewState.choices, default=ReviewState.OPEN)
    opened_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-month", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "month"], name="review_once_per_month"),
            models.CheckConstraint(condition=Q(hour__lte=23), name="review_hour"),
        ]
        indexes = [models.Index(fields=["organisation", "state", "meeting_on"], name="review_org_state_idx")]

    def __str__(self) -> str:
        return f"Monthly review {self.month:%B %Y}"

    @property
    def is_open(self) -> bool:
        return self.state == ReviewState.OPEN


class ReviewItem(OrgScoped):
    """A key result in the review's scope, with its numbers frozen when the review opened."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="items")
    key_result = models.ForeignKey("okrs.KeyResult", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, help_text="behind or at_risk, when the review opened.")
    progress = models.FloatField()
    expected = models.FloatField()
    confidence = models.PositiveSmallIntegerField(help_text="Stored 0–10, when the review opened.")
    position = models.PositiveIntegerField(default=0, help_text="Agenda order: the largest shortfall first.")

    class Meta:
        ordering = ["review_id", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["review", "key_result"], name="reviewitem_once_per_kr")]

    def __str__(self) -> str:
        return f"Review item {self.pk}"

    @property
    def gap(self) -> float:
        return self.progress - self.expected


class Commentary(OrgScoped):
    """The owner's commentary on one key result of a review: three required answers."""

    item = models.OneToOneField(ReviewItem, on_delete=models.CASCADE, related_name="commentary")
    what_happened = models.TextField()
    what_will_change = models.TextField()
    help_needed = models.TextField()
    author = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "commentaries"

    def __str__(self) -> str:
        return f"Commentary {self.pk}"

    @property
    def edited(self) -> bool:
        return self.edited_at is not None


class Decision(OrgScoped):
    """A decision recorded in the meeting, optionally with an owner, a due day and a key result."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField()
    owner = models.ForeignKey("accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    due_on = models.DateField(null=True, blank=True)
    key_result = models.ForeignKey("okrs.KeyResult", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["review_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"Review decision {self.pk}"
