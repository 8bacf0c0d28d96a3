"""The Django admin as a data-fixing tool that writes only through the services.

Who sees what: superusers see every organisation; other staff users see only organisations where
they are an active admin or champion (``managed_org_ids``). Foreign-key choices, raw-id labels,
autocomplete results, list filters and related-object popups all read through the same scoped
querysets, so nothing of another organisation can be chosen or even named.

Who writes what: **every write goes through a service, acting as the staff user's own active
membership in the object's organisation**, with that membership's role and rules (a champion is
refused what ``require_admin`` refuses; a superuser with no membership there cannot write at all).
A ``TenantScopedAdmin`` declares ``create_service`` / ``update_service`` / ``delete_service`` and
the fields each takes; without one, that write is simply not offered (has_*_permission is False),
so a model registered later is read-only until someone routes it through a service.

How a write runs (robust against half-writes and 500s):

1. ``ServiceModelForm.full_clean`` calls the service once Django's own field validation has
   passed, inside a savepoint, with a fresh copy of the row (the form has already copied the
   posted values onto ``form.instance``, so the service would otherwise see "no change").
   ``ValidationError`` / ``Conflict`` / ``PermissionDenied`` / ``Http404`` become form errors on
   the named field (or the whole form), so the page re-renders with the service's message.
2. ``changeform_view`` wraps Django's view in one more transaction and rolls it back unless
   ``save_model`` was reached: if anything after the service refuses (an inline formset's
   management form, say), nothing the service wrote survives.
3. ``save_model`` / ``save_related`` write nothing themselves; the service already did, with its
   ``update_fields`` save, audit entry and roll-up refresh.
4. Deletes call ``delete_service``; a refusal rolls back Django's delete transaction and becomes
   an error message on the object's page. The bulk "delete selected" action is removed
   (``delete_queryset`` still routes through the service, in case an action calls it).

Inlines are read-only (``ReadOnlyInline``) with change links: their rows are edited on their own
admin page, through their own service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import router, transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from ambit.accounts.models import Membership, Organisation, Role, User
from ambit.core.errors import Conflict

SERVICE_ERRORS = (ValidationError, Conflict, PermissionDenied, Http404)
_SAVED_FLAG = "_ambit_admin_saved"
NOT_A_MEMBER = "You are not an active member of this organisation: only its own admins and champions change its data."
OUT_OF_ORG = "That is not part of this organisation: choose something from the same organisation."


def managed_org_ids(request: HttpRequest) -> set[int]:
    """Organisations whose data a non-superuser staff member may see: active admin or champion."""
    cached = getattr(request, "_ambit_admin_orgs", None)
    if cached is None:
        cached = set(
            Membership.objects.filter(
                user_id=int(request.user.pk or 0), is_active=True, role__in=[Role.ADMIN, Role.CHAMPION]
            ).values_list("organisation_id", flat=True)
        )
        request._ambit_admin_orgs = cached  # type: ignore[attr-defined]
    return cached


def writable_org_ids(request: HttpRequest) -> set[int]:
    """Organisations where the staff user has an active membership to act as (and may see)."""
    cached = getattr(request, "_ambit_admin_writable", None)
    if cached is None:
        cached = set(
            Membership.objects.filter(user_id=int(request.user.pk or 0), is_active=True).values_list(
                "organisation_id", flat=True
            )
        )
        if not request.user.is_superuser:
            cached &= managed_org_ids(request)
        request._ambit_admin_writable = cached  # type: ignore[attr-defined]
    return cached


def acting_membership(request: HttpRequest, organisation_id: int | None) -> Any:
    """The staff user's active membership in ``organisation_id`` (the services' actor), or None."""
    if organisation_id is None or organisation_id not in writable_org_ids(request):
        return None

    return (
        Membership.objects.select_related("organisation", "user")
        .filter(user_id=int(request.user.pk or 0), organisation_id=organisation_id, is_active=True)
        .first()
    )


def service_error_messages(exc: Exception) -> Iterator[tuple[str | None, str]]:
    """(field, message) pairs for a service refusal, in the services' own words."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for field, messages_ in exc.message_dict.items():
                for message in messages_:
                    yield (None if field == "__all__" else field), message
        else:
            for message in exc.messages:
                yield None, message
    elif isinstance(exc, Conflict):
        yield exc.field, exc.message
    elif isinstance(exc, PermissionDenied):
        yield None, str(exc) or "You may not do this."
    else:
        yield None, OUT_OF_ORG


class AdminRefusal(Exception):
    """A service refused a delete; carries the message to show on the object's page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """Names the chosen object only when it is among the field's choices.

    Django's widget looks the label up through the model's default manager, so ``?owner=<id>``
    on an add page would print the name of any row of any organisation.
    """

    def __init__(self, rel: Any, admin_site: admin.AdminSite, queryset: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(rel, admin_site, **kwargs)
        self.queryset = queryset

    def label_and_url_for_value(self, value: Any) -> tuple[str, str]:
        key = self.rel.get_related_field().name
        try:
            visible = self.queryset.filter(**{key: value}).exists()
        except (ValueError, TypeError, ValidationError):
            return "", ""
        return super().label_and_url_for_value(value) if visible else ("", "")


class ServiceModelForm(forms.ModelForm[Model]):
    """A model form whose validation ends by running the admin's service (see module docstring)."""

    service_admin: ClassVar[TenantScopedAdmin]
    service_request: ClassVar[HttpRequest]

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound or not hasattr(self, "cleaned_data") or self.errors:
            return
        try:
            with transaction.atomic(using=router.db_for_write(self._meta.model)):
                self.instance = self.service_admin.run_service(self.service_request, self)
        except SERVICE_ERRORS as exc:
            for field, message in service_error_messages(exc):
                if field in self.fields and field in self.cleaned_data:
                    self.add_error(field, message)
                else:
                    label = f"{field.replace('_', ' ').capitalize()}: " if field and field in self.fields else ""
                    self.add_error(None, label + message)


def _model_field_names(model: type[Model]) -> list[str]:
    opts = model._meta
    return [f.name for f in [*opts.fields, *opts.many_to_many] if f.editable and not f.auto_created]


