"""KPIs: lasting health metrics, not tied to a cycle (PRODUCT.md §1 "KPI", seed 000).

A ``Kpi`` belongs to a team, or to the whole company when ``team`` is empty. Its readings are
append-only (like check-ins): a wrong one is fixed by recording the right one. The KPI keeps its
latest reading and band (``current_*``) so boards need no per-row query. A key result may be
linked to one KPI (``KpiLink``): its check-ins become the KPI's readings (see ``sync.py``).
"""

from __future__ import annotations

from django.db import models

from ambit.core.models import OrgScoped
from ambit.okrs import engine


class Direction(models.TextChoices):
    HIGHER = engine.KPI_HIGHER, "Higher is better"
    LOWER = engine.KPI_LOWER, "Lower is better"


class Band(models.TextChoices):
    HEALTHY = engine.KPI_HEALTHY, "Healthy"
    WATCH = engine.KPI_WATCH, "Watch"
    CRITICAL = engine.KPI_CRITICAL, "Critical"


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


CADENCE_DAYS = {Cadence.WEEKLY: 7, Cadence.MONTHLY: 31}


class Kpi(OrgScoped):
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="kpis",
        help_text="Empty: company.",
    )
    owner = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_kpis"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=30, blank=True)
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.HIGHER)
    healthy_threshold = models.DecimalField(max_digits=18, decimal_places=4)
    critical_threshold = models.DecimalField(max_digits=18, decimal_places=4)
    cadence = models.CharField(max_length=8, choices=Cadence.choices, default=Cadence.WEEKLY)
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The latest reading, copied here by the reading service (boards read no history per row).
    current_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True, editable=False)
    current_band = models.CharField(max_length=8, choices=Band.choices, blank=True, editable=False)
    last_reading_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "KPI"
        verbose_name_plural = "KPIs"
        indexes = [models.Index(fields=["organisation", "team"], name="kpi_org_team_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def cadence_days(self) -> int:
        return CADENCE_DAYS[Cadence(self.cadence)]

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class KpiReading(OrgScoped):
    """One reading of a KPI. Never updated or deleted."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="readings")
    value = models.DecimalField(max_digits=18, decimal_places=4)
    note = models.TextField(blank=True)
    author = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()
    band = models.CharField(max_length=8, choices=Band.choices)
    # Set when the reading came from a check-in on a linked key result: each check-in feeds once.
    check_in = models.OneToOneField(
        "okrs.CheckIn", null=True, blank=True, on_delete=models.SET_NULL, related_name="kpi_reading"
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        indexes = [models.Index(fields=["kpi", "recorded_at"], name="kpireading_kpi_time_idx")]

    def __str__(self) -> str:
        return f"Reading {self.pk} of KPI {self.kpi_id}"


class KpiLink(OrgScoped):
    """A key result whose check-ins feed a KPI (``okrs`` does not know about it)."""

    key_result = models.OneToOneField("okrs.KeyResult", on_delete=models.CASCADE, related_name="kpi_link")
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="links")
    # The last check-in id already turned into a reading (check-ins before the link are not).
    cursor = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Key result {self.key_result_id} → KPI {self.kpi_id}"
