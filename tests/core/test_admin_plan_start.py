"""The admin edits an objective's and a key result's plan start (issue 12, item 4) on the add and
the change pages, through the services: a day outside the cycle gets the service's message."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from ambit.core.models import AuditEntry
from ambit.okrs import services
from ambit.okrs.models import KeyResult, Objective
from ambit.okrs.services.objectives import check_plan_start
from tests.builders import World

pytestmark = pytest.mark.django_db

INLINES = {
    prefix: 0
    for name in ("key_results", "parent_links", "milestones", "checkpoints")
    for prefix in (f"{name}-TOTAL_FORMS", f"{name}-INITIAL_FORMS")
}


@pytest.fixture
def staff_champion(world: World, client: Client) -> Client:
    world.champion.user.is_staff = True
    world.champion.user.save()
    client.force_login(world.champion.user)
    return client


def _service_message(world: World, day: dt.date) -> str:
    with pytest.raises(ValidationError) as refused:
        check_plan_start(day, world.cycle)
    (message,) = refused.value.message_dict["plan_start"]
    return message


def _change_data(client: Client, url: str, **changes: Any) -> dict[str, Any]:
    """The change form as shown (its initial values), with ``changes`` on top."""
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    return {**data, **INLINES, **changes}


def test_add_objective_with_a_plan_start(world: World, staff_champion: Client) -> None:
    day = world.cycle.start_date + dt.timedelta(days=9)
    page = staff_champion.get(reverse("admin:okrs_objective_add"))
    assert "plan_start" in page.context["adminform"].form.fields  # editable, not read-only
    data = {
        "cycle": world.cycle.pk,
        "title": "Late starter",
        "owner": world.lead.pk,
        "team": world.team.pk,
        "ambition": "committed",
        "visibility": "public",
        "state": "draft",
        "plan_start": day.isoformat(),
        **INLINES,
    }
    resp = staff_champion.post(reverse("admin:okrs_objective_add"), data)
    assert resp.status_code == 302, resp.context and resp.context["adminform"].form.errors
    assert Objective.objects.get(title="Late starter").plan_start == day


def test_add_key_result_outside_the_cycle_shows_the_services_message(world: World, staff_champion: Client) -> None:
    objective = services.objective_create(actor=world.champion, cycle=world.cycle, title="Ours", team=world.team)
    day = world.cycle.end_date + dt.timedelta(days=1)
    data = {
        "objective": objective.pk,
        "title": "Too late",
        "kind": "increase",
        "start_value": "0",
        "target_value": "10",
        "unit_kind": "number",
        "weight": "1",
        "owner": world.lead.pk,
        "plan_start": day.isoformat(),
        **INLINES,
    }
    resp = staff_champion.post(reverse("admin:okrs_keyresult_add"), data)
    assert resp.status_code == 200
    assert resp.context["adminform"].form.errors["plan_start"] == [_service_message(world, day)]
    assert not KeyResult.objects.filter(title="Too late").exists()

    data["plan_start"] = (world.cycle.start_date + dt.timedelta(days=2)).isoformat()
    resp = staff_champion.post(reverse("admin:okrs_keyresult_add"), data)
    assert resp.status_code == 302, resp.context and resp.context["adminform"].form.errors
    assert KeyResult.objects.get(title="Too late").plan_start == world.cycle.start_date + dt.timedelta(days=2)


def test_change_plan_starts_through_the_services(world: World, staff_champion: Client) -> None:
    objective = services.objective_create(actor=world.champion, cycle=world.cycle, title="Ours", team=world.team)
    kr = services.key_result_create(
        actor=world.champion, objective=objective, title="Count", start_value=0, target_value=10
    )
    day = world.cycle.start_date + dt.timedelta(days=4)

    url = reverse("admin:okrs_keyresult_change", args=[kr.pk])
    resp = staff_champion.post(url, _change_data(staff_champion, url, plan_start=day.isoformat()))
    assert resp.status_code == 302, resp.context and resp.context["adminform"].form.errors
    kr.refresh_from_db()
    assert kr.plan_start == day
    entry = AuditEntry.objects.filter(action="key_result.update").latest("id")
    assert entry.changes == {"plan_start": [None, day.isoformat()]}

    url = reverse("admin:okrs_objective_change", args=[objective.pk])
    outside = world.cycle.start_date - dt.timedelta(days=1)
    resp = staff_champion.post(url, _change_data(staff_champion, url, plan_start=outside.isoformat()))
    assert resp.status_code == 200
    assert resp.context["adminform"].form.errors["plan_start"] == [_service_message(world, outside)]
    objective.refresh_from_db()
    assert objective.plan_start is None
