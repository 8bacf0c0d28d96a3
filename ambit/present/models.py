"""Shareable read-only links to a cycle's presentation (issue 17, item 6).

The address carries a random secret; only its sha256 is stored (as for calendar feeds, API tokens
and invitations), so the database alone cannot rebuild a working address and the page shows the
address once, right after it is made. A link stops working when it expires (1–30 days after it is
made, 7 by default) or is revoked; either way ``/p/<token>/`` answers 410 with a clear reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import models
from django.db.models import Q

from ambit.core.models import OrgScoped

DEFAULT_DAYS = 7
MIN_DAYS = 1
MAX_DAYS = 30


def token_hash(raw: str) -> str:
    """What is stored of a link's secret."""
    return hashlib.sha256(raw.encode()).hexdigest()


class PresentationLink(OrgScoped):
    cycle = models.ForeignKey("okrs.Cycle", on_delete=models.CASCADE, related_name="presentation_links")
    created_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="presentlink_expires_later"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "cycle"], name="presentlink_org_cycle_idx")]

    def __str__(self) -> str:
        return f"Presentation link {self.pk} for cycle {self.cycle_id}"

    def status(self, now: dt.datetime) -> str:
        """``live``, ``expired`` or ``revoked`` at ``now``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "live"
