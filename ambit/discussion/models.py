"""Comments with mentions on OKR objects (issue 16, part 9).

A comment names its target with explicit nullable foreign keys rather than a generic relation:

- ``objective`` is set on every OKR comment (also on those about a key result or a check-in), so
  "who may read this comment" is always "who may see this objective" — one ``objective_id IN
  (visible objectives)`` filter or one visibility check, the rule ``okrs.selectors`` already has;
- ``key_result`` / ``check_in`` narrow the target; ``kind`` says which one the comment is about;
- the database keeps integrity (no dangling ids, comments cascade with their target) and a thread
  is one indexed query, where a generic relation could neither cascade nor join.

A new kind of target adds its own nullable key, a ``TargetKind`` and a branch in
``selectors.target_get`` with that target's visibility rule; nothing else changes. Two did:

- an ``initiative`` comment also names the initiative's key result and objective, so it is read
  by whoever may see that objective (a private objective's initiatives stay private);
- a ``kpi`` comment names only its KPI (``objective`` is empty): KPIs are not tied to a cycle or an
  objective, and whoever may see the KPI (``kpis.selectors``) may read its comments.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ambit.core.models import OrgScoped


class TargetKind(models.TextChoices):
    OBJECTIVE = "objective", "Objective"
    KEY_RESULT = "key_result", "Key result"
    CHECK_IN = "check_in", "Check-in"
    INITIATIVE = "initiative", "Initiative"
    KPI = "kpi", "KPI"


_TARGET_KEYS = ("objective", "key_result", "check_in", "initiative", "kpi")


def _keys(**named: bool) -> dict[str, bool]:
    """``{"<key>__isnull": ...}`` for every target key: set for those ``named``, empty for the rest."""
    return {f"{key}__isnull": not named.get(key, False) for key in _TARGET_KEYS}


class Comment(OrgScoped):
    """One comment, or a reply (``parent``: one level of threads). Deleting one keeps the row,
    blanks its text and shows "Comment deleted" where it has replies."""

    kind = models.CharField(max_length=16, choices=TargetKind.choices)
    # Empty only on a KPI's comments (the check constraint says which keys each kind names).
    objective = models.ForeignKey(
        "okrs.Objective", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    key_result = models.ForeignKey(
        "okrs.KeyResult", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    check_in = models.ForeignKey(
        "okrs.CheckIn", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    initiative = models.ForeignKey(
        "initiatives.Initiative", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    kpi = models.ForeignKey("kpis.Kpi", null=True, blank=True, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="comments")
    body = models.TextField(blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    mentions = models.ManyToManyField("accounts.Membership", blank=True, related_name="mentioned_in")
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="objective", **_keys(objective=True))
                    | Q(kind="key_result", **_keys(objective=True, key_result=True))
                    | Q(kind="check_in", **_keys(objective=True, key_result=True, check_in=True))
                    | Q(kind="initiative", **_keys(objective=True, key_result=True, initiative=True))
                    | Q(kind="kpi", **_keys(kpi=True))
                ),
                name="comment_target_matches_kind",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="comment_not_own_parent"),
        ]
        indexes = [
            models.Index(fields=["objective", "kind", "created_at"], name="comment_objective_idx"),
            models.Index(fields=["author", "created_at"], name="comment_author_idx"),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.kind}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
