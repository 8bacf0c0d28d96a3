"""Reads of API tokens, scoped to the acting membership."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from ambit.accounts.models import Membership
from ambit.api.models import ApiToken
from ambit.api.services import token_hash


def api_token_list(*, actor: Membership) -> QuerySet[ApiToken]:
    """The actor's own tokens, newest first (revoked ones too, so the history is visible)."""
    return ApiToken.objects.filter(membership=actor).order_by("-created_at", "-id")


def api_token_get(*, actor: Membership, token_id: int) -> ApiToken:
    token = api_token_list(actor=actor).filter(pk=token_id).first()
    if token is None:
        raise Http404("No such token.")
    return token


def api_token_by_secret(*, secret: str) -> ApiToken | None:
    """The live token with this secret, with its membership, organisation and user: one query."""
    token = (
        ApiToken.objects.select_related("membership__organisation", "membership__user")
        .filter(hash=token_hash(secret))
        .first()
    )
    if token is None or not token.is_live:
        return None
    m = token.membership
    if not m.is_active or not m.user.is_active:
        return None
    return token
