"""Bearer-token authentication with a per-token (or, unauthenticated, per-IP) rate limit."""

from __future__ import annotations

import datetime as dt
import math
import time

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

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
WINDOW_SECONDS = 60
LAST_USED_EVERY = dt.timedelta(minutes=1)


def rate_limit(key: str, *, limit: int | None = None) -> None:
    """Fixed-window counter in the cache; raises RateLimited past ``limit`` hits per minute."""
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
    if count > limit:
        raise RateLimited(retry_after=max(1, math.ceil((window + 1) * WINDOW_SECONDS - now)))


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


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
            rate_limit(f"ip:{client_ip(request)}")
        return membership

    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        if not token.startswith("amb_") or len(token) > 200:
            return None
        api_token = api_token_by_secret(secret=token)
        if api_token is None:
            return None
        rate_limit(f"token:{api_token.pk}")
        if api_token.read_only and request.method not in SAFE_METHODS:
            raise PermissionDenied("This token is read-only: create a read-write token to make changes.")
        _touch(api_token)
        membership = api_token.membership
        request.api_token = api_token  # type: ignore[attr-defined]
        # Services and templates read the acting membership from the request, as on the web.
        request.membership = membership  # type: ignore[attr-defined]
        return membership
