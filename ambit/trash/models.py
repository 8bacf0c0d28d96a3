"""What was deleted, kept for 30 days so it can come back (issue 17, item 9).

A ``TrashItem`` holds one deleted object (an objective, a key result, a KPI, an initiative) with
every row its delete removed (its key results, check-ins, comments, links…) as Django's JSON
serialisation, and the rows whose foreign key the delete set to null (an aligned child objective,
a KPI reading), so a restore puts each back with its original id. The trash knows no app: it reads
what would go from Django's deletion collector (see ``ambit.trash.capture``).
"""

from __future__ import annotations

import datetime as dt
import math

from django.db import models
from django.utils import timezone

from ambit.core.models import OrgScoped

KEEP_DAYS = 30


class TrashItem(OrgScoped):
    model_label = models.CharField(max_length=100, help_text="The deleted object's model, e.g. okrs.Objective.")
    object_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=100, help_text="What it is, in words: objective, key result, KPI.")
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True, help_text="Where it lives once restored (its ids come back).")
    owner = models.ForeignKey("accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    deleted_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(default=timezone.now)
    purge_after = models.DateTimeField(db_index=True)
    payload = models.JSONField(default=list, help_text="The deleted rows, serialised (django.core.serializers).")
    nulled = models.JSONField(
        default=list, help_text="[model label, id, field, value] of each row whose link the delete set to null."
    )
    counts = models.JSONField(default=dict, help_text="Rows deleted with it, per model label.")
    summary = models.CharField(max_length=500, blank=True, help_text="What comes back with it, in words.")

    class Meta:
        ordering = ["-deleted_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-deleted_at"], name="trash_org_deleted_idx")]

    def __str__(self) -> str:
        return f"{self.kind} “{self.title}”"

    def days_left(self, now: dt.datetime | None = None) -> int:
        """Days until the purge, counting the one under way: 30 just after the delete, 1 on its
        last day, 0 once due."""
        seconds = (self.purge_after - (now or timezone.now())).total_seconds()
        return max(math.ceil(seconds / 86_400), 0)
