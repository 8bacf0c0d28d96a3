"""Initiatives: the work that should move a key result (PRODUCT.md §1), planned into the cycle's
two-week sprints. An initiative never counts toward its key result's progress unless the key result
says so (``KeyResult.progress_from_initiatives``: progress is then the share of them done)."""

from __future__ import annotations

from django.db import models

from ambit.core.models import OrgScoped
from ambit.initiatives.links import link_key


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

    @property
    def link_key(self) -> str:
        """The linked issue's key (``owner/repo#12``, ``ABC-12``) or host; empty without a link."""
        return link_key(self.link_url)

    @property
    def is_open(self) -> bool:
        return self.status in (InitiativeStatus.PLANNED, InitiativeStatus.IN_PROGRESS)


class SprintPlan(OrgScoped):
    """A team's plan for one sprint of the cycle: its goal. The sprint itself (``okrs.Sprint``) is the
    organisation's; each team sets its own goal for it. Created the first time a lead writes one."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="sprint_plans")
    sprint = models.ForeignKey("okrs.Sprint", on_delete=models.CASCADE, related_name="team_plans")
    goal = models.TextField(blank=True)

    class Meta:
        ordering = ["sprint_id", "team_id"]
        constraints = [models.UniqueConstraint(fields=["team", "sprint"], name="sprintplan_unique_team_sprint")]

    def __str__(self) -> str:
        return f"Sprint plan {self.pk}"


class SprintEntry(OrgScoped):
    """An initiative planned into a sprint. Kept when the initiative moves on to a later sprint once
    this one has ended, so "what was planned last sprint, and what got done" can be read back."""

    sprint = models.ForeignKey("okrs.Sprint", on_delete=models.CASCADE, related_name="initiative_entries")
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="sprint_entries")
    planned_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["sprint_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sprint", "initiative"], name="sprintentry_unique_sprint_initiative")
        ]

    def __str__(self) -> str:
        return f"Sprint entry {self.pk}"
