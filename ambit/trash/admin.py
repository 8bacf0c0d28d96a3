"""The trash in the Django admin: read-only rows, and two actions that go through the services as
the staff user's own membership (``ambit.accounts.admin_mixins``): restore, and delete for good
(the admin's delete button too). A refusal is shown as a message; nothing else is written."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from ambit.accounts.admin_mixins import (
    NOT_A_MEMBER,
    SERVICE_ERRORS,
    TenantScopedAdmin,
    acting_membership,
    service_error_messages,
)
from ambit.trash import services
from ambit.trash.models import TrashItem


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

    def _run(self, request: HttpRequest, queryset: QuerySet[TrashItem], verb: str) -> None:
        done = 0
        for item in queryset:
            actor = acting_membership(request, item.organisation_id)
            if actor is None:
                self.message_user(request, NOT_A_MEMBER, messages.ERROR)
                continue
            try:
                if verb == "restore":
                    services.trash_restore(actor=actor, item=item)
                else:
                    services.trash_delete(actor=actor, item=item)
            except SERVICE_ERRORS as exc:
                text = " ".join(message for _field, message in service_error_messages(exc))
                self.message_user(request, f"{item}: {text}", messages.ERROR)
            else:
                done += 1
        if done:
            what = "restored" if verb == "restore" else "deleted for good"
            self.message_user(request, f"{done} item{'s' if done != 1 else ''} {what}.", messages.SUCCESS)

    @admin.action(description="Restore the selected items")
    def restore_selected(self, request: HttpRequest, queryset: QuerySet[TrashItem]) -> None:
        self._run(request, queryset, "restore")

    @admin.action(description="Delete the selected items for good (admins)")
    def delete_for_good(self, request: HttpRequest, queryset: QuerySet[TrashItem]) -> None:
        self._run(request, queryset, "delete")
