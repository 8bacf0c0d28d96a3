"""Invitations: an admin invites a person by email (or shares the link); the person accepts.

The token is shown once (in the email or the copyable link) and only its SHA-256 is stored, so a
database leak does not leak working links. An invitation is bound to its address: only an account
with that email can accept it, so a forwarded or leaked link does not let someone else join.
Inviting is the only way to add a person to an organisation, so nobody joins without consenting.
Each service checks permission, runs in one transaction and writes an audit entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Invitation, Membership, Role, User
from ambit.accounts.services import membership_add
from ambit.core.audit import AuditAction, audit_record
from ambit.core.errors import Conflict
from ambit.core.permissions import require_admin, require_same_org
from ambit.core.web import site_url

INVITATION_DAYS = 14


def normalised_email(email: str) -> str:
    """The form addresses are stored and compared in: trimmed, lower case."""
    return User.objects.normalize_email((email or "").strip()).lower()


def masked_email(email: str) -> str:
    """``p***@b.example``: enough for the invitee to recognise the address, not to harvest it."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def invitation_addressee_mismatch(*, invitation: Invitation, user: User) -> str:
    """Empty when ``user`` is the person invited; otherwise the refusal that says what to do."""
    if normalised_email(user.email) == normalised_email(invitation.email):
        return ""
    return (
        f"This invitation is for {masked_email(invitation.email)}; you are logged in as {user.email}: "
        "log out and open the link again, or ask for an invitation to your address."
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str, *, base_url: str) -> str:
    """The accept link under ``base_url`` (``ambit.core.web.site_url``: SITE_URL or the request's)."""
    return base_url.rstrip("/") + reverse("accounts:invitation-accept", args=[token])


@dataclass
class CreatedInvitation:
    invitation: Invitation
    token: str
    base_url: str

    @property
    def url(self) -> str:
        return invitation_url(self.token, base_url=self.base_url)


@transaction.atomic
def invitation_create(
    *, actor: Membership, email: str, role: str = Role.MEMBER, send: bool = True, base_url: str | None = None
) -> CreatedInvitation:
    """Invite ``email`` with ``role`` (admins only). Returns the one-time token with the row.

    ``base_url`` is where the link points: each web surface passes ``site_url(request)`` so the
    link works at the address the inviter is using; without it, ``site_url()`` decides."""
    require_admin(actor, "invite people")
    email = normalised_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": f"“{email}” is not an email address: check for typos."}) from None
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role “{role}”: choose one of {', '.join(Role.values)}."})
    if Membership.objects.filter(organisation_id=actor.organisation_id, user__email__iexact=email).exists():
        raise Conflict(f"{email} is already a member of {actor.organisation.name}.", field="email")
    now = timezone.now()
    open_ = Invitation.objects.filter(
        organisation_id=actor.organisation_id,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    )
    if open_.exists():
        raise Conflict(f"{email} already has an open invitation: revoke it first to send a new one.", field="email")
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation_id=actor.organisation_id,
        email=email,
        role=role,
        token_hash=token_hash(token),
        invited_by=actor,
        expires_at=now + dt.timedelta(days=INVITATION_DAYS),
    )
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.INVITATION_CREATE,
        obj=invitation,
        changes={"email": email, "role": role, "emailed": send},
    )
    created = CreatedInvitation(invitation=invitation, token=token, base_url=base_url or site_url())
    if send:
        org_name, inviter, url = actor.organisation.name, actor.user.get_full_name(), created.url

        def _send() -> None:
            send_mail(
                subject=f"{inviter} invited you to {org_name} on Ambit",
                message=(
                    f"Hello,\n\n{inviter} invited you to join {org_name} on Ambit, where the team keeps its "
                    f"OKRs.\n\nAccept the invitation here (the link works once and expires in "
                    f"{INVITATION_DAYS} days):\n\n{url}\n\nIf you weren't expecting this, you can ignore it.\n"
                ),
                from_email=None,
                recipient_list=[email],
            )

        transaction.on_commit(_send)
    return created


def invitation_lookup(*, token: str) -> Invitation:
    """The invitation behind a token; a clear Conflict when it can no longer be used."""
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by__user")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None:
        raise Conflict("This invitation link is not valid. Check you copied the whole link, or ask for a new one.")
    if invitation.revoked_at is not None:
        raise Conflict("This invitation was withdrawn. Ask an admin of the organisation to invite you again.")
    if invitation.accepted_at is not None:
        raise Conflict("This invitation has already been used. Log in with the account that accepted it.")
    if invitation.expires_at <= timezone.now():
        raise Conflict("This invitation has expired. Ask an admin of the organisation for a new one.")
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, user: User | None = None, full_name: str = "", password: str | None = None
) -> Membership:
    """Join through an invitation: as the logged-in ``user`` (whose email must be the invited
    address), or as a new person (name + password) for the invited address."""
    found = invitation_lookup(token=token)
    invitation = Invitation.objects.select_for_update().select_related("organisation").get(pk=found.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Conflict("This invitation has already been used or withdrawn.")
    if user is not None:
        refusal = invitation_addressee_mismatch(invitation=invitation, user=user)
        if refusal:
            raise PermissionDenied(refusal)
        email = user.email
    else:
        if not full_name.strip():
            raise ValidationError({"full_name": "Enter your name, as colleagues should see it."})
        if not password:
            raise ValidationError({"password1": "Choose a password."})
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise Conflict(
                f"An account for {invitation.email} already exists: log in first, then open the link again.",
                field="email",
            )
        email = invitation.email
    membership = membership_add(
        actor=None,
        organisation=invitation.organisation,
        email=email,
        full_name=full_name.strip(),
        role=invitation.role,
        password=password,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = membership.user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    audit_record(
        actor=membership,
        organisation=invitation.organisation,
        action=AuditAction.INVITATION_ACCEPT,
        obj=invitation,
        changes={"email": email, "role": invitation.role},
    )
    return membership


@transaction.atomic
def invitation_revoke(*, actor: Membership, invitation: Invitation) -> Invitation:
    require_same_org(actor, invitation.organisation_id)
    require_admin(actor, "withdraw invitations")
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already accepted: change the person's membership instead.")
    if invitation.revoked_at is not None:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=actor, organisation=actor.organisation, action=AuditAction.INVITATION_REVOKE, obj=invitation, changes={}
    )
    return invitation


def invitation_list_open(*, actor: Membership) -> list[Invitation]:
    if not actor.is_active:
        raise PermissionDenied("Inactive members cannot see invitations.")
    return list(
        Invitation.objects.filter(
            organisation_id=actor.organisation_id,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by__user")
        .order_by("-created_at")
    )


def invitation_get(*, actor: Membership, invitation_id: int) -> Invitation:
    from django.http import Http404

    invitation = Invitation.objects.filter(organisation_id=actor.organisation_id, pk=invitation_id).first()
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation
