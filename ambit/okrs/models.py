"""Cycles, sprints, objectives, key results, alignment and the append-only check-in history.

Progress, status, forecast and score are never stored as truth here: they are computed by the
pure rules in ``ambit.okrs.engine``. A key result keeps a copy of its latest check-in
(``current_value``, ``current_confidence``, ``last_checkin_at``) so pages need no per-row
look-up of history; ``check_in_record`` is the only writer of those fields.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.db.models import Q

from ambit.core.models import OrgScoped


class CycleKind(models.TextChoices):
    ANNUAL = "annual", "Annual"
    QUARTER = "quarter", "Quarter"
    CUSTOM = "custom", "Custom period"


class CycleState(models.TextChoices):
    PLANNING = "planning", "Planning"
    ACTIVE = "active", "Active"
    REVIEW = "review", "Review"
    CLOSED = "closed", "Closed"


CYCLE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    CycleState.PLANNING: (CycleState.ACTIVE,),
    CycleState.ACTIVE: (CycleState.REVIEW, CycleState.PLANNING),
    CycleState.REVIEW: (CycleState.CLOSED, CycleState.ACTIVE),
    CycleState.CLOSED: (CycleState.REVIEW,),
}


class Cycle(OrgScoped):
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=16, choices=CycleKind.choices, default=CycleKind.QUARTER)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    start_date = models.DateField()
    end_date = models.DateField()
    state = models.CharField(max_length=16, choices=CycleState.choices, default=CycleState.PLANNING)

    class Meta:
        ordering = ["start_date", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="cycle_unique_name_per_org"),
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="cycle_dates_ordered"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="cycle_not_own_parent"),
        ]
        indexes = [models.Index(fields=["organisation", "state"], name="cycle_org_state_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.state == CycleState.CLOSED


class Sprint(OrgScoped):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="sprints")
    number = models.PositiveSmallIntegerField()
    start_date = models.DateField()
    end_date = models.DateField()
    goal = models.TextField(blank=True)

    class Meta:
        ordering = ["cycle", "number"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "number"], name="sprint_unique_number"),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="sprint_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"Sprint {self.number}"


class Ambition(models.TextChoices):
    COMMITTED = "committed", "Committed"
    ASPIRATIONAL = "aspirational", "Aspirational"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Everyone in the organisation"
    TEAM = "team", "The team only"
    PRIVATE = "private", "Owner and managers only"


class ObjectiveState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class Objective(OrgScoped):
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="objectives")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    owner = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="owned_objectives")
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objectives",
        help_text="Empty for an individual objective.",
    )
    # Stored (derived from team.kind, or "individual") so level filters are one indexed column.
    level = models.CharField(max_length=16, default="team")
    contributors = models.ManyToManyField("accounts.Membership", blank=True, related_name="contributed_objectives")
    theme = models.ForeignKey(
        "strategy.BigMove", null=True, blank=True, on_delete=models.SET_NULL, related_name="objectives"
    )
    ambition = models.CharField(max_length=16, choices=Ambition.choices, default=Ambition.COMMITTED)
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    state = models.CharField(max_length=16, choices=ObjectiveState.choices, default=ObjectiveState.DRAFT)
    cancel_reason = models.TextField(blank=True)
    # Duality: this objective was created from a parent key result.
    source_key_result = models.ForeignKey(
        "okrs.KeyResult", null=True, blank=True, on_delete=models.SET_NULL, related_name="child_objectives"
    )
    parents: models.ManyToManyField[Objective, Alignment] = models.ManyToManyField(
        "self", through="Alignment", symmetrical=False, related_name="children", blank=True
    )
    score = models.FloatField(null=True, blank=True)
    score_note = models.TextField(blank=True)
    rolled_over_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rolled_over_to"
    )
    # When this objective's plan begins: its pace is judged from here, not from a cycle start that
    # predates it. Empty: the later of the cycle start and the day it was created (``plan_start_on``).
    plan_start = models.DateField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    # Denormalised by ambit.okrs.rollups after every committed write below this objective: its
    # rolled-up progress (own key results, blended children). Metrics read it for objectives just
    # outside the set they compute, so a company objective costs one level of children, not the
    # whole tree under it. Null: not known yet; metrics then walk down as before.
    rolled_progress = models.FloatField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="cancelled") | ~Q(cancel_reason=""), name="objective_cancel_needs_reason"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=1), name="objective_score_range"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "cycle", "state"], name="objective_org_cycle_idx"),
            models.Index(fields=["cycle", "team"], name="objective_cycle_team_idx"),
            models.Index(fields=["cycle", "owner"], name="objective_cycle_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    # The acting member's edit right on this objective, by ``core.permissions.can_edit_objective``;
    # set once per request by ``ambit.okrs.access.with_access``, read by ``can_edit``/``can_cancel``.
    editor: bool = False

    @property
    def is_cancelled(self) -> bool:
        return self.state == ObjectiveState.CANCELLED

    @property
    def is_live(self) -> bool:
        return self.state not in (ObjectiveState.CLOSED, ObjectiveState.CANCELLED)

    @property
    def is_pending(self) -> bool:
        """Not yet committed to (a draft or a proposal): shown marked and muted beside active work."""
        return self.state in (ObjectiveState.DRAFT, ObjectiveState.PROPOSED)

    @property
    def can_edit(self) -> bool:
        """The acting member may change it now: edit it, add key results, align it."""
        return self.editor and self.is_live

    @property
    def can_cancel(self) -> bool:
        return self.editor and not self.is_cancelled


class Alignment(OrgScoped):
    """Classic cascade: a child objective supports a parent objective, optionally weighted."""

    child = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="parent_links")
    parent = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="child_links")
    weight = models.FloatField(default=1.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "parent"], name="alignment_unique"),
            models.CheckConstraint(condition=~Q(child=models.F("parent")), name="alignment_not_self"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="alignment_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.child_id} → {self.parent_id}"


class KeyResultKind(models.TextChoices):
    INCREASE = "increase", "Increase to"
    DECREASE = "decrease", "Decrease to"
    STAY_ABOVE = "stay_above", "Stay above"
    STAY_BELOW = "stay_below", "Stay below"
    MILESTONES = "milestones", "Milestone checklist"
    BINARY = "binary", "Done / not done"


VALUE_KINDS = (KeyResultKind.INCREASE, KeyResultKind.DECREASE, KeyResultKind.STAY_ABOVE, KeyResultKind.STAY_BELOW)


class UnitKind(models.TextChoices):
    NUMBER = "number", "Number"
    PERCENT = "percent", "Percent"
    CURRENCY = "currency", "Currency"


class KeyResultState(models.TextChoices):
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Cancelled"


class KeyResult(OrgScoped):
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=KeyResultKind.choices, default=KeyResultKind.INCREASE)
    start_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    target_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    stretch_target = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    unit = models.CharField(max_length=24, blank=True, help_text='Shown after the value: "%", "€", "users".')
    unit_kind = models.CharField(max_length=16, choices=UnitKind.choices, default=UnitKind.NUMBER)
    weight = models.FloatField(default=1.0)
    owner = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="owned_key_results")
    state = models.CharField(max_length=16, choices=KeyResultState.choices, default=KeyResultState.ACTIVE)
    cancel_reason = models.TextField(blank=True)
    # Duality: take progress from the child objective(s) created from this key result.
    progress_from_children = models.BooleanField(default=False)
    # Progress is the share of its initiatives done (dropped ones left out), not its check-ins.
    progress_from_initiatives = models.BooleanField(default=False, help_text="Progress = share of its initiatives done")
    # When this key result's plan begins: pace and staleness count from here. Empty: the later of
    # the cycle start and the day it was created (``plan_start_on``).
    plan_start = models.DateField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    # Latest check-in, denormalised by check_in_record (the only writer).
    current_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    current_milestones_done = models.JSONField(default=list, blank=True)
    current_confidence = models.PositiveSmallIntegerField(default=5)
    last_checkin_at = models.DateTimeField(null=True, blank=True)
    checkin_count = models.PositiveIntegerField(default=0)

    score = models.FloatField(null=True, blank=True)
    score_note = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="kr_weight_positive"),
            models.CheckConstraint(condition=Q(current_confidence__lte=10), name="kr_confidence_range"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=1), name="kr_score_range"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["increase", "decrease", "stay_above", "stay_below"])
                | Q(target_value__isnull=False),
                name="kr_value_kinds_need_target",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["increase", "decrease"]) | Q(start_value__isnull=False),
                name="kr_moving_kinds_need_start",
            ),
            models.CheckConstraint(
                condition=~Q(state="cancelled") | ~Q(cancel_reason=""), name="kr_cancel_needs_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "owner", "state"], name="kr_owner_idx"),
            models.Index(fields=["objective", "state"], name="kr_objective_state_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.state == KeyResultState.CANCELLED


class Milestone(models.Model):
    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=300)
    weight = models.FloatField(default=1.0)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.CheckConstraint(condition=Q(weight__gt=0), name="milestone_weight_positive")]

    def __str__(self) -> str:
        return self.title


class Checkpoint(models.Model):
    """A key result's own plan: by this date, this much progress (overrides linear pace)."""

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="checkpoints")
    date = models.DateField()
    expected_progress = models.FloatField()

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["key_result", "date"], name="checkpoint_unique_date"),
            models.CheckConstraint(
                condition=Q(expected_progress__gte=0, expected_progress__lte=1), name="checkpoint_progress_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.expected_progress:.0%}"


class CheckInQuerySet(models.QuerySet["CheckIn"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("Check-ins are append-only: record a correction instead of updating.")


class CheckIn(OrgScoped):
    """One check-in on a key result. Never updated or deleted: a correction is a new check-in."""

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="checkins")
    author = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="checkins")
    value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    milestones_done = models.JSONField(default=list, blank=True, help_text="Ids of milestones ticked.")
    confidence = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True)
    is_correction = models.BooleanField(default=False)
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")

    objects = CheckInQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(confidence__lte=10), name="checkin_confidence_range"),
            models.CheckConstraint(
                condition=Q(is_correction=True) | Q(corrects__isnull=True), name="checkin_corrects_is_correction"
            ),
        ]
        indexes = [
            models.Index(fields=["key_result", "created_at"], name="checkin_kr_time_idx"),
            models.Index(fields=["organisation", "created_at"], name="checkin_org_time_idx"),
        ]

    def __str__(self) -> str:
        return f"Check-in {self.pk} on {self.key_result_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise TypeError("Check-ins are append-only: record a correction instead of updating.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("Check-ins are append-only and cannot be deleted.")
