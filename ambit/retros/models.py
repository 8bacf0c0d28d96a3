"""Reflections at the end of a cycle (seed 004) and dependencies between objectives (issue 17).

An objective's reflection and a team's reflection for a cycle answer the same four questions,
then lessons learned (``selectors.QUESTIONS``: the field names are its keys). A reflection is
saved only with its four questions answered (lessons are optional), so one that exists is done.

A dependency says that an objective depends on another team's objective *or* key result: exactly
one of the two targets is set (a check constraint), never the objective itself, never twice.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ambit.core.models import OrgScoped

ANSWER_FIELDS = ("achieved", "aligned", "dependencies", "unexpected", "lessons")
REQUIRED_FIELDS = ANSWER_FIELDS[:4]


class ReflectionFields(OrgScoped):
    achieved = models.TextField(blank=True, help_text="Did we achieve our goals?")
    aligned = models.TextField(blank=True, help_text="Were they well aligned?")
    dependencies = models.TextField(blank=True, help_text="Did we capture all dependencies?")
    unexpected = models.TextField(blank=True, help_text="What changed unexpectedly, and why?")
    lessons = models.TextField(blank=True, help_text="Lessons learned.")
    author = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True

    def answers(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in ANSWER_FIELDS}

    @property
    def is_complete(self) -> bool:
        return all(getattr(self, name).strip() for name in REQUIRED_FIELDS)


class ObjectiveReflection(ReflectionFields):
    objective = models.OneToOneField("okrs.Objective", on_delete=models.CASCADE, related_name="reflection")

    class Meta:
        indexes = [models.Index(fields=["organisation", "updated_at"], name="objreflection_org_idx")]

    def __str__(self) -> str:
        return f"Reflection on objective {self.objective_id}"


class TeamReflection(ReflectionFields):
    cycle = models.ForeignKey("okrs.Cycle", on_delete=models.CASCADE, related_name="team_reflections")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="reflections")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "team"], name="teamreflection_once_per_cycle")]
        indexes = [models.Index(fields=["team", "cycle"], name="teamreflection_team_idx")]

    def __str__(self) -> str:
        return f"Reflection of team {self.team_id} on cycle {self.cycle_id}"


class Dependency(OrgScoped):
    objective = models.ForeignKey("okrs.Objective", on_delete=models.CASCADE, related_name="dependencies")
    target_objective = models.ForeignKey(
        "okrs.Objective", null=True, blank=True, on_delete=models.CASCADE, related_name="dependents"
    )
    target_key_result = models.ForeignKey(
        "okrs.KeyResult", null=True, blank=True, on_delete=models.CASCADE, related_name="dependents"
    )
    note = models.TextField(blank=True)
    author = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "dependencies"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_objective__isnull=False, target_key_result__isnull=True)
                | Q(target_objective__isnull=True, target_key_result__isnull=False),
                name="dependency_exactly_one_target",
            ),
            models.CheckConstraint(
                condition=~Q(target_objective=models.F("objective")), name="dependency_not_on_itself"
            ),
            models.UniqueConstraint(
                fields=["objective", "target_objective"],
                condition=Q(target_objective__isnull=False),
                name="dependency_once_per_objective",
            ),
            models.UniqueConstraint(
                fields=["objective", "target_key_result"],
                condition=Q(target_key_result__isnull=False),
                name="dependency_once_per_key_result",
            ),
        ]

    def __str__(self) -> str:
        target = (
            f"objective {self.target_objective_id}"
            if self.target_objective_id
            else (f"key result {self.target_key_result_id}")
        )
        return f"Objective {self.objective_id} depends on {target}"
