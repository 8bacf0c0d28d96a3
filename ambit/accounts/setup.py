"""The first-run wizard's writes (issue 15): start an organisation, record the step reached, add
teams from a list of names and invite a list of addresses, through the same services as the rest
of the product (``organisation_create``, ``team_create``, ``invitations.invitation_create``).

Progress lives on the organisation (``setup_step``, ``setup_completed_at``): a reload, or coming
back a week later, resumes at the next step.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from ambit.accounts import invitations
from ambit.accounts.models import Level, Membership, Organisation, Role, Team, TeamKind, User
from ambit.accounts.services import organisation_create, team_create
from ambit.core.audit import AuditAction, audit_record
from ambit.core.errors import Conflict
from ambit.core.permissions import require_org_editor
from ambit.core.services import quoted

STEPS: tuple[tuple[int, str], ...] = (
    (1, "Organisation"),
    (2, "Cadence"),
    (3, "Levels"),
    (4, "Teams"),
    (5, "People"),
    (6, "Strategy and first cycle"),
)
LAST_STEP = STEPS[-1][0]
MAX_LINES = 100  # teams or addresses in one go: the import page takes more


def _unique_org_slug(name: str) -> str:
    base = (slugify(name) or "organisation")[:54]
    slug, n = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def setup_start(*, user: User, name: str, **charter: Any) -> Organisation:
    """Step 1 for someone who belongs to no organisation yet: create it; they become its admin."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied("Sign in to set up an organisation.")
    if Membership.objects.filter(user=user, is_active=True).exists():
        raise PermissionDenied(
            "You already belong to an organisation: its admins and champions finish its set-up at /setup/."
        )
    org = organisation_create(name=name, creator=user, slug=_unique_org_slug(name), **charter)
    org.setup_step = 1
    org.save(update_fields=["setup_step", "updated_at"])
    return org


@transaction.atomic
def setup_step_save(*, actor: Membership, step: int) -> Organisation:
    """Record that ``step`` is done (progress only moves forward)."""
    require_org_editor(actor, "set up the organisation")
    if not 1 <= step <= LAST_STEP:
        raise ValidationError({"step": f"The set-up has steps 1 to {LAST_STEP}."})
    org = Organisation.objects.select_for_update().get(pk=actor.organisation_id)
    if step > org.setup_step:
        before = org.setup_step
        org.setup_step = step
        org.save(update_fields=["setup_step", "updated_at"])
        audit_record(
            actor=actor,
            organisation=org,
            action=AuditAction.ORGANISATION_UPDATE,
            obj=org,
            changes={"setup_step": [before, step]},
        )
    actor.organisation = org
    return org


@transaction.atomic
def setup_finish(*, actor: Membership) -> Organisation:
    require_org_editor(actor, "set up the organisation")
    org = Organisation.objects.select_for_update().get(pk=actor.organisation_id)
    if org.setup_completed_at is None:
        org.setup_completed_at = timezone.now()
        org.setup_step = LAST_STEP
        org.save(update_fields=["setup_completed_at", "setup_step", "updated_at"])
        audit_record(
            actor=actor,
            organisation=org,
            action=AuditAction.ORGANISATION_UPDATE,
            obj=org,
            changes={"setup_completed_at": [None, org.setup_completed_at.isoformat()]},
        )
    actor.organisation = org
    return org


def company_team(actor: Membership) -> Team | None:
    """The root company team, when there is one (not archived)."""
    return (
        Team.objects.filter(
            organisation_id=actor.organisation_id, parent__isnull=True, kind=TeamKind.COMPANY, archived_at__isnull=True
        )
        .order_by("pk")
        .first()
    )


def _lines(text: str, *, field: str, what: str) -> list[str]:
    lines = [line.strip() for line in re.split(r"[\r\n]+", text or "") if line.strip()]
    if len(lines) > MAX_LINES:
        raise ValidationError({field: f"At most {MAX_LINES} {what} at a time: use the import page for more."})
    return lines


@transaction.atomic
def setup_teams_create(*, actor: Membership, names: str) -> list[Team]:
    """One team per line of ``names`` under the company (created first when missing): departments
    when the charter uses that level, otherwise teams. All or nothing."""
    org = actor.organisation
    lines = _lines(names, field="names", what="teams")
    if not lines:
        return []
    seen: set[str] = set()
    for line in lines:
        if line.lower() in seen:
            raise ValidationError({"names": f"{quoted(line)} is listed twice: keep one."})
        seen.add(line.lower())
    created: list[Team] = []
    company = company_team(actor)
    if company is None and Level.COMPANY in (org.levels or []):
        company = team_create(actor=actor, name=org.name, kind=TeamKind.COMPANY)
        created.append(company)
    existing = {
        n.lower()
        for n in Team.objects.filter(organisation_id=org.pk, parent=company, archived_at__isnull=True).values_list(
            "name", flat=True
        )
    }
    kind = next((lv for lv in (Level.DEPARTMENT, Level.TEAM) if lv in (org.levels or [])), None)
    if kind is None:
        raise Conflict("The charter uses neither departments nor teams: add a level in step 3 first.", field="names")
    for line in lines:
        if line.lower() in existing:
            raise ValidationError({"names": f"{quoted(line)} already exists: remove it from the list."})
        try:
            created.append(team_create(actor=actor, name=line, kind=kind, parent=company))
        except ValidationError as exc:
            messages = "; ".join(exc.messages)
            raise ValidationError({"names": f"{quoted(line)}: {messages}"}) from None
    return created


_EMAIL_SPLIT = re.compile(r"[\s,;]+")


@transaction.atomic
def setup_invite(*, actor: Membership, emails: str, role: str = Role.MEMBER, base_url: str | None = None) -> int:
    """Invite every address in ``emails`` (separated by lines, commas or spaces) with ``role``.
    All or nothing: one bad address lists every problem and invites nobody."""
    addresses = [e for e in _EMAIL_SPLIT.split(emails or "") if e]
    if len(addresses) > MAX_LINES:
        raise ValidationError({"emails": f"At most {MAX_LINES} addresses at a time: use the import page for more."})
    problems: list[str] = []
    seen: set[str] = set()
    for address in addresses:
        if address.lower() in seen:
            continue
        seen.add(address.lower())
        try:
            with transaction.atomic():
                invitations.invitation_create(actor=actor, email=address, role=role, send=True, base_url=base_url)
        except ValidationError as exc:
            problems.append("; ".join(exc.messages))
        except Conflict as exc:
            problems.append(exc.message)
    if problems:
        # Raising rolls back the invitations already made (their emails go on commit only).
        raise ValidationError({"emails": " ".join(problems) + " Nobody was invited: fix the list and try again."})
    return len(seen)
