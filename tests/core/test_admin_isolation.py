"""The Django admin enforces exactly the services' rules.

1. A walk over EVERY registered ModelAdmin (enumerated from ``admin.site._registry``, so a model
   registered later is walked too): a staff champion of Acme sends Globex's ids in paths, query
   strings and form fields to every admin URL. Each answer is a refusal, no row of any table
   changes, and no Globex label appears in any response.
2. Inside Acme, a champion cannot do what only admins may (roles, sponsor flag, renaming).
3. Writes that are allowed go through the services: their audit entry, their checks, their rules.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Model, QuerySet
from django.test import Client
from django.urls import NoReverseMatch, reverse

from ambit.accounts import invitations
from ambit.accounts import services as accounts
from ambit.accounts.admin_mixins import TenantScopedAdmin
from ambit.accounts.models import Membership, Organisation, Role, User
from ambit.core.models import AuditEntry
from ambit.okrs import services as okrs
from ambit.okrs.models import Checkpoint, KeyResult, Objective
from ambit.present import services as present
from ambit.strategy import services as strategy
from ambit.strategy.models import BigMove
from tests.builders import World

pytestmark = pytest.mark.django_db

MARKER = b"globex"  # every Globex row's label carries it (names, titles, emails, the slug)
REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
# Rows Django itself rewrites on any request: the logged-in session.
VOLATILE_TABLES = {"django_session"}


def populate(actor: Membership, tag: str) -> None:
    """One row of every tenant model in ``actor``'s organisation, all through the services."""
    strategy.strategy_update(actor=actor, mission=f"{tag} mission", vision=f"{tag} vision")
    strategy.value_create(actor=actor, name=f"{tag} value")
    move = strategy.big_move_create(actor=actor, title=f"{tag} move", horizon_start=2026, horizon_end=2028, owner=actor)
    team = accounts.team_create(actor=actor, name=f"{tag} squad")
    accounts.team_member_set(actor=actor, team=team, membership=actor, is_lead=True)
    cycle = okrs.cycle_create(
        actor=actor, name=f"{tag} Q3", start_date=dt.date(2026, 7, 1), end_date=dt.date(2026, 9, 30)
    )
    parent = okrs.objective_create(actor=actor, cycle=cycle, title=f"{tag} parent", team=team, state="active")
    objective = okrs.objective_create(
        actor=actor, cycle=cycle, title=f"{tag} objective", team=team, theme=move, state="active"
    )
    okrs.alignment_add(actor=actor, child=objective, parent=parent)
    kr = okrs.key_result_create(actor=actor, objective=objective, title=f"{tag} kr", start_value=0, target_value=10)
    okrs.key_result_create(
        actor=actor, objective=objective, title=f"{tag} checklist", kind="milestones", milestones=[f"{tag} beta"]
    )
    okrs.check_in_record(actor=actor, key_result=kr, value=3, note=f"{tag} note")
    Checkpoint.objects.create(key_result=kr, date=dt.date(2026, 8, 1), expected_progress=0.5)
    doomed = okrs.objective_create(actor=actor, cycle=cycle, title=f"{tag} doomed", team=team)
    okrs.objective_delete(actor=actor, objective=doomed)  # a row in the trash (issue 17)
    present.presentation_link_create(actor=actor, cycle=cycle, days=7)
    invitations.invitation_create(actor=actor, email=f"new@{tag.lower()}.test", send=False)


@pytest.fixture
def acme_and_globex(world: World) -> World:
    world.outsider.user.full_name = "Globex Owner"
    world.outsider.user.save()
    populate(world.admin, "Acme")
    populate(world.outsider, "Globex")
    Group.objects.create(name="globex-ops")
    return world


@pytest.fixture
def champion_client(world: World) -> Client:
    world.champion.user.is_staff = True
    world.champion.user.save()
    client = Client()
    client.force_login(world.champion.user)
    return client


def table_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove a refusal wrote nothing anywhere."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with connection.cursor() as cursor:
        for table in sorted(set(connection.introspection.table_names()) - VOLATILE_TABLES):
            cursor.execute(f'SELECT * FROM "{table}"')
            rows[table] = sorted(cursor.fetchall(), key=repr)
    return rows


