"""Web plumbing every app's pages share: who is acting, what they may do, and how a page answers.

A view states its permission once, at its edge (pretix's ``event_permission_required``):
``@member_required`` for any member, ``@member_required(permission=require_writer)`` when the
whole view is a write. Object-level rules (may this member edit this objective?) belong to the
app's load-and-check helper, which calls the same ``ambit.core.permissions`` rule.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar, overload
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import empty
from django_htmx.http import HttpResponseClientRedirect

from ambit.core.http import MemberRequest

if TYPE_CHECKING:
    from ambit.accounts.models import Membership

P = ParamSpec("P")
MemberView = Callable[Concatenate[MemberRequest, P], HttpResponse]
Permission = Callable[["Membership"], None]
R = TypeVar("R", bound=HttpRequest)


# Where absolute links point when SITE_URL is unset and there is no request (``make run``'s address).
FALLBACK_SITE_URL = "http://127.0.0.1:8000"


def site_url(request: HttpRequest | None = None) -> str:
    """The site's address for absolute links, without a trailing slash: ``SITE_URL`` when it is
    set (behind a proxy the request may not know the public address), otherwise the scheme and
    host this request came to, so a link works wherever the app runs."""
    configured = str(getattr(settings, "SITE_URL", "") or "")
    if configured:
        return configured.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return FALLBACK_SITE_URL


def acting_member(request: HttpRequest) -> Membership | None:
    """The acting membership as a plain model instance (the middleware attaches a lazy proxy,
    which the services' ``isinstance`` checks and the templates' attribute caches should not see)."""
    lazy = getattr(request, "membership", None)
    if lazy is None:
        return None
    wrapped = getattr(lazy, "_wrapped", lazy)
    if wrapped is empty:
        lazy._setup()
        wrapped = lazy._wrapped
    return wrapped  # type: ignore[no-any-return]


@overload
def member_required(view: MemberView[P], /) -> Callable[Concatenate[HttpRequest, P], HttpResponse]: ...


@overload
def member_required(
    *, permission: Permission | None = None
) -> Callable[[MemberView[P]], Callable[Concatenate[HttpRequest, P], HttpResponse]]: ...


def member_required(view: Any = None, /, *, permission: Permission | None = None) -> Any:
    """Log in first; a user without any organisation gets a friendly page instead of the view.

    The view receives ``request.member`` (see ``MemberRequest``). ``permission`` is a rule from
    ``ambit.core.permissions`` that takes the acting member and raises ``PermissionDenied`` with its
    own message (``require_writer``, or ``functools.partial(require_org_editor, what=...)``)."""

    def decorate(inner: MemberView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
        @functools.wraps(inner)
        def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                login = redirect_to_login(_page_path(request))
                if request.headers.get("HX-Request") == "true":
                    # An HTMX request (a session that expired under an open page, a lazily loaded
                    # part) would follow the redirect and swap the login page into a part of the
                    # page: the whole page goes to the login instead.
                    return HttpResponseClientRedirect(login.url)
                return login
            member = acting_member(request)
            if member is None:
                return render(request, "front/no_organisation.html", status=200)
            request.member = member  # type: ignore[attr-defined]
            if permission is not None:
                permission(member)
            return inner(request, *args, **kwargs)  # type: ignore[arg-type]

        return wrapper

    return decorate(view) if view is not None else decorate


def _page_path(request: HttpRequest) -> str:
    """Where to come back to after logging in: for an HTMX request the page it was made from
    (``HX-Current-URL``, on this site), not the fragment's own address."""
    if request.headers.get("HX-Request") == "true":
        current = request.headers.get("HX-Current-URL", "")
        parts = urlsplit(current)
        if current and parts.netloc == request.get_host():
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.get_full_path()


def member_of(request: HttpRequest) -> Membership:
    """The membership ``member_required`` attached to the request (for code that holds a plain
    ``HttpRequest``; views annotated with ``MemberRequest`` read ``request.member``)."""
    return request.member  # type: ignore[attr-defined,no-any-return]


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, fragment: str | None = None, status: int = 200
) -> HttpResponse:
    """The whole page, or only ``fragment`` when HTMX asks for it."""
    if fragment and getattr(request, "htmx", False):
        return render(request, fragment, context, status=status)
    return render(request, template, context, status=status)
