"""Rolling unfinished OKRs into the next cycle (issue 17, item 3; seed 003 phase 4, seed 004).

The copies themselves are ordinary objectives and key results (``okrs``), linked to their source
by ``Objective.rolled_over_from``; what this app keeps is the cycle's **decision**: one row per
source cycle saying that its rollover has been decided — who, when, into which cycle and how
many objectives — or that there was nothing to roll over. Closing the cycle waits for it
(``selectors.rollover_decided``).
"""

from __future__ import annotations

from django.db import models

from ambit.core.models import OrgScoped


class RolloverDecision(OrgScoped):
    cycle = models.OneToOneField("okrs.Cycle", on_delete=models.CASCADE, related_name="rollover_decision")
    target = models.ForeignKey(
        "okrs.Cycle",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The cycle the objectives went to; empty when nothing was rolled over.",
    )
    decided_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField()
    rolled_count = models.PositiveIntegerField(default=0, help_text="Objectives rolled over so far, all runs.")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"Rollover of cycle {self.cycle_id}"

    @property
    def nothing(self) -> bool:
        """Decided that nothing rolls over."""
        return self.rolled_count == 0
