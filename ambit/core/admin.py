from django.contrib import admin

from ambit.core.admin_mixins import TenantScopedAdmin
from ambit.core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(TenantScopedAdmin):
    """Read-only for everyone: it declares no service, so the admin offers no write."""

    list_display = ["created_at", "organisation", "actor", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type", "organisation"]
    search_fields = ["object_repr", "action", "actor__email"]
    list_select_related = ["organisation", "actor"]
    date_hierarchy = "created_at"
