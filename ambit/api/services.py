"""Writes for API tokens: create (the secret is returned once) and revoke. Each audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.api.models import ApiToken
from ambit.core.audit import AuditAction, audit_record
from ambit.core.errors import Conflict
from ambit.core.permissions import require_same_org

TOKEN_PREFIX = "amb_"
# "amb_" plus the first characters of the random part: enough to tell tokens apart, useless to guess.
VISIBLE_CHARS = 12


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class CreatedToken:
    token: ApiToken
    secret: str


@transaction.atomic
def api_token_create(
    *, actor: Membership, name: str, read_only: bool = False, expires_at: dt.datetime | None = None
) -> CreatedToken:
    """A personal token acting as ``actor``. The secret is in the result and nowhere else."""
    if not actor.is_active:
        raise PermissionDenied("Only active members can create API tokens.")
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Give the token a name, e.g. the script or integration that will use it."
    elif len(name) > 100:
        errors["name"] = "Keep the name under 100 characters."
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = "The expiry must be in the future (or leave it empty for no expiry)."
    if errors:
        raise ValidationError(errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organisation_id=actor.organisation_id,
        membership=actor,
        name=name,
        prefix=secret[:VISIBLE_CHARS],
        hash=token_hash(secret),
        read_only=read_only,
        expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.API_TOKEN_CREATE,
        obj=token,
        changes={"name": name, "prefix": token.prefix, "read_only": read_only},
    )
    return CreatedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, actor: Membership, token: ApiToken) -> ApiToken:
    """Revoke a token: its owner may, and so may an admin of its organisation."""
    require_same_org(actor, token.organisation_id)
    if token.membership_id != actor.pk and not actor.is_admin:
        raise PermissionDenied("You may revoke your own tokens; admins may revoke anyone's.")
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise Conflict("This token is already revoked.", field="token")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.API_TOKEN_REVOKE,
        obj=token,
        changes={"revoked_at": [None, token.revoked_at]},
    )
    return token
