"""What an import could not do yet: the place of a person who has not accepted their invitation.

People who are not members yet have no membership to put in a team or to give a manager. The
import keeps their intended team, lead flag, title and manager here (one row per organisation and
address) and ``ambit.people.receivers`` applies it, through the same services, when they accept.
A row also waits for a manager who is still invited: it is applied when that manager accepts.
"""

from __future__ import annotations

from django.db import models

from ambit.core.models import OrgScoped


class PendingPlacement(OrgScoped):
    email = models.EmailField()
    full_name = models.CharField(max_length=150, blank=True)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_lead = models.BooleanField(default=False)
    title = models.CharField(max_length=150, blank=True)
    manager_email = models.EmailField(blank=True)
    created_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "email"], name="pendingplacement_unique_email"),
        ]

    def __str__(self) -> str:
        return f"Pending placement of {self.email}"
