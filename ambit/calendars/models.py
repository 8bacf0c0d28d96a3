"""Secret calendar (ICS) feeds: one live feed per person and per team, revocable.

The address carries a random secret; only its sha256 is stored (as for API tokens and
invitations), so the database alone cannot rebuild a working address and the page shows the
address once, when it is made. Rotating revokes the old row and makes a new one, so every
address a client ever held stays dead once replaced.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ambit.core.models import OrgScoped


class CalendarFeed(OrgScoped):
    """The feed of one person (``membership``) or one team (``team``): exactly one of the two."""

    membership = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(membership__isnull=True, team__isnull=False)
                | Q(membership__isnull=False, team__isnull=True),
                name="calendarfeed_one_subject",
            ),
            # At most one live address per person and per team: two concurrent "create" clicks
            # meet here, not in a lock.
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(revoked_at__isnull=True, membership__isnull=False),
                name="calendarfeed_one_live_per_member",
            ),
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(revoked_at__isnull=True, team__isnull=False),
                name="calendarfeed_one_live_per_team",
            ),
        ]

    def __str__(self) -> str:
        subject = f"team {self.team_id}" if self.team_id else f"member {self.membership_id}"
        return f"Calendar feed of {subject}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
