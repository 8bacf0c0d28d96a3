"""Meeting notes of the quarterly OKR meeting, kept with the cycle (issue 15, part 7)."""

from __future__ import annotations

from django.db import models

from ambit.core.models import OrgScoped


class NoteKind(models.TextChoices):
    DECISION = "decision", "Decision"
    ACTION = "action", "Action item"
    NOTE = "note", "Note"


class MeetingNote(OrgScoped):
    """A decision, an action item (with an owner and a due date) or a plain note, recorded in the
    quarterly OKR meeting of ``cycle``, optionally about one objective."""

    cycle = models.ForeignKey("okrs.Cycle", on_delete=models.CASCADE, related_name="meeting_notes")
    objective = models.ForeignKey(
        "okrs.Objective", null=True, blank=True, on_delete=models.SET_NULL, related_name="meeting_notes"
    )
    kind = models.CharField(max_length=16, choices=NoteKind.choices, default=NoteKind.NOTE)
    text = models.TextField()
    owner = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="meeting_actions"
    )
    due_date = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    author = models.ForeignKey(
        "accounts.Membership", null=True, on_delete=models.SET_NULL, related_name="meeting_notes_written"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organisation", "cycle"], name="meetingnote_org_cycle_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"

    @property
    def is_action(self) -> bool:
        return self.kind == NoteKind.ACTION
