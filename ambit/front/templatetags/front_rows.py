"""``{% kr_row item show_objective=… %}``: My week's key result row, interpreted as rarely as possible.

The row is the shared ``front/partials/kr_row.html``, rendered exactly as ``{% include %}`` would
(the page's context plus the item's values), at about 2 ms of CPU a row. Two savings:

- On one page, a due key result is drawn twice: in "Due now" (with its objective's title) and
  under its objective (without). The second drawing reuses the first's HTML, dropping the
  objective line, the one difference between the two.
- Across requests, the HTML is kept in this process under a digest of everything the row
  prints: the key result's fields, its metrics (``repr`` of the whole ``KRMetrics``, forecast
  included), whether the viewer may check in, the page it links back to, today's date, time zone
  and language (``naturalday`` and dates), and the templates' own source. Any change to one of
  them is another key, so nothing is invalidated and nothing stale is shown. The store is a
  bounded least-recently-used map of its own, not Django's cache: thousands of small rows there
  would push out the dashboard summaries that are costly to compute again.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any, cast

from django import template
from django.template.engine import Engine
from django.utils import timezone, translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from ambit.front.week import KRItem
from ambit.okrs.models import KeyResultKind

register = template.Library()

ROW_TEMPLATE = "front/partials/kr_row.html"
# What the row prints comes from these templates too: their source is part of every key.
ROW_TEMPLATES = (ROW_TEMPLATE, "partials/forecast.html", "partials/progress_bar.html")
ROWS_KEPT = 4096  # about 3 KB each: ~12 MB per worker at most
_PAGE_ROWS = "front_rows.kr_row"
_fingerprints: dict[int, str] = {}
_kept: OrderedDict[str, str] = OrderedDict()
_lock = threading.Lock()


def _kept_row(key: str) -> str | None:
    with _lock:
        html = _kept.get(key)
        if html is not None:
            _kept.move_to_end(key)
        return html


def _keep_row(key: str, html: str) -> None:
    with _lock:
        _kept[key] = html
        _kept.move_to_end(key)
        while len(_kept) > ROWS_KEPT:
            _kept.popitem(last=False)


def forget_rows() -> None:
    """Empty the store (tests start from nothing)."""
    with _lock:
        _kept.clear()


def objective_line(item: KRItem) -> str:
    """What ``kr_row.html`` prints for ``show_objective``, the one difference between the two."""
    return f'<p class="muted small m-0">{conditional_escape(item.kr.objective.title)}</p>'


def _templates_fingerprint(engine: Engine) -> str:
    found = _fingerprints.get(id(engine))
    if found is None:
        sources = "\0".join(engine.get_template(name).source for name in ROW_TEMPLATES)
        found = _fingerprints[id(engine)] = hashlib.blake2b(sources.encode(), digest_size=8).hexdigest()
    return found


def row_key(context: template.Context, item: KRItem, engine: Engine) -> str:
    """The cache key of ``item``'s row as this page prints it (with the objective line)."""
    kr = item.kr
    request = context.get("request")
    milestones = len(kr.milestones.all()) if kr.kind == KeyResultKind.MILESTONES else None
    printed = (
        kr.pk,
        kr.title,
        kr.objective.title,
        kr.kind,
        kr.unit,
        kr.start_value,
        kr.target_value,
        kr.stretch_target,
        kr.current_value,
        kr.current_milestones_done,
        milestones,
        kr.last_checkin_at,
        repr(item.km),
        item.can_check_in,
        context.get("next"),
        request.get_full_path() if request is not None else None,
        timezone.get_current_timezone_name(),
        timezone.localdate(),
        translation.get_language(),
        _templates_fingerprint(engine),
    )
    return hashlib.blake2b(repr(printed).encode(), digest_size=16).hexdigest()


def _render(context: template.Context, item: KRItem) -> str:
    engine = context.template.engine  # type: ignore[union-attr]
    key = row_key(context, item, engine)
    html = _kept_row(key)
    if html is None:
        # Always rendered with the objective line, which is dropped where it is not wanted.
        values: dict[str, Any] = {"kr": item.kr, "km": item.km, "can_check_in": item.can_check_in}
        with context.push(show_objective=True, **values):
            html = str(engine.get_template(ROW_TEMPLATE).render(context))
        _keep_row(key, html)
    return html


@register.simple_tag(takes_context=True)
def kr_row(context: template.Context, item: KRItem, show_objective: bool = False) -> SafeString:
    rows = cast("dict[int, str] | None", context.render_context.get(_PAGE_ROWS))
    if rows is None:
        rows = context.render_context[_PAGE_ROWS] = {}
    html = rows.get(item.kr.pk)
    if html is None:
        html = rows[item.kr.pk] = _render(context, item)
    if not show_objective:
        html = html.replace(objective_line(item), "", 1)
    return mark_safe(html)
