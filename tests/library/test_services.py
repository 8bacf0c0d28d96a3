"""Writes of an organisation's templates: who may create, edit and delete, what is checked,
what is audited, and that a refusal changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ambit.core.models import AuditAction, AuditEntry
from ambit.library import selectors, services
from ambit.library.models import OkrTemplate
from ambit.okrs.selectors import objective_get
from tests.builders import World
from tests.library.conftest import saved_template, team_objective

pytestmark = pytest.mark.django_db


def _audits(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def test_member_saves_an_objective_they_can_read_as_a_template(world: World) -> None:
    objective = objective_get(actor=world.member, objective_id=team_objective(world).pk)
    rows = services.key_results_from_objective(objective)
    assert rows == [
        {"title": "p95 checkout latency", "kind": "decrease", "start": "900", "target": "300", "unit": "ms"},
        {"title": "Checkout conversion", "kind": "increase", "start": "2.5", "target": "3.4", "unit": "%"},
        {"title": "Payment provider switched", "kind": "binary", "start": "", "target": "", "unit": ""},
    ]
    template = services.template_create(
        actor=world.member,
        function="product",
        title=objective.title,
        description=objective.description,
        ambition="aspirational",
        key_results=rows,
        source_objective=objective,
    )
    template.refresh_from_db()
    assert (template.organisation_id, template.created_by, template.source_objective) == (
        world.org.pk,
        world.member,
        objective,
    )
    assert template.ambition == "aspirational"
    assert template.key_results[1] == {
        "title": "Checkout conversion",
        "kind": "increase",
        "start": "2.5",
        "target": "3.4",
        "unit": "%",
    }
    assert template.key_results[2] == {
        "title": "Payment provider switched",
        "kind": "binary",
        "start": None,
        "target": None,
        "unit": "",
    }
    assert "p95 checkout latency" in template.search_text
    (entry,) = _audits(AuditAction.TEMPLATE_CREATE)
    assert entry.object_id == str(template.pk) and entry.actor == world.member.user
    assert entry.changes["title"] == "A checkout customers love"


def test_bad_key_results_are_refused_with_every_mistake_named(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        saved_template(
            world.member,
            title=" ",
            function="astrology",
            key_results=[
                {"title": "", "kind": "increase", "start": 1, "target": 2, "unit": "x"},
                {"title": "Churn", "kind": "increase", "start": 5, "target": 3, "unit": "%"},
                {"title": "NPS", "kind": "increase", "start": 30, "target": 30, "unit": "points"},
                {"title": "Revenue", "kind": "increase", "start": "lots", "target": 10, "unit": "€"},
                {"title": "Hold", "kind": "stay_above", "start": 1, "target": 2, "unit": "x"},
            ],
        )
    errors = caught.value.message_dict
    assert set(errors) == {
        "title",
        "function",
        "key_results.0.title",
        "key_results.1.target_value",
        "key_results.2.target_value",
        "key_results.3.start_value",
        "key_results.4.kind",
    }
    assert "decrease to" in errors["key_results.1.target_value"][0]
    assert "must move something" in errors["key_results.2.target_value"][0]
    assert OkrTemplate.objects.count() == 0 and _audits(AuditAction.TEMPLATE_CREATE) == []


@pytest.mark.parametrize("count", [0, 6])
def test_a_template_holds_one_to_five_key_results(world: World, count: int) -> None:
    rows = [{"title": f"KR {i}", "kind": "increase", "start": 0, "target": 5, "unit": "x"} for i in range(count)]
    with pytest.raises(ValidationError) as caught:
        saved_template(world.member, key_results=rows)
    assert list(caught.value.message_dict) == ["key_results"]


def test_viewer_cannot_create(world: World) -> None:
    with pytest.raises(PermissionDenied):
        saved_template(world.viewer)
    assert OkrTemplate.objects.count() == 0


def test_another_organisations_objective_cannot_be_the_source(world: World) -> None:
    objective = team_objective(world)
    with pytest.raises(Http404):
        saved_template(world.outsider, source_objective=objective)
    assert OkrTemplate.objects.count() == 0


def test_creator_updates_and_only_changes_are_saved_and_audited(world: World) -> None:
    template = saved_template(world.member)
    services.template_update(actor=world.member, template=template, title="Delight every buyer at checkout")
    assert _audits(AuditAction.TEMPLATE_UPDATE) == []  # nothing changed: nothing written
    services.template_update(
        actor=world.member,
        template=template,
        title="Make checkout effortless",
        key_results=[{"title": "Checkout conversion", "kind": "increase", "start": "2.5", "target": "4", "unit": "%"}],
    )
    template.refresh_from_db()
    assert template.title == "Make checkout effortless"
    assert [kr["target"] for kr in template.key_results] == ["4"]
    assert "abandoned carts" not in template.search_text and "effortless" in template.search_text
    (entry,) = _audits(AuditAction.TEMPLATE_UPDATE)
    assert set(entry.changes) == {"title", "key_results"}
    assert entry.changes["title"] == ["Delight every buyer at checkout", "Make checkout effortless"]


@pytest.mark.parametrize("persona", ["champion", "admin"])
def test_champions_and_admins_manage_anyones_template(world: World, persona: str) -> None:
    template = saved_template(world.member)
    pk = template.pk
    actor = getattr(world, persona)
    services.template_update(actor=actor, template=template, function="company")
    assert OkrTemplate.objects.get(pk=pk).function == "company"
    services.template_delete(actor=actor, template=template)
    assert not OkrTemplate.objects.filter(pk=pk).exists()
    (entry,) = _audits(AuditAction.TEMPLATE_DELETE)
    assert entry.object_id == str(pk) and entry.changes["title"] == "Delight every buyer at checkout"


@pytest.mark.parametrize("persona", ["lead", "viewer"])
def test_others_cannot_edit_or_delete_and_nothing_changes(world: World, persona: str) -> None:
    template = saved_template(world.member)
    actor = getattr(world, persona)
    with pytest.raises(PermissionDenied):
        services.template_update(actor=actor, template=template, title="Hijacked")
    with pytest.raises(PermissionDenied):
        services.template_delete(actor=actor, template=template)
    template.refresh_from_db()
    assert template.title == "Delight every buyer at checkout"
    assert _audits(AuditAction.TEMPLATE_UPDATE) == [] and _audits(AuditAction.TEMPLATE_DELETE) == []


def test_outsider_gets_404_for_another_organisations_template(world: World) -> None:
    template = saved_template(world.member)
    with pytest.raises(Http404):
        selectors.template_get(actor=world.outsider, template_id=template.pk)
    with pytest.raises(Http404):
        services.template_update(actor=world.outsider, template=template, title="Mine now")
    with pytest.raises(Http404):
        services.template_delete(actor=world.outsider, template=template)
    assert OkrTemplate.objects.filter(pk=template.pk, title="Delight every buyer at checkout").exists()


def test_unknown_fields_are_refused(world: World) -> None:
    template = saved_template(world.member)
    with pytest.raises(ValidationError) as caught:
        services.template_update(actor=world.member, template=template, organisation_id=world.other_org.pk)
    assert list(caught.value.message_dict) == ["organisation_id"]


def test_search_covers_own_and_builtin_and_never_another_organisation(world: World) -> None:
    saved_template(world.member)
    saved_template(world.outsider, title="Globex checkout secrets")
    found = selectors.template_search(actor=world.lead, query="checkout")
    assert [t.title for t in found.own] == ["Delight every buyer at checkout"]
    assert found.own[0].can_manage is False  # the lead did not save it
    assert selectors.template_search(actor=world.member, query="checkout").own[0].can_manage is True
    by_kr = selectors.template_search(actor=world.lead, query="abandoned carts")
    assert [t.title for t in by_kr.own] == ["Delight every buyer at checkout"]
    assert selectors.template_search(actor=world.lead, query="checkout", function="sales").own == []
    everything = selectors.template_search(actor=world.lead)
    assert (len(everything.own), len(everything.builtin)) == (1, 48)
    sales = selectors.template_search(actor=world.lead, function="sales")
    assert {t.function for t in sales.builtin} == {"sales"} and len(sales.builtin) == 5
