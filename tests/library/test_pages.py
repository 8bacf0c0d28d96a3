"""The OKR templates pages: search (live with HTMX, plain GET without), "Use template" filling the
new-objective form, "Save as template" from an objective, edit and delete rights, isolation
between organisations, and the list page's pinned query count."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from ambit.core.models import AuditAction, AuditEntry
from ambit.library.models import OkrTemplate
from ambit.okrs.models import KeyResult, Objective
from tests.builders import World
from tests.core.test_csp import assert_strict, inline_code
from tests.library.conftest import login, saved_template, team_objective
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db

LIST = "/okr-templates/"


def _use_links(html: str) -> list[str]:
    return [m.replace("&amp;", "&") for m in re.findall(r'href="(/objectives/new/\?[^"]+)"', html)]


def _rendered_form_data(response: Any) -> dict[str, Any]:
    """What a browser submits for the form as drawn: every field's shown value and the rows."""
    data: dict[str, Any] = {}
    form, rows = response.context["form"], response.context["rows"]
    for bound in [*form, *(field for row in rows for field in row), *rows.management_form]:
        value = bound.value()
        if value is not None:
            data[bound.html_name] = value
    return data


def test_list_shows_the_builtin_library_with_key_results(world: World) -> None:
    response = login(world.member).get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert "48 templates." in html
    assert "Make our platform something customers never have to think about" in html
    assert "Availability of the core API" in html and "99.5 → 99.95" in html
    assert len(_use_links(html)) == 48
    assert 'role="search"' in html and 'hx-get="/okr-templates/"' in html and 'for="template-q"' in html


def test_search_by_text_and_function_with_a_plain_get(world: World) -> None:
    client = login(world.member)
    html = client.get(LIST, {"q": "web vitals"}).content.decode()
    assert "1 template matching “web vitals”." in html and "Make every page feel instant" in html
    html = client.get(LIST, {"function": "finance"}).content.decode()
    assert "5 templates in Finance." in html and "Sail through audit with nothing to fix" in html
    assert "Make every page feel instant" not in html
    assert 'value="finance" selected' in html
    html = client.get(LIST, {"q": "qwertyuiop"}).content.decode()
    assert "No template matches" in html


