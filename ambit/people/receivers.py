"""When an invited person accepts, put them where the import said: team, lead flag, title and
manager (``PendingPlacement``), and link the people who were waiting for them as their manager.

Connected to ``post_save`` of ``Invitation`` (``PeopleConfig.ready``): accepting saves the
invitation with ``accepted_at``, after the membership exists, in the same transaction. The
changes go through the accounts services as the admin who invited them (or, if they are no
longer an admin, the organisation's first active admin), so each one is audited. A placement that
can no longer be applied (the team was deleted, the manager left) is dropped: it must never stop
someone from joining, so each step runs in its own savepoint and a refusal skips that step.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from ambit.accounts.invitations import normalised_email
from ambit.accounts.models import Invitation, Membership, Role
from ambit.accounts.services import membership_update, team_member_set
from ambit.core.errors import Conflict
from ambit.people.models import PendingPlacement

logger = logging.getLogger("ambit.people")
_SKIPPED = (ValidationError, Conflict, PermissionDenied, Http404)


def _admin(invitation: Invitation) -> Membership | None:
    inviter = invitation.invited_by
    if inviter is not None and inviter.is_admin:
        return inviter
    return (
        Membership.objects.filter(organisation_id=invitation.organisation_id, role=Role.ADMIN, is_active=True)
        .select_related("organisation", "user")
        .order_by("pk")
        .first()
    )


def _member(organisation_id: int, email: str) -> Membership | None:
    return (
        Membership.objects.filter(organisation_id=organisation_id, user__email__iexact=email, is_active=True)
        .select_related("user", "organisation")
        .first()
    )


def _try(step: str, email: str, fn: Any, **kwargs: Any) -> bool:
    try:
        with transaction.atomic():
            fn(**kwargs)
    except _SKIPPED as exc:
        logger.info("people import: %s for %s skipped: %s", step, email, exc)
        return False
    return True


def placements_apply(*, invitation: Invitation) -> None:
    """Apply what the import kept for the person who just accepted ``invitation``."""
    org_id, email = invitation.organisation_id, normalised_email(invitation.email)
    actor = _admin(invitation)
    joined = _member(org_id, email)
    if actor is None or joined is None:
        return
    own = PendingPlacement.objects.filter(organisation_id=org_id, email=email).select_related("team").first()
    if own is not None:
        if own.team is not None and own.team.organisation_id == org_id:
            _try("team", email, team_member_set, actor=actor, team=own.team, membership=joined, is_lead=own.is_lead)
        if own.title:
            _try("title", email, membership_update, actor=actor, membership=joined, title=own.title)
        manager = _member(org_id, own.manager_email) if own.manager_email else None
        if manager is not None:
            _try("manager", email, membership_update, actor=actor, membership=joined, manager=manager)
        if own.manager_email and manager is None:
            # The manager has not joined yet: keep only the link, applied when they accept.
            own.team, own.is_lead, own.title = None, False, ""
            own.save(update_fields=["team", "is_lead", "title", "updated_at"])
        else:
            own.delete()
    for waiting in PendingPlacement.objects.filter(organisation_id=org_id, manager_email=email):
        report = _member(org_id, waiting.email)
        if report is None:
            continue  # they have not joined either: their own acceptance links them
        _try("manager", waiting.email, membership_update, actor=actor, membership=report, manager=joined)
        if waiting.team_id is None and not waiting.title:
            waiting.delete()
        else:
            waiting.manager_email = ""
            waiting.save(update_fields=["manager_email", "updated_at"])


def on_invitation_saved(sender: type[Invitation], instance: Invitation, created: bool, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if created or instance.accepted_at is None:
        return
    if update_fields is not None and "accepted_at" not in update_fields:
        return
    placements_apply(invitation=instance)