def org_rows(model: type[Model], model_admin: admin.ModelAdmin[Any], org: Organisation) -> QuerySet[Model]:
    if model is Organisation:
        return Organisation.objects.filter(pk=org.pk)
    if model is User:
        return User.objects.filter(memberships__organisation=org).exclude(memberships__organisation__slug="acme")
    if isinstance(model_admin, TenantScopedAdmin):
        return model._default_manager.filter(**{model_admin.org_lookup: org.pk})
    return model._default_manager.all()


def globex_pk(model: type[Model], world: Any) -> str:
    """The id of a Globex row of ``model`` (any row for models outside the tenancy)."""
    model_admin = admin.site._registry.get(model)
    if model_admin is None:  # not in the admin (e.g. Permission): any row, the form refuses it anyway
        obj = model._default_manager.order_by("pk").first()
        return str(obj.pk) if obj is not None else "1"
    obj = org_rows(model, model_admin, world.other_org).order_by("pk").first()
    if isinstance(model_admin, TenantScopedAdmin) or model is User:
        assert obj is not None, f"the walk needs a Globex row of {model._meta.label}"
    return str(obj.pk) if obj is not None else "1"


def acme_object(model: type[Model], world: Any) -> Model | None:
    return org_rows(model, admin.site._registry[model], world.org).order_by("pk").first()


