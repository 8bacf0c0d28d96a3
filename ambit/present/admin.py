"""Presentation links in the Django admin: who made each link, for which cycle, until when; read
only (the secret is stored hashed and never shown), with one action, revoke, which goes through
``services.presentation_link_revoke`` as the staff user's own membership
(``ambit.accounts.admin_mixins``): a leaked link can be stopped from here as from the links page."""

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
from ambit.present import services
from ambit.present.models import PresentationLink


@admin.register(PresentationLink)
class PresentationLinkAdmin(TenantScopedAdmin):
    list_display = ["__str__", "organisation", "cycle", "created_by", "created_at", "expires_at", "revoked_at"]
    list_filter = ["organisation"]
    list_select_related = ["organisation", "cycle", "created_by__user"]
    fields = ["organisation", "cycle", "created_by", "created_at", "expires_at", "revoked_at", "revoked_by"]
    actions = ["revoke_selected"]

    @admin.action(description="Revoke the selected links (they stop working at once)")
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[PresentationLink]) -> None:
        done = 0
        for link in queryset:
            actor = acting_membership(request, link.organisation_id)
            if actor is None:
                self.message_user(request, NOT_A_MEMBER, messages.ERROR)
                continue
            try:
                services.presentation_link_revoke(actor=actor, link=link)
            except SERVICE_ERRORS as exc:
                text = " ".join(message for _field, message in service_error_messages(exc))
                self.message_user(request, f"{link}: {text}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{done} link{'s' if done != 1 else ''} revoked.", messages.SUCCESS)
