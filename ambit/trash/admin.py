"""The trash in the Django admin: read-only rows, and two actions that go through the services as
the staff user's own membership (``ambit.accounts.admin_mixins``): restore, and delete for good
(the admin's delete button too). A refusal is shown as a message; nothing else is written."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ambit.accounts.admin_mixins import (
    TenantScopedAdmin,
)
from ambit.trash import services
from ambit.trash.models import TrashItem


def _restore(actor: Any, item: TrashItem) -> object:
    return services.trash_restore(actor=actor, item=item)


def _delete(actor: Any, item: TrashItem) -> object:
    return services.trash_delete(actor=actor, item=item)


@admin.register(TrashItem)
class TrashItemAdmin(TenantScopedAdmin):
    delete_service = staticmethod(services.trash_delete)
    service_kwarg = "item"

    list_display = ["title", "kind", "organisation", "deleted_by", "deleted_at", "purge_after", "summary"]
    list_filter = ["organisation", "model_label"]
    search_fields = ["title"]
    list_select_related = ["organisation", "deleted_by__user"]
    # The payload is shown as counts and a summary: the rows themselves are no reading matter.
    fields = [
        "organisation",
        "kind",
        "title",
        "model_label",
        "object_id",
        "url",
        "owner",
        "deleted_by",
        "deleted_at",
        "purge_after",
        "counts",
        "summary",
    ]
    actions = ["restore_selected", "delete_for_good"]

    @admin.action(description="Restore the selected items")
    def restore_selected(self, request: HttpRequest, queryset: QuerySet[TrashItem]) -> None:
        self.run_service_action(request, queryset, _restore, "item", "restored")

    @admin.action(description="Delete the selected items for good (admins)")
    def delete_for_good(self, request: HttpRequest, queryset: QuerySet[TrashItem]) -> None:
        self.run_service_action(request, queryset, _delete, "item", "deleted for good")