def url(model: type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def relation_fields(model: type[Model]) -> Iterator[Any]:
    for field in [*model._meta.fields, *model._meta.many_to_many]:
        if field.is_relation and field.related_model is not None:
            yield field


@dataclass
class Walk:
    client: Client
    world: Any

    def request(self, method: str, path: str, data: Any = None) -> Any:
        before = table_rows()
        response = getattr(self.client, method)(path, data or {})
        assert response.status_code in (200, 302, 400, 403, 404), (method, path, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith((reverse("admin:index"), reverse("admin:login"))) or (
                response["Location"].startswith(path.split("?")[0])
            ), (method, path, response["Location"])
        body = response.content.lower() if not getattr(response, "streaming", False) else b""
        assert MARKER not in body, f"{method.upper()} {path} shows a Globex label"
        assert table_rows() == before, f"{method.upper()} {path} changed the database"
        return response

    def refused_on_object(self, method: str, path: str, data: Any = None) -> None:
        """Paths naming a Globex row: never the page itself."""
        response = self.request(method, path, data)
        assert response.status_code in (302, 403, 404), (method, path, response.status_code)


def management_forms(response: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for inline in (response.context or {}).get("inline_admin_formsets", []):
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return data


def posted_values(form: forms.BaseModelForm[Any], source: Model | None, *, fresh: bool) -> dict[str, Any]:
    """Valid-looking POST data taken from an Acme row, so only the Globex id we plant is wrong."""
    data: dict[str, Any] = {}
    prefilled = type(form)(instance=source) if source is not None else form
    for name, field in form.fields.items():
        value = field.prepare_value(prefilled[name].value())
        if isinstance(field, forms.ModelMultipleChoiceField):
            data[name] = [v.pk if isinstance(v, Model) else v for v in (value or [])]
        elif value is None:
            continue
        elif isinstance(field, forms.EmailField) and fresh:
            data[name] = "fresh@acme.test"
        elif isinstance(field, forms.CharField) and fresh and not isinstance(field, forms.TypedChoiceField):
            data[name] = f"{value}-again"
        else:
            data[name] = str(value) if not isinstance(value, bool) else ("on" if value else "")
        if isinstance(field, forms.BooleanField) and not value:
            data.pop(name, None)
    return data


def planted_variants(
    form: forms.BaseModelForm[Any], base: dict[str, Any], world: Any
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``base`` with one relation field at a time pointing at a Globex row."""
    for name, field in form.fields.items():
        if isinstance(field, forms.ModelChoiceField):
            assert field.queryset is not None
            target = globex_pk(field.queryset.model, world)
            value: Any = [target] if isinstance(field, forms.ModelMultipleChoiceField) else target
            yield name, {**base, name: value}


@pytest.mark.parametrize("model, model_admin", REGISTRY, ids=[m._meta.label for m, _ in REGISTRY])
def test_champion_of_acme_cannot_reach_globex_through_any_admin_url(
    acme_and_globex: World, champion_client: Client, model: type[Model], model_admin: admin.ModelAdmin[Any]
) -> None:
    world = acme_and_globex
    walk = Walk(champion_client, world)
    theirs = globex_pk(model, world)
    ours = acme_object(model, world)

    # Lists, raw-id look-ups and related-object popups.
    walk.request("get", url(model, "changelist"))
    walk.request("get", url(model, "changelist") + "?_to_field=id&_popup=1")
    walk.request("get", url(model, "changelist") + "?q=outsider")
    walk.request("post", url(model, "changelist"), {"action": "delete_selected", "_selected_action": [theirs]})
    walk.request(
        "post", url(model, "changelist"), {"action": "delete_selected", "_selected_action": [theirs], "post": "yes"}
    )

    # Pages naming a Globex row.
    walk.refused_on_object("get", url(model, "change", theirs))
    walk.refused_on_object("post", url(model, "change", theirs), {"title": "hijacked", "name": "hijacked"})
    walk.refused_on_object("get", url(model, "delete", theirs))
    walk.refused_on_object("post", url(model, "delete", theirs), {"post": "yes"})
    walk.refused_on_object("get", url(model, "history", theirs))

    # ?field=<Globex id> prefills: no label of theirs may be rendered.
    relations = list(relation_fields(model))
    prefill = "&".join(f"{f.name}={globex_pk(f.related_model, world)}" for f in relations)
    add_page = walk.request("get", url(model, "add") + ("?" + prefill if prefill else ""))
    for field in relations:
        walk.request("get", url(model, "add") + f"?{field.name}={globex_pk(field.related_model, world)}")
        for term in ("", "outsider", "objective"):
            walk.request(
                "get",
                reverse("admin:autocomplete")
                + f"?app_label={model._meta.app_label}&model_name={model._meta.model_name}"
                + f"&field_name={field.name}&term={term}",
            )

    # Add, and change of our own row, with one Globex id planted in the form at a time.
    if add_page.status_code == 200 and add_page.context and "adminform" in add_page.context:
        form = add_page.context["adminform"].form
        base = {**posted_values(form, ours, fresh=True), **management_forms(add_page)}
        for _name, data in planted_variants(form, base, world):
            walk.request("post", url(model, "add"), data)
            walk.request("post", url(model, "add") + "?_popup=1&_to_field=id", data)
    if ours is not None:
        change_page = walk.request("get", url(model, "change", ours.pk))
        if change_page.status_code == 200 and change_page.context and "adminform" in change_page.context:
            form = change_page.context["adminform"].form
            base = {**posted_values(form, ours, fresh=False), **management_forms(change_page)}
            for _name, data in planted_variants(form, base, world):
                walk.request("post", url(model, "change", ours.pk), data)
                walk.request("post", url(model, "change", ours.pk), {**data, "_saveasnew": "1"})


def test_the_walk_covers_every_tenant_model() -> None:
    labels = {model._meta.label for model, _ in REGISTRY}
    assert {
        "accounts.Organisation",
        "accounts.Membership",
        "accounts.Team",
        "accounts.TeamMember",
        "accounts.Invitation",
        "accounts.User",
        "core.AuditEntry",
        "okrs.Objective",
        "okrs.KeyResult",
        "okrs.CheckIn",
        "strategy.Value",
    } <= labels
    for model, _model_admin in REGISTRY:
        try:
            url(model, "changelist")
        except NoReverseMatch:
            pytest.fail(f"{model._meta.label} has no changelist")


# --- role rules inside the organisation --------------------------------------------------------


def _change_form_data(client: Client, path: str) -> dict[str, Any]:
    page = client.get(path)
    assert page.status_code == 200
    form = page.context["adminform"].form
    return {**posted_values(form, form.instance, fresh=False), **management_forms(page)}


def _assert_refused(response: Any, message: str) -> None:
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in json.dumps(errors), errors


def test_champion_cannot_make_themselves_admin_or_sponsor(world: World, champion_client: Client) -> None:
    path = url(Membership, "change", world.champion.pk)
    data = _change_form_data(champion_client, path)
    before, audit_count = table_rows(), AuditEntry.objects.count()

    _assert_refused(champion_client.post(path, {**data, "role": Role.ADMIN}), "Only admins may")
    _assert_refused(champion_client.post(path, {**data, "is_executive_sponsor": "on"}), "Only admins may")

    world.champion.refresh_from_db()
    assert world.champion.role == Role.CHAMPION and world.champion.is_executive_sponsor is False
    assert AuditEntry.objects.count() == audit_count
    assert table_rows() == before


def test_champion_cannot_rename_the_organisation_but_changes_the_charter(world: World, champion_client: Client) -> None:
    path = url(Organisation, "change", world.org.pk)
    data = _change_form_data(champion_client, path)
    before = table_rows()

    _assert_refused(champion_client.post(path, {**data, "name": "Renamed"}), "Only admins may rename the organisation")
    world.org.refresh_from_db()
    assert world.org.name == "Acme" and world.org.stale_grace_days == 3
    assert table_rows() == before

    # The champion configures the charter (PRODUCT.md): through the same service, audited.
    # (The admin's JSON field takes its list as JSON text, as the browser posts the textarea.)
    response = champion_client.post(path, {**data, "stale_grace_days": "9", "levels": json.dumps(world.org.levels)})
    assert response.status_code == 302, response.context["adminform"].form.errors
    world.org.refresh_from_db()
    assert world.org.name == "Acme" and world.org.stale_grace_days == 9
    entry = AuditEntry.objects.filter(action="organisation.update").latest("id")
    assert entry.actor_id == world.champion.user_id and entry.changes == {"stale_grace_days": [3, 9]}


def test_membership_and_organisation_cannot_be_added_in_the_admin(world: World, champion_client: Client) -> None:
    before = table_rows()
    payload = {"user": world.viewer.user_id, "organisation": world.org.pk, "role": Role.ADMIN}
    assert champion_client.get(url(Membership, "add")).status_code == 403
    assert champion_client.post(url(Membership, "add"), payload).status_code == 403
    assert champion_client.post(url(Organisation, "add"), {"name": "Mine", "slug": "mine"}).status_code == 403
    assert table_rows() == before


def test_superuser_without_a_membership_reads_but_cannot_write(world: World, client: Client) -> None:
    root = User.objects.create_superuser(email="root@ops.test", password="x" * 12)
    client.force_login(root)
    theirs = okrs.objective_create(actor=world.outsider, cycle=_globex_cycle(world), title="Their plan")
    path = url(Objective, "change", theirs.pk)
    assert client.get(path).status_code == 200  # superusers see every tenant
    before = table_rows()
    assert client.post(path, {"title": "Mine now"}).status_code == 403
    assert client.post(url(Objective, "delete", theirs.pk), {"post": "yes"}).status_code == 403
    assert table_rows() == before


def test_staff_user_sees_no_user_admin_even_with_django_permissions(world: World, champion_client: Client) -> None:
    from django.contrib.auth.models import Permission

    world.champion.user.user_permissions.add(*Permission.objects.filter(content_type__app_label="accounts"))
    assert champion_client.get(url(User, "changelist")).status_code == 403
    assert champion_client.get(url(User, "change", world.outsider.user_id)).status_code == 403


def _globex_cycle(world: Any) -> Any:
    return okrs.cycle_create(
        actor=world.outsider, name="Globex Q3", start_date=dt.date(2026, 7, 1), end_date=dt.date(2026, 9, 30)
    )


# --- happy paths through the services ----------------------------------------------------------


@pytest.fixture
def admin_client(world: World) -> Client:
    world.admin.user.is_staff = True
    world.admin.user.save()
    client = Client()
    client.force_login(world.admin.user)
    return client


def test_admin_edits_an_objective_through_objective_update(world: World, admin_client: Client) -> None:
    obj = okrs.objective_create(actor=world.admin, cycle=world.cycle, title="Grow revnue", team=world.team)
    Objective.objects.filter(pk=obj.pk).update(updated_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    path = url(Objective, "change", obj.pk)
    audit_count = AuditEntry.objects.count()

    response = admin_client.post(path, {**_change_form_data(admin_client, path), "title": "Grow revenue"})

    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.title == "Grow revenue"
    assert obj.updated_at > dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    assert AuditEntry.objects.count() == audit_count + 1
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.actor_id, entry.organisation_id) == (
        "objective.update",
        world.admin.user_id,
        world.org.pk,
    )
    assert entry.changes == {"title": ["Grow revnue", "Grow revenue"]}


def test_admin_deletes_through_the_service_and_its_audit_entry(world: World, admin_client: Client) -> None:
    obj = okrs.objective_create(actor=world.admin, cycle=world.cycle, title="Scrapped", team=world.team)

    response = admin_client.post(url(Objective, "delete", obj.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Objective.objects.filter(pk=obj.pk).exists()
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.object_id, entry.actor_id) == ("objective.delete", str(obj.pk), world.admin.user_id)


def test_refused_delete_shows_the_service_message_and_keeps_everything(world: World, admin_client: Client) -> None:
    # An objective with history now goes to the trash (issue 17); a big move still in use is refused.
    move = strategy.big_move_create(actor=world.admin, title="Mid-market", horizon_start=2026, horizon_end=2028)
    okrs.objective_create(actor=world.admin, cycle=world.cycle, title="Has history", team=world.team, theme=move)
    before = table_rows()

    response = admin_client.post(url(BigMove, "delete", move.pk), {"post": "yes"}, follow=True)

    assert response.status_code == 200
    assert "archive it instead" in response.content.decode()
    assert table_rows() == before


def test_key_result_kind_cannot_change_after_check_ins(world: World, admin_client: Client) -> None:
    obj = okrs.objective_create(actor=world.admin, cycle=world.cycle, title="Adoption", team=world.team)
    kr = okrs.key_result_create(actor=world.admin, objective=obj, title="Users", start_value=0, target_value=10)
    okrs.check_in_record(actor=world.admin, key_result=kr, value=4)
    path = url(KeyResult, "change", kr.pk)
    data = _change_form_data(admin_client, path)
    before = table_rows()

    response = admin_client.post(path, {**data, "kind": "stay_above", "target_value": "5"})

    _assert_refused(response, "The kind cannot change once there are check-ins")
    assert table_rows() == before
    kr.refresh_from_db()
    assert kr.kind == "increase"


def test_admin_adds_a_value_through_value_create(world: World, admin_client: Client) -> None:
    from ambit.strategy.models import Value

    response = admin_client.post(
        reverse("admin:strategy_value_add"),
        {"organisation": world.org.pk, "name": "Candour", "description": "", "position": 0},
    )

    assert response.status_code == 302
    value = Value.objects.get(name="Candour")
    assert value.organisation_id == world.org.pk
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.object_id) == ("value.create", str(value.pk))


def test_bulk_delete_is_not_offered_even_in_the_own_organisation(world: World, admin_client: Client) -> None:
    obj = okrs.objective_create(actor=world.admin, cycle=world.cycle, title="Keep me", team=world.team)
    page = admin_client.get(url(Objective, "changelist"))
    assert page.status_code == 200 and page.context["action_form"] is None  # no bulk action at all
    before = table_rows()

    admin_client.post(
        url(Objective, "changelist"), {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    )

    assert Objective.objects.filter(pk=obj.pk).exists()
    assert table_rows() == before


def test_nothing_is_half_written_when_the_page_is_refused_after_the_service(world: World, admin_client: Client) -> None:
    """The service runs while the form validates; a broken inline management form afterwards
    re-renders the page, and the service's write and audit entry are rolled back with it."""
    obj = okrs.objective_create(actor=world.admin, cycle=world.cycle, title="Original", team=world.team)
    path = url(Objective, "change", obj.pk)
    data = {k: v for k, v in _change_form_data(admin_client, path).items() if "-TOTAL_FORMS" not in k}
    before = table_rows()

    response = admin_client.post(path, {**data, "title": "Changed"})

    assert response.status_code == 200
    obj.refresh_from_db()
    assert obj.title == "Original"
    assert table_rows() == before
