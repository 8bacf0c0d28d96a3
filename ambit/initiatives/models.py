"""Initiatives: the work that should move a key result (PRODUCT.md §1), planned into the cycle's
two-week sprints. An initiative never counts toward its key result's progress."""

from __future__ import annotations

from django.db import models

from ambit.core.models import OrgScoped


class InitiativeStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class Initiative(OrgScoped):
    key_result = models.ForeignKey("okrs.KeyResult", on_delete=models.CASCADE, related_name="initiatives")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="initiatives"
    )
    status = models.CharField(max_length=16, choices=InitiativeStatus.choices, default=InitiativeStatus.PLANNED)
    due_date = models.DateField(null=True, blank=True)
    link_url = models.URLField(
        max_length=500, blank=True, help_text="An issue in GitHub, GitLab or Jira (shown with its key)."
    )
    sprint = models.ForeignKey(
        "okrs.Sprint", null=True, blank=True, on_delete=models.SET_NULL, related_name="initiatives"
    )
    position = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["key_result_id", "position", "id"]
        indexes = [
            models.Index(fields=["organisation", "sprint"], name="initiative_org_sprint_idx"),
            models.Index(fields=["key_result", "status"], name="initiative_kr_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title
