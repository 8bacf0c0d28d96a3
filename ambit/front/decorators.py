"""View decorators shared by every page: who is acting, and in which organisation."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import empty

from ambit.accounts.models import Membership


def acting_member(request: HttpRequest) -> Membership | None:
    """The acting membership as a plain model instance (the middleware attaches a lazy proxy)."""
    lazy = getattr(request, "membership", None)
    if lazy is None:
        return None
    wrapped = getattr(lazy, "_wrapped", lazy)
    if wrapped is empty:
        lazy._setup()
        wrapped = lazy._wrapped
    return wrapped if isinstance(wrapped, Membership) else None


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; a user without any organisation gets a friendly page instead of the view.
    The view receives ``request.member`` (a Membership)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        member = acting_member(request)
        if member is None:
            return render(request, "front/no_organisation.html", status=200)
        request.member = member  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
