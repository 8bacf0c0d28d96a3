from django.contrib import admin

from ambit.core.admin_mixins import TenantScopedAdmin
from ambit.core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(TenantScopedAdmin):
    list_display = ["created_at", "organisation", "actor", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type", "organisation"]
    search_fields = ["object_repr", "action", "actor__email"]
    list_select_related = ["organisation", "actor"]
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
