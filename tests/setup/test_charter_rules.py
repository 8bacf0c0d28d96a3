"""Charter settings the product now reads: levels in use and the cascade method (issue 15)."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from ambit.accounts import services as accounts
from ambit.core.errors import Conflict
from ambit.okrs import services as okrs
from ambit.okrs.models import Alignment, Objective
from tests import factories as f
from tests.builders import World

pytestmark = pytest.mark.django_db


def _charter(world: World, **fields: object) -> None:
    accounts.organisation_update(actor=world.admin, **fields)
    for m in (world.admin, world.champion, world.lead, world.member):
        m.refresh_from_db()


def test_no_individual_objectives_without_the_individual_level(world: World) -> None:
    _charter(world, levels=["company", "department", "team"])
    with pytest.raises(ValidationError) as exc:
        okrs.objective_create(actor=world.member, cycle=world.cycle, title="Grow my skills")
    assert "does not use individual objectives" in exc.value.message_dict["team"][0]
    assert not Objective.objects.filter(title="Grow my skills").exists()
    okrs.objective_create(actor=world.admin, cycle=world.cycle, title="Team goal", team=world.team)


def test_moving_an_objective_to_a_level_not_in_use_is_refused(world: World) -> None:
    objective = f.ObjectiveFactory.create(
        organisation=world.org, cycle=world.cycle, team=world.company, owner=world.admin
    )
    _charter(world, levels=["company", "team"])
    with pytest.raises(ValidationError, match="does not use individual objectives"):
        okrs.objective_update(actor=world.admin, objective=objective, team=None)
    # Editing other fields of an objective whose level is no longer in use still works.
    legacy = f.ObjectiveFactory.create(organisation=world.org, cycle=world.cycle, team=None, owner=world.member)
    okrs.objective_update(actor=world.admin, objective=legacy, title="Renamed", team=None)
    objective.refresh_from_db()
    assert objective.team_id == world.company.pk


def test_no_team_objectives_without_the_team_level(world: World) -> None:
    _charter(world, levels=["company", "individual"])
    with pytest.raises(ValidationError, match="does not use team objectives"):
        okrs.objective_create(actor=world.admin, cycle=world.cycle, title="Team goal", team=world.team)
    okrs.objective_create(actor=world.admin, cycle=world.cycle, title="Company goal", team=world.company)


def test_the_objective_form_offers_only_teams_of_levels_in_use(client: Client, world: World) -> None:
    _charter(world, levels=["company", "individual"])
    client.force_login(world.admin.user)
    html = client.get(reverse("okrs:objective-create")).content.decode()
    select = re.search(r'<select name="team".*?</select>', html, re.S)
    assert select is not None
    assert f'value="{world.company.pk}"' in select.group(0) and f'value="{world.team.pk}"' not in select.group(0)


def test_classic_refuses_cascading_a_key_result(world: World) -> None:
    objective = f.ObjectiveFactory.create(
        organisation=world.org, cycle=world.cycle, team=world.company, owner=world.admin
    )
    kr = f.KeyResultFactory.create(objective=objective)
    _charter(world, cascade_method="classic")
    with pytest.raises(Conflict, match="cascades the classic way"):
        okrs.objective_create_from_key_result(actor=world.admin, key_result=kr, team=world.team)
    assert not Objective.objects.filter(source_key_result=kr).exists()
    # Aligning is the classic way and still works.
    child = f.ObjectiveFactory.create(organisation=world.org, cycle=world.cycle, team=world.team, owner=world.admin)
    okrs.alignment_add(actor=world.admin, child=child, parent=objective)


def test_duality_refuses_aligning(world: World) -> None:
    parent = f.ObjectiveFactory.create(organisation=world.org, cycle=world.cycle, team=world.company, owner=world.admin)
    child = f.ObjectiveFactory.create(organisation=world.org, cycle=world.cycle, team=world.team, owner=world.admin)
    kr = f.KeyResultFactory.create(objective=parent)
    _charter(world, cascade_method="duality")
    with pytest.raises(Conflict, match="cascades by duality only"):
        okrs.alignment_add(actor=world.admin, child=child, parent=parent)
    assert not Alignment.objects.exists()
    created = okrs.objective_create_from_key_result(actor=world.admin, key_result=kr, team=world.team)
    assert created.source_key_result_id == kr.pk


def test_under_duality_the_new_objective_form_has_no_alignment_and_still_saves(client: Client, world: World) -> None:
    _charter(world, cascade_method="duality")
    client.force_login(world.admin.user)
    html = client.get(reverse("okrs:objective-create")).content.decode()
    assert 'name="parent"' not in html
    response = client.post(
        reverse("okrs:objective-create"),
        {
            "cycle": world.cycle.pk,
            "title": "Delight every customer",
            "owner": world.admin.pk,
            "team": world.team.pk,
            "ambition": "committed",
            "visibility": "public",
            "state": "draft",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Objective.objects.filter(title="Delight every customer", team=world.team).exists()


def test_both_allows_both(world: World) -> None:
    parent = f.ObjectiveFactory.create(organisation=world.org, cycle=world.cycle, team=world.company, owner=world.admin)
    child = f.ObjectiveFactory.create(organisation=world.org, cycle=world.cycle, team=world.team, owner=world.admin)
    kr = f.KeyResultFactory.create(objective=parent)
    okrs.alignment_add(actor=world.admin, child=child, parent=parent)
    okrs.objective_create_from_key_result(actor=world.admin, key_result=kr, team=world.team)


@pytest.mark.parametrize(
    ("method", "align", "cascade"), [("classic", True, False), ("duality", False, True), ("both", True, True)]
)
def test_the_objective_page_hides_the_refused_control(
    client: Client, world: World, method: str, align: bool, cascade: bool
) -> None:
    objective = f.ObjectiveFactory.create(
        organisation=world.org, cycle=world.cycle, team=world.company, owner=world.admin
    )
    f.KeyResultFactory.create(objective=objective)
    _charter(world, cascade_method=method)
    client.force_login(world.admin.user)
    html = client.get(reverse("okrs:objective-detail", args=[objective.pk])).content.decode()
    assert (reverse("okrs:objective-align", args=[objective.pk]) + '">Align<' in html) is align
    assert ("Cascade to a child objective" in html) is cascade
