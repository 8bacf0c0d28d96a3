"""The query-count helper fails with the SQL that ran, so a broken pin explains itself."""

from __future__ import annotations

import pytest

from ambit.accounts.models import Organisation
from tests.querycount import assert_queries, count_queries, shape

pytestmark = pytest.mark.django_db


def _look_up(*slugs: str) -> None:
    for slug in slugs:
        Organisation.objects.filter(slug=slug).exists()


def test_the_right_count_passes_and_keeps_the_statements() -> None:
    with assert_queries(2) as queries:
        _look_up("acme", "globex")
    assert len(queries) == 2
    assert queries.matching("'globex'") and not queries.matching("'initech'")


def test_a_wrong_count_fails_listing_every_statement_numbered() -> None:
    failed = pytest.raises(AssertionError, match=r"org-list: expected 1 queries, 3 were run")
    with failed as failure, assert_queries(1, label="org-list"):
        _look_up("acme", "globex", "initech")
    message = str(failure.value)
    assert '  1. SELECT 1 AS "a" FROM "accounts_organisation"' in message
    assert "'initech'" in message.split("  3. ", 1)[1]
    assert "[same shape as #1]" in message  # the second and third look-ups repeat the first
    assert 'Repeated shapes (a query per row is an N+1):\n  3 × SELECT ? AS "a"' in message


def test_long_statements_are_shortened() -> None:
    slug = "x" * 500
    with pytest.raises(AssertionError) as failure, assert_queries(0):
        _look_up(slug)
    line = next(line for line in str(failure.value).splitlines() if line.startswith("  1. "))
    assert len(line) == len("  1. ") + 300 and line.endswith("…")


def test_against_a_smaller_run_the_message_shows_what_the_bigger_run_added() -> None:
    with count_queries() as small:
        _look_up("acme")
    failed = pytest.raises(AssertionError, match=r"expected 1 queries, 3 were run")
    with failed as failure, assert_queries(small):
        _look_up("acme", "globex", "initech")
    message = str(failure.value)
    assert "Against the baseline run of 1 queries" in message
    assert (
        '  + 2 × SELECT ? AS "a" FROM "accounts_organisation" WHERE "accounts_organisation"."slug" = ? LIMIT ?'
        in message
    )
    assert "The baseline's statements:\n  1. SELECT" in message


def test_at_most_allows_fewer_but_not_more() -> None:
    with assert_queries(2, at_most=True):
        _look_up("acme")
    failed = pytest.raises(AssertionError, match=r"expected at most 1 queries, 2 were run")
    with failed, assert_queries(1, at_most=True):
        _look_up("acme", "globex")


def test_an_error_inside_the_block_is_not_hidden_by_the_count() -> None:
    with pytest.raises(ZeroDivisionError), assert_queries(5):
        _look_up("acme")
        _ = 1 / 0


def test_shapes_ignore_values_but_not_names() -> None:
    assert (
        shape("SELECT * FROM \"t1\" WHERE id = 12 AND name = 'it''s'") == 'SELECT * FROM "t1" WHERE id = ? AND name = ?'
    )
    assert shape("SELECT * FROM t WHERE id IN (1, 2, 3)") == shape("SELECT * FROM t WHERE id IN (4)")
