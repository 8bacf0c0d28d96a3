"""Bearer-token authentication with a per-token (or, unauthenticated, per-IP) rate limit.

Invalid bearer tokens are also counted per IP: past ``API_TOKEN_FAILURE_LIMIT`` within
``API_TOKEN_FAILURE_MINUTES``, every bearer token from that IP gets 429 with Retry-After until the
window ends — a valid one too. Guessing is what is being stopped, and a token that works after a
run of failures from the same address is exactly what a successful guess looks like; a real
client that mistyped its token waits the window out (Retry-After says how long).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from ambit.accounts.models import Membership
from ambit.api.models import ApiToken
from ambit.api.problems import RateLimited
from ambit.api.selectors import api_token_by_secret
from ambit.core.throttle import client_ip, throttle_blocked, throttle_hit

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
WINDOW_SECONDS = 60
LAST_USED_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class RateWindow:
    """Where a client stands in the current window, sent on every response as the IETF draft's
    ``RateLimit-*`` headers so an integrator can pace itself instead of running into 429s."""

    limit: int
    remaining: int
    reset: int  # seconds until the window ends and the count starts again

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


def rate_limit_headers(request: HttpRequest) -> dict[str, str]:
    """The ``RateLimit-*`` headers for the request's window; none when no counter was touched."""
    window: RateWindow | None = getattr(request, "rate_window", None)
    return window.headers() if window is not None else {}


def rate_limit(request: HttpRequest, key: str, *, limit: int | None = None) -> RateWindow:
    """Fixed-window counter in the cache; raises RateLimited past ``limit`` hits per minute.

    The window is kept on the request (``request.rate_window``) for the response headers, the
    refusal included.
    """
    limit = settings.API_RATE_LIMIT if limit is None else limit
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    cache_key = f"ambit:api-rate:{key}:{window}"
    # add() is a no-op when the key exists, so concurrent first hits don't reset the counter.
    cache.add(cache_key, 0, timeout=WINDOW_SECONDS + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, timeout=WINDOW_SECONDS + 5)
        count = 1
    reset = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
    state = RateWindow(limit=limit, remaining=max(0, limit - count), reset=reset)
    request.rate_window = state  # type: ignore[attr-defined]
    if count > limit:
        raise RateLimited(retry_after=reset)
    return state


def _token_failure_limits() -> dict[str, int]:
    return {
        "limit": settings.API_TOKEN_FAILURE_LIMIT,
        "window_seconds": settings.API_TOKEN_FAILURE_MINUTES * 60,
    }


def _refuse_guessing_ip(request: HttpRequest) -> None:
    """429 for an IP that sent too many invalid tokens in the current window."""
    wait = throttle_blocked("api-token-failure", client_ip(request), **_token_failure_limits())
    if wait:
        raise RateLimited(retry_after=wait)


def _count_invalid_token(request: HttpRequest) -> None:
    throttle_hit("api-token-failure", client_ip(request), **_token_failure_limits())


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


class TokenAuth(HttpBearer):
    """``Authorization: Bearer amb_…``. The token acts as its membership, with that role."""

    def __call__(self, request: HttpRequest) -> Membership | None:
        membership = super().__call__(request)
        if membership is None:
            rate_limit(request, f"ip:{client_ip(request)}")
        return membership

    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        _refuse_guessing_ip(request)
        if not token.startswith("amb_") or len(token) > 200:
            _count_invalid_token(request)
            return None
        api_token = api_token_by_secret(secret=token)
        if api_token is None:
            _count_invalid_token(request)
            return None
        rate_limit(request, f"token:{api_token.pk}")
        if api_token.read_only and request.method not in SAFE_METHODS:
            raise PermissionDenied("This token is read-only: create a read-write token to make changes.")
        _touch(api_token)
        membership = api_token.membership
        request.api_token = api_token  # type: ignore[attr-defined]
        # Services and templates read the acting membership from the request, as on the web.
        request.membership = membership  # type: ignore[attr-defined]
        return membership
