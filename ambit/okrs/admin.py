from django.contrib import admin

from ambit.core.admin_mixins import TenantScopedAdmin
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


class SprintInline(admin.TabularInline):
    model = Sprint
    extra = 0
    exclude = ["organisation"]


@admin.register(Cycle)
class CycleAdmin(TenantScopedAdmin):
    list_display = ["name", "organisation", "kind", "start_date", "end_date", "state", "parent"]
    list_filter = ["organisation", "kind", "state"]
    search_fields = ["name"]
    raw_id_fields = ["parent"]
    inlines = [SprintInline]


@admin.register(Sprint)
class SprintAdmin(TenantScopedAdmin):
    list_display = ["cycle", "number", "start_date", "end_date"]
    list_filter = ["cycle__organisation"]


class KeyResultInline(admin.TabularInline):
    model = KeyResult
    extra = 0
    fields = ["title", "kind", "start_value", "target_value", "unit", "weight", "owner", "state"]
    raw_id_fields = ["owner"]
    show_change_link = True


class AlignmentInline(admin.TabularInline):
    model = Alignment
    fk_name = "child"
    extra = 0
    raw_id_fields = ["parent"]
    exclude = ["organisation"]
    verbose_name = "parent objective"


@admin.register(Objective)
class ObjectiveAdmin(TenantScopedAdmin):
    list_display = ["title", "organisation", "cycle", "level", "team", "owner", "ambition", "state"]
    list_filter = ["organisation", "cycle", "level", "state", "ambition", "visibility"]
    search_fields = ["title", "description"]
    raw_id_fields = ["owner", "team", "theme", "source_key_result", "rolled_over_from", "cycle"]
    filter_horizontal = ["contributors"]
    inlines = [KeyResultInline, AlignmentInline]
    list_select_related = ["organisation", "cycle", "team", "owner__user"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


class CheckpointInline(admin.TabularInline):
    model = Checkpoint
    extra = 0


@admin.register(KeyResult)
class KeyResultAdmin(TenantScopedAdmin):
    list_display = ["title", "objective", "kind", "current_value", "target_value", "owner", "state"]
    list_filter = ["organisation", "kind", "state"]
    search_fields = ["title"]
    raw_id_fields = ["objective", "owner"]
    readonly_fields = ["current_value", "current_confidence", "last_checkin_at", "checkin_count"]
    inlines = [MilestoneInline, CheckpointInline]
    list_select_related = ["objective", "owner__user"]


@admin.register(Alignment)
class AlignmentAdmin(TenantScopedAdmin):
    list_display = ["child", "parent", "weight", "organisation"]
    raw_id_fields = ["child", "parent"]


@admin.register(CheckIn)
class CheckInAdmin(TenantScopedAdmin):
    """Read-only: history is never rewritten; a correction is a new check-in."""

    list_display = ["created_at", "key_result", "value", "confidence", "author", "is_correction"]
    list_filter = ["organisation", "is_correction"]
    raw_id_fields = ["key_result", "author", "corrects"]
    list_select_related = ["key_result", "author__user"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Milestone)
class MilestoneAdmin(TenantScopedAdmin):
    org_lookup = "key_result__organisation_id"
    list_display = ["title", "key_result", "weight", "position"]
    raw_id_fields = ["key_result"]


@admin.register(Checkpoint)
class CheckpointAdmin(TenantScopedAdmin):
    org_lookup = "key_result__organisation_id"
    list_display = ["key_result", "date", "expected_progress"]
    raw_id_fields = ["key_result"]
