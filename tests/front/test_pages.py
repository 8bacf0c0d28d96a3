"""Every front page: who may see it, and that it shows real data for the acting member."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from ambit.okrs import services
from tests.builders import World, key_results_for
from tests.helpers import db_digest

pytestmark = pytest.mark.django_db

PAGES = ["front:home", "front:checkin", "front:settings", "accounts:members"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_login(client: Client, world: World, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("persona", ["member", "lead", "admin", "viewer"])
def test_every_page_renders_for_every_role(client: Client, world: World, name: str, persona: str) -> None:
    key_results_for(getattr(world, persona), world.cycle, world.admin, 2)
    client.force_login(getattr(world, persona).user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert b"Acme" in response.content  # the organisation name in the top bar


def test_my_week_shows_my_key_results_with_status_progress_and_forecast(client: Client, world: World) -> None:
    kr = key_results_for(world.member, world.cycle, world.admin, 1)[0]
    services.check_in_record(actor=world.member, key_result=kr, value=250, confidence=7)
    other = key_results_for(world.lead, world.cycle, world.admin, 1, prefix="Lead's own")[0]
    client.force_login(world.member.user)
    html = client.get(reverse("front:home")).content.decode()
    assert kr.title in html
    assert other.title not in html
    assert other.objective.title not in html
    assert 'aria-valuenow="25"' in html  # 250 of 0→1000
    assert "Confidence 7" in html
    # One check-in on a key result created today is too early to forecast (it used to project a
    # number from it, issue 12); see the next test for a forecast.
    assert "Too early to forecast" in html and "On course for" not in html
    assert "progress-marker" in html


def test_my_week_shows_the_forecast_once_there_is_a_week_of_history(client: Client, world: World) -> None:
    import datetime as dt

    from django.utils import timezone

    from ambit.okrs.models import Cycle

    today = timezone.localdate()
    Cycle.objects.filter(pk=world.cycle.pk).update(
        start_date=today - dt.timedelta(days=50), end_date=today + dt.timedelta(days=49)
    )
    kr = key_results_for(world.member, world.cycle, world.admin, 1)[0]
    now = timezone.now()
    services.check_in_record(actor=world.member, key_result=kr, value=100, at=now - dt.timedelta(days=20))
    services.check_in_record(actor=world.member, key_result=kr, value=300, at=now)
    client.force_login(world.member.user)
    html = client.get(reverse("front:home")).content.decode()
    # 10 a day from 300 now, 49 to 50 days to the end of the cycle's last day (by the hour of the
    # run): 790 to 800 of 0→1000, 79 % or 80 %, a score of 0.8 either way (issue 12: the projected
    # progress and its score, said together, where this used to print the score alone as "0.80").
    end = (today + dt.timedelta(days=49)).strftime("%-d %b")
    landing = re.search(
        r"On course for <strong>(\d+)%</strong> by <time [^>]*>" + end + r"</time> · score <strong>0\.8</strong> "
        r"\(([\d.]+) users\)",
        html,
    )
    assert landing is not None and landing.group(1) in ("79", "80") and 790 <= float(landing.group(2)) <= 800
    assert "Too early to forecast" not in html


def test_due_key_results_are_counted_with_the_big_button(client: Client, world: World) -> None:
    key_results_for(world.member, world.cycle, world.admin, 3)
    client.force_login(world.member.user)
    html = client.get(reverse("front:home")).content.decode()
    assert '<span class="due-count">3</span> key results due for this week' in html
    assert "Do my weekly check-in" in html


def test_after_checking_in_nothing_is_due(client: Client, world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1)
    services.check_in_record(actor=world.member, key_result=kr, value=10)
    client.force_login(world.member.user)
    html = client.get(reverse("front:home")).content.decode()
    assert "Do my weekly check-in" not in html
    assert "You're up to date" in html


def test_cycle_switcher_shows_the_chosen_cycle(client: Client, world: World) -> None:
    import datetime as dt

    from tests import factories as f

    past = f.CycleFactory.create(
        organisation=world.org, name="Last quarter", start_date=dt.date(2020, 1, 1), end_date=dt.date(2020, 3, 31)
    )
    key_results_for(world.member, world.cycle, world.admin, 1)
    client.force_login(world.member.user)
    html = client.get(reverse("front:home"), {"cycle": past.pk}).content.decode()
    assert "Last quarter" in html
    assert "You own no key results in Last quarter" in html


def test_foreign_cycle_id_is_404(client: Client, world: World) -> None:
    from tests import factories as f

    foreign = f.CycleFactory.create(organisation=world.other_org, name="Globex Q")
    client.force_login(world.member.user)
    assert client.get(reverse("front:home"), {"cycle": foreign.pk}).status_code == 404


def test_user_without_organisation_gets_a_friendly_page(client: Client, db: None) -> None:
    from tests import factories as f

    user = f.UserFactory.create(email="lonely@example.com")
    client.force_login(user)
    response = client.get(reverse("front:home"))
    assert response.status_code == 200
    assert b"not in an organisation yet" in response.content


def test_switch_org_moves_to_another_membership(client: Client, world: World) -> None:
    from tests import factories as f

    second = f.MembershipFactory.create(user=world.member.user, organisation=world.other_org)
    client.force_login(world.member.user)
    response = client.post(reverse("front:switch-org"), {"membership": second.pk})
    assert response.status_code == 302
    assert client.session["ambit_membership_id"] == second.pk
    html = client.get(reverse("front:home")).content.decode()
    assert "Globex" in html


def test_switch_org_to_someone_elses_membership_is_404(client: Client, world: World) -> None:
    client.force_login(world.member.user)
    before = client.session.get("ambit_membership_id")
    response = client.post(reverse("front:switch-org"), {"membership": world.outsider.pk})
    assert response.status_code == 404
    assert client.session.get("ambit_membership_id") == before


def test_settings_changes_my_name(client: Client, world: World) -> None:
    client.force_login(world.member.user)
    response = client.post(reverse("front:settings"), {"full_name": "Mia Member"})
    assert response.status_code == 302
    world.member.user.refresh_from_db()
    assert world.member.user.full_name == "Mia Member"


def test_settings_refuses_a_blank_name(client: Client, world: World) -> None:
    client.force_login(world.member.user)
    before = world.member.user.full_name
    response = client.post(reverse("front:settings"), {"full_name": "  "})
    assert response.status_code == 200
    assert b"field-error" in response.content
    world.member.user.refresh_from_db()
    assert world.member.user.full_name == before


def test_viewer_sees_my_week_but_not_the_check_in_form(client: Client, world: World) -> None:
    client.force_login(world.viewer.user)
    before = db_digest()
    assert client.get(reverse("front:home")).status_code == 200
    html = client.get(reverse("front:checkin")).content.decode()
    assert "can follow progress but not check in" in html
    assert db_digest() == before
