"""``core.paging.page_of``: the slice the query string asks for, links that keep the rest of the
query string, the nearest page for a bad or past-the-end number, no pager when all fits."""

from __future__ import annotations

from django.test import RequestFactory

from ambit.core.paging import Pager, page_of

ITEMS = list(range(60))


def _page(query: str) -> tuple[list[int], Pager | None]:
    request = RequestFactory().get(f"/cycles/3/retrospective/{query}")
    return page_of(ITEMS, request, per_page=25, noun="teams", anchor="top")


def test_the_pages_cut_the_list_and_link_each_other_keeping_the_query() -> None:
    shown, pager = _page("?team=ops&page=2")
    assert shown == list(range(25, 50))
    assert pager is not None
    assert (pager.first, pager.last, pager.total, pager.number) == (26, 50, 60, 2)
    assert pager.previous == "/cycles/3/retrospective/?team=ops#top"  # page 1 has no number
    assert pager.next == "/cycles/3/retrospective/?team=ops&page=3#top"
    last, pager = _page("?page=3")
    assert last == list(range(50, 60)) and pager is not None and pager.next == "" and pager.last == 60


def test_a_bad_or_past_the_end_page_is_the_nearest_one() -> None:
    for query, first in (("?page=abc", 0), ("?page=0", 0), ("?page=-2", 0), ("?page=99", 50)):
        shown, pager = _page(query)
        assert shown[0] == first, query
        assert pager is not None


def test_a_list_that_fits_has_no_pager() -> None:
    request = RequestFactory().get("/x/?page=2")
    assert page_of([1, 2, 3], request, per_page=25, noun="teams") == ([1, 2, 3], None)
    assert page_of([], request, per_page=25, noun="teams") == ([], None)
