"""Import a planning sheet: a dry run that shows what would change, or the real thing, all or
nothing. Every write goes through the okrs services (objective_create/update, alignment_add/
remove, key_result_create/update), so permissions and the audit log hold per row.

The dry run runs those same services inside a transaction it then rolls back: what the page
promises is what applying does, including the permission and validation errors of each row.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from ambit.accounts.models import Membership
from ambit.core.errors import Conflict
from ambit.core.permissions import require_same_org
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, Objective
from ambit.sheets.importer import (
    KR_KEYS,
    KR_LABELS,
    OBJ_LABELS,
    OBJECTIVE_KEYS,
    KrPlan,
    ObjectivePlan,
    Planner,
    show_value,
)
from ambit.sheets.layout import BY_KEY
from ambit.sheets.parsing import LOCALES
from ambit.sheets.reader import SheetRefused, read_upload
from ambit.sheets.report import Change, ImportReport, Item, Problem
from ambit.sheets.selectors import import_context

_OBJ_FIELD_COLUMNS = {
    "title": "objective",
    "description": "objective_description",
    "owner": "owner",
    "team": "team",
    "theme": "theme",
    "ambition": "ambition",
    "visibility": "visibility",
    "parent": "parent",
    "weight": "parent",
}
_KR_FIELD_COLUMNS = {
    "title": "kr",
    "kind": "kind",
    "start_value": "start",
    "target_value": "target",
    "stretch_target": "stretch",
    "unit": "unit",
    "unit_kind": "unit",
    "weight": "weight",
    "owner": "kr_owner",
    "milestones": "kind",
    "objective": "objective",
}
_OBJ_HEADERS = {BY_KEY[k].header for k in (*OBJECTIVE_KEYS, "id")}
_KR_HEADERS = {BY_KEY[k].header for k in KR_KEYS}


class _Rollback(Exception):
    pass


class _Executor:
    def __init__(self, *, actor: Membership, cycle: Cycle, sheet: str, problems: list[Problem]) -> None:
        self.actor, self.cycle, self.sheet, self.problems = actor, cycle, sheet, problems
        self.bad_objective_rows = {p.row for p in problems if p.column is None or p.column in _OBJ_HEADERS}
        self.bad_kr_rows = {p.row for p in problems if p.column in _KR_HEADERS}

    def _problem(self, row: int, key: str | None, message: str, hint: str = "", permission: bool = False) -> None:
        column = BY_KEY[key].header if key else None
        self.problems.append(Problem(self.sheet, row, column, message, hint, is_permission=permission))

    def _guard(self, row: int, columns: dict[str, str], fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, messages in exc.message_dict.items():
                    self._problem(row, columns.get(name), " ".join(messages))
            else:
                self._problem(row, None, " ".join(exc.messages))
        except Conflict as exc:
            self._problem(row, columns.get(exc.field or ""), exc.message)
        except PermissionDenied as exc:
            self._problem(
                row,
                None,
                f"Permission: {exc}" if str(exc) else "Permission: you may not change this.",
                "Ask the owner, their team lead or an OKR champion to make this change.",
                permission=True,
            )
        except Http404:
            self._problem(row, None, "Something this row refers to does not exist or is not visible to you.")
        return None

    def run(self, plans: list[ObjectivePlan]) -> None:
        live = [p for p in plans if not self.bad_objective_rows.intersection(p.rows)]
        for p in live:
            self._objective(p)
        by_title = {p.title.strip().lower(): p for p in plans if p.existing is None}
        for p in live:
            if p.result is not None:
                self._parents(p, by_title)
        for p in plans:
            target = p.result or p.existing
            if target is None:
                continue
            for kr in p.key_results:
                if kr.row not in self.bad_kr_rows:
                    self._key_result(kr, target)

    def _objective(self, p: ObjectivePlan) -> None:
        if p.existing is None:
            f = p.fields
            p.result = self._guard(
                p.row,
                _OBJ_FIELD_COLUMNS,
                lambda: okrs.objective_create(
                    actor=self.actor,
                    cycle=self.cycle,
                    title=f.get("title", p.title),
                    owner=f.get("owner"),
                    team=f.get("team"),
                    description=f.get("description", ""),
                    theme=f.get("theme"),
                    ambition=f.get("ambition") or "committed",
                    visibility=f.get("visibility") or "public",
                ),
            )
        elif p.fields:
            existing = p.existing
            p.result = self._guard(
                p.row,
                _OBJ_FIELD_COLUMNS,
                lambda: okrs.objective_update(actor=self.actor, objective=existing, **p.fields),
            )
        else:
            p.result = p.existing

    def _parents(self, p: ObjectivePlan, by_title: dict[str, ObjectivePlan]) -> None:
        child = p.result
        assert child is not None
        for parent in p.parents_remove:
            self._guard(
                p.row,
                _OBJ_FIELD_COLUMNS,
                functools.partial(okrs.alignment_remove, actor=self.actor, child=child, parent=parent),
            )
        for ref in p.parents_add:
            target: Objective | None = ref.existing
            if target is None:
                other = by_title.get(ref.new_title.lower())
                target = other.result if other else None
                if target is None:
                    continue  # that new objective failed: its own row carries the problem
            self._guard(
                p.row,
                _OBJ_FIELD_COLUMNS,
                functools.partial(okrs.alignment_add, actor=self.actor, child=child, parent=target),
            )

    def _key_result(self, kr: KrPlan, objective: Objective) -> None:
        if kr.existing is None:
            f = kr.fields
            kr.result = self._guard(
                kr.row,
                _KR_FIELD_COLUMNS,
                lambda: okrs.key_result_create(
                    actor=self.actor,
                    objective=objective,
                    title=kr.title,
                    kind=f.get("kind") or "increase",
                    start_value=f.get("start_value"),
                    target_value=f.get("target_value"),
                    stretch_target=f.get("stretch_target"),
                    unit=f.get("unit", ""),
                    unit_kind=f.get("unit_kind", "number"),
                    weight=f.get("weight", 1.0),
                    owner=f.get("owner"),
                ),
            )
        elif kr.fields:
            existing = kr.existing
            kr.result = self._guard(
                kr.row,
                _KR_FIELD_COLUMNS,
                lambda: okrs.key_result_update(actor=self.actor, key_result=existing, **kr.fields),
            )


def _created_changes(fields: dict[str, Any], labels: dict[str, str]) -> list[Change]:
    return [Change(labels.get(k, k), "", show_value(v)) for k, v in fields.items() if v not in (None, "")]


def _items(plans: list[ObjectivePlan]) -> list[Item]:
    items = []
    for p in plans:
        if p.existing is None:
            item = Item("objective", "create", p.title, p.row, changes=_created_changes(p.fields, OBJ_LABELS))
            item.changes.extend(p.changes)
        else:
            action = "update" if p.changes else "unchanged"
            item = Item("objective", action, p.existing.title, p.row, ref=f"O{p.existing.pk}", changes=p.changes)
        for kr in p.key_results:
            if kr.existing is None:
                child = Item("key_result", "create", kr.title, kr.row, changes=_created_changes(kr.fields, KR_LABELS))
            else:
                ref = f"O{kr.existing.objective_id}-KR{kr.existing.pk}"
                action = "update" if kr.changes else "unchanged"
                child = Item("key_result", action, kr.existing.title, kr.row, ref=ref, changes=kr.changes)
            item.children.append(child)
        items.append(item)
    return items


def sheet_import(
    *,
    actor: Membership,
    cycle: Cycle,
    data: bytes,
    filename: str = "",
    locale: str = "en",
    dry_run: bool = True,
) -> ImportReport:
    """Validate (and unless ``dry_run``, apply) an uploaded planning file. Applying writes
    everything or nothing: any problem on any row leaves the database as it was."""
    require_same_org(actor, cycle.organisation_id)
    if locale not in LOCALES:
        raise ValidationError({"locale": f"Unknown locale “{locale}”: use one of {', '.join(LOCALES)}."})
    name = filename or "upload"
    try:
        raw = read_upload(data, filename)
    except SheetRefused as exc:
        return ImportReport(sheet=name, dry_run=dry_run, problems=[Problem(name, None, None, exc.message, exc.hint)])
    ctx = import_context(actor=actor, cycle=cycle)
    planner = Planner(actor=actor, ctx=ctx, raw=raw, locale=locale)
    plans = planner.plan()
    report = ImportReport(
        sheet=raw.sheet,
        rows_read=len(raw.rows),
        items=_items(plans),
        problems=planner.problems,
        skipped_examples=planner.skipped_examples,
        dry_run=dry_run,
    )
    if report.created or report.updated:
        try:
            with transaction.atomic():
                _Executor(actor=actor, cycle=cycle, sheet=raw.sheet, problems=report.problems).run(plans)
                if dry_run or report.problems:
                    raise _Rollback
        except _Rollback:
            pass
    report.problems.sort(key=lambda p: p.row or 0)
    report.applied = not dry_run and report.ok and bool(report.created or report.updated)
    return report
