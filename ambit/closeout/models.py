"""What the close-out keeps: the cycle report its closing announcement's emails carry."""

from __future__ import annotations

from django.db import models

from ambit.core.models import OrgScoped


class ClosingReport(OrgScoped):
    """The cycle report attached to the closing announcement's emails (everyone's view: public
    objectives only). Made once, by the first delivery that needs it — a 10,000-person PDF takes
    tens of seconds, which belongs in a worker, never in the request that closes the cycle — and
    read by every other delivery. Reopening the cycle drops it."""

    cycle = models.OneToOneField("okrs.Cycle", on_delete=models.CASCADE, related_name="closing_report")
    file_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()

    def __str__(self) -> str:
        return self.file_name
