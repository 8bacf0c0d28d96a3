"""Admin for cycles, objectives, key results and alignment, writing through ``ambit.okrs.services``.

Check-ins are history (a correction is a new check-in), and sprints and checkpoints are derived
data: all three are read-only here. See ``ambit.core.admin_mixins`` for how writes run.
"""

from typing import Any

from django.contrib import admin
from django.db.models import Model

from ambit.accounts.admin_mixins import ReadOnlyInline, TenantScopedAdmin
from ambit.okrs import services
from ambit.okrs.models import (
    Alignment,
    CheckIn,
    Checkpoint,
    Cycle,
    KeyResult,
    Milestone,
    Objective,
    Sprint,
)


class SprintInline(ReadOnlyInline):
    model = Sprint
    fields = ["number", "start_date", "end_date", "goal"]


@admin.register(Cycle)
class CycleAdmin(TenantScopedAdmin):
    create_service = staticmethod(services.cycle_create)
    update_service = staticmethod(services.cycle_update)
    service_kwarg = "cycle"
    create_fields = ("organisation", "name", "kind", "parent", "start_date", "end_date", "state")
    update_fields = ("name", "start_date", "end_date", "state")

    list_display = ["name", "organisation", "kind", "start_date", "end_date", "state", "parent"]
    list_filter = ["organisation", "kind", "state"]
    search_fields = ["name"]
    raw_id_fields = ["parent"]
    inlines = [SprintInline]


@admin.register(Sprint)
class SprintAdmin(TenantScopedAdmin):
    list_display = ["cycle", "number", "start_date", "end_date"]
    list_filter = ["cycle__organisation"]


class KeyResultInline(ReadOnlyInline):
    model = KeyResult
    fields = ["title", "kind", "start_value", "target_value", "unit", "weight", "owner", "state"]


class AlignmentInline(ReadOnlyInline):
    model = Alignment
    fk_name = "child"
    fields = ["parent", "weight"]
    verbose_name = "parent objective"


@admin.register(Objective)
class ObjectiveAdmin(TenantScopedAdmin):
    """State changes, scores and cancelling have their own services and pages; here the fields
    ``objective_update`` accepts are editable, and deleting is refused once there is history."""

    create_org_field = "cycle"
    create_service = staticmethod(services.objective_create)
    update_service = staticmethod(services.objective_update)
    delete_service = staticmethod(services.objective_delete)
    service_kwarg = "objective"
    create_fields = (
        "cycle",
        "title",
        "description",
        "owner",
        "team",
        "theme",
        "ambition",
        "visibility",
        "state",
        "contributors",
        "plan_start",
    )
    update_fields = services.OBJECTIVE_FIELDS

    list_display = ["title", "organisation", "cycle", "level", "team", "owner", "ambition", "state"]
    list_filter = ["organisation", "cycle", "level", "state", "ambition", "visibility"]
    search_fields = ["title", "description"]
    raw_id_fields = ["owner", "team", "theme", "source_key_result", "rolled_over_from", "cycle"]
    filter_horizontal = ["contributors"]
    inlines = [KeyResultInline, AlignmentInline]
    list_select_related = ["organisation", "cycle", "team", "owner__user"]


class MilestoneInline(ReadOnlyInline):
    model = Milestone
    fields = ["title", "weight", "position"]


class CheckpointInline(ReadOnlyInline):
    model = Checkpoint
    fields = ["date", "expected_progress"]


@admin.register(KeyResult)
class KeyResultAdmin(TenantScopedAdmin):
    """Edits go through ``key_result_update``: e.g. the kind cannot change after check-ins."""

    create_org_field = "objective"
    create_service = staticmethod(services.key_result_create)
    update_service = staticmethod(services.key_result_update)
    delete_service = staticmethod(services.key_result_delete)
    service_kwarg = "key_result"
    create_fields = (
        "objective",
        "title",
        "description",
        "kind",
        "start_value",
        "target_value",
        "stretch_target",
        "unit",
        "unit_kind",
        "weight",
        "owner",
        "plan_start",
    )
    update_fields = services.KR_FIELDS

    list_display = ["title", "objective", "kind", "current_value", "target_value", "owner", "state"]
    list_filter = ["organisation", "kind", "state"]
    search_fields = ["title"]
    raw_id_fields = ["objective", "owner"]
    inlines = [MilestoneInline, CheckpointInline]
    list_select_related = ["objective", "owner__user"]


@admin.register(Alignment)
class AlignmentAdmin(TenantScopedAdmin):
    """Links are added and removed (``alignment_add`` / ``alignment_remove``), not edited."""

    create_org_field = "child"
    create_service = staticmethod(services.alignment_add)
    delete_service = staticmethod(services.alignment_remove)
    create_fields = ("child", "parent", "weight")

    list_display = ["child", "parent", "weight", "organisation"]
    raw_id_fields = ["child", "parent"]

    def perform_delete(self, actor: Any, obj: Model) -> None:
        assert isinstance(obj, Alignment)
        services.alignment_remove(actor=actor, child=obj.child, parent=obj.parent)


@admin.register(CheckIn)
class CheckInAdmin(TenantScopedAdmin):
    """Read-only: history is never rewritten; a correction is a new check-in."""

    list_display = ["created_at", "key_result", "value", "confidence", "author", "is_correction"]
    list_filter = ["organisation", "is_correction"]
    raw_id_fields = ["key_result", "author", "corrects"]
    list_select_related = ["key_result", "author__user"]


@admin.register(Milestone)
class MilestoneAdmin(TenantScopedAdmin):
    """Milestones are added through ``milestone_add``; there is no service to edit or remove one."""

    org_lookup = "key_result__organisation_id"
    create_org_field = "key_result"
    create_service = staticmethod(services.milestone_add)
    create_fields = ("key_result", "title", "weight")

    list_display = ["title", "key_result", "weight", "position"]
    raw_id_fields = ["key_result"]


@admin.register(Checkpoint)
class CheckpointAdmin(TenantScopedAdmin):
    org_lookup = "key_result__organisation_id"
    list_display = ["key_result", "date", "expected_progress"]
    raw_id_fields = ["key_result"]
