"""Mission, vision, values and big moves (3-year priorities that theme annual objectives)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ambit.core.models import OrgScoped


class Strategy(OrgScoped):
    mission = models.TextField(blank=True)
    vision = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "strategies"
        constraints = [models.UniqueConstraint(fields=["organisation"], name="strategy_one_per_org")]

    def __str__(self) -> str:
        return f"Strategy of {self.organisation_id}"


class Value(OrgScoped):
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class BigMove(OrgScoped):
    """A 3-year strategic priority; becomes the theme of annual (level 1) objectives."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    horizon_start = models.PositiveSmallIntegerField(help_text="First year, e.g. 2026")
    horizon_end = models.PositiveSmallIntegerField(help_text="Last year, e.g. 2028")
    owner = models.ForeignKey("accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    is_archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(horizon_end__gte=models.F("horizon_start")), name="bigmove_horizon_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.title
