"""Ids and numbers read by hand from GET/POST: one parser each, so no surface trips on them.

``str.isdigit()`` is no guard: it is true for "²" and "٣", which ``int()`` refuses or reads
differently, and a 5,000-digit string passes it but breaks ``int()`` (Python's digit limit) or
overflows PostgreSQL's bigint. A malformed id is treated as absent; the caller decides whether
absent means "use the default" or 404.
"""

from __future__ import annotations

import re
from typing import Any

MAX_ID = 2**63 - 1  # PostgreSQL bigint, the type of every primary key
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(value: Any) -> int | None:
    """``value`` as a primary key (ASCII digits, 1 ≤ id ≤ 2**63-1), or None when it is not one."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def parse_ids(values: Any) -> set[int]:
    """The valid ids among ``values`` (e.g. ``request.POST.getlist(...)``); the others are dropped."""
    return {n for n in (parse_id(v) for v in values or ()) if n is not None}


def parse_page(value: Any, *, last: int = 99_999) -> int:
    """A 1-based page number from the query string; anything unusable is page 1."""
    number = parse_id(value)
    return number if number is not None and number <= last else 1
