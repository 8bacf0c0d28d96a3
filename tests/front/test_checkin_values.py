"""Check-in values on the web: plain numbers in the person's locale, a confirmation for
implausible values, and corrections of an earlier check-in (issue 12, item 7)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ambit.core.audit import AuditAction
from ambit.core.models import AuditEntry
from ambit.okrs import services
from ambit.okrs.models import CheckIn, KeyResult
from tests.builders import World, objective_with_krs
from tests.helpers import ClientResponse

pytestmark = pytest.mark.django_db


def _percent_kr(world: World) -> KeyResult:
    """A 0 → 100 % key result owned by the member."""
    objective, _ = objective_with_krs(
        actor=world.admin, cycle=world.cycle, title="Delight customers", owner=world.member, state="active"
    )
    return services.key_result_create(
        actor=world.admin,
        objective=objective,
        title="Activation",
        start_value=0,
        target_value=100,
        unit="%",
        unit_kind="percent",
        owner=world.member,
    )


def _check_in(client: Client, kr: KeyResult, value: str, **extra: Any) -> ClientResponse:
    data = {f"kr-{kr.pk}-value": value, f"kr-{kr.pk}-confidence": "6", **extra}
    return client.post(reverse("front:kr-checkin", args=[kr.pk]), data)


@pytest.mark.parametrize("typed", ["1e3", "1_000", "1E3", "0x10", "1k"])
def test_exponents_underscores_and_suffixes_are_refused_not_saved(client: Client, world: World, typed: str) -> None:
    kr = _percent_kr(world)
    client.force_login(world.member.user)
    response = _check_in(client, kr, typed)
    assert response.status_code == 400
    assert "is not a number" in response.content.decode()
    assert "1,234.5" in response.content.decode()
    assert CheckIn.objects.filter(key_result=kr).count() == 0
    kr.refresh_from_db()
    assert kr.current_value is None


def test_numbers_are_read_in_the_browsers_locale(client: Client, world: World) -> None:
    kr = _percent_kr(world)
    client.force_login(world.member.user)
    german = client.post(
        reverse("front:kr-checkin", args=[kr.pk]),
        {f"kr-{kr.pk}-value": "42,5", f"kr-{kr.pk}-confidence": "6"},
        headers={"Accept-Language": "de-DE,de;q=0.9"},
    )
    assert german.status_code == 302
    kr.refresh_from_db()
    assert kr.current_value == Decimal("42.5")
    page = client.get(reverse("front:kr-checkin", args=[kr.pk]), headers={"Accept-Language": "de"}).content.decode()
    assert 'value="42,5"' in page and "1.234,5" in page
    english = _check_in(client, kr, "42,5")
    assert english.status_code == 400
    assert CheckIn.objects.filter(key_result=kr).count() == 1


def test_a_negative_value_asks_for_confirmation_then_saves(client: Client, world: World) -> None:
    kr = _percent_kr(world)
    client.force_login(world.member.user)
    first = _check_in(client, kr, "-5")
    html = first.content.decode()
    assert first.status_code == 400
    assert "is negative" in html
    assert f'name="kr-{kr.pk}-confirm"' in html and "Save anyway" in html
    assert 'value="-5"' in html  # what was typed is kept
    assert CheckIn.objects.filter(key_result=kr).count() == 0
    confirmed = _check_in(client, kr, "-5", **{f"kr-{kr.pk}-confirm": "1"})
    assert confirmed.status_code == 302
    kr.refresh_from_db()
    assert kr.current_value == Decimal("-5")


def test_a_value_far_outside_the_range_asks_for_confirmation(client: Client, world: World) -> None:
    kr = _percent_kr(world)
    client.force_login(world.member.user)
    response = _check_in(client, kr, "1,000")
    assert response.status_code == 400
    assert "far outside this key result&#x27;s range (0% → 100%)" in response.content.decode()
    assert CheckIn.objects.filter(key_result=kr).count() == 0
    # A plausible value needs no confirmation.
    assert _check_in(client, kr, "150").status_code == 302
    kr.refresh_from_db()
    assert kr.current_value == Decimal("150")


def test_the_weekly_check_in_asks_for_confirmation_too(client: Client, world: World) -> None:
    kr = _percent_kr(world)
    client.force_login(world.member.user)
    data = {"kr": [kr.pk], f"kr-{kr.pk}-value": "-5", f"kr-{kr.pk}-confidence": "6"}
    response = client.post(reverse("front:checkin"), data)
    assert response.status_code == 400
    assert "Save anyway" in response.content.decode()
    assert CheckIn.objects.count() == 0
    confirmed = client.post(reverse("front:checkin"), {**data, f"kr-{kr.pk}-confirm": "1"})
    assert confirmed.status_code == 302
    assert CheckIn.objects.get(key_result=kr).value == Decimal("-5")


def test_a_check_in_can_correct_an_earlier_one_from_the_web(client: Client, world: World) -> None:
    kr = _percent_kr(world)
    client.force_login(world.member.user)
    assert _check_in(client, kr, "40").status_code == 302
    wrong = CheckIn.objects.get(key_result=kr)
    page = client.get(reverse("front:kr-checkin", args=[kr.pk])).content.decode()
    assert f'name="kr-{kr.pk}-corrects"' in page and f'<option value="{wrong.pk}"' in page
    response = _check_in(client, kr, "4", **{f"kr-{kr.pk}-corrects": str(wrong.pk)})
    assert response.status_code == 302
    fix = CheckIn.objects.exclude(pk=wrong.pk).get(key_result=kr)
    assert fix.is_correction and fix.corrects_id == wrong.pk and fix.value == Decimal("4")
    kr.refresh_from_db()
    assert kr.current_value == Decimal("4")
    entry = AuditEntry.objects.filter(action=AuditAction.CHECK_IN_RECORD).latest("pk")
    assert entry.changes["corrects"] == wrong.pk


def test_a_correction_of_another_key_results_check_in_is_refused(client: Client, world: World) -> None:
    kr = _percent_kr(world)
    other = services.key_result_create(
        actor=world.admin, objective=kr.objective, title="Other", start_value=0, target_value=10, owner=world.member
    )
    foreign = services.check_in_record(actor=world.member, key_result=other, value=3).check_in
    client.force_login(world.member.user)
    response = _check_in(client, kr, "40", **{f"kr-{kr.pk}-corrects": str(foreign.pk)})
    assert response.status_code == 400
    assert "Choose one of this key result" in response.content.decode()
    assert CheckIn.objects.filter(key_result=kr).count() == 0


def test_the_web_states_the_plausible_range_as_the_api_does(client: Client, world: World) -> None:
    """One rule for both surfaces (``check_in_value_concerns``): the web's message gives the same
    range as the API's 422, in the person's locale."""
    kr = _percent_kr(world)
    client.force_login(world.member.user)
    english = _check_in(client, kr, "1,000").content.decode()
    assert "Plausible values here lie between 0% and 200%." in english
    german = client.post(
        reverse("front:kr-checkin", args=[kr.pk]),
        {f"kr-{kr.pk}-value": "-0,5", f"kr-{kr.pk}-confidence": "6"},
        headers={"Accept-Language": "de-DE,de;q=0.9"},
    )
    assert german.status_code == 400
    assert "-0,5% is negative" in german.content.decode()
    assert CheckIn.objects.filter(key_result=kr).count() == 0
