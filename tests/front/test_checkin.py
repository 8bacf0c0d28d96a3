"""The weekly check-in and the quick single check-in."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ambit.accounts.models import ConfidenceScale
from ambit.okrs import services
from ambit.okrs.models import CheckIn, KeyResultKind
from tests.builders import World, key_results_for, objective_with_krs
from tests.helpers import ClientResponse, db_digest

pytestmark = pytest.mark.django_db


def _post(client: Client, data: dict[str, Any]) -> ClientResponse:
    return client.post(reverse("front:checkin"), data)


def test_weekly_check_in_saves_every_due_key_result(client: Client, world: World) -> None:
    a, b = key_results_for(world.member, world.cycle, world.admin, 2)
    client.force_login(world.member.user)
    page = client.get(reverse("front:checkin")).content.decode()
    assert f'id="kr-{a.pk}-value"' in page and f'id="kr-{b.pk}-value"' in page
    response = _post(
        client,
        {
            "kr": [a.pk, b.pk],
            f"kr-{a.pk}-value": "1,200",
            f"kr-{a.pk}-confidence": "8",
            f"kr-{a.pk}-note": "Launch went well",
            f"kr-{b.pk}-value": " 40 ",
            f"kr-{b.pk}-confidence": "6",
        },
    )
    assert response.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.current_value == Decimal("1200") and a.current_confidence == 8
    assert b.current_value == Decimal("40") and b.current_confidence == 6
    assert CheckIn.objects.get(key_result=a).note == "Launch went well"
    follow = client.get(response["Location"]).content.decode()
    assert "Checked in 2 key results" in follow


def test_one_bad_value_saves_nothing_and_shows_field_error_and_summary(client: Client, world: World) -> None:
    a, b = key_results_for(world.member, world.cycle, world.admin, 2)
    client.force_login(world.member.user)
    before = db_digest()
    response = _post(
        client,
        {
            f"kr-{a.pk}-value": "300",
            f"kr-{a.pk}-confidence": "7",
            f"kr-{b.pk}-value": "lots",
            f"kr-{b.pk}-confidence": "7",
            f"kr-{b.pk}-note": "keep me",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert db_digest() == before
    assert CheckIn.objects.count() == 0
    # the summary links to the field, the field carries the error and says so to assistive tech
    assert f'href="#kr-{b.pk}-value"' in html
    assert "“lots” is not a number" in html
    assert f'id="kr-{b.pk}-value-error"' in html
    assert 'aria-invalid="true"' in html
    assert f'aria-describedby="kr-{b.pk}-value-help kr-{b.pk}-value-error"' in html
    # what was typed is kept
    assert 'value="300"' in html and ">keep me</textarea>" in html


def test_bad_confidence_on_each_row_lists_every_problem(client: Client, world: World) -> None:
    a, b = key_results_for(world.member, world.cycle, world.admin, 2)
    client.force_login(world.member.user)
    response = _post(
        client,
        {f"kr-{a.pk}-value": "x", f"kr-{a.pk}-confidence": "7", f"kr-{b.pk}-value": "5", f"kr-{b.pk}-confidence": "11"},
    )
    html = response.content.decode()
    assert "There are 2 problems" in html
    assert f'href="#kr-{b.pk}-confidence"' in html
    assert CheckIn.objects.count() == 0


def test_percent_values_accept_a_percent_sign(client: Client, world: World) -> None:
    objective, _ = objective_with_krs(
        actor=world.admin, cycle=world.cycle, title="Delight customers", owner=world.member, state="active"
    )
    kr = services.key_result_create(
        actor=world.admin,
        objective=objective,
        title="Activation",
        start_value=20,
        target_value=60,
        unit="%",
        unit_kind="percent",
        owner=world.member,
    )
    client.force_login(world.member.user)
    response = _post(client, {f"kr-{kr.pk}-value": "40%", f"kr-{kr.pk}-confidence": "5"})
    assert response.status_code == 302
    kr.refresh_from_db()
    assert kr.current_value == Decimal("40")


def test_milestones_binary_and_rag_scale(client: Client, world: World) -> None:
    world.org.confidence_scale = ConfidenceScale.RAG
    world.org.save()
    objective, _ = objective_with_krs(
        actor=world.admin, cycle=world.cycle, title="Delight customers", owner=world.member, state="active"
    )
    ms = services.key_result_create(
        actor=world.admin,
        objective=objective,
        title="Ship v2",
        kind=KeyResultKind.MILESTONES,
        milestones=["Design", "Build", "Launch"],
        owner=world.member,
    )
    done = services.key_result_create(
        actor=world.admin, objective=objective, title="Sign the deal", kind=KeyResultKind.BINARY, owner=world.member
    )
    first, second, _ = list(ms.milestones.all())
    client.force_login(world.member.user)
    page = client.get(reverse("front:checkin")).content.decode()
    assert f'id="kr-{ms.pk}-milestone-{first.pk}"' in page
    assert f'id="kr-{done.pk}-value-1"' in page
    assert f'id="kr-{done.pk}-confidence-green"' in page
    response = _post(
        client,
        {
            f"kr-{ms.pk}-milestones": [first.pk, second.pk],
            f"kr-{ms.pk}-confidence": "green",
            f"kr-{done.pk}-value": "1",
            f"kr-{done.pk}-confidence": "red",
        },
    )
    assert response.status_code == 302
    ms.refresh_from_db()
    done.refresh_from_db()
    assert sorted(ms.current_milestones_done) == sorted([first.pk, second.pk])
    assert ms.current_confidence == 8
    assert done.current_value == 1 and done.current_confidence == 2
    follow = client.get(response["Location"]).content.decode()
    assert "Early warning" in follow


def test_show_all_records_only_touched_rows_that_are_not_due(client: Client, world: World) -> None:
    a, b = key_results_for(world.member, world.cycle, world.admin, 2)
    services.check_in_record(actor=world.member, key_result=a, value=100, confidence=5)
    services.check_in_record(actor=world.member, key_result=b, value=100, confidence=5)
    client.force_login(world.member.user)
    assert b"Nothing is due" in client.get(reverse("front:checkin")).content
    page = client.get(reverse("front:checkin"), {"all": "1"}).content.decode()
    assert f'id="kr-{a.pk}-value" name="kr-{a.pk}-value" value="100"' in page
    response = _post(
        client,
        {
            "all": "1",
            f"kr-{a.pk}-value": "150",
            f"kr-{a.pk}-confidence": "5",
            f"kr-{b.pk}-value": "100",
            f"kr-{b.pk}-confidence": "5",
        },
    )
    assert response.status_code == 302
    assert CheckIn.objects.filter(key_result=a).count() == 2
    assert CheckIn.objects.filter(key_result=b).count() == 1


def test_viewer_check_in_post_is_refused_and_nothing_written(client: Client, world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1)
    client.force_login(world.viewer.user)
    before = db_digest()
    response = _post(client, {f"kr-{kr.pk}-value": "10", f"kr-{kr.pk}-confidence": "5"})
    assert response.status_code == 403
    assert db_digest() == before


# --- quick check-in ------------------------------------------------------------------------------


def test_quick_check_in_get_returns_the_inline_form_with_htmx(client: Client, world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1)
    client.force_login(world.member.user)
    url = reverse("front:kr-checkin", args=[kr.pk])
    full = client.get(url).content.decode()
    assert "<html" in full and f'id="kr-{kr.pk}-value"' in full
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert f'hx-target="#kr-{kr.pk}"' in fragment


def test_quick_check_in_post_with_htmx_returns_the_updated_row(client: Client, world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1)
    client.force_login(world.member.user)
    url = reverse("front:kr-checkin", args=[kr.pk])
    response = client.post(url, {f"kr-{kr.pk}-value": "500", f"kr-{kr.pk}-confidence": "6"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<li") or f'id="kr-{kr.pk}"' in html
    assert 'aria-valuenow="50"' in html
    kr.refresh_from_db()
    assert kr.current_value == Decimal("500")


def test_quick_check_in_error_with_htmx_retargets_the_form(client: Client, world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1)
    client.force_login(world.member.user)
    url = reverse("front:kr-checkin", args=[kr.pk])
    response = client.post(url, {f"kr-{kr.pk}-value": "", f"kr-{kr.pk}-confidence": "6"}, HTTP_HX_REQUEST="true")
    assert response["HX-Retarget"] == f"#kr-{kr.pk}-slot"
    assert "Enter a number for the new value" in response.content.decode()
    assert CheckIn.objects.count() == 0


def test_quick_check_in_without_htmx_redirects_back(client: Client, world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1)
    client.force_login(world.member.user)
    url = reverse("front:kr-checkin", args=[kr.pk])
    response = client.post(url, {f"kr-{kr.pk}-value": "10", f"kr-{kr.pk}-confidence": "6", "next": "/settings/"})
    assert response.status_code == 302 and response["Location"] == "/settings/"
    evil = client.post(url, {f"kr-{kr.pk}-value": "11", f"kr-{kr.pk}-confidence": "6", "next": "https://evil.test/"})
    assert evil["Location"] == reverse("front:home")


def test_lead_may_quick_check_in_on_their_members_key_result(client: Client, world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1)
    client.force_login(world.lead.user)
    response = client.post(
        reverse("front:kr-checkin", args=[kr.pk]), {f"kr-{kr.pk}-value": "7", f"kr-{kr.pk}-confidence": "5"}
    )
    assert response.status_code == 302
    kr.refresh_from_db()
    assert kr.current_value == Decimal("7")


def test_other_org_member_gets_404_on_quick_check_in_and_nothing_changes(client: Client, world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1)
    client.force_login(world.outsider.user)
    url = reverse("front:kr-checkin", args=[kr.pk])
    before = db_digest()
    assert client.get(url).status_code == 404
    assert client.post(url, {f"kr-{kr.pk}-value": "999", f"kr-{kr.pk}-confidence": "5"}).status_code == 404
    assert db_digest() == before
    kr.refresh_from_db()
    assert kr.current_value is None


def test_member_cannot_check_in_on_a_colleagues_key_result(client: Client, world: World) -> None:
    (kr,) = key_results_for(world.champion, world.cycle, world.admin, 1)
    client.force_login(world.member.user)
    before = db_digest()
    response = client.post(
        reverse("front:kr-checkin", args=[kr.pk]), {f"kr-{kr.pk}-value": "9", f"kr-{kr.pk}-confidence": "5"}
    )
    assert response.status_code == 403
    assert db_digest() == before