def test_htmx_search_sends_only_the_results(world: World) -> None:
    response = login(world.member).get(LIST, {"q": "instant"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'role="search"' not in html
    assert 'id="tpl-builtin-eng-performance"' in html and "1 template matching" in html
    # The count above the list is a live region kept in place: updated out of band.
    assert '<p id="template-count" hx-swap-oob="innerHTML">1 template matching “instant”.' in html


def test_use_template_keeps_the_cycle_and_team_being_planned(world: World) -> None:
    query = {"q": "instant", "cycle": str(world.cycle.pk), "team": str(world.team.pk)}
    (link,) = _use_links(login(world.lead).get(LIST, query).content.decode())
    params = parse_qs(urlsplit(link).query)
    assert params["cycle"] == [str(world.cycle.pk)] and params["team"] == [str(world.team.pk)]
    assert params["title"] == ["Make every page feel instant"]


def test_viewer_sees_the_library_without_use_buttons(world: World) -> None:
    html = login(world.viewer).get(LIST).content.decode()
    assert "Make every page feel instant" in html and _use_links(html) == []


def test_following_use_template_fills_the_form_and_submitting_creates_the_objective(world: World) -> None:
    client = login(world.lead)
    page = client.get(LIST, {"q": "instant", "cycle": str(world.cycle.pk), "team": str(world.team.pk)})
    (link,) = _use_links(page.content.decode())
    form_page = client.get(link)
    assert form_page.status_code == 200
    form, rows = form_page.context["form"], form_page.context["rows"]
    assert not form.is_bound and not rows.is_bound and not form.errors
    assert form.initial["title"] == "Make every page feel instant" and form.initial["team"] == world.team.pk
    assert [row.initial.get("title") for row in rows] == [
        "p95 page load time",
        "p95 API response time",
        "Sessions with good Core Web Vitals",
        None,
        None,
    ]
    html = form_page.content.decode()
    assert 'value="Make every page feel instant"' in html and 'value="2800"' in html
    assert "field-error" not in html and "There is a problem" not in html

    response = client.post(link.split("?")[0], _rendered_form_data(form_page))
    created = Objective.objects.get(title="Make every page feel instant")
    assert response.status_code == 302 and response["Location"] == reverse("okrs:objective-detail", args=[created.pk])
    assert (created.team, created.cycle, created.owner, created.ambition) == (
        world.team,
        world.cycle,
        world.lead,
        "committed",
    )
    krs = list(KeyResult.objects.filter(objective=created).order_by("position", "pk"))
    assert [(kr.title, kr.kind, str(kr.start_value), str(kr.target_value), kr.unit) for kr in krs] == [
        ("p95 page load time", "decrease", "2800.0000", "1200.0000", "ms"),
        ("p95 API response time", "decrease", "450.0000", "200.0000", "ms"),
        ("Sessions with good Core Web Vitals", "increase", "62.0000", "90.0000", "%"),
    ]


def test_save_as_template_prefills_from_the_objective_and_creates_the_orgs_template(world: World) -> None:
    objective = team_objective(world, ambition="aspirational")
    client = login(world.member)
    detail = client.get(reverse("okrs:objective-detail", args=[objective.pk])).content.decode()
    url = f"/okr-templates/from-objective/{objective.pk}/"
    assert f'href="{url}"' in detail
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["title"] == "A checkout customers love"
    assert page.context["form"].initial["ambition"] == "aspirational"
    rows = page.context["rows"]
    assert [row.initial.get("kind") for row in rows][:3] == ["decrease", "increase", "binary"]
    assert rows[0].initial["start_value"] == "900" and rows[0].initial["unit"] == "ms"
    data = _rendered_form_data(page) | {"function": "product", "title": "A checkout people love"}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == "/okr-templates/?function=product"
    template = OkrTemplate.objects.get()
    assert (template.title, template.function, template.ambition) == (
        "A checkout people love",
        "product",
        "aspirational",
    )
    assert (template.created_by, template.source_objective, template.organisation) == (
        world.member,
        objective,
        world.org,
    )
    assert [kr["title"] for kr in template.key_results] == [
        "p95 checkout latency",
        "Checkout conversion",
        "Payment provider switched",
    ]
    assert AuditEntry.objects.filter(action=AuditAction.TEMPLATE_CREATE, object_id=str(template.pk)).exists()
    listing = client.get(response["Location"]).content.decode()
    assert "Your organisation's templates" in listing and "A checkout people love" in listing


def test_save_as_template_errors_land_on_the_row_and_nothing_is_saved(world: World) -> None:
    objective = team_objective(world)
    client = login(world.member)
    url = f"/okr-templates/from-objective/{objective.pk}/"
    data = _rendered_form_data(client.get(url)) | {"function": "product", "kr-1-target_value": "2.5"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "must move something" in response.context["rows"][1].errors["target_value"][0]
    assert OkrTemplate.objects.count() == 0


def test_save_as_template_refuses_viewers_and_hidden_or_foreign_objectives(world: World) -> None:
    objective = team_objective(world)
    private = team_objective(world, visibility="private")
    url = "/okr-templates/from-objective/{}/"
    assert login(world.viewer).get(url.format(objective.pk)).status_code == 403
    assert login(world.outsider).get(url.format(objective.pk)).status_code == 404
    assert login(world.outsider).post(url.format(objective.pk), {"function": "product"}).status_code == 404
    assert login(world.viewer).get(reverse("okrs:objective-detail", args=[objective.pk])).status_code == 200
    assert "Save as template" not in login(world.viewer).get(f"/objectives/{objective.pk}/").content.decode()
    # The member is not in the lead's private objective's audience: as if it did not exist.
    assert login(world.member).get(url.format(private.pk)).status_code == 404
    assert login(world.lead).get(url.format(private.pk)).status_code == 200  # its owner reads it
    assert OkrTemplate.objects.count() == 0


def test_creator_and_champion_edit_and_delete_others_cannot(world: World) -> None:
    template = saved_template(world.member)
    edit, delete = f"/okr-templates/{template.pk}/edit/", f"/okr-templates/{template.pk}/delete/"
    lead = login(world.lead)
    assert lead.get(edit).status_code == 403 and lead.post(delete).status_code == 403
    assert "template-edit" not in lead.get(LIST).content.decode()
    assert f'href="{edit}"' not in lead.get(LIST).content.decode()

    member = login(world.member)
    assert f'href="{edit}"' in member.get(LIST).content.decode()
    page = member.get(edit)
    assert page.status_code == 200 and page.context["rows"][1].initial["title"] == "Abandoned carts"
    data = _rendered_form_data(page) | {"title": "Checkout without friction"}
    response = member.post(edit, data)
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.title == "Checkout without friction" and len(template.key_results) == 2
    entry = AuditEntry.objects.get(action=AuditAction.TEMPLATE_UPDATE)
    assert set(entry.changes) == {"title"}

    assert login(world.champion).get(delete).status_code == 200
    assert login(world.champion).post(delete).status_code == 302
    assert not OkrTemplate.objects.filter(pk=template.pk).exists()


@pytest.mark.parametrize(("path", "method"), [("edit", "get"), ("edit", "post"), ("delete", "get"), ("delete", "post")])
def test_another_organisations_template_is_404_on_every_route(world: World, path: str, method: str) -> None:
    template = saved_template(world.member)
    client: Client = login(world.outsider)
    response = getattr(client, method)(f"/okr-templates/{template.pk}/{path}/", {"title": "Mine"})
    assert response.status_code == 404
    assert OkrTemplate.objects.filter(pk=template.pk, title="Delight every buyer at checkout").exists()
    assert "Delight every buyer" not in client.get(LIST).content.decode()


def test_list_page_costs_the_same_with_one_or_many_own_templates(world: World) -> None:
    saved_template(world.member)
    client = login(world.lead)
    client.get(LIST)  # the session and membership warm-up is not part of the count
    # Session, user, membership, the organisation's own templates (one query with their
    # creators), and the top bar's organisation switcher.
    with assert_queries(5) as one:
        client.get(LIST)
    for i in range(12):
        saved_template(world.champion if i % 2 else world.member, title=f"Template {i}")
    with count_queries() as many:
        response = client.get(LIST)
    assert response.content.decode().count("Use template<") == 48 + 13
    with assert_queries(one):
        client.get(LIST)
    assert len(many) == len(one)


def test_every_templates_page_has_the_strict_policy_and_no_inline_code(world: World) -> None:
    objective = team_objective(world)
    template = saved_template(world.admin)
    client = login(world.admin)
    for url in [
        LIST,
        f"{LIST}?q=checkout&function=product",
        f"/okr-templates/from-objective/{objective.pk}/",
        f"/okr-templates/{template.pk}/edit/",
        f"/okr-templates/{template.pk}/delete/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)
        assert inline_code(response.content.decode()) == [], url
    fragment = client.get(LIST, {"q": "checkout"}, headers={"HX-Request": "true"})
    assert inline_code(fragment.content.decode()) == []
