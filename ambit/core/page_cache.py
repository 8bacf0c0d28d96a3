"""Pages kept between writes: the parts of a page computed from an organisation's data, cached
under a key that names everything they print, so nothing is invalidated and nothing stale shows.

A view that opts in builds a :class:`PageCache` (the key and a function computing the context the
parts need) and passes it as ``page_cache``; its template wraps those parts in
``{% cachedpart "name" %}…{% endcachedpart %}`` (``core/templatetags/page_cache.py``). When every
part is cached the page's context is never computed; when one is missing it is computed once
and every missing part is drawn from it.

The key (:func:`page_cache_key`) holds:

- the organisation's **data version** (``okrs.data_version``, read before anything is computed):
  every write moves it, so a page cached before a write is never found after it;
- the **viewer** (membership): what a page shows and offers depends on who looks;
- the **request**: path and query string, and whether HTMX asked;
- the **day** in the organisation's time zone and the server's, the active time zone and language
  (pace, due dates and "today" move at midnight);
- the **code**: a fingerprint of the application's files, so a deploy never serves HTML drawn by
  the previous release.

CSRF tokens differ per session: a part is stored with a placeholder where ``{% csrf_token %}``
printed one, and each response gets its own token in its place.
"""

from __future__ import annotations

import functools
import hashlib
import os
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone, translation

if TYPE_CHECKING:
    from ambit.accounts.models import Membership

T = TypeVar("T")
PAGE_CACHE_SECONDS = 15 * 60  # a bound on memory: the key, not the clock, keeps pages right
PREFIX = "page"


@dataclass
class PageCache:
    key: str
    build: Callable[[], Mapping[str, Any]]
    _built: Mapping[str, Any] | None = field(default=None, repr=False)

    def context(self) -> Mapping[str, Any]:
        """The context the cached parts are drawn from, computed at most once per response."""
        if self._built is None:
            self._built = self.build()
        return self._built


@functools.cache
def code_fingerprint() -> str:
    """A digest of the name, size and modification time of every file of the application (code,
    templates, static files, whose hashed names pages print), taken once per process: another
    release, another fingerprint."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.blake2b(digest_size=8)
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            stat = (Path(folder) / name).stat()
            digest.update(f"{folder}/{name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@functools.cache
def csrf_placeholder() -> str:
    """What a cached part holds where a CSRF token was printed: derived from the secret key, so no
    text anyone types can imitate it."""
    return "csrf-" + hashlib.blake2b(f"{settings.SECRET_KEY}:page-cache-csrf".encode(), digest_size=16).hexdigest()


def page_cache_key(request: HttpRequest, *, member: Membership, view: str, data_version: str) -> str:
    """The key of ``view`` as ``member`` sees it now (see the module's docstring for each part)."""
    now = timezone.now()
    org_zone = zoneinfo.ZoneInfo(member.organisation.time_zone or "UTC")
    printed = (
        view,
        member.pk,
        member.organisation_id,
        data_version,
        request.get_full_path(),
        request.headers.get("HX-Request", ""),
        request.headers.get("HX-Target", ""),
        timezone.localtime(now, org_zone).date().isoformat(),
        timezone.localdate(now).isoformat(),
        timezone.get_current_timezone_name(),
        translation.get_language(),
        code_fingerprint(),
    )
    digest = hashlib.blake2b(repr(printed).encode(), digest_size=16).hexdigest()
    return f"{PREFIX}:{member.organisation_id}:{view}:{digest}"


def cached(key: str, build: Callable[[], T]) -> T:
    """What ``build`` returns, kept under ``key`` (a :func:`page_cache_key`): for an API answer,
    whose data is cached before the schema serialises it, so every answer still goes through it."""
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, PAGE_CACHE_SECONDS)
    return found  # type: ignore[no-any-return]
