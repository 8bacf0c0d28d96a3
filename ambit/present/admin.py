"""Presentation links in the Django admin: who made each link, for which cycle, until when; read
only (the secret is stored hashed and never shown), with one action, revoke, which goes through
``services.presentation_link_revoke`` as the staff user's own membership
(``ambit.accounts.admin_mixins``): a leaked link can be stopped from here as from the links page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ambit.accounts.admin_mixins import (
    TenantScopedAdmin,
)
from ambit.present import services
from ambit.present.models import PresentationLink


def _revoke(actor: Any, link: PresentationLink) -> object:
    return services.presentation_link_revoke(actor=actor, link=link)


@admin.register(PresentationLink)
class PresentationLinkAdmin(TenantScopedAdmin):
    list_display = ["__str__", "organisation", "cycle", "created_by", "created_at", "expires_at", "revoked_at"]
    list_filter = ["organisation"]
    list_select_related = ["organisation", "cycle", "created_by__user"]
    fields = ["organisation", "cycle", "created_by", "created_at", "expires_at", "revoked_at", "revoked_by"]
    actions = ["revoke_selected"]

    @admin.action(description="Revoke the selected links (they stop working at once)")
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[PresentationLink]) -> None:
        self.run_service_action(request, queryset, _revoke, "link", "revoked")
