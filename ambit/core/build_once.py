"""One build of a costly value at a time (the "dogpile" guard).

A value kept in the cache for a while (the weekly digest: an hour) is built again by whoever asks
first once it has expired. In a large organisation that takes seconds, and every request arriving
meanwhile would build it too: twenty readers, twenty builds, each slower for the others. With
:func:`build_once` the first takes a lock beside the key and builds; the others wait for its
result (polling the cache), and build it themselves only if it never comes (the builder died:
its lock is gone, or the wait ran out). With ``CACHE_URL`` shared (redis) this holds across
processes; with the default per-process cache, within each.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache

T = TypeVar("T")
WAIT_SECONDS = 60.0
POLL_SECONDS = 0.05


def build_once(key: str, build: Callable[[], T], seconds: int, *, wait: float = WAIT_SECONDS) -> T:
    """``build()`` kept under ``key`` for ``seconds``, built by one caller at a time."""
    found: Any = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    lock = f"{key}:building"
    holding = cache.add(lock, 1, int(wait) + 60)
    if not holding:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            found = cache.get(key)
            if found is not None:
                return found  # type: ignore[no-any-return]
            if cache.get(lock) is None:  # the builder stopped without keeping anything
                holding = cache.add(lock, 1, int(wait) + 60)
                break
    try:
        value = build()
        cache.set(key, value, seconds)
        return value
    finally:
        if holding:
            cache.delete(lock)
