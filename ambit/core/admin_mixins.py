"""The Django admin as a data-fixing tool for champions, without breaking tenancy or the audit log.

Superusers see everything. Other staff users see and change only rows of organisations where they
are an active admin or champion. Every change made in the admin writes an audit entry, like a
service would.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from ambit.core.audit import audit_record


def managed_org_ids(request: HttpRequest) -> set[int]:
    cached = getattr(request, "_ambit_admin_orgs", None)
    if cached is None:
        from ambit.accounts.models import Membership, Role

        cached = set(
            Membership.objects.filter(
                user_id=int(request.user.pk or 0), is_active=True, role__in=[Role.ADMIN, Role.CHAMPION]
            ).values_list("organisation_id", flat=True)
        )
        request._ambit_admin_orgs = cached  # type: ignore[attr-defined]
    return cached


class TenantScopedAdmin(admin.ModelAdmin):
    #: lookup from this model to its organisation id
    org_lookup = "organisation_id"

    def get_list_filter(self, request: HttpRequest) -> Any:
        # Related-field filters would list every organisation's rows; offer only those in view.
        out: list[Any] = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and not request.user.is_superuser:
                field = self.model._meta.get_field(item.split("__")[0]) if "__" not in item else None
                if field is not None and field.is_relation:
                    out.append((item, admin.RelatedOnlyFieldListFilter))
                    continue
            out.append(item)
        return out

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.org_lookup}__in": managed_org_ids(request)})

    def _org_id_of(self, obj: Model) -> int | None:
        value: Any = obj
        for part in self.org_lookup.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    def _allowed(self, request: HttpRequest, obj: Model | None) -> bool:
        if request.user.is_superuser:
            return True
        orgs = managed_org_ids(request)
        return bool(orgs) and (obj is None or self._org_id_of(obj) in orgs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff and self._allowed(request, None)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request) and self._allowed(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_view_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        changes = {
            name: [form.initial.get(name), form.cleaned_data.get(name)]
            for name in form.changed_data
            if name in form.cleaned_data
        }
        super().save_model(request, obj, form, change)
        org_id = self._org_id_of(obj)
        from ambit.accounts.models import Organisation

        audit_record(
            actor=request.user,  # type: ignore[arg-type]
            organisation=Organisation.objects.filter(pk=org_id).first() if org_id else None,
            action=f"admin.{'change' if change else 'add'}",
            obj=obj,
            changes={k: [str(v[0]) if v[0] is not None else None, str(v[1])] for k, v in changes.items()},
        )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        from ambit.accounts.models import Organisation

        org_id = self._org_id_of(obj)
        audit_record(
            actor=request.user,  # type: ignore[arg-type]
            organisation=Organisation.objects.filter(pk=org_id).first() if org_id else None,
            action="admin.delete",
            obj=obj,
        )
        super().delete_model(request, obj)
