"""The first-run wizard at ``/setup/``, end to end through the test client."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from ambit.accounts.models import Invitation, Membership, Organisation, Role, Team, TeamKind, User
from ambit.okrs.engine.periods import period_containing
from ambit.okrs.models import Cycle, CycleKind, CycleState
from ambit.okrs.services.periods import organisation_today
from tests.builders import World

pytestmark = pytest.mark.django_db


def _step(n: int) -> str:
    return reverse("setup:step", args=[n])


def test_a_new_user_sets_up_an_organisation_from_nothing(
    client: Client, django_capture_on_commit_callbacks: object
) -> None:
    user = User.objects.create_user("founder@initech.test", password="pw-for-tests-1", full_name="Peter")
    client.force_login(user)
    # Without an organisation, every page offers the set-up.
    assert reverse("setup:home") in client.get("/").content.decode()
    page = client.get(reverse("setup:home"))
    assert page.status_code == 200 and "Create organisation" in page.content.decode()

    # 1: name, time zone, fiscal year.
    bad = client.post(reverse("setup:home"), {"name": "", "time_zone": "Mars/Base", "fiscal_year_start_month": "4"})
    assert bad.status_code == 400 and not Organisation.objects.exists()
    response = client.post(
        reverse("setup:home"), {"name": "Initech", "time_zone": "Europe/Berlin", "fiscal_year_start_month": "4"}
    )
    assert response.status_code == 302 and response["Location"] == _step(2)
    org = Organisation.objects.get(name="Initech")
    assert (org.slug, org.time_zone, org.fiscal_year_start_month, org.setup_step) == ("initech", "Europe/Berlin", 4, 1)
    assert Membership.objects.get(user=user, organisation=org).role == Role.ADMIN

    # A reload of /setup/ resumes at the next step.
    assert client.get(reverse("setup:home"))["Location"] == _step(2)

    # 2: cadence.
    response = client.post(
        _step(2),
        {
            "cycle_cadence": "quarterly",
            "checkin_cadence": "biweekly",
            "reminder_weekday": "0",
            "reminder_hour": "9",
            "confidence_scale": "rag",
            "approval_required": "on",
        },
    )
    assert response["Location"] == _step(3)
    org.refresh_from_db()
    assert (
        org.checkin_cadence,
        org.reminder_weekday,
        org.reminder_hour,
        org.confidence_scale,
        org.approval_required,
    ) == (
        "biweekly",
        0,
        9,
        "rag",
        True,
    )
    assert client.get(reverse("setup:home"))["Location"] == _step(3)

    # 3: levels and cascade method (an empty set of levels is refused).
    assert client.post(_step(3), {"cascade_method": "classic"}).status_code == 400
    response = client.post(
        _step(3),
        {
            "levels": ["individual", "company", "department"],
            "cascade_method": "classic",
            "max_objectives_per_team": "4",
            "max_objectives_per_person": "2",
        },
    )
    assert response["Location"] == _step(4)
    org.refresh_from_db()
    assert (org.levels, org.cascade_method) == (["company", "department", "individual"], "classic")
    assert (org.max_objectives_per_team, org.max_objectives_per_person) == (4, 2)

    # 4: teams, one per line under a company team made on the way.
    response = client.post(_step(4), {"names": "Engineering\nSales\n\n  Marketing  "})
    assert response["Location"] == _step(5)
    company = Team.objects.get(organisation=org, parent=None)
    assert (company.name, company.kind) == ("Initech", TeamKind.COMPANY)
    depts = Team.objects.filter(organisation=org, parent=company).order_by("name")
    assert [(t.name, t.kind) for t in depts] == [
        ("Engineering", "department"),
        ("Marketing", "department"),
        ("Sales", "department"),
    ]

    # 5: people by email (one bad address invites nobody).
    bad = client.post(_step(5), {"emails": "ann@initech.test, nope", "role": "member"})
    assert bad.status_code == 400 and "Nobody was invited" in bad.content.decode()
    assert not Invitation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post(_step(5), {"emails": "ann@initech.test\nbob@initech.test", "role": "member"})
    assert response["Location"] == _step(6)
    assert sorted(Invitation.objects.values_list("email", flat=True)) == ["ann@initech.test", "bob@initech.test"]
    assert len(mail.outbox) == 2

    # 6: the first cycle, from the fiscal year and cadence, inside its annual cycle.
    html = client.get(_step(6)).content.decode()
    current = period_containing(organisation_today(org), 4, "quarterly")
    assert current.name in html and "/strategy/" in html
    response = client.post(_step(6), {"period": "current"})
    assert response["Location"] == reverse("setup:done")
    cycle = Cycle.objects.get(organisation=org, kind=CycleKind.QUARTER)
    assert (cycle.name, cycle.start_date, cycle.end_date, cycle.state) == (
        current.name,
        current.start,
        current.end,
        CycleState.PLANNING,
    )
    assert cycle.parent is not None and cycle.parent.name == current.year_name
    assert cycle.sprints.exists()
    org.refresh_from_db()
    assert org.setup_completed_at is not None and org.setup_step == 6
    assert client.get(reverse("setup:home"))["Location"] == reverse("setup:done")
    assert "is ready" in client.get(reverse("setup:done")).content.decode()


def test_a_taken_name_gets_another_slug(client: Client, world: World) -> None:
    user = User.objects.create_user("new@x.test", password="pw-for-tests-1")
    client.force_login(user)
    client.post(reverse("setup:home"), {"name": "Acme", "time_zone": "UTC", "fiscal_year_start_month": "1"})
    assert Organisation.objects.filter(name="Acme").order_by("pk").last().slug == "acme-2"  # type: ignore[union-attr]


def test_the_wizard_is_for_admins_and_champions(client: Client, world: World) -> None:
    for persona, status in ((world.member, 403), (world.viewer, 403), (world.champion, 200), (world.admin, 200)):
        client.force_login(persona.user)
        assert client.get(_step(1)).status_code == status, persona
    client.force_login(world.member.user)
    assert client.get(reverse("setup:home")).status_code == 403
    assert client.get(_step(9)).status_code == 403  # the permission is checked first


def test_a_champion_sets_the_charter_steps_but_not_teams(client: Client, world: World) -> None:
    client.force_login(world.champion.user)
    page = client.get(_step(2)).content.decode()
    assert "Only admins change" not in page
    cadence = {
        "cycle_cadence": "quarterly",
        "checkin_cadence": "biweekly",
        "reminder_weekday": "4",
        "reminder_hour": "10",
        "confidence_scale": "0-10",
        "approval_required": "on",
    }
    response = client.post(_step(2), cadence)
    assert response.status_code == 302, response.content.decode()
    world.org.refresh_from_db()
    assert world.org.checkin_cadence == "biweekly" and world.org.setup_step == 2
    assert "Only admins change teams and people" in client.get(_step(4)).content.decode()
    response = client.post(_step(4), {"names": "Ghost team"})
    assert response.status_code == 302 and not Team.objects.filter(name="Ghost team").exists()


def test_a_member_of_an_organisation_cannot_start_a_second_one_here(client: Client, world: World) -> None:
    client.force_login(world.member.user)
    response = client.post(
        reverse("setup:home"), {"name": "Sneaky", "time_zone": "UTC", "fiscal_year_start_month": "1"}
    )
    assert response.status_code == 403 and not Organisation.objects.filter(name="Sneaky").exists()


def test_step_six_can_skip_the_cycle(client: Client, world: World) -> None:
    client.force_login(world.admin.user)
    assert client.post(_step(6), {"period": ""})["Location"] == reverse("setup:done")
    world.org.refresh_from_db()
    assert world.org.setup_completed_at is not None
    assert not Cycle.objects.filter(organisation=world.org).exclude(pk=world.cycle.pk).exists()


def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    response = client.get(reverse("setup:home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
