"""The planning grid's page: the cycle's OKRs (for one team, or all the member may edit) as a form
with the planning sheet's columns; "Check" is the upload's dry run, "Apply" its apply
(``ambit.sheets.grid``). Works as a plain form; ``sheets/grid.js`` adds spreadsheet keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ambit.accounts.models import Membership, Team
from ambit.accounts.selectors import team_get
from ambit.core.http import MemberRequest
from ambit.core.permissions import VIEWER_DENIED
from ambit.core.web import member_required
from ambit.okrs.models import Ambition, Cycle, KeyResultKind, Visibility
from ambit.okrs.selectors import cycle_get
from ambit.sheets.grid import (
    GRID_SHEET,
    Cells,
    GridErrors,
    GridRefused,
    applicable_digest,
    blank_row,
    editable_objectives,
    grid_import,
    grid_rows,
    insert_below,
    map_problems,
    remove_row,
    row_objective_id,
    rows_from_post,
)
from ambit.sheets.layout import COLUMNS
from ambit.sheets.progress_from import ProgressFrom
from ambit.sheets.report import ImportReport, Problem
from ambit.sheets.selectors import sheet_lists

_CHOICES: dict[str, list[str]] = {
    "ambition": list(Ambition.values),
    "visibility": list(Visibility.values),
    "kind": list(KeyResultKind.values),
    "progress_from": list(ProgressFrom.values),
}
_DATALISTS = {
    "team": "grid-teams",
    "owner": "grid-people",
    "kr_owner": "grid-people",
    "theme": "grid-themes",
    "parent": "grid-parents",
}
_NUMERIC = {c.key for c in COLUMNS if c.numeric}
_DATES = {"plan_start", "kr_plan_start"}


@dataclass
class GridCell:
    key: str
    header: str
    level: str
    name: str
    label: str
    value: str
    widget: str  # "text", "textarea" or "select"
    size: int
    options: list[str] = field(default_factory=list)
    datalist: str = ""
    inputmode: str = ""
    placeholder: str = ""
    errors: list[str] = field(default_factory=list)
    error_id: str = ""
    autofocus: bool = False


@dataclass
class GridRow:
    index: int
    number: int
    id: str
    cells: list[GridCell]
    readonly: bool
    errors: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(c.errors for c in self.cells)


def _cells(index: int, number: int, values: Cells, errors: GridErrors | None) -> list[GridCell]:
    out = []
    for c in COLUMNS:
        if c.key == "id":
            continue
        messages_ = errors.cells.get((index, c.key), []) if errors else []
        value = values.get(c.key, "")
        options = list(_CHOICES.get(c.key, []))
        if options and value and value not in options:
            options.append(value)  # what was typed, shown (with its problem) rather than lost
        out.append(
            GridCell(
                key=c.key,
                header=c.header,
                level=c.level,
                name=f"r-{index}-{c.key}",
                label=f"{c.header}, row {number}",
                value=value,
                widget="select" if c.key in _CHOICES else ("textarea" if c.key == "objective_description" else "text"),
                size=max(6, min(c.width, 40)),
                options=options,
                datalist=_DATALISTS.get(c.key, ""),
                inputmode="decimal" if c.key in _NUMERIC else "",
                placeholder="YYYY-MM-DD" if c.key in _DATES else "",
                errors=messages_,
                error_id=f"grid-error-{index}-{c.key}" if messages_ else "",
                autofocus=bool(errors and errors.first == (index, c.key)),
            )
        )
    return out


def _rows(rows: list[Cells], *, actor: Membership, editable: set[int], errors: GridErrors | None) -> list[GridRow]:
    out = []
    for i, values in enumerate(rows):
        objective_id = row_objective_id(values)
        readonly = not actor.can_write or (objective_id is not None and objective_id not in editable)
        out.append(
            GridRow(
                index=i,
                number=i + 2,
                id=values.get("id", ""),
                cells=_cells(i, i + 2, values, errors),
                readonly=readonly,
                errors=errors.rows.get(i, []) if errors else [],
            )
        )
    return out


def _team(actor: Membership, slug: str) -> Team | None:
    return team_get(actor=actor, slug=slug) if slug else None


def _grid_url(cycle: Cycle, team: Team | None) -> str:
    url = reverse("sheets:grid", args=[cycle.pk])
    return f"{url}?{urlencode({'team': team.slug})}" if team else url


def _render(
    request: MemberRequest,
    *,
    cycle: Cycle,
    team: Team | None,
    rows: list[Cells],
    editable: set[int],
    report: ImportReport | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.member
    errors = map_problems(report, len(rows)) if report is not None else None
    digest = applicable_digest(report) if report is not None else ""
    changed = (
        [i for i in report.items if i.action != "unchanged" or any(c.action != "unchanged" for c in i.children)]
        if report is not None
        else []
    )
    template_row = _rows([blank_row()], actor=actor, editable=editable, errors=None)[0]
    context: dict[str, Any] = {
        "cycle": cycle,
        "team": team,
        "grid_url": _grid_url(cycle, team),
        "columns": [c for c in COLUMNS if c.key != "id"],
        "rows": _rows(rows, actor=actor, editable=editable, errors=errors),
        "row_count": len(rows),
        "template_row": template_row,
        "lists": sheet_lists(actor=actor, cycle=cycle),
        "can_write": actor.can_write,
        "report": report,
        "errors": errors,
        "digest": digest,
        # The dry-run report's partial, without its own apply form: the grid posts the apply.
        "changed_items": changed,
        "can_apply": False,
    }
    return render(request, "sheets/grid.html", context, status=status)


@member_required
@require_http_methods(["GET", "POST"])
def grid_page(request: MemberRequest, cycle_id: int) -> HttpResponse:
    actor = request.member
    cycle = cycle_get(actor=actor, cycle_id=cycle_id)
    team = _team(actor, (request.GET.get("team") or request.POST.get("team") or "").strip())
    if request.method == "GET":
        data = grid_rows(actor=actor, cycle=cycle, team=team)
        rows = data.rows or [blank_row()]
        if not data.rows and team is not None:
            rows[0]["team"] = team.slug
        return _render(request, cycle=cycle, team=team, rows=rows, editable=data.editable)
    if not actor.can_write:
        raise PermissionDenied(VIEWER_DENIED)
    editable = editable_objectives(actor=actor, cycle=cycle)
    try:
        rows = rows_from_post(request.POST)
    except GridRefused as exc:
        report = ImportReport(
            sheet=GRID_SHEET, problems=[Problem(GRID_SHEET, None, None, str(exc), "Reload the grid.")]
        )
        return _render(request, cycle=cycle, team=team, rows=[], editable=editable, report=report, status=400)
    post = request.POST
    if "remove" in post or "add_below" in post or post.get("action") == "add":
        rows = _edit_rows(rows, post)
        return _render(request, cycle=cycle, team=team, rows=rows or [blank_row()], editable=editable)
    if post.get("action") == "apply":
        report = grid_import(actor=actor, cycle=cycle, rows=rows, dry_run=False, expected_digest=post.get("digest", ""))
        if report.applied or (report.ok and not (report.created or report.updated)):
            messages.success(
                request,
                f"Saved: {report.created} created, {report.updated} updated."
                if report.applied
                else "Nothing to save: the grid matches what is in Ambit.",
            )
            return redirect(_grid_url(cycle, team))
        return _render(request, cycle=cycle, team=team, rows=rows, editable=editable, report=report, status=422)
    report = grid_import(actor=actor, cycle=cycle, rows=rows, dry_run=True)
    return _render(
        request, cycle=cycle, team=team, rows=rows, editable=editable, report=report, status=200 if report.ok else 422
    )


def _edit_rows(rows: list[Cells], post: Any) -> list[Cells]:
    """Add or remove a row without JavaScript (grid.js does the same in the page)."""
    try:
        if "remove" in post:
            return remove_row(rows, int(post["remove"]))
        if "add_below" in post:
            return insert_below(rows, int(post["add_below"]))
    except ValueError:
        return rows
    return [*rows, blank_row()]
