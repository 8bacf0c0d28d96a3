"""Fixed-window counters in Django's cache, for throttling what brute force would repeat.

Used for password-reset requests (per address and per IP) and failed API tokens (per IP). Login
attempts are django-axes' job (``settings.AXES_*``). A fixed window is enough here: the point is
to bound guesses to a handful per window, not to shape traffic precisely.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

UNKNOWN_IP = "0.0.0.0"


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address, for counting guesses (django-axes, password resets, API tokens).

    ``REMOTE_ADDR`` unless the app runs behind ``TRUSTED_PROXY_COUNT`` reverse proxies (default 1
    with ``BEHIND_TLS_PROXY=1``): then the address that the outermost trusted proxy appended to
    ``X-Forwarded-For``, counted from the right, so a client cannot forge it by sending its own
    header. Without this, every client behind a proxy would share one address, and a handful of
    guesses would lock everyone out. Always a valid IP address (axes stores it in an inet column):
    ``0.0.0.0`` for a request with none, such as Django's test client's ``force_login``.
    """
    remote = _valid_ip(str(request.META.get("REMOTE_ADDR") or "")) or UNKNOWN_IP
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [h for h in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if h.strip()]
    if len(hops) < proxies:
        return remote
    return _valid_ip(hops[-proxies]) or remote


def _window(seconds: int) -> tuple[int, int]:
    """The current window's number and the seconds until it ends (at least 1)."""
    now = time.time()
    number = int(now // seconds)
    return number, max(1, math.ceil((number + 1) * seconds - now))


def _key(scope: str, subject: str, number: int) -> str:
    # Hashed: subjects are email addresses and IPs, which need not sit in the cache in clear.
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"ambit:throttle:{scope}:{digest}:{number}"


def throttle_hit(scope: str, subject: str, *, limit: int, window_seconds: int) -> int:
    """Count one hit for ``subject``; returns 0 while within ``limit``, else the seconds to wait."""
    number, remaining = _window(window_seconds)
    key = _key(scope, subject, number)
    # add() is a no-op when the key exists, so concurrent first hits don't reset the counter.
    cache.add(key, 0, timeout=window_seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window_seconds + 5)
        count = 1
    return remaining if count > limit else 0


def throttle_blocked(scope: str, subject: str, *, limit: int, window_seconds: int) -> int:
    """Without counting: 0 while ``subject`` has fewer than ``limit`` hits, else the seconds to wait."""
    number, remaining = _window(window_seconds)
    count = cache.get(_key(scope, subject, number), 0)
    return remaining if count >= limit else 0
