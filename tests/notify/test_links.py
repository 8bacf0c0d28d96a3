"""The signed check-in link: opens that person's weekly check-in, acting as them for that page
only (the browser is not logged in), expires, and refuses a tampered or revoked token."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.models import AuditAction, AuditEntry
from ambit.notify.links import checkin_path, checkin_token
from ambit.notify.services import checkin_links_revoke
from ambit.okrs.models import CheckIn, Cycle, KeyResult
from tests.builders import World, key_results_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def krs(world: World) -> dict[str, list[KeyResult]]:
    return {
        "member": key_results_for(world.member, world.cycle, world.admin, 2, prefix="Grow signups"),
        "lead": key_results_for(world.lead, world.cycle, world.admin, 1, prefix="Cut latency"),
    }


def _post_data(kr: KeyResult, value: str, confidence: str = "7") -> dict[str, str]:
    return {f"kr-{kr.pk}-value": value, f"kr-{kr.pk}-confidence": confidence, f"kr-{kr.pk}-note": "From the link"}


def test_the_link_opens_that_person_s_check_in_and_records_it_as_them(
    client: Client, world: World, krs: dict[str, list[KeyResult]]
) -> None:
    url = checkin_path(world.member)
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Grow signups 1" in html and "Grow signups 2" in html
    assert "Cut latency 1" not in html  # the lead's, not theirs
    first, second = krs["member"]
    data = {**_post_data(first, "120"), **_post_data(second, "80", "3")}

    done = client.post(url, data)

    assert done.status_code == 200
    assert "Checked in 2 key results" in done.content.decode()
    recorded = list(CheckIn.objects.order_by("id").values_list("key_result_id", "author_id", "value", "note"))
    assert [(k, a, int(v or 0), n) for k, a, v, n in recorded] == [
        (first.pk, world.member.pk, 120, "From the link"),
        (second.pk, world.member.pk, 80, "From the link"),
    ]
    assert AuditEntry.objects.filter(action=AuditAction.CHECK_IN_RECORD, actor=world.member.user).count() == 2
    # The browser was not logged in: every other page still asks for a login.
    assert "_auth_user_id" not in client.session
    for other in (reverse("front:home"), reverse("front:checkin"), reverse("notify:inbox")):
        response = client.get(other)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_wrong_value_is_shown_on_the_form_and_nothing_is_saved(
    client: Client, world: World, krs: dict[str, list[KeyResult]]
) -> None:
    first, second = krs["member"]
    response = client.post(checkin_path(world.member), {**_post_data(first, "12"), **_post_data(second, "lots")})
    assert response.status_code == 400
    assert "Enter a number" in response.content.decode() or "number" in response.content.decode()
    assert CheckIn.objects.count() == 0


def test_each_link_acts_only_for_its_own_person(client: Client, world: World, krs: dict[str, list[KeyResult]]) -> None:
    lead_kr = krs["lead"][0]
    # The member's link cannot record on the lead's key result: it is not on their form.
    response = client.post(checkin_path(world.member), _post_data(lead_kr, "5"))
    assert CheckIn.objects.filter(key_result=lead_kr).count() == 0
    assert response.status_code in (200, 400)
    page = client.get(checkin_path(world.lead)).content.decode()
    assert "Cut latency 1" in page and "Grow signups 1" not in page


def test_a_link_expires_after_the_configured_days(
    client: Client, world: World, krs: dict[str, list[KeyResult]]
) -> None:
    old = timezone.now() - dt.timedelta(days=8)
    recent = timezone.now() - dt.timedelta(days=6)
    assert client.get(checkin_path(world.member, at=recent)).status_code == 200
    response = client.get(checkin_path(world.member, at=old))
    assert response.status_code == 410
    html = response.content.decode()
    assert "expired" in html and reverse("accounts:login") in html


def test_a_tampered_or_foreign_token_is_refused(client: Client, world: World, krs: dict[str, list[KeyResult]]) -> None:
    token = checkin_token(world.member)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (tampered, "nonsense", token.replace(":", "", 1)):
        response = client.get(reverse("notify:checkin-link", kwargs={"token": bad}))
        assert response.status_code == 410
        assert "not valid" in response.content.decode()
    # A token signed for something else (another salt) opens nothing either.
    from django.core import signing

    other = signing.TimestampSigner(salt="ambit.notify.unsubscribe").sign_object(
        {"m": world.member.pk, "o": world.org.pk, "v": 0}, compress=True
    )
    assert client.get(reverse("notify:checkin-link", kwargs={"token": other})).status_code == 410


def test_revoking_stops_every_link_sent_so_far(client: Client, world: World, krs: dict[str, list[KeyResult]]) -> None:
    before = checkin_path(world.member)
    assert checkin_links_revoke(actor=world.member) == 1
    response = client.get(before)
    assert response.status_code == 410 and "no longer works" in response.content.decode()
    assert client.get(checkin_path(world.member)).status_code == 200  # a new reminder's link works
    entry = AuditEntry.objects.get(action=AuditAction.NOTIFICATION_LINKS_REVOKE)
    assert entry.changes == {"link_version": [0, 1]} and entry.actor_id == world.member.user_id


def test_revoking_from_the_inbox(client: Client, world: World) -> None:
    before = checkin_path(world.member)
    client.force_login(world.member.user)
    response = client.post(reverse("notify:revoke-links"))
    assert response.status_code == 302
    client.logout()
    assert client.get(before).status_code == 410


def test_a_deactivated_membership_s_link_stops_working(
    client: Client, world: World, krs: dict[str, list[KeyResult]]
) -> None:
    url = checkin_path(world.member)
    Membership.objects.filter(pk=world.member.pk).update(is_active=False)
    assert client.get(url).status_code == 410
    assert Cycle.objects.filter(pk=world.cycle.pk).exists()
