"""Brute-force limits for signing in and for password-reset requests.

Failed logins (``/accounts/login/`` and ``/admin/login/``) are counted by django-axes per
username *and* IP together, so an attacker elsewhere cannot lock a person out from everywhere
(``settings.AXES_*``, from ``LOGIN_FAILURE_LIMIT`` and ``LOGIN_COOLOFF_MINUTES``). Reset requests
are counted here per address and per IP, whether or not the address has an account, so the
limit says nothing about who exists.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from ambit.core.throttle import client_ip, throttle_hit

RESET_WINDOW_SECONDS = 3600


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The username axes counts failures under: the email as typed, trimmed and lower-cased.

    Without this, ``Bob@acme.test`` and ``bob@acme.test`` would each get their own allowance.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    value = (credentials or {}).get(field) or request.POST.get(field, "")
    return str(value).strip().lower()


def password_reset_wait(request: HttpRequest, email: str) -> int:
    """Count one reset request; 0 while within both hourly limits, else the seconds to wait.

    Both counters move on every request, so a caller past the per-IP limit cannot probe
    addresses, and one address cannot be flooded with mail from many IPs.
    """
    by_email = throttle_hit(
        "password-reset-email",
        email.strip().lower(),
        limit=settings.PASSWORD_RESET_LIMIT_PER_EMAIL,
        window_seconds=RESET_WINDOW_SECONDS,
    )
    by_ip = throttle_hit(
        "password-reset-ip",
        client_ip(request),
        limit=settings.PASSWORD_RESET_LIMIT_PER_IP,
        window_seconds=RESET_WINDOW_SECONDS,
    )
    return max(by_email, by_ip)
