"""The people page's writes through ``membership_update``: roles, sponsors, managers, activation."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ambit.accounts import services as accounts
from ambit.accounts.models import Role
from ambit.core.errors import Conflict
from ambit.core.models import AuditEntry
from tests.builders import World

pytestmark = pytest.mark.django_db


def test_admin_changes_role_sponsor_and_manager_with_audit(world: World) -> None:
    accounts.membership_update(
        actor=world.admin, membership=world.viewer, role=Role.MEMBER, is_executive_sponsor=True, manager=world.lead
    )
    world.viewer.refresh_from_db()
    assert (world.viewer.role, world.viewer.is_executive_sponsor, world.viewer.manager_id) == (
        Role.MEMBER,
        True,
        world.lead.pk,
    )
    entry = AuditEntry.objects.get(action="membership.update", object_id=str(world.viewer.pk))
    assert set(entry.changes) == {"role", "is_executive_sponsor", "manager"}


def test_deactivate_and_reactivate(world: World) -> None:
    accounts.membership_update(actor=world.admin, membership=world.member, is_active=False)
    world.member.refresh_from_db()
    assert world.member.is_active is False
    accounts.membership_update(actor=world.admin, membership=world.member, is_active=True)
    world.member.refresh_from_db()
    assert world.member.is_active is True


def test_nobody_is_their_own_manager(world: World) -> None:
    with pytest.raises(Conflict, match="their own manager"):
        accounts.membership_update(actor=world.admin, membership=world.lead, manager=world.lead)


def test_a_manager_loop_is_refused_and_names_the_people(world: World) -> None:
    # member reports to lead; lead reporting to member would close a loop.
    with pytest.raises(Conflict, match="reporting loop") as exc:
        accounts.membership_update(actor=world.admin, membership=world.lead, manager=world.member)
    assert exc.value.field == "manager"
    world.lead.refresh_from_db()
    assert world.lead.manager_id is None


def test_a_deactivated_manager_is_refused(world: World) -> None:
    accounts.membership_update(actor=world.admin, membership=world.viewer, is_active=False)
    with pytest.raises(ValidationError, match="deactivated"):
        accounts.membership_update(actor=world.admin, membership=world.lead, manager=world.viewer)


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(world: World) -> None:
    with pytest.raises(Conflict, match="at least one active admin"):
        accounts.membership_update(actor=world.admin, membership=world.admin, role=Role.MEMBER)
    with pytest.raises(Conflict, match="at least one active admin"):
        accounts.membership_update(actor=world.admin, membership=world.admin, is_active=False)
    accounts.membership_update(actor=world.admin, membership=world.champion, role=Role.ADMIN)
    accounts.membership_update(actor=world.champion, membership=world.admin, role=Role.MEMBER)
    world.admin.refresh_from_db()
    assert world.admin.role == Role.MEMBER


def test_refusals_by_role_and_organisation(world: World) -> None:
    with pytest.raises(PermissionDenied, match="Only admins"):
        accounts.membership_update(actor=world.champion, membership=world.member, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        accounts.membership_update(actor=world.member, membership=world.member, role=Role.ADMIN)
    with pytest.raises(Http404):
        accounts.membership_update(actor=world.outsider, membership=world.member, role=Role.VIEWER)
    with pytest.raises(ValidationError, match="same organisation"):
        accounts.membership_update(actor=world.admin, membership=world.member, manager=world.outsider)
    with pytest.raises(ValidationError, match="Unknown role"):
        accounts.membership_update(actor=world.admin, membership=world.member, role="owner")
