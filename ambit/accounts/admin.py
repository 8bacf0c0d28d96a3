"""Admin for people, organisations, memberships, teams and invitations.

Writes go through ``ambit.accounts.services`` and ``ambit.accounts.invitations`` (see
``ambit.accounts.admin_mixins``): renaming the organisation, the charter, roles and the sponsor flag
stay admin-only exactly as ``require_admin`` says. People join only by accepting an invitation,
so memberships are never added here; they are deactivated rather than deleted.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest

from ambit.accounts import invitations
from ambit.accounts import services as account_services
from ambit.accounts.admin_mixins import (
    NOT_A_MEMBER,
    ReadOnlyInline,
    ServiceModelForm,
    TenantScopedAdmin,
    acting_membership,
)
from ambit.accounts.models import Invitation, Membership, Organisation, Team, TeamMember, User
from ambit.core.models import AuditEntry
from ambit.core.web import site_url


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    """Users span organisations: only superusers see or manage them here, whatever Django
    permissions a staff user has been granted."""

    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)


class MembershipInline(ReadOnlyInline):
    model = Membership
    fk_name = "organisation"
    fields = ["user", "role", "is_executive_sponsor", "manager", "title", "is_active"]


@admin.register(Organisation)
class OrganisationAdmin(TenantScopedAdmin):
    """Organisations are created at sign-up and never deleted here; admins change the charter."""

    org_lookup = "id"
    update_service = staticmethod(account_services.organisation_update)
    update_fields = account_services.CHARTER_FIELDS
    inlines = [MembershipInline]

    list_display = ["name", "slug", "cycle_cadence", "checkin_cadence", "confidence_scale", "created_at"]
    search_fields = ["name", "slug"]
    fieldsets = (
        (None, {"fields": ("name", "slug")}),
        ("OKR charter", {"fields": account_services.CHARTER_FIELDS[1:]}),
    )

    def perform_update(self, actor: Any, obj: Model, changes: dict[str, Any]) -> Model:
        # The service changes the actor's own organisation: the actor is the member of this one.
        return account_services.organisation_update(actor=actor, **changes)


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    """Roles, managers, sponsor flag and deactivation, admins only (``membership_update``)."""

    update_service = staticmethod(account_services.membership_update)
    service_kwarg = "membership"
    update_fields = ("role", "is_executive_sponsor", "manager", "title", "is_active")

    list_display = ["user", "organisation", "role", "is_executive_sponsor", "manager", "is_active"]
    list_filter = ["organisation", "role", "is_executive_sponsor", "is_active"]
    search_fields = ["user__email", "user__full_name", "title"]
    raw_id_fields = ["user", "manager"]
    list_select_related = ["user", "organisation", "manager__user"]


class TeamMemberInline(ReadOnlyInline):
    model = TeamMember
    fields = ["membership", "is_lead"]


@admin.register(Team)
class TeamAdmin(TenantScopedAdmin):
    create_service = staticmethod(account_services.team_create)
    update_service = staticmethod(account_services.team_update)
    delete_service = staticmethod(account_services.team_delete)
    service_kwarg = "team"
    create_fields = ("organisation", "name", "slug", "kind", "parent", "description")
    update_fields = ("name", "slug", "kind", "parent", "description")

    list_display = ["name", "organisation", "kind", "parent"]
    list_filter = ["organisation", "kind"]
    search_fields = ["name", "slug"]
    raw_id_fields = ["parent"]
    inlines = [TeamMemberInline]
    list_select_related = ["organisation", "parent"]


@admin.register(TeamMember)
class TeamMemberAdmin(TenantScopedAdmin):
    org_lookup = "team__organisation_id"
    create_org_field = "team"
    create_service = staticmethod(account_services.team_member_set)
    update_service = staticmethod(account_services.team_member_set)
    delete_service = staticmethod(account_services.team_member_remove)
    create_fields = ("team", "membership", "is_lead")
    update_fields = ("is_lead",)

    list_display = ["team", "membership", "is_lead"]
    list_filter = ["is_lead", "team__organisation"]
    raw_id_fields = ["team", "membership"]

    def perform_update(self, actor: Any, obj: Model, changes: dict[str, Any]) -> Model:
        assert isinstance(obj, TeamMember)
        return account_services.team_member_set(
            actor=actor, team=obj.team, membership=obj.membership, is_lead=changes["is_lead"]
        )

    def perform_delete(self, actor: Any, obj: Model) -> None:
        assert isinstance(obj, TeamMember)
        account_services.team_member_remove(actor=actor, team=obj.team, membership=obj.membership)


@admin.register(Invitation)
class InvitationAdmin(TenantScopedAdmin):
    """Invite through ``invitation_create`` (admins only; the link is emailed). Invitations are
    withdrawn on the members page, never edited or deleted, so their history stays."""

    create_service = staticmethod(invitations.invitation_create)
    create_fields = ("organisation", "email", "role")

    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["organisation", "role"]
    search_fields = ["email"]
    raw_id_fields = ["invited_by", "team", "accepted_by"]

    def run_service(self, request: HttpRequest, form: ServiceModelForm) -> Model:
        """As every admin's, except that the emailed link points where this admin is working
        (``site_url``), which only the request knows."""
        if not form.instance._state.adding:
            return super().run_service(request, form)
        data = form.cleaned_data
        actor = acting_membership(request, self.create_org_id(data))
        if actor is None:
            raise PermissionDenied(NOT_A_MEMBER)
        created = invitations.invitation_create(
            actor=actor, email=data["email"], role=data["role"], send=True, base_url=site_url(request)
        )
        return created.invitation


# The audit log is core's model, registered here because the tenant scoping every admin page
# relies on (TenantScopedAdmin) reads memberships: core itself imports no other app.
@admin.register(AuditEntry)
class AuditEntryAdmin(TenantScopedAdmin):
    """Read-only for everyone: it declares no service, so the admin offers no write."""

    list_display = ["created_at", "organisation", "actor", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type", "organisation"]
    search_fields = ["object_repr", "action", "actor__email"]
    list_select_related = ["organisation", "actor"]
    date_hierarchy = "created_at"
