"""A planning-sheet import run in the background: its state, progress and report.

Large workbooks take longer to check and apply than a web request may last, so the upload and
the confirmation each become an ``ImportJob`` that ``ambit.sheets.tasks`` carries out; the pages
poll the job. The uploaded bytes stay in ``ambit.sheets.uploads`` (the job keeps the token).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from ambit.core.models import OrgScoped


class ImportJobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportJob(OrgScoped):
    """One dry run or one apply of an uploaded workbook, for the member who uploaded it.

    An apply job points at the dry run it confirms (``source``, one apply per dry run), so a
    double-submitted confirmation cannot queue the same changes twice; the apply writes its own
    ``done`` state in the transaction that writes the rows, so a retried job never applies twice.
    """

    membership = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey("okrs.Cycle", on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, help_text="The stored upload (ambit.sheets.uploads).")
    filename = models.CharField(max_length=200, blank=True)
    locale = models.CharField(max_length=8, default="en")
    dry_run = models.BooleanField(default=True)
    source = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="apply_job", editable=False
    )
    state = models.CharField(max_length=16, choices=ImportJobState.choices, default=ImportJobState.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    plan_digest = models.CharField(
        max_length=64, blank=True, help_text="sha256 of what the plan would do, to refuse an apply if it changed."
    )
    report = models.JSONField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "membership", "-created_at"], name="sheets_job_member_idx")]

    def __str__(self) -> str:
        kind = "dry run" if self.dry_run else "apply"
        return f"{kind} of {self.filename or 'upload'} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (ImportJobState.DONE, ImportJobState.FAILED)

    @property
    def percent(self) -> int:
        return round(100 * self.rows_done / self.rows_total) if self.rows_total else 0

    def mark(self, **fields: object) -> None:
        """Save progress fields only (the job row is bookkeeping, not audited data)."""
        for name, value in fields.items():
            setattr(self, name, value)
        if fields.get("state") in (ImportJobState.DONE, ImportJobState.FAILED):
            self.finished_at = timezone.now()
            fields = {**fields, "finished_at": self.finished_at}
        self.save(update_fields=[*fields, "updated_at"])
