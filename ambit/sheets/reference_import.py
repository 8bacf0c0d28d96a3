"""The upload's "Initiatives" and "KPIs" sheets (issue 16): a row with an ID updates that
initiative or KPI, a row without one creates it, through ``ambit.initiatives.services`` and
``ambit.kpis.services`` only (their permissions, validation messages and audit entries).

It joins the OKR sheet's import (``services.sheet_import``) as one more part of the same report:
its items say what each row would create or change, its problems name the sheet, the row and the
column, and any problem anywhere keeps everything from being written. The dry run runs the
services inside a transaction it rolls back; the apply runs them inside the OKR sheet's apply
transaction, before the OKR rows (both parts are checked against Ambit as it is, so the dry run
and the apply agree). A CSV upload is the OKR sheet alone: nothing here applies to it.

IDs are those the export writes: ``I12`` for an initiative, ``KPI7`` for a KPI, and the key
result's row ID on the OKR sheet (``O3-KR12``, or ``KR12``) for a new initiative's key result.
Another organisation's IDs, and initiatives outside this cycle or not visible, are "not found".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from ambit.accounts.models import Membership, Team
from ambit.core.errors import Conflict
from ambit.core.services import quoted, to_decimal
from ambit.initiatives import services as initiatives
from ambit.initiatives.models import Initiative, InitiativeStatus
from ambit.initiatives.selectors import initiative_base
from ambit.kpis import services as kpis
from ambit.kpis.models import Cadence, Direction, Kpi
from ambit.kpis.selectors import kpi_queryset
from ambit.okrs.models import Cycle, KeyResult
from ambit.sheets.diffing import diff, show_value
from ambit.sheets.initiatives import INITIATIVE_ID_PREFIX, INITIATIVES_SHEET
from ambit.sheets.layout import format_row_id, parse_row_id
from ambit.sheets.parsing import ParseError, clean_text, parse_date, parse_number
from ambit.sheets.reader import RawRow
from ambit.sheets.reference import KPI_ID_PREFIX, KPIS_SHEET
from ambit.sheets.reference_read import RefSheet, collect, load_sheets
from ambit.sheets.report import Change, ImportReport, Item, Problem
from ambit.sheets.selectors import ImportContext

# Header → key read on upload; None: written for reading only, skipped.
INITIATIVE_COLUMNS: dict[str, str | None] = {
    "Team": None,
    "Objective": None,
    "Key result": None,
    "Initiative": "title",
    "Owner email": "owner",
    "Status": "status",
    "Due": "due_date",
    "Link": "link_url",
    "Link key": None,
    "Sprint": None,
    "Key result ID": "key_result",
    "ID": "id",
}
KPI_COLUMNS: dict[str, str | None] = {
    "Team": "team",
    "KPI": "name",
    "Owner email": "owner",
    "Unit": "unit",
    "Better when": "direction",
    "Healthy at": "healthy_threshold",
    "Critical at": "critical_threshold",
    "Update": "cadence",
    "Latest value": None,
    "Band": None,
    "Last reading": None,
    "Fed by key results": None,
    "ID": "id",
}
_INITIATIVE_HEADERS = {key: header for header, key in INITIATIVE_COLUMNS.items() if key}
_KPI_HEADERS = {key: header for header, key in KPI_COLUMNS.items() if key}
# A service's error field → the sheet's column key.
_INITIATIVE_FIELDS = {
    "title": "title",
    "owner": "owner",
    "status": "status",
    "due_date": "due_date",
    "link_url": "link_url",
    "key_result": "key_result",
    "sprint": None,
}
_KPI_FIELDS = {**{k: k for k in _KPI_HEADERS}, "kpi": "id", "description": None}
_LABELS = {
    "title": "Initiative",
    "owner": "Owner email",
    "status": "Status",
    "due_date": "Due",
    "link_url": "Link",
    "name": "KPI",
    "team": "Team",
    "unit": "Unit",
    "direction": "Better when",
    "healthy_threshold": "Healthy at",
    "critical_threshold": "Critical at",
    "cadence": "Update",
    "key_result": "Key result",
}
_INITIATIVE_ID = re.compile(rf"^\s*{INITIATIVE_ID_PREFIX}\s*(\d{{1,18}})\s*$", re.IGNORECASE)
_KPI_ID = re.compile(rf"^\s*{KPI_ID_PREFIX}\s*(\d{{1,18}})\s*$", re.IGNORECASE)
_KR_ID = re.compile(r"^\s*KR\s*(\d{1,18})\s*$", re.IGNORECASE)


class _Rollback(Exception):
    pass


@dataclass
class RefPlan:
    kind: str  # "initiative" or "kpi"
    sheet: str
    row: int
    existing: Any  # Initiative | Kpi | None
    title: str
    fields: dict[str, Any]  # service argument → value (an update: only what changes)
    changes: list[Change] = field(default_factory=list)
    key_result: KeyResult | None = None

    def item(self) -> Item:
        prefix = INITIATIVE_ID_PREFIX if self.kind == "initiative" else KPI_ID_PREFIX
        if self.existing is None:
            return Item(self.kind, "create", self.title, self.row, changes=self.changes)
        action = "update" if self.changes else "unchanged"
        return Item(
            self.kind, action, self.existing_title, self.row, ref=f"{prefix}{self.existing.pk}", changes=self.changes
        )

    @property
    def existing_title(self) -> str:
        return str(self.existing.title if self.kind == "initiative" else self.existing.name)


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, Membership | Team) or isinstance(after, Membership | Team):
        return getattr(before, "pk", None) == getattr(after, "pk", None)
    if isinstance(before, Decimal) and isinstance(after, Decimal):
        return before == after
    if isinstance(before, str) and isinstance(after, str):
        return before.strip() == after.strip()
    return bool(before == after)


def _show(value: Any) -> str:
    return value.slug if isinstance(value, Team) else show_value(value)


class _Planner:
    """Rows → plans, with every problem the cells show before any service is asked."""

    def __init__(self, *, actor: Membership, cycle: Cycle, ctx: ImportContext, locale: str) -> None:
        self.actor, self.cycle, self.ctx, self.locale = actor, cycle, ctx, locale
        self.problems: list[Problem] = []
        self.bad_rows: set[tuple[str, int]] = set()

    def problem(self, sheet: RefSheet, row: int, key: str | None, message: str, hint: str = "") -> None:
        headers = _INITIATIVE_HEADERS if sheet.name.lower() == INITIATIVES_SHEET.lower() else _KPI_HEADERS
        column = sheet.headers.get(key, headers.get(key, key)) if key else None
        self.problems.append(Problem(sheet.name, row, column, message, hint))
        self.bad_rows.add((sheet.name, row))

    def person(self, sheet: RefSheet, raw: RawRow) -> tuple[bool, Membership | None]:
        email = clean_text(raw.cells.get("owner")).lower()
        if not email:
            return True, None
        found = self.ctx.people_by_email.get(email)
        if found is None:
            self.problem(
                sheet,
                raw.number,
                "owner",
                f"Nobody with the email {quoted(email)} belongs to this organisation.",
                "Use an email from the “Lists” sheet, or invite the person first.",
            )
        return found is not None, found

    def ids(self, sheet: RefSheet, pattern: re.Pattern[str], label: str) -> dict[int, int]:
        """Row number → the id its ID cell names (bad or repeated ids reported)."""
        out: dict[int, int] = {}
        seen: dict[int, int] = {}
        for raw in sheet.rows:
            text = clean_text(raw.cells.get("id"))
            if not text:
                continue
            m = pattern.match(text)
            if m is None:
                self.problem(
                    sheet,
                    raw.number,
                    "id",
                    f"{quoted(text)} is not {label} ID.",
                    "Keep the ID as downloaded; leave it empty for a new row.",
                )
                continue
            pk = int(m.group(1))
            if pk in seen:
                self.problem(
                    sheet,
                    raw.number,
                    "id",
                    f"{text.strip()} appears twice (rows {seen[pk]} and {raw.number}).",
                    "A copied row keeps its ID: clear the ID of the new row.",
                )
                continue
            seen[pk] = raw.number
            out[raw.number] = pk
        return out

    # --- initiatives ------------------------------------------------------------------------

    def initiatives(self, sheet: RefSheet) -> list[RefPlan]:
        ids = self.ids(sheet, _INITIATIVE_ID, "an initiative")
        found = {
            i.pk: i
            for i in initiative_base(actor=self.actor)
            .filter(pk__in=set(ids.values()), key_result__objective__cycle=self.cycle)
            .select_related("key_result__objective", "owner__user")
        }
        plans = []
        for raw in sheet.rows:
            existing: Initiative | None = None
            if raw.number in ids:
                existing = found.get(ids[raw.number])
                if existing is None:
                    self.problem(
                        sheet,
                        raw.number,
                        "id",
                        f"Initiative {INITIATIVE_ID_PREFIX}{ids[raw.number]} was "
                        "not found in this cycle (or you cannot see it).",
                        "Upload the workbook to the cycle "
                        "it was downloaded from, or clear the ID to add a new initiative.",
                    )
                    continue
            elif clean_text(raw.cells.get("id")):
                continue  # a bad ID, reported
            plan = self._initiative(sheet, raw, existing)
            if plan is not None:
                plans.append(plan)
        return plans

    def _key_result(self, sheet: RefSheet, raw: RawRow) -> tuple[bool, KeyResult | None]:
        text = clean_text(raw.cells.get("key_result"))
        if not text:
            return True, None
        parsed = parse_row_id(text)
        kr_id = parsed[1] if parsed else (int(m.group(1)) if (m := _KR_ID.match(text)) else None)
        if kr_id is None:
            self.problem(
                sheet,
                raw.number,
                "key_result",
                f"{quoted(text)} is not a key result ID.",
                "Use the key result's ID from the OKRs sheet's column A, e.g. O3-KR12.",
            )
            return False, None
        kr = self.ctx.key_results.get(kr_id)
        if kr is None or (parsed is not None and kr.objective_id != parsed[0]):
            self.problem(
                sheet,
                raw.number,
                "key_result",
                f"Key result {text.strip()} was not found in this cycle (or you cannot see it).",
                "Use the ID of a key result on the OKRs sheet.",
            )
            return False, None
        return True, kr

    def _initiative(self, sheet: RefSheet, raw: RawRow, existing: Initiative | None) -> RefPlan | None:
        ok, kr = self._key_result(sheet, raw)
        if not ok:
            return None
        if existing is not None and kr is not None and kr.pk != existing.key_result_id:
            self.problem(
                sheet,
                raw.number,
                "key_result",
                "An initiative cannot move to another key result.",
                "Keep its key result ID as downloaded; for the other key result add a row without an ID.",
            )
            return None
        if existing is None and kr is None:
            self.problem(
                sheet,
                raw.number,
                "key_result",
                "A new initiative needs the ID of its key result.",
                "Copy it from another initiative of that key result, or from column A of the OKRs sheet.",
            )
            return None
        wanted: dict[str, Any] = {}
        if "title" in sheet.present:
            wanted["title"] = clean_text(raw.cells.get("title"))
        if "owner" in sheet.present:
            ok, person = self.person(sheet, raw)
            if ok:
                wanted["owner"] = person
        if "status" in sheet.present:
            text = clean_text(raw.cells.get("status"))
            status = next((v for v, label in InitiativeStatus.choices if text.lower() in (v, label.lower())), text)
            if status or existing is not None:
                wanted["status"] = status
        if "due_date" in sheet.present:
            try:
                wanted["due_date"] = parse_date(raw.cells.get("due_date"))
            except ParseError as exc:
                self.problem(sheet, raw.number, "due_date", exc.message, exc.hint)
        if "link_url" in sheet.present:
            wanted["link_url"] = clean_text(raw.cells.get("link_url"))
        if existing is None:
            assert kr is not None
            title = wanted.get("title", "")
            changes = [Change("Key result", "", f"{format_row_id(kr.objective_id, kr.pk)} {kr.title}")]
            changes += [Change(_LABELS[k], "", _show(v)) for k, v in wanted.items() if v not in (None, "")]
            return RefPlan("initiative", sheet.name, raw.number, None, title, wanted, changes, key_result=kr)
        fields, changes = _diff(existing, wanted)
        return RefPlan("initiative", sheet.name, raw.number, existing, existing.title, fields, changes)

    # --- KPIs -------------------------------------------------------------------------------

    def kpis(self, sheet: RefSheet) -> list[RefPlan]:
        ids = self.ids(sheet, _KPI_ID, "a KPI")
        found = {k.pk: k for k in kpi_queryset(self.actor).filter(pk__in=set(ids.values()))}
        plans = []
        for raw in sheet.rows:
            existing: Kpi | None = None
            if raw.number in ids:
                existing = found.get(ids[raw.number])
                if existing is None:
                    self.problem(
                        sheet,
                        raw.number,
                        "id",
                        f"KPI {KPI_ID_PREFIX}{ids[raw.number]} was not found in this organisation.",
                        "Keep the ID as downloaded, or clear it to create a new KPI.",
                    )
                    continue
            elif clean_text(raw.cells.get("id")):
                continue
            plan = self._kpi(sheet, raw, existing)
            if plan is not None:
                plans.append(plan)
        return plans

    def _kpi(self, sheet: RefSheet, raw: RawRow, existing: Kpi | None) -> RefPlan | None:
        wanted: dict[str, Any] = {}
        present = sheet.present
        if "name" in present:
            wanted["name"] = clean_text(raw.cells.get("name"))
        if "team" in present:
            slug = clean_text(raw.cells.get("team"))
            team = self.ctx.teams_by_slug.get(slug.lower()) if slug else None
            if slug and team is None:
                self.problem(
                    sheet,
                    raw.number,
                    "team",
                    f"There is no team {quoted(slug)}.",
                    "Use a team slug from the “Lists” sheet, or leave it empty for a company KPI.",
                )
            else:
                wanted["team"] = team
        if "owner" in present:
            ok, person = self.person(sheet, raw)
            if ok and (person is not None or existing is not None):
                wanted["owner"] = person
        if "unit" in present:
            wanted["unit"] = clean_text(raw.cells.get("unit"))
        for key, choices in (("direction", Direction), ("cadence", Cadence)):
            text = clean_text(raw.cells.get(key))
            if key in present and (text or existing is not None):
                wanted[key] = next((v for v, label in choices.choices if text.lower() in (v, label.lower())), text)
        for key in ("healthy_threshold", "critical_threshold"):
            if key in present:
                try:
                    parsed = parse_number(raw.cells.get(key), locale=self.locale)
                    wanted[key] = to_decimal(parsed.value, field=key, label=_LABELS[key].lower()) if parsed else None
                except ParseError as exc:
                    self.problem(sheet, raw.number, key, exc.message, exc.hint)
                except ValidationError as exc:
                    self.problem(sheet, raw.number, key, " ".join(exc.messages))
        wanted = {k: wanted[k] for k in _KPI_HEADERS if k in wanted}  # in the sheet's column order
        if existing is None:
            changes = [Change(_LABELS[k], "", _show(v)) for k, v in wanted.items() if v not in (None, "")]
            return RefPlan("kpi", sheet.name, raw.number, None, wanted.get("name", ""), wanted, changes)
        fields, changes = _diff(existing, wanted)
        return RefPlan("kpi", sheet.name, raw.number, existing, existing.name, fields, changes)


def _diff(obj: Any, wanted: dict[str, Any]) -> tuple[dict[str, Any], list[Change]]:
    return diff(obj, wanted, _LABELS, same=_same, show=_show)


class ReferenceImport:
    """The plans of both sheets and how to carry them out (``run``) through the services."""

    def __init__(self, *, actor: Membership, problems: list[Problem]) -> None:
        self.actor, self.problems = actor, problems
        self.plans: list[RefPlan] = []
        self.bad_rows: set[tuple[str, int]] = set()

    @property
    def has_changes(self) -> bool:
        return any(p.existing is None or p.fields for p in self.plans)

    def _guard(self, plan: RefPlan, fields: dict[str, str | None], fn: Callable[[], Any]) -> None:
        headers = _INITIATIVE_HEADERS if plan.kind == "initiative" else _KPI_HEADERS

        def add(name: str | None, message: str, hint: str = "", permission: bool = False) -> None:
            key = fields.get(name or "") if name else None
            column = headers.get(key) if key else None
            self.problems.append(Problem(plan.sheet, plan.row, column, message, hint, is_permission=permission))

        try:
            fn()
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, messages in exc.message_dict.items():
                    add(name, " ".join(messages))
            else:
                add(None, " ".join(exc.messages))
        except Conflict as exc:
            add(exc.field, exc.message)
        except PermissionDenied as exc:
            add(
                None,
                f"Permission: {exc}" if str(exc) else "Permission: you may not change this.",
                "Ask the owner, their team lead or an OKR champion to make this change.",
                permission=True,
            )
        except Http404:
            add(None, "Something this row refers to does not exist or is not visible to you.")

    def run(self) -> None:
        """Every plan through its service (inside the caller's transaction)."""
        for plan in self.plans:
            if (plan.sheet, plan.row) in self.bad_rows or not (plan.existing is None or plan.fields):
                continue
            if plan.kind == "initiative":
                self._guard(plan, _INITIATIVE_FIELDS, functools.partial(_write_initiative, self.actor, plan))
            else:
                self._guard(plan, _KPI_FIELDS, functools.partial(_write_kpi, self.actor, plan))

    def check(self) -> None:
        """The dry run: the services run and everything they wrote is rolled back."""
        try:
            with transaction.atomic():
                self.run()
                raise _Rollback
        except _Rollback:
            pass

    def before_apply(self, before: Callable[[], None] | None) -> Callable[[], None]:
        """``before`` (the caller's hook), then these writes: the first writes of the apply's transaction."""

        def hook() -> None:
            if before is not None:
                before()
            if self.has_changes:
                self.run()

        return hook


def _write_initiative(actor: Membership, plan: RefPlan) -> None:
    f = plan.fields
    if plan.existing is not None:
        initiatives.initiative_update(actor=actor, initiative=plan.existing, **f)
        return
    assert plan.key_result is not None
    initiatives.initiative_create(
        actor=actor,
        key_result=plan.key_result,
        title=f.get("title", ""),
        owner=f.get("owner"),
        status=f.get("status") or InitiativeStatus.PLANNED,
        due_date=f.get("due_date"),
        link_url=f.get("link_url", ""),
    )


def _write_kpi(actor: Membership, plan: RefPlan) -> None:
    f = plan.fields
    if plan.existing is not None:
        kpis.kpi_update(actor, plan.existing, **f)
        return
    kpis.kpi_create(
        actor=actor,
        name=f.get("name", ""),
        healthy_threshold=f.get("healthy_threshold"),
        critical_threshold=f.get("critical_threshold"),
        team=f.get("team"),
        owner=f.get("owner"),
        unit=f.get("unit", ""),
        direction=f.get("direction") or Direction.HIGHER,
        cadence=f.get("cadence") or Cadence.WEEKLY,
    )


def reference_import(
    report: ImportReport,
    *,
    actor: Membership,
    cycle: Cycle,
    data: bytes,
    ctx: ImportContext,
    locale: str,
    dry_run: bool,
) -> ReferenceImport:
    """Read the upload's Initiatives and KPIs sheets into ``report`` (items, problems, notes, rows
    read); on a dry run (or when the report already has problems) check them with the services.
    The apply carries them out through ``before_apply``."""
    ref = ReferenceImport(actor=actor, problems=report.problems)
    if not data.startswith(b"PK\x03\x04"):
        return ref  # CSV: the OKR sheet only
    loaded = load_sheets(data, [INITIATIVES_SHEET, KPIS_SHEET])
    planner = _Planner(actor=actor, cycle=cycle, ctx=ctx, locale=locale)
    for name, columns, required, what in (
        (INITIATIVES_SHEET, INITIATIVE_COLUMNS, ("title",), "initiatives"),
        (KPIS_SHEET, KPI_COLUMNS, ("name",), "KPIs"),
    ):
        if name not in loaded:
            report.notes.append(f"The workbook has no “{name}” sheet: its {what} were left as they are.")
            continue
        sheet = collect(*loaded[name], columns, required)
        planner.problems.extend(sheet.problems)
        planner.bad_rows.update((sheet.name, p.row) for p in sheet.problems if p.row is not None)
        report.rows_read += len(sheet.rows)
        if not sheet.present and not sheet.refused:
            report.notes.append(f"The “{name}” sheet is empty: its {what} were left as they are.")
        elif not sheet.refused:
            ref.plans += planner.initiatives(sheet) if name == INITIATIVES_SHEET else planner.kpis(sheet)
    report.items.extend(p.item() for p in ref.plans)
    report.problems.extend(planner.problems)
    ref.bad_rows = planner.bad_rows
    if ref.has_changes and (dry_run or report.problems):
        ref.check()
    return ref
