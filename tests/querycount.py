"""Query-count assertions that explain themselves (after zulip's ``assert_database_query_count``).

A bare "expected 19 queries, got 21" sends whoever broke it hunting; these helpers fail with every
captured statement, numbered and shortened, the repeated shapes called out (an N+1 shows as the same
SELECT with a different id, many times) and, when the expectation is another run of the same page
with less data, the statements the bigger run added or dropped::

    with assert_queries(19):                 # exactly 19
        client.get(url)

    with count_queries() as small:           # measure, then compare
        client.get(url)
    grow_the_data()
    with assert_queries(small):              # the same count as the smaller run
        client.get(url)

Every query-count check in ``tests/`` goes through here, so each failure reads the same way.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext

SHOWN_CHARS = 300  # enough for the FROM and WHERE of a statement, short enough to scan a list of 30

_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"(?<![\w\"])-?\d+(?:\.\d+)?(?![\w\"])")
_IN_LIST = re.compile(r"IN \((?:\?(?:, ?)?)+\)")


@dataclass
class Queries:
    """The SQL run inside a ``count_queries()`` / ``assert_queries()`` block, in order."""

    statements: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.statements)

    def matching(self, fragment: str) -> list[str]:
        """The statements that contain ``fragment`` (e.g. ``'FROM "okrs_keyresult"'``)."""
        return [sql for sql in self.statements if fragment in sql]


def shape(sql: str) -> str:
    """The statement with its literal values blanked, so the same query for another row compares equal."""
    return _IN_LIST.sub("IN (…)", _NUMBER.sub("?", _STRING.sub("?", sql)))


def _short(sql: str) -> str:
    return sql if len(sql) <= SHOWN_CHARS else sql[: SHOWN_CHARS - 1] + "…"


def describe(queries: Queries) -> str:
    """Every statement numbered and shortened, then the shapes that ran more than once."""
    first_of: dict[str, int] = {}
    lines = []
    for number, sql in enumerate(queries.statements, start=1):
        key = shape(sql)
        repeat = f"   [same shape as #{first_of[key]}]" if key in first_of else ""
        first_of.setdefault(key, number)
        lines.append(f"{number:>3}. {_short(sql)}{repeat}")
    repeated = [(key, n) for key, n in Counter(map(shape, queries.statements)).items() if n > 1]
    if repeated:
        lines.append("Repeated shapes (a query per row is an N+1):")
        lines += [f"  {n} × {_short(key)}" for key, n in sorted(repeated, key=lambda item: -item[1])]
    return "\n".join(lines) if lines else "  (no statements)"


def difference(baseline: Queries, queries: Queries) -> str:
    """The statement shapes one run has more of than the other, counted."""
    before, after = Counter(map(shape, baseline.statements)), Counter(map(shape, queries.statements))
    added, dropped = after - before, before - after
    lines = [f"  + {n} × {_short(key)}" for key, n in added.most_common()]
    lines += [f"  - {n} × {_short(key)}" for key, n in dropped.most_common()]
    return "\n".join(lines) if lines else "  (the same shapes, a different number of times)"


def check_count(queries: Queries, expected: int | Queries, *, at_most: bool = False, label: str = "") -> None:
    """Fail with the SQL unless ``queries`` has ``expected`` statements (no more than, with ``at_most``).

    ``expected`` may be the ``Queries`` of a smaller run of the same code, to pin "the count does
    not grow with the data"; the message then also shows what the bigger run added.
    """
    __tracebackhide__ = True
    want = len(expected) if isinstance(expected, Queries) else expected
    if len(queries) == want or (at_most and len(queries) < want):
        return
    bound = "at most " if at_most else ""
    title = f"{label}: " if label else ""
    message = [f"{title}expected {bound}{want} queries, {len(queries)} were run:", describe(queries)]
    if isinstance(expected, Queries):
        message += [f"Against the baseline run of {len(expected)} queries (+ only here, - only there):"]
        message += [difference(expected, queries), "The baseline's statements:", describe(expected)]
    raise AssertionError("\n".join(message))


@contextmanager
def count_queries(using: str = DEFAULT_DB_ALIAS) -> Iterator[Queries]:
    """Record the SQL run inside the block; the ``Queries`` is filled when the block ends."""
    queries = Queries()
    context = CaptureQueriesContext(connections[using])
    try:
        with context:
            yield queries
    finally:
        queries.statements = [q["sql"] for q in context.captured_queries]


@contextmanager
def assert_queries(
    expected: int | Queries, *, at_most: bool = False, label: str = "", using: str = DEFAULT_DB_ALIAS
) -> Iterator[Queries]:
    """Run the block and fail with its SQL unless it ran ``expected`` queries (see ``check_count``)."""
    __tracebackhide__ = True
    with count_queries(using) as queries:
        yield queries
    check_count(queries, expected, at_most=at_most, label=label)
