"""The Django admin: every model registered; champions fix their own organisation's data only,
and every admin change is the service's change, with the service's audit entry."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from ambit.core.models import AuditEntry
from ambit.okrs import services
from tests.builders import World

pytestmark = pytest.mark.django_db


def test_every_model_is_registered() -> None:
    ours = [m for m in apps.get_models() if m.__module__.startswith("ambit.")]
    missing = [
        m._meta.label
        for m in ours
        if m not in admin.site._registry and m._meta.app_label in {"core", "accounts", "strategy", "okrs"}
    ]
    assert missing == []


@pytest.fixture
def staff_champion(world: World, client: Client) -> Client:
    world.champion.user.is_staff = True
    world.champion.user.save()
    client.force_login(world.champion.user)
    return client


def test_champion_sees_own_org_only(world: World, staff_champion: Client) -> None:
    mine = services.objective_create(actor=world.champion, cycle=world.cycle, title="Ours", team=world.team)
    from tests import factories as f

    other_cycle = f.CycleFactory.create(organisation=world.other_org, name="Theirs Q")
    theirs = f.ObjectiveFactory.create(cycle=other_cycle, owner=world.outsider, title="Theirs")
    page = staff_champion.get(reverse("admin:okrs_objective_changelist"))
    assert page.status_code == 200
    assert b"Ours" in page.content and b"Theirs" not in page.content
    assert staff_champion.get(reverse("admin:okrs_objective_change", args=[mine.pk])).status_code == 200
    foreign = staff_champion.get(reverse("admin:okrs_objective_change", args=[theirs.pk]))
    assert foreign.status_code == 302  # Django's admin redirects to the index for an object it cannot see
    assert staff_champion.get(reverse("admin:accounts_user_changelist")).status_code == 403


def test_admin_change_is_audited(world: World, staff_champion: Client) -> None:
    obj = services.objective_create(actor=world.champion, cycle=world.cycle, title="Typo tittle", team=world.team)
    url = reverse("admin:okrs_objective_change", args=[obj.pk])
    page = staff_champion.get(url)
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        {
            "title": "Typo title",
            "cycle": obj.cycle_id,
            "owner": obj.owner_id,
            "team": obj.team_id,
            "key_results-TOTAL_FORMS": 0,
            "key_results-INITIAL_FORMS": 0,
            "parent_links-TOTAL_FORMS": 0,
            "parent_links-INITIAL_FORMS": 0,
        }
    )
    resp = staff_champion.post(url, data)
    assert resp.status_code == 302, resp.context and resp.context["adminform"].form.errors
    obj.refresh_from_db()
    assert obj.title == "Typo title"
    # Written by objective_update itself: the admin has no audit path of its own any more.
    entry = AuditEntry.objects.filter(action="objective.update").latest("id")
    assert entry.changes == {"title": ["Typo tittle", "Typo title"]}
    assert entry.actor_id == world.champion.user_id
