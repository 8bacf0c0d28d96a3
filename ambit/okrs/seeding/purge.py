"""Deleting a seeded organisation (``seed_demo --reset``, ``seed_synthetic --replace``).

``Organisation.delete()`` alone is refused: inside one tenant, check-in authors, objective owners,
parent cycles and parent teams are PROTECT links, so the rows go leaves-first here.
"""

from __future__ import annotations

from django.db import models, transaction

from ambit.accounts.models import Membership, Organisation, Team, User
from ambit.core.models import AuditEntry
from ambit.okrs.models import CheckIn, Cycle, Objective

# The apps whose rows this module deletes in order itself.
HANDLED = ("accounts", "okrs")


@transaction.atomic
def organisation_purge(*, organisation: Organisation) -> None:
    """Delete an organisation and everything in it (seeded data only: this skips the services,
    and their audit trail, on purpose)."""
    org_id = organisation.pk
    # Check-ins are append-only (their model refuses delete()); a raw delete also keeps a large
    # synthetic history from being loaded into memory by the deletion collector.
    CheckIn.objects.filter(organisation_id=org_id)._raw_delete(CheckIn.objects.db)
    AuditEntry.objects.filter(organisation_id=org_id)._raw_delete(AuditEntry.objects.db)
    Objective.objects.filter(organisation_id=org_id).update(source_key_result=None, rolled_over_from=None)
    Objective.objects.filter(organisation_id=org_id).delete()
    Cycle.objects.filter(organisation_id=org_id, parent__isnull=False).delete()
    Cycle.objects.filter(organisation_id=org_id).delete()
    _protecting(Team, org_id)
    teams = Team.objects.filter(organisation_id=org_id)
    while teams.exists():
        teams.filter(children__isnull=True).delete()
    Membership.objects.filter(organisation_id=org_id).update(manager=None)
    _protecting(Membership, org_id)
    organisation.delete()


def _protecting(model: type[Team] | type[Membership], org_id: int) -> None:
    """Delete the rows of other apps (KPIs of a team, comments of a member…) that keep ``model``'s
    rows of this organisation from being deleted (PROTECT links this module cannot name: the apps
    above okrs)."""
    for rel in model._meta.related_objects:
        other = rel.related_model
        if rel.on_delete is not models.PROTECT or isinstance(other, str) or other._meta.app_label in HANDLED:
            continue
        other._default_manager.filter(**{f"{rel.field.name}__organisation_id": org_id}).delete()


def users_purge(*, email_suffix: str) -> int:
    """Delete users whose email ends with ``email_suffix`` and who belong to no organisation."""
    users = User.objects.filter(email__endswith=email_suffix, memberships__isnull=True)
    count = users.count()
    users.delete()
    return count
