"""Week-one paths for newcomers (issue 12, item 13): creating objectives from My week, key results
in the same form, only open cycles to align to, an empty state that says what to do, Cycles in the
navigation and the demo logins printed once with their real roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from ambit.accounts.models import Role
from ambit.core.models import AuditEntry
from ambit.okrs.management.commands.demo_logins import login_descriptions
from ambit.okrs.models import CycleState, KeyResult, Objective
from tests import factories as f
from tests.builders import World, key_results_for, objective_with_krs
from tests.helpers import db_digest

pytestmark = pytest.mark.django_db


def _objective_post(world: World, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Make onboarding delightful",
        "description": "",
        "cycle": world.cycle.pk,
        "owner": world.lead.pk,
        "team": world.team.pk,
        "theme": "",
        "ambition": "committed",
        "visibility": "public",
        "state": "draft",
        "parent": "",
        "kr-TOTAL_FORMS": "5",
        "kr-INITIAL_FORMS": "0",
        "kr-MIN_NUM_FORMS": "0",
        "kr-MAX_NUM_FORMS": "5",
    }
    for i in range(5):
        data |= {f"kr-{i}-title": "", f"kr-{i}-kind": "increase", f"kr-{i}-start_value": "", f"kr-{i}-target_value": ""}
        data[f"kr-{i}-unit"] = ""
    data.update(extra)
    return data


# --- "New objective" on My week, and the empty state -------------------------------------------


def test_a_leads_my_week_offers_new_objective(client: Client, world: World) -> None:
    key_results_for(world.lead, world.cycle, world.admin, 1)
    client.force_login(world.lead.user)
    html = client.get(reverse("front:home")).content.decode()
    assert f'href="{reverse("okrs:objective-create")}?cycle={world.cycle.pk}"' in html
    assert ">New objective<" in html


def test_a_viewer_is_not_offered_new_objective(client: Client, world: World) -> None:
    client.force_login(world.viewer.user)
    html = client.get(reverse("front:home")).content.decode()
    assert "New objective" not in html
    assert "Create your first objective" not in html
    assert "Ask your lead to give you a key result" in html


def test_an_invited_person_lands_on_a_next_step(client: Client, world: World) -> None:
    newcomer = f.MembershipFactory.create(
        organisation=world.org, user=f.UserFactory.create(email="new@acme.test"), role=Role.MEMBER
    )
    client.force_login(newcomer.user)
    html = client.get(reverse("front:home")).content.decode()
    assert 'data-empty-state="first-objective"' in html
    assert "Create your first objective" in html
    assert "Ask your lead" in html


# --- Key results in the objective form -----------------------------------------------------------


def test_the_create_form_offers_five_key_result_rows(client: Client, world: World) -> None:
    client.force_login(world.lead.user)
    html = client.get(reverse("okrs:objective-create")).content.decode()
    for i in range(5):
        assert f'name="kr-{i}-title"' in html
    assert 'name="kr-5-title"' not in html


def test_an_objective_is_created_with_its_key_results_in_one_go(client: Client, world: World) -> None:
    client.force_login(world.lead.user)
    data = _objective_post(
        world,
        **{
            "kr-0-title": "Time to first value under 10 minutes",
            "kr-0-kind": "decrease",
            "kr-0-start_value": "45",
            "kr-0-target_value": "10",
            "kr-0-unit": "min",
            "kr-1-title": "Onboarding checklist shipped",
            "kr-1-kind": "binary",
        },
    )
    response = client.post(reverse("okrs:objective-create"), data)
    assert response.status_code == 302
    objective = Objective.objects.get(title="Make onboarding delightful")
    krs = list(KeyResult.objects.filter(objective=objective).order_by("pk"))
    assert [(k.title, k.kind) for k in krs] == [
        ("Time to first value under 10 minutes", "decrease"),
        ("Onboarding checklist shipped", "binary"),
    ]
    assert krs[0].start_value == Decimal("45") and krs[0].target_value == Decimal("10") and krs[0].unit == "min"
    assert krs[0].owner_id == world.lead.pk
    assert AuditEntry.objects.filter(action="objective.create").count() == 1
    assert AuditEntry.objects.filter(action="key_result.create").count() == 2


def test_one_bad_key_result_saves_nothing_and_says_which_row(client: Client, world: World) -> None:
    client.force_login(world.lead.user)
    before = db_digest()
    data = _objective_post(
        world,
        **{
            "kr-0-title": "Activation rate",
            "kr-0-start_value": "20",
            "kr-0-target_value": "40",
            "kr-1-title": "Support tickets",
            "kr-1-start_value": "50",
            "kr-1-target_value": "10",  # an "increase" that goes down
        },
    )
    response = client.post(reverse("okrs:objective-create"), data)
    assert response.status_code == 400
    assert db_digest() == before
    assert Objective.objects.count() == 0 and KeyResult.objects.count() == 0
    rows = response.context["rows"]
    assert not rows[0].errors
    assert "use “decrease to”" in " ".join(rows[1].errors["target_value"])
    html = response.content.decode()
    assert 'value="Support tickets"' in html  # what was typed stays


def test_a_row_with_numbers_but_no_title_is_refused(client: Client, world: World) -> None:
    client.force_login(world.lead.user)
    data = _objective_post(world, **{"kr-2-target_value": "40"})
    response = client.post(reverse("okrs:objective-create"), data)
    assert response.status_code == 400
    assert "Give this key result a title" in response.content.decode()
    assert Objective.objects.count() == 0


def test_blank_rows_create_just_the_objective(client: Client, world: World) -> None:
    client.force_login(world.lead.user)
    response = client.post(reverse("okrs:objective-create"), _objective_post(world))
    assert response.status_code == 302
    assert Objective.objects.count() == 1 and KeyResult.objects.count() == 0


# --- Aligned to: open cycles only ----------------------------------------------------------------


def test_aligned_to_offers_no_objective_of_a_closed_cycle(client: Client, world: World) -> None:
    today = dt.date.today()
    closed = f.CycleFactory.create(
        organisation=world.org,
        name="Last quarter",
        start_date=today - dt.timedelta(days=200),
        end_date=today - dt.timedelta(days=110),
        state=CycleState.CLOSED,
    )
    old = f.ObjectiveFactory.create(organisation=world.org, cycle=closed, owner=world.champion, title="Old news")
    current, _ = objective_with_krs(actor=world.champion, cycle=world.cycle, title="This quarter's aim")
    client.force_login(world.lead.user)
    form = client.get(reverse("okrs:objective-create")).context["form"]
    offered = set(form.fields["parent"].queryset.values_list("pk", flat=True))
    assert current.pk in offered
    assert old.pk not in offered


# --- Navigation ----------------------------------------------------------------------------------


def test_cycles_is_in_the_navigation(client: Client, world: World) -> None:
    client.force_login(world.member.user)
    html = client.get(reverse("front:home")).content.decode()
    assert f'<li><a href="{reverse("okrs:cycle-list")}">Cycles</a></li>' in html
    on_cycles = client.get(reverse("okrs:cycle-list")).content.decode()
    assert f'<a href="{reverse("okrs:cycle-list")}" aria-current="page">Cycles</a>' in on_cycles
    assert 'aria-current="page">Company</a>' not in on_cycles


# --- make run's logins ---------------------------------------------------------------------------


def test_demo_logins_describe_each_login_once_from_the_database(world: World) -> None:
    org = world.org
    lead = f.MembershipFactory.create(
        organisation=org, user=f.UserFactory.create(email="lead@northwind.test"), role=Role.MEMBER
    )
    f.TeamMemberFactory.create(team=world.team, membership=lead, is_lead=True)
    admin = f.MembershipFactory.create(
        organisation=org, user=f.UserFactory.create(email="admin@northwind.test"), role=Role.ADMIN
    )
    f.MembershipFactory.create(organisation=world.other_org, user=admin.user, role=Role.VIEWER)
    described = login_descriptions()
    assert described["lead@northwind.test"] == "member of Acme, lead of Platform"
    assert described["admin@northwind.test"] == "admin of Acme; viewer of Globex"
    assert "member@northwind.test" not in described


def test_make_run_prints_each_login_once_with_its_real_role() -> None:
    seeded = StringIO()
    call_command("seed_demo", stdout=seeded)
    assert "@northwind.test" not in seeded.getvalue()  # seed_demo no longer lists the logins
    out = StringIO()
    call_command("demo_logins", "--url", "http://localhost:9000/", stdout=out)
    text = out.getvalue()
    assert "http://localhost:9000/" in text
    for email in ("admin@northwind.test", "champion@northwind.test", "lead@northwind.test", "member@northwind.test"):
        assert text.count(email) == 1
    lead_line = next(line for line in text.splitlines() if "lead@northwind.test" in line)
    assert "member of Northwind Labs, lead of Platform" in lead_line
    admin_line = next(line for line in text.splitlines() if "admin@northwind.test" in line)
    assert "admin of Northwind Labs" in admin_line and admin_line.endswith("; viewer of Globex")


def test_the_makefile_quiets_seeding_and_prints_the_logins_after_it() -> None:
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    run = makefile[makefile.index("\nrun:") :].split("\n\n")[0]
    assert run.index("demo_logins") < run.index("runserver")
    assert "LOG_LEVEL=WARNING $(PY) manage.py seed_demo" in makefile
