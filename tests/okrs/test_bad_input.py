"""Hostile input on every web form and every page that reads ids or numbers from the request:
never a 5xx.

``"²".isdigit()`` is True but ``int("²")`` fails; 5,000 digits break ``int()`` (Python's digit
limit) and overflow PostgreSQL's bigint; ``1e1000000`` overflows Decimal arithmetic; NUL cannot
be stored nor even searched for by PostgreSQL. Each is answered as absent, 404, a form error or
a 400, and nothing is written.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from ambit.core.middleware import NUL_MESSAGE
from ambit.okrs.models import CheckIn
from tests.builders import Tree, World
from tests.helpers import db_digest
from tests.okrs.conftest import login

pytestmark = pytest.mark.django_db

BAD_IDS = ["²", "٣", "1²", "9" * 5000, str(2**63), "0", "-1", "1e3", " ", "\x00", "%00"]


def short(value: str) -> str:
    """A readable test id for a value that may be thousands of characters long."""
    return repr(value) if len(value) <= 20 else f"{value[:8]!r}…({len(value)} chars)"


def _query_pages(world: World, tree: Tree) -> list[tuple[str, str]]:
    """(url, query parameter) for every page that takes an id or a page number in its query."""
    return [
        (reverse("front:home"), "cycle"),
        (reverse("front:checkin"), "cycle"),
        (reverse("okrs:company"), "cycle"),
        (reverse("okrs:team-detail", args=[world.team.slug]), "cycle"),
        (reverse("dashboards:organisation"), "cycle"),
        (reverse("dashboards:organisation"), "at_risk_page"),
        (reverse("dashboards:organisation"), "stale_page"),
        (reverse("okrs:tree-unaligned"), "page"),
        (reverse("okrs:tree-children", args=[tree.company_obj.pk]), "cycle"),
        (reverse("okrs:objective-create"), "cycle"),
        (reverse("okrs:objective-create"), "team"),
        (reverse("okrs:objective-create"), "parent"),
        (reverse("okrs:objective-align", args=[tree.member_obj.pk]), "q"),
    ]


@pytest.mark.parametrize("bad", BAD_IDS, ids=short)
def test_bad_ids_in_the_query_string_are_never_a_server_error(world: World, tree: Tree, bad: str) -> None:
    client = login(world.champion)
    for url, name in _query_pages(world, tree):
        response = client.get(url, {name: bad})
        assert response.status_code < 500, (url, name, response.status_code)
        assert response.status_code in (200, 302, 400, 404), (url, name, response.status_code)


def test_a_malformed_cycle_is_treated_as_absent_on_my_week(world: World, tree: Tree) -> None:
    client = login(world.member)
    for bad in ("²", "9" * 5000):
        response = client.get(reverse("front:home"), {"cycle": bad})
        assert response.status_code == 200
        assert response.context["cycle"] == world.cycle  # the current cycle, as with no parameter


@pytest.mark.parametrize("bad", BAD_IDS, ids=short)
def test_bad_ids_posted_to_forms_are_never_a_server_error_and_write_nothing(world: World, tree: Tree, bad: str) -> None:
    client = login(world.lead)
    before = db_digest()
    align = reverse("okrs:objective-align", args=[tree.member_obj.pk])
    posts: list[tuple[str, dict[str, Any]]] = [
        (reverse("front:switch-org"), {"membership": bad}),
        (align, {"remove": bad}),
        (align, {"parent": bad, "weight": "1"}),
        (reverse("okrs:objective-create") + f"?cycle={world.cycle.pk}", {"title": "X", "cycle": bad, "owner": bad}),
        (reverse("front:kr-checkin", args=[tree.launch.pk]), {f"kr-{tree.launch.pk}-milestones": [bad]}),
        (reverse("front:checkin"), {"cycle": bad, f"kr-{tree.launch.pk}-milestones": [bad]}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code < 500, (url, data.keys(), response.status_code)
    assert db_digest() == before


@pytest.mark.parametrize(
    "value", ["1e1000000", "-1e1000000", "1e999999", "NaN", "Infinity", "9" * 5000, "1²"], ids=short
)
def test_absurd_check_in_values_are_a_field_error(world: World, tree: Tree, value: str) -> None:
    # The weekly check-in lists only key results checked in directly: the member's own, not
    # latency, which takes its progress from its duality child.
    before = CheckIn.objects.count()
    for client, kr, url, extra in (
        (login(world.lead), tree.latency, reverse("front:kr-checkin", args=[tree.latency.pk]), {}),
        (login(world.member), tree.member_kr, reverse("front:checkin"), {"all": "1"}),
    ):
        data = {f"kr-{kr.pk}-value": value, f"kr-{kr.pk}-confidence": "7", **extra}
        response = client.post(url, data)
        assert response.status_code == 400, (url, response.status_code)
        html = response.content.decode()
        assert f'id="kr-{kr.pk}-value-error"' in html
        assert all(len(message) < 300 for _, message in response.context["form"].errors)  # never echoed whole
    assert CheckIn.objects.count() == before


def test_a_huge_check_in_value_gets_the_range_message(world: World, tree: Tree) -> None:
    """Exponents are not plain numbers (issue 12, item 7); a huge plain number gets the range message."""
    kr = tree.latency
    before = kr.checkin_count
    client = login(world.lead)
    url = reverse("front:kr-checkin", args=[kr.pk])
    exponent = client.post(url, {f"kr-{kr.pk}-value": "1e1000000", f"kr-{kr.pk}-confidence": "7"})
    assert exponent.status_code == 400
    assert "“1e1000000” is not a number: type digits" in exponent.content.decode()
    huge = client.post(url, {f"kr-{kr.pk}-value": "1" + "0" * 5000, f"kr-{kr.pk}-confidence": "7"})
    assert huge.status_code == 400
    assert "too large: keep it between −99,999,999,999,999 and 99,999,999,999,999" in huge.content.decode()
    kr.refresh_from_db()
    assert kr.checkin_count == before  # neither was saved


@pytest.mark.parametrize(
    "url",
    ["/company/?q=%00", "/objectives/new/?title=a%00b", "/company/%00/", "/?cycle=1%00"],
)
def test_nul_in_the_address_is_a_400_before_any_query(world: World, url: str) -> None:
    client = login(world.member)
    response = client.get(url)
    assert response.status_code == 400
    assert response.content.decode() == NUL_MESSAGE
    assert response["Content-Type"].startswith("text/plain")


def test_nul_in_a_posted_form_field_is_a_400_and_writes_nothing(world: World, tree: Tree) -> None:
    client = login(world.lead)
    before = db_digest()
    kr = tree.latency
    response = client.post(
        reverse("front:kr-checkin", args=[kr.pk]),
        {f"kr-{kr.pk}-value": "600", f"kr-{kr.pk}-confidence": "7", f"kr-{kr.pk}-note": "bad\x00note"},
    )
    assert response.status_code == 400
    assert response.content.decode() == NUL_MESSAGE
    assert db_digest() == before
