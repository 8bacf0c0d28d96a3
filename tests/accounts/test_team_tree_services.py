"""Team tree writes (issue 15): archive/restore with their refusals, levels in use, moves."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ambit.accounts import services as accounts
from ambit.accounts.models import Team, TeamKind
from ambit.accounts.selectors import team_get, team_list, team_tree
from ambit.core.errors import Conflict
from ambit.core.models import AuditEntry
from ambit.okrs.models import CycleState, ObjectiveState
from tests import factories as f
from tests.builders import World

pytestmark = pytest.mark.django_db


def test_archive_and_restore_a_team_with_audit(world: World) -> None:
    accounts.team_archive(actor=world.admin, team=world.other_team)
    world.other_team.refresh_from_db()
    assert world.other_team.archived_at is not None
    assert world.other_team not in team_list(actor=world.admin)
    assert world.other_team not in team_tree(actor=world.admin)
    assert world.other_team in team_tree(actor=world.admin, include_archived=True)
    assert team_get(actor=world.admin, team_id=world.other_team.pk) == world.other_team  # still readable
    accounts.team_restore(actor=world.admin, team=world.other_team)
    world.other_team.refresh_from_db()
    assert world.other_team.archived_at is None
    actions = list(AuditEntry.objects.filter(object_id=str(world.other_team.pk)).values_list("action", flat=True))
    assert actions.count("team.archive") == 1 and actions.count("team.restore") == 1


def test_archive_refused_with_live_objectives_then_allowed_once_closed(world: World) -> None:
    objective = f.ObjectiveFactory.create(
        organisation=world.org, cycle=world.cycle, team=world.other_team, owner=world.admin
    )
    with pytest.raises(Conflict, match="owns 1 objective in a planning or active cycle"):
        accounts.team_archive(actor=world.admin, team=world.other_team)
    objective.state = ObjectiveState.CLOSED
    objective.save()
    accounts.team_archive(actor=world.admin, team=world.other_team)
    # Its objectives stay readable: still linked to the archived team.
    objective.refresh_from_db()
    assert objective.team_id == world.other_team.pk


def test_archive_allowed_when_the_objectives_are_in_a_closed_cycle(world: World) -> None:
    closed = f.CycleFactory.create(organisation=world.org, name="Old", state=CycleState.CLOSED)
    f.ObjectiveFactory.create(organisation=world.org, cycle=closed, team=world.other_team, owner=world.admin)
    accounts.team_archive(actor=world.admin, team=world.other_team)


def test_archive_refused_while_sub_teams_are_not_archived(world: World) -> None:
    with pytest.raises(Conflict, match="still has sub-teams"):
        accounts.team_archive(actor=world.admin, team=world.company)


def test_archive_and_restore_refusals(world: World) -> None:
    with pytest.raises(PermissionDenied):
        accounts.team_archive(actor=world.champion, team=world.other_team)
    with pytest.raises(PermissionDenied):
        accounts.team_archive(actor=world.viewer, team=world.other_team)
    with pytest.raises(Http404):
        accounts.team_archive(actor=world.outsider, team=world.other_team)
    with pytest.raises(Conflict, match="is not archived"):
        accounts.team_restore(actor=world.admin, team=world.other_team)
    accounts.team_archive(actor=world.admin, team=world.other_team)
    with pytest.raises(Conflict, match="already archived"):
        accounts.team_archive(actor=world.admin, team=world.other_team)


def test_restore_refused_under_an_archived_parent(world: World) -> None:
    dept = accounts.team_create(actor=world.admin, name="Ops", kind=TeamKind.DEPARTMENT, parent=world.company)
    child = accounts.team_create(actor=world.admin, name="Ops East", parent=dept)
    accounts.team_archive(actor=world.admin, team=child)
    accounts.team_archive(actor=world.admin, team=dept)
    with pytest.raises(Conflict, match="parent “Ops” is archived"):
        accounts.team_restore(actor=world.admin, team=child)


def test_no_new_team_or_move_under_an_archived_team(world: World) -> None:
    accounts.team_archive(actor=world.admin, team=world.other_team)
    with pytest.raises(Conflict, match="is archived"):
        accounts.team_create(actor=world.admin, name="New", parent=world.other_team)
    with pytest.raises(Conflict, match="is archived"):
        accounts.team_update(actor=world.admin, team=world.team, parent=world.other_team)


def test_moving_a_team_below_its_own_sub_team_is_refused(world: World) -> None:
    with pytest.raises(Conflict, match="cannot sit below itself"):
        accounts.team_update(actor=world.admin, team=world.company, parent=world.team)


def test_team_kinds_are_limited_to_the_levels_in_use(world: World) -> None:
    accounts.organisation_update(actor=world.admin, levels=["company", "team", "individual"])
    world.admin.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        accounts.team_create(actor=world.admin, name="Finance", kind=TeamKind.DEPARTMENT, parent=world.company)
    assert "does not use the department level" in str(exc.value.message_dict["kind"])
    with pytest.raises(ValidationError, match="does not use the department level"):
        accounts.team_update(actor=world.admin, team=world.team, kind=TeamKind.DEPARTMENT)
    assert not Team.objects.filter(name="Finance").exists()
    # A kind in use still works; an existing team keeps its kind when other fields change.
    accounts.team_create(actor=world.admin, name="Finance", kind=TeamKind.TEAM, parent=world.company)
    with pytest.raises(ValidationError, match="Unknown kind"):
        accounts.team_create(actor=world.admin, name="X", kind="tribe", parent=world.company)
