"""Pages of a list already in memory, for the pages that list every team or objective of a cycle:
a 10,000-person organisation has 1,250 teams, and a form or a card for each is megabytes of HTML.

``page_of`` cuts the list and returns the links (the rest of the query string kept), which
``partials/pager.html`` shows; a list that fits on one page has no pager."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.http import HttpRequest
from django.utils.http import urlencode

from ambit.core.params import parse_page

T = TypeVar("T")


@dataclass(frozen=True)
class Pager:
    first: int  # 1-based position of the first item shown
    last: int
    total: int
    number: int  # this page
    previous: str  # the previous page's address, "" on the first
    next: str  # the next page's address, "" on the last
    noun: str  # what is counted, plural ("teams")


def page_of(
    items: Sequence[T], request: HttpRequest, *, per_page: int, noun: str, param: str = "page", anchor: str = ""
) -> tuple[list[T], Pager | None]:
    """The items of the page the query string asks for (an unusable or past-the-end number is
    the nearest page) and its pager, None when every item fits on one page."""
    total = len(items)
    pages = max(1, -(-total // per_page))
    number = min(parse_page(request.GET.get(param)), pages)
    start = (number - 1) * per_page
    shown = list(items[start : start + per_page])
    if pages == 1:
        return shown, None

    def link(n: int) -> str:
        query = [(k, v) for k, values in request.GET.lists() if k != param for v in values]
        if n > 1:
            query.append((param, str(n)))
        return f"{request.path}{'?' + urlencode(query) if query else ''}{'#' + anchor if anchor else ''}"

    return shown, Pager(
        first=start + 1,
        last=start + len(shown),
        total=total,
        number=number,
        previous=link(number - 1) if number > 1 else "",
        next=link(number + 1) if number < pages else "",
        noun=noun,
    )
