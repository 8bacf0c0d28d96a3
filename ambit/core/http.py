"""The request a member's page receives, typed once so views need no ``type: ignore``.

``member_required`` guarantees what this class promises: a logged-in ``user``, the acting
``member`` (their membership in the current organisation) and django-htmx's ``htmx`` details.
Views annotate their ``request`` parameter with it (healthchecks' ``AuthenticatedHttpRequest``
combined with django-htmx's ``HtmxHttpRequest``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from ambit.accounts.models import Membership, User


class HtmxRequest(HttpRequest):
    """Any request once django-htmx's middleware has run."""

    htmx: HtmxDetails


class MemberRequest(HtmxRequest):
    """A request that ``member_required`` let through."""

    user: User
    member: Membership