class TenantScopedAdmin(admin.ModelAdmin[Model]):
    """Scoped reads; writes only through the declared services, as the staff user's membership."""

    form = ServiceModelForm
    #: lookup from this model to its organisation id
    org_lookup = "organisation_id"
    #: on add, the form field whose value names the organisation (an Organisation or an OrgScoped row)
    create_org_field = "organisation"
    #: services, called as create(actor=, **fields), update(actor=, <service_kwarg>=obj, **changes),
    #: delete(actor=, <service_kwarg>=obj); wrap them in staticmethod()
    create_service: Callable[..., Any] | None = None
    update_service: Callable[..., Any] | None = None
    delete_service: Callable[..., Any] | None = None
    service_kwarg = ""
    #: the fields the add form offers (all passed to create_service but ``organisation``) and the
    #: fields the change form lets through to update_service; every other field is read-only
    create_fields: tuple[str, ...] = ()
    update_fields: tuple[str, ...] = ()

    # --- reads --------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.org_lookup}__in": managed_org_ids(request)})

    def get_list_filter(self, request: HttpRequest) -> Any:
        # A related-field filter lists every row of the related table: offer only those in view.
        out: list[Any] = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and not request.user.is_superuser:
                try:
                    field = get_fields_from_path(self.model, item)[-1]
                except (FieldDoesNotExist, admin.utils.NotRelationField):
                    field = None
                if field is not None and field.is_relation:
                    out.append((item, admin.RelatedOnlyFieldListFilter))
                    continue
            out.append(item)
        return out

    def _scoped_choices(self, request: HttpRequest, model: type[Model]) -> QuerySet[Any]:
        """Rows of ``model`` the staff user may see: through its admin's own scoping."""

        if model is Organisation:
            return Organisation.objects.filter(pk__in=managed_org_ids(request))
        if model is User:
            return User.objects.filter(memberships__organisation_id__in=managed_org_ids(request)).distinct()
        related_admin = self.admin_site._registry.get(model)
        if isinstance(related_admin, TenantScopedAdmin):
            return related_admin.get_queryset(request)
        return model._default_manager.none()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:

        if db_field.related_model is Organisation and db_field.name == self.create_org_field:
            # Only where the staff user can act: the service needs their membership there.
            kwargs["queryset"] = Organisation.objects.filter(pk__in=writable_org_ids(request))
        elif not request.user.is_superuser:
            kwargs["queryset"] = self._scoped_choices(request, db_field.related_model)
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and isinstance(formfield.widget, ForeignKeyRawIdWidget):
            choices = formfield.queryset if formfield.queryset is not None else db_field.related_model.objects.none()
            formfield.widget = ScopedRawIdWidget(
                db_field.remote_field, self.admin_site, choices, using=kwargs.get("using")
            )
        return formfield

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if not request.user.is_superuser:
            kwargs["queryset"] = self._scoped_choices(request, db_field.related_model)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        writable = self.create_fields if obj is None else self.update_fields
        locked = [name for name in _model_field_names(self.model) if name not in writable]
        return [*super().get_readonly_fields(request, obj), *locked]

    def _org_id_of(self, obj: Model) -> int | None:
        """The id of the organisation ``obj`` belongs to, followed along ``org_lookup``; None (so
        no rights) when a link on the way is missing or the lookup does not end at an id."""
        value: Any = obj
        for part in self.org_lookup.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value if isinstance(value, int) else None

    # --- permissions --------------------------------------------------------------------------

    def _allowed(self, request: HttpRequest, obj: Model | None) -> bool:
        if request.user.is_superuser:
            return True
        orgs = managed_org_ids(request)
        return bool(orgs) and (obj is None or self._org_id_of(obj) in orgs)

    def _can_write(self, request: HttpRequest, service: object, obj: Model | None) -> bool:
        if service is None or not self.has_view_permission(request, obj):
            return False
        orgs = writable_org_ids(request)
        return bool(orgs) and (obj is None or self._org_id_of(obj) in orgs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff and self._allowed(request, None)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request) and self._allowed(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._can_write(request, self.create_service, None)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._can_write(request, self.update_service, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._can_write(request, self.delete_service, obj)

    def run_service_action(
        self, request: HttpRequest, queryset: QuerySet[Any], call: Callable[[Any, Any], object], noun: str, done: str
    ) -> None:
        """An admin action: ``call(actor, obj)`` for each selected row, as the staff user's
        membership in its organisation; each refusal shown as a message, then how many were done."""
        count = 0
        for obj in queryset:
            actor = acting_membership(request, obj.organisation_id)
            if actor is None:
                self.message_user(request, NOT_A_MEMBER, messages.ERROR)
                continue
            try:
                call(actor, obj)
            except SERVICE_ERRORS as exc:
                text = " ".join(message for _field, message in service_error_messages(exc))
                self.message_user(request, f"{obj}: {text}", messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, f"{count} {noun}{'s' if count != 1 else ''} {done}.", messages.SUCCESS)

    def get_actions(self, request: HttpRequest) -> Any:
        # Django's bulk delete skips the services (no audit, no checks, no roll-ups).
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # --- writes through the services ----------------------------------------------------------

    def get_form(self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if not issubclass(form_class, ServiceModelForm):
            return form_class
        return type(form_class.__name__, (form_class,), {"service_admin": self, "service_request": request})

    def create_org_id(self, data: dict[str, Any]) -> int | None:

        value = data.get(self.create_org_field)
        if value is None:
            return None
        return value.pk if isinstance(value, Organisation) else value.organisation_id

    def run_service(self, request: HttpRequest, form: ServiceModelForm) -> Model:
        """Call the create or update service with what the form validated; returns the saved row."""
        data = form.cleaned_data
        if form.instance._state.adding:
            if self.create_service is None:
                raise PermissionDenied("Rows of this kind are not added in the admin.")
            actor = acting_membership(request, self.create_org_id(data))
            if actor is None:
                raise PermissionDenied(NOT_A_MEMBER)
            fields = {name: data[name] for name in self.create_fields if name in data and name != "organisation"}
            return self.perform_create(actor, fields)
        current = self.model._default_manager.get(pk=form.instance.pk)
        actor = acting_membership(request, self._org_id_of(current))
        if actor is None or self.update_service is None:
            raise PermissionDenied(NOT_A_MEMBER)
        changes = {name: data[name] for name in form.changed_data if name in self.update_fields and name in data}
        return self.perform_update(actor, current, changes) if changes else current

    def perform_create(self, actor: Any, fields: dict[str, Any]) -> Model:
        assert self.create_service is not None
        created: Model = self.create_service(actor=actor, **fields)
        return created

    def perform_update(self, actor: Any, obj: Model, changes: dict[str, Any]) -> Model:
        assert self.update_service is not None
        updated: Model = self.update_service(actor=actor, **{self.service_kwarg: obj}, **changes)
        return updated

    def perform_delete(self, actor: Any, obj: Model) -> None:
        assert self.delete_service is not None
        self.delete_service(actor=actor, **{self.service_kwarg: obj})

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        with transaction.atomic(using=router.db_for_write(self.model)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if request.method == "POST" and not getattr(request, _SAVED_FLAG, False):
                # The page re-renders with errors: whatever the service wrote must not stay.
                transaction.set_rollback(True, using=router.db_for_write(self.model))
        return response

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        # The service saved (and audited) the row while the form validated; see run_service.
        setattr(request, _SAVED_FLAG, True)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Many-to-many values went to the service; inlines are read-only.
        return None

    def construct_change_message(self, request: HttpRequest, form: Any, formsets: Any, add: bool = False) -> Any:
        # Read-only inline formsets were never saved, so they have nothing to report.
        return super().construct_change_message(request, form, [], add)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # Whether the rows below may go is the delete service's decision (it refuses when history
        # would be lost), not the read-only admins of those rows.
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        actor = acting_membership(request, self._org_id_of(obj))
        if actor is None or self.delete_service is None:
            raise PermissionDenied(NOT_A_MEMBER)
        fresh = self.model._default_manager.get(pk=obj.pk)
        try:
            self.perform_delete(actor, fresh)
        except SERVICE_ERRORS as exc:
            raise AdminRefusal(" ".join(message for _field, message in service_error_messages(exc))) from exc

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except AdminRefusal as refusal:
            # Django's delete transaction has rolled back: nothing was deleted or logged.
            self.message_user(request, refusal.message, messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id]))


class ReadOnlyInline(admin.TabularInline[Model, Model]):
    """Rows shown under their parent, edited on their own admin page (through their service)."""

    extra = 0
    show_change_link = True
    can_delete = False

    def _parent_admin(self) -> Any:
        return self.admin_site._registry.get(self.parent_model)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        parent = self._parent_admin()
        return bool(parent and parent.has_view_permission(request, obj))

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
