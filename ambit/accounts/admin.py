from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from ambit.accounts.models import Invitation, Membership, Organisation, Team, TeamMember, User
from ambit.core.admin_mixins import TenantScopedAdmin


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Users span organisations: only superusers manage them here."""

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


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "organisation"
    extra = 0
    raw_id_fields = ["user", "manager"]
    fields = ["user", "role", "is_executive_sponsor", "manager", "title", "is_active"]


@admin.register(Organisation)
class OrganisationAdmin(TenantScopedAdmin):
    org_lookup = "id"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return request.user.is_superuser

    list_display = ["name", "slug", "cycle_cadence", "checkin_cadence", "confidence_scale", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug")}),
        (
            "OKR charter",
            {
                "fields": (
                    "fiscal_year_start_month",
                    "cycle_cadence",
                    "checkin_cadence",
                    "reminder_weekday",
                    "reminder_hour",
                    "time_zone",
                    "confidence_scale",
                    "pace_on_track",
                    "pace_at_risk",
                    "stale_grace_days",
                    "sprint_length_days",
                    "levels",
                    "cascade_method",
                    "approval_required",
                    "child_blend",
                )
            },
        ),
    )


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    list_display = ["user", "organisation", "role", "is_executive_sponsor", "manager", "is_active"]
    list_filter = ["organisation", "role", "is_executive_sponsor", "is_active"]
    search_fields = ["user__email", "user__full_name", "title"]
    raw_id_fields = ["user", "manager"]
    list_select_related = ["user", "organisation", "manager__user"]


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    raw_id_fields = ["membership"]


@admin.register(Team)
class TeamAdmin(TenantScopedAdmin):
    list_display = ["name", "organisation", "kind", "parent"]
    list_filter = ["organisation", "kind"]
    search_fields = ["name", "slug"]
    raw_id_fields = ["parent"]
    inlines = [TeamMemberInline]
    list_select_related = ["organisation", "parent"]


@admin.register(TeamMember)
class TeamMemberAdmin(TenantScopedAdmin):
    org_lookup = "team__organisation_id"
    list_display = ["team", "membership", "is_lead"]
    list_filter = ["is_lead", "team__organisation"]
    raw_id_fields = ["team", "membership"]


@admin.register(Invitation)
class InvitationAdmin(TenantScopedAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["organisation", "role"]
    search_fields = ["email"]
    raw_id_fields = ["invited_by", "team", "accepted_by"]
    readonly_fields = ["token_hash"]
