"""The daily standup (yesterday / today / blockers) and the week plan (Monday commitments, Friday
wins), each one per person per period, with their lines normalised so a blocker can be found from
the key result it names. ``RitualSettings`` holds a team's standup hour (the charter stays on the
organisation; the team keeps only what differs per team)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models

from ambit.core.models import OrgScoped

DEFAULT_STANDUP_HOUR = 9


class RitualSettings(OrgScoped):
    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="ritual_settings")
    standup_hour = models.PositiveSmallIntegerField(
        default=DEFAULT_STANDUP_HOUR,
        validators=[MaxValueValidator(23)],
        help_text="Local hour (organisation time zone) of the standup reminder, weekdays only.",
    )

    class Meta:
        verbose_name_plural = "ritual settings"

    def __str__(self) -> str:
        return f"Rituals of team {self.team_id}"


class Section(models.TextChoices):
    YESTERDAY = "yesterday", "Yesterday"
    TODAY = "today", "Today"
    BLOCKERS = "blockers", "Blockers"


class Standup(OrgScoped):
    author = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="standups")
    day = models.DateField(help_text="The organisation's local day it is for.")
    blocker_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-day", "author_id"]
        constraints = [models.UniqueConstraint(fields=["author", "day"], name="standup_once_per_day")]
        indexes = [models.Index(fields=["organisation", "day"], name="standup_org_day_idx")]

    def __str__(self) -> str:
        return f"Standup of {self.author_id} on {self.day.isoformat()}"


class StandupLine(models.Model):
    standup = models.ForeignKey(Standup, on_delete=models.CASCADE, related_name="lines")
    section = models.CharField(max_length=16, choices=Section.choices)
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    key_result = models.ForeignKey(
        "okrs.KeyResult", null=True, blank=True, on_delete=models.SET_NULL, related_name="standup_lines"
    )
    initiative = models.ForeignKey(
        "initiatives.Initiative", null=True, blank=True, on_delete=models.SET_NULL, related_name="standup_lines"
    )

    class Meta:
        ordering = ["standup_id", "section", "position"]
        indexes = [models.Index(fields=["key_result", "section"], name="standupline_kr_idx")]

    def __str__(self) -> str:
        return self.text


class WeekPlan(OrgScoped):
    author = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="week_plans")
    week_start = models.DateField(help_text="The Monday of the ISO week.")
    committed_at = models.DateTimeField(null=True, blank=True)
    wins_shared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-week_start", "author_id"]
        constraints = [models.UniqueConstraint(fields=["author", "week_start"], name="weekplan_once_per_week")]
        indexes = [models.Index(fields=["organisation", "week_start"], name="weekplan_org_week_idx")]

    def __str__(self) -> str:
        return f"Week plan of {self.author_id} for {self.week_start.isoformat()}"


class ItemKind(models.TextChoices):
    COMMITMENT = "commitment", "Commitment"
    WIN = "win", "Win"


class WeekItem(models.Model):
    plan = models.ForeignKey(WeekPlan, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=16, choices=ItemKind.choices)
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    key_result = models.ForeignKey(
        "okrs.KeyResult", null=True, blank=True, on_delete=models.SET_NULL, related_name="week_items"
    )
    done = models.BooleanField(null=True, blank=True, help_text="Commitments: marked on Friday.")

    class Meta:
        ordering = ["plan_id", "kind", "position"]

    def __str__(self) -> str:
        return self.text


class WeeklyReflection(OrgScoped):
    """The optional "what did I learn / what's in my way" beside the weekly check-in (seed 001),
    one per person per ISO week. Read by its author and, on the 1:1 agenda, by the author's
    manager; nobody else."""

    author = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="reflections")
    week_start = models.DateField(help_text="The Monday of the ISO week.")
    learned = models.TextField(blank=True, max_length=2000)
    in_my_way = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-week_start", "author_id"]
        constraints = [models.UniqueConstraint(fields=["author", "week_start"], name="reflection_once_per_week")]

    def __str__(self) -> str:
        return f"Reflection of {self.author_id} for {self.week_start.isoformat()}"
