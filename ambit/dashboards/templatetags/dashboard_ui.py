"""Template helpers for the dashboard: ``{% load dashboard_ui %}``.

- ``{% heat_cell cell cycle_id expected %}`` — one heat-map cell: a link to the team page with the
  team's name and percentage written in it, and its status and expected pace for screen readers.
- ``{% heat_cells cells cycle_id expected label %}`` — a department's teams as a list of cells.

Tags rather than an ``{% include %}`` per cell: the map of a 10,000-person organisation has 1,250
cells, and includes (and a ``reverse()`` each) cost a quarter of a second per page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from ambit.core.display import pct, status_label

register = template.Library()

_SLUG = "team-slug-placeholder"


def _cell_args(cell: Any, url: str, cycle_id: int, expected: float) -> tuple[Any, ...]:
    if cell.progress is None:
        shown, spoken = "—", ": no objectives in this cycle"
    else:
        count = cell.objective_count
        status = status_label(cell.status).lower()
        shown = pct(cell.progress)
        spoken = f" done, {status} (expected {pct(expected)}), {count} objective{'' if count == 1 else 's'}"
    return (cell.status, url.replace(_SLUG, cell.slug), cycle_id, cell.name, shown, spoken)


_CELL = (
    '<a class="heat-cell heat-{}" href="{}?cycle={}"><span class="heat-name">{}</span> '
    '<span class="heat-pct num">{}</span><span class="sr-only">{}</span></a>'
)


@register.simple_tag
def heat_cell(cell: Any, cycle_id: int, expected: float) -> SafeString:
    url = reverse("okrs:team-detail", args=[_SLUG])
    return format_html(_CELL, *_cell_args(cell, url, cycle_id, expected))


@register.simple_tag
def heat_cells(cells: Sequence[Any], cycle_id: int, expected: float, label: str) -> SafeString:
    if not cells:
        return SafeString("")
    url = reverse("okrs:team-detail", args=[_SLUG])
    items = format_html_join("", "<li>" + _CELL + "</li>", (_cell_args(c, url, cycle_id, expected) for c in cells))
    return format_html('<ul class="heat-cells" aria-label="{}">{}</ul>', label, items)


# --- The heat map at any depth (a table; ``heat.heat_rows``) --------------------------------------

_TREE_ROW = (
    '<tr class="heat-row heat-depth-{}"><th scope="row"><a href="{}?cycle={}">{}</a>{}</th>'
    '<td class="dash-progress" data-label="Progress"><div class="progress status-{}" role="progressbar" '
    'aria-valuenow="{}" '
    'aria-valuemin="0" aria-valuemax="100" aria-label="Progress of {}" aria-valuetext="{}">'
    '<svg class="progress-track" aria-hidden="true" focusable="false"><rect class="progress-fill" '
    'width="{}%" height="100%" ry="50%"/></svg></div></td>'
    '<td class="num" data-label="Done">{}</td><td data-label="Status">{}</td>'
    '<td class="num" data-label="Objectives">{}</td></tr>'
)


def _tree_args(row: Any, url: str, cycle_id: int, expected: float) -> tuple[Any, ...]:
    share = 0.0 if row.progress is None else max(0.0, min(1.0, row.progress))
    width = round(share * 100, 1)
    if row.progress is None:
        shown, spoken, badge = "—", "no objectives", format_html('<span class="muted">{}</span>', "No objectives")
    else:
        shown = pct(row.progress)
        spoken = f"{shown}, expected {pct(expected)}"
        badge = format_html('<span class="badge status-{}">{}</span>', row.status, status_label(row.status))
    depth = min(row.depth, 8)
    below = format_html(' <span class="sr-only">(level {})</span>', row.depth) if row.depth else ""
    return (
        depth,
        url.replace(_SLUG, row.slug),
        cycle_id,
        row.name,
        below,
        row.status,
        round(width),
        row.name,
        spoken,
        width,
        shown,
        badge,
        row.objective_count,
    )


@register.simple_tag
def heat_tree_rows(rows: Sequence[Any], cycle_id: int, expected: float) -> SafeString:
    """``heat.HeatRow`` rows as table rows, indented by depth, each linking to its team dashboard."""
    url = reverse("dashboards:team", args=[_SLUG])
    return format_html_join("", _TREE_ROW, (_tree_args(r, url, cycle_id, expected) for r in rows))
