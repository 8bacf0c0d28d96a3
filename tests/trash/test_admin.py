"""The trash in the Django admin: read-only rows; restore and delete for good run the services as
the staff user's membership, so a champion's delete is refused with the service's message."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ambit.accounts.models import Membership
from ambit.core.models import AuditAction, AuditEntry
from ambit.okrs import services as okrs
from ambit.okrs.models import Objective
from ambit.trash.models import TrashItem
from tests.builders import World

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:trash_trashitem_changelist")


def _staff(member: Membership) -> Client:
    user = member.user
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def _deleted(world: World, title: str) -> tuple[int, TrashItem]:
    objective = okrs.objective_create(actor=world.lead, cycle=world.cycle, title=title, team=world.team)
    pk = objective.pk
    okrs.objective_delete(actor=world.lead, objective=objective)
    return pk, TrashItem.objects.get(title=title)


def test_admin_actions_restore_and_delete_through_the_services(world: World) -> None:
    obj_id, item = _deleted(world, "Restore me")
    _, other = _deleted(world, "Delete me")
    client = _staff(world.admin)
    page = client.get(reverse("admin:trash_trashitem_change", args=[item.pk])).content.decode()
    assert "Restore me" in page and "payload" not in page.lower()

    client.post(CHANGELIST, {"action": "restore_selected", "_selected_action": [item.pk]})
    assert Objective.objects.filter(pk=obj_id).exists()
    response = client.post(CHANGELIST, {"action": "delete_for_good", "_selected_action": [other.pk]}, follow=True)
    assert "1 item deleted for good." in response.content.decode()
    assert not TrashItem.objects.exists()
    actions = set(AuditEntry.objects.filter(actor=world.admin.user).values_list("action", flat=True))
    assert {AuditAction.TRASH_RESTORE, AuditAction.TRASH_DELETE} <= actions


def test_a_champion_is_refused_deleting_for_good(world: World) -> None:
    _, item = _deleted(world, "Kept")
    client = _staff(world.champion)
    response = client.post(CHANGELIST, {"action": "delete_for_good", "_selected_action": [item.pk]}, follow=True)
    assert "Only admins may delete from the trash for good." in response.content.decode()
    assert TrashItem.objects.filter(pk=item.pk).exists()
