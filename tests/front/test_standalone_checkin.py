"""The stand-alone quick check-in page works without a row to replace (issue 12, item 10)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from ambit.okrs.models import CheckIn
from tests.builders import World, key_results_for

pytestmark = pytest.mark.django_db


def test_standalone_check_in_page_posts_as_a_plain_form(client: Client, world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1)
    client.force_login(world.member.user)
    page = client.get(reverse("front:kr-checkin", args=[kr.pk])).content.decode()
    # There is no #kr-<id> row on this page: an hx-target pointing at it made Save do nothing.
    assert f'hx-target="#kr-{kr.pk}"' not in page
    assert "hx-post" not in page
    assert "data-dismiss-slot" not in page
    assert f'action="{reverse("front:kr-checkin", args=[kr.pk])}"' in page


def test_standalone_check_in_page_saves_and_returns(client: Client, world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1)
    client.force_login(world.member.user)
    url = reverse("front:kr-checkin", args=[kr.pk])
    response = client.post(url, {f"kr-{kr.pk}-value": "42", f"kr-{kr.pk}-confidence": "6"})
    assert response.status_code == 302 and response["Location"] == reverse("front:home")
    kr.refresh_from_db()
    assert kr.current_value == Decimal("42")
    assert CheckIn.objects.filter(key_result=kr).count() == 1


def test_standalone_check_in_errors_show_on_the_page(client: Client, world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1)
    client.force_login(world.member.user)
    url = reverse("front:kr-checkin", args=[kr.pk])
    response = client.post(url, {f"kr-{kr.pk}-value": "", f"kr-{kr.pk}-confidence": "6"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" in html and "Enter a number for the new value" in html
    assert "hx-post" not in html
    assert CheckIn.objects.count() == 0
