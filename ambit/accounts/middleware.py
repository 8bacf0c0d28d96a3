"""Attach the acting membership (the user's place in the current organisation) to each request.

It lives in ``accounts`` because it reads memberships; ``ambit.core.web.member_required`` only
unwraps what this middleware attached, so ``core`` needs no import of ``accounts``."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from ambit.accounts.models import Membership

SESSION_KEY = "ambit_membership_id"


def resolve_membership(request: HttpRequest) -> Membership | None:
    """The session's chosen membership when still active, else the user's oldest active one.

    Only an explicit choice (switching organisation, joining one) is written to the session:
    the default is found again on every request, so showing a page (even an error page, which
    draws the site layout) never changes which organisation the person acts in."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    qs = Membership.objects.select_related("organisation", "user").filter(user=user, is_active=True)
    wanted = request.session.get(SESSION_KEY)
    membership = qs.filter(pk=wanted).first() if wanted else None
    if membership is None:
        membership = qs.order_by("created_at", "id").first()
    return membership


class CurrentMembershipMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = SimpleLazyObject(lambda: resolve_membership(request))  # type: ignore[attr-defined]
        return self.get_response(request)
