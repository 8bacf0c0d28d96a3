"""Turn raw sheet rows into a plan: which objectives and key results to create or update, with
every problem found on the way. Pure reading and comparing; ``ambit.sheets.services`` carries
the plan out through the okrs services.

Rows group into objectives by their hidden ID (``O12``/``O12-KR34``); rows without an ID by team
and objective title (a blank title continues the objective of the row above). Objective columns
repeat on every row of an objective: the non-empty values must agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ambit.accounts.models import Membership
from ambit.core.services import quoted, to_decimal
from ambit.core.validation import control_characters
from ambit.okrs.models import Ambition, KeyResult, KeyResultKind, Objective, UnitKind, Visibility
from ambit.sheets.diffing import diff_kr, diff_objective
from ambit.sheets.layout import BY_KEY, EXAMPLE_PREFIX, parse_parent_id, parse_row_id
from ambit.sheets.parsing import ParseError, clean_text, parse_date, parse_number
from ambit.sheets.progress_from import (
    FLAGS,
    NEW_FROM_CHILDREN,
    USE_ONE_OF,
    ProgressFrom,
    parse_progress_from,
    progress_from,
)
from ambit.sheets.reader import RawRow, RawSheet
from ambit.sheets.report import Change, Problem
from ambit.sheets.selectors import ImportContext
from ambit.sheets.states import move_state, parse_state, state_refusal

OBJECTIVE_KEYS = (
    "team",
    "objective",
    "objective_description",
    "owner",
    "ambition",
    "visibility",
    "theme",
    "parent",
    "plan_start",
    "state",
)
KR_KEYS = (
    "kr",
    "kr_owner",
    "kind",
    "start",
    "target",
    "stretch",
    "unit",
    "weight",
    "progress_from",
    "kr_plan_start",
)
CURRENCY_UNITS = {"$", "€", "£", "¥", "CHF"}


@dataclass
class ParentRef:
    existing: Objective | None = None
    new_title: str = ""  # a new objective of this same file, named by its title

    @property
    def label(self) -> str:
        return f"#{self.existing.pk} {self.existing.title}" if self.existing else self.new_title


@dataclass
class KrPlan:
    row: int
    existing: KeyResult | None
    title: str
    fields: dict[str, Any]  # model field → new value (only what changes, for an update)
    changes: list[Change] = field(default_factory=list)
    result: KeyResult | None = None


@dataclass
class ObjectivePlan:
    row: int
    rows: list[int]
    existing: Objective | None
    title: str
    fields: dict[str, Any] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    parents_add: list[ParentRef] = field(default_factory=list)
    parents_remove: list[Objective] = field(default_factory=list)
    key_results: list[KrPlan] = field(default_factory=list)
    result: Objective | None = None
    state: str | None = None  # the State column's move, carried out by ``sheets.states``

    def move_state(self, actor: Membership, objective: Objective) -> None:
        move_state(actor, objective, self.state)


class Planner:
    def __init__(self, *, actor: Membership, ctx: ImportContext, raw: RawSheet, locale: str) -> None:
        self.actor, self.ctx, self.raw, self.locale = actor, ctx, raw, locale
        self.present = set(raw.columns)
        self.problems: list[Problem] = []
        self.skipped_examples = 0

    # --- problems ---------------------------------------------------------------------------

    def problem(self, row: int | None, key: str | None, message: str, hint: str = "") -> None:
        column = BY_KEY[key].header if key else None
        self.problems.append(Problem(self.raw.sheet, row, column, message, hint))

    # --- cell readers -----------------------------------------------------------------------

    def check_control_characters(self) -> None:
        """Report each cell holding control characters, then read it without them.

        NUL cannot be stored by PostgreSQL and the others break the export; the shared rule
        (``control_characters``) decides which. The problem keeps the whole import from being
        applied; removing the characters lets the rest of the row still be checked.
        """
        for raw in self.raw.rows:
            for key, value in raw.cells.items():
                if not isinstance(value, str):
                    continue
                found = control_characters(value)
                if not found:
                    continue
                self.problem(
                    raw.number,
                    key,
                    f"The {BY_KEY[key].header.lower()} contains control characters ({', '.join(found[:3])}).",
                    "Remove them (retype the cell) and upload again.",
                )
                for label in found:
                    value = value.replace(chr(int(label[2:], 16)), "")
                raw.cells[key] = value

    def text(self, raw: RawRow, key: str) -> str:
        return clean_text(raw.cells.get(key))

    def number(self, raw: RawRow, key: str, units: list[str]) -> tuple[bool, Decimal | None]:
        try:
            parsed = parse_number(raw.cells.get(key), locale=self.locale)
        except ParseError as exc:
            self.problem(raw.number, key, exc.message, exc.hint)
            return False, None
        if parsed is None:
            return True, None
        if parsed.unit:
            units.append(parsed.unit)
        try:
            return True, to_decimal(parsed.value, field=key, label=BY_KEY[key].header.lower())
        except Exception as exc:  # ValidationError: too large, not finite
            self.problem(raw.number, key, " ".join(getattr(exc, "messages", [str(exc)])))
            return False, None

    def date(self, raw: RawRow, key: str) -> tuple[bool, dt.date | None]:
        """A date cell (``parse_date``); blank is ``None``, the default. Whether the day lies in the
        cycle is the okrs services' rule (``check_plan_start``), reported by the dry run."""
        try:
            return True, parse_date(raw.cells.get(key))
        except ParseError as exc:
            self.problem(raw.number, key, exc.message, exc.hint)
            return False, None

    def person(self, raw: RawRow, key: str) -> tuple[bool, Membership | None]:
        email = self.text(raw, key).lower()
        if not email:
            return True, None
        m = self.ctx.people_by_email.get(email)
        if m is None:
            self.problem(
                raw.number,
                key,
                f"Nobody with the email {quoted(email)} belongs to this organisation.",
                "Use an email from the “Lists” sheet, or invite the person first.",
            )
            return False, None
        return True, m

    def choice(self, raw: RawRow, key: str, choices: Any) -> tuple[bool, str | None]:
        value = self.text(raw, key)
        if not value:
            return True, None
        for v, label in choices.choices:
            if value.lower() in (str(v).lower(), str(label).lower(), str(v).replace("_", " ").lower()):
                return True, str(v)
        header = BY_KEY[key].header.lower()
        article = "an" if header[:1] in "aeiou" else "a"
        self.problem(
            raw.number, key, f"{quoted(value)} is not {article} {header}.", f"Use one of: {', '.join(choices.values)}."
        )
        return False, None

    # --- grouping ---------------------------------------------------------------------------

    def plan(self) -> list[ObjectivePlan]:
        self.check_control_characters()
        groups: dict[Any, list[tuple[RawRow, int | None]]] = {}
        last_key: Any = None
        seen_krs: dict[int, int] = {}
        for raw in self.raw.rows:
            title = self.text(raw, "objective")
            if title.startswith(EXAMPLE_PREFIX):
                self.skipped_examples += 1
                last_key = None
                continue
            id_text = self.text(raw, "id")
            key: Any
            kr_id: int | None = None
            if id_text:
                parsed = parse_row_id(id_text)
                if parsed is None:
                    self.problem(
                        raw.number,
                        "id",
                        f"{quoted(id_text)} is not an Ambit row id.",
                        "Leave the ID empty for a new row.",
                    )
                    continue
                obj_id, kr_id = parsed
                if obj_id not in self.ctx.objectives:
                    self.problem(
                        raw.number,
                        "id",
                        f"Objective O{obj_id} is not in this cycle, or you cannot see it.",
                        "Upload the file to the cycle it was downloaded from, or clear the ID to create a new one.",
                    )
                    continue
                if kr_id is not None:
                    kr = self.ctx.key_results.get(kr_id)
                    if kr is None or kr.objective_id != obj_id:
                        self.problem(
                            raw.number,
                            "id",
                            f"Key result KR{kr_id} does not belong to objective O{obj_id}.",
                            "Keep the ID as downloaded; for a new key result keep only “O…” in the ID.",
                        )
                        continue
                    if kr_id in seen_krs:
                        self.problem(
                            raw.number,
                            "id",
                            f"Key result KR{kr_id} appears twice (rows {seen_krs[kr_id]} and {raw.number}).",
                            "A copied row keeps its hidden ID: for the new key result keep only “O…” in the ID.",
                        )
                        continue
                    seen_krs[kr_id] = raw.number
                key = ("id", obj_id)
            elif title:
                key = self._match_existing(raw, title)
            elif last_key is not None:
                key = last_key
            else:
                if any(self.text(raw, k) for k in KR_KEYS):
                    self.problem(
                        raw.number,
                        "objective",
                        "This key result has no objective.",
                        "Write the objective's title on the row (or put the row right below its objective).",
                    )
                continue
            groups.setdefault(key, []).append((raw, kr_id))
            last_key = key
        plans = [self._plan_objective(key, rows) for key, rows in groups.items()]
        new_titles = {p.title.strip().lower(): p for p in plans if p.existing is None}
        for p, (_, rows) in zip(plans, groups.items(), strict=True):
            self._plan_parents(p, rows, new_titles)
        return plans

    def _match_existing(self, raw: RawRow, title: str) -> Any:
        team = self.text(raw, "team").lower()
        matches = [
            o
            for o in self.ctx.objectives.values()
            if o.title.strip().lower() == title.lower() and (o.team.slug.lower() if o.team else "") == team
        ]
        if len(matches) == 1:
            return ("id", matches[0].pk)
        return ("new", team, title.lower())

    # --- objectives -------------------------------------------------------------------------

    def _agreed(self, rows: list[tuple[RawRow, int | None]], key: str, label: str) -> tuple[RawRow, str] | None:
        """The one value a column holds across an objective's rows (blank rows inherit)."""
        chosen: tuple[RawRow, str] | None = None
        reported = False
        for raw, _ in rows:
            value = self.text(raw, key)
            if not value:
                continue
            if chosen is None:
                chosen = (raw, value)
                continue
            case_blind = key in ("team", "owner", "ambition", "visibility")
            differs = (value.lower() != chosen[1].lower()) if case_blind else (value != chosen[1])
            if differs and not reported:
                reported = True
                self.problem(
                    raw.number,
                    key,
                    f"Objective {quoted(label)} has {quoted(value)} here but {quoted(chosen[1])} "
                    f"on row {chosen[0].number}.",
                    "An objective's columns repeat on each of its rows: make them the same.",
                )
        return chosen

    def _plan_objective(self, key: Any, rows: list[tuple[RawRow, int | None]]) -> ObjectivePlan:
        existing = self.ctx.objectives.get(key[1]) if key[0] == "id" else None
        first = rows[0][0]
        label = existing.title if existing else self.text(first, "objective")
        plan = ObjectivePlan(row=first.number, rows=[r.number for r, _ in rows], existing=existing, title=label)
        wanted: dict[str, Any] = {}
        for k in (
            "team",
            "objective",
            "objective_description",
            "owner",
            "ambition",
            "visibility",
            "theme",
            "plan_start",
            "state",
        ):
            if k not in self.present:
                continue
            agreed = self._agreed(rows, k, label)
            raw, _ = agreed if agreed else (first, "")
            if k == "team":
                slug = agreed[1].lower() if agreed else ""
                team = self.ctx.teams_by_slug.get(slug) if slug else None
                if slug and team is None:
                    self.problem(
                        raw.number,
                        "team",
                        f"There is no team {quoted(agreed[1] if agreed else '')}.",
                        "Use a team slug from the “Lists” sheet, or leave it empty for an individual objective.",
                    )
                    continue
                wanted["team"] = team
            elif k == "objective":
                if agreed:
                    wanted["title"] = agreed[1]
            elif k == "objective_description":
                wanted["description"] = agreed[1] if agreed else ""
            elif k == "owner":
                ok, person = self.person(raw, "owner")
                if ok and person is not None:
                    wanted["owner"] = person
                elif ok and existing is not None:
                    self.problem(raw.number, "owner", "The objective has no owner.", "Enter the owner's email.")
            elif k == "theme":
                title = agreed[1] if agreed else ""
                theme = self.ctx.themes_by_title.get(title.lower()) if title else None
                if title and theme is None:
                    self.problem(
                        raw.number,
                        "theme",
                        f"There is no big move {quoted(title)}.",
                        "Use a theme from the “Lists” sheet, or leave it empty.",
                    )
                    continue
                wanted["theme"] = theme
            elif k == "plan_start":
                ok, day = self.date(raw, "plan_start")
                if ok:
                    wanted["plan_start"] = day
            elif k == "state" and agreed:
                self._plan_state(raw, plan, agreed[1])
            else:
                ok, value = self.choice(raw, k, Ambition if k == "ambition" else Visibility)
                if ok and value is not None:
                    wanted[k] = value
        if existing is None:
            plan.fields = wanted
            plan.title = wanted.get("title", label)
        else:
            plan.fields, changes = diff_objective(existing, wanted)
            plan.changes = [*changes, *plan.changes]  # the State move, if any, after the fields
        for raw, kr_id in rows:
            kr_plan = self._plan_kr(raw, kr_id, plan)
            if kr_plan is not None:
                plan.key_results.append(kr_plan)
        return plan

    def _plan_state(self, raw: RawRow, plan: ObjectivePlan, text: str) -> None:
        state = parse_state(text)
        if state is None:
            self.problem(raw.number, "state", f"{quoted(text)} is not a state.", "Use draft, proposed or active.")
            return
        current = plan.existing.state if plan.existing else None
        refused = state_refusal(current, state)
        if refused is not None:
            self.problem(raw.number, "state", *refused)
        elif state != (current or "draft"):
            plan.state = state
            plan.changes.append(Change("State", current or "draft", state))

    def _plan_parents(
        self, plan: ObjectivePlan, rows: list[tuple[RawRow, int | None]], new_titles: dict[str, ObjectivePlan]
    ) -> None:
        if "parent" not in self.present:
            return
        agreed = self._agreed(rows, "parent", plan.title)
        refs: list[ParentRef] = []
        for part in (agreed[1] if agreed else "").replace("\n", ";").split(";"):
            text = part.strip()
            if not text:
                continue
            ref = self._parent_ref(text, plan)
            if ref is None:
                assert agreed is not None
                self.problem(
                    agreed[0].number,
                    "parent",
                    f"There is no parent objective {quoted(text)}.",
                    "Pick one from the “Lists” sheet (“#id title”), or name a new objective of this file by its title.",
                )
                continue
            if ref.existing is None and ref.new_title.lower() not in new_titles:
                continue
            refs.append(ref)
        current = self.ctx.parents.get(plan.existing.pk, []) if plan.existing else []
        current_ids = {p.pk for p in current}
        wanted_ids = {r.existing.pk for r in refs if r.existing}
        plan.parents_add = [r for r in refs if r.existing is None or r.existing.pk not in current_ids]
        plan.parents_remove = [p for p in current if p.pk not in wanted_ids]
        if plan.existing is not None and (plan.parents_add or plan.parents_remove):
            plan.changes.append(
                Change(
                    "Parent objective",
                    "; ".join(f"#{p.pk} {p.title}" for p in current),
                    "; ".join(r.label for r in refs),
                )
            )
        elif plan.existing is None and refs:
            plan.changes.append(Change("Parent objective", "", "; ".join(r.label for r in refs)))

    def _parent_ref(self, text: str, plan: ObjectivePlan) -> ParentRef | None:
        pid = parse_parent_id(text)
        if pid is not None:
            found = self.ctx.candidates_by_id.get(pid) or self.ctx.objectives.get(pid)
            return ParentRef(existing=found) if found else None
        matches = self.ctx.candidates_by_title.get(text.lower(), [])
        if len(matches) == 1:
            return ParentRef(existing=matches[0])
        if text.lower() != plan.title.strip().lower():
            return ParentRef(new_title=text)
        return None

    # --- key results ------------------------------------------------------------------------

    def _plan_kr(self, raw: RawRow, kr_id: int | None, plan: ObjectivePlan) -> KrPlan | None:
        existing = self.ctx.key_results.get(kr_id) if kr_id is not None else None
        title = self.text(raw, "kr")
        has_kr_data = any(not _blank(raw.cells.get(k)) for k in KR_KEYS if k != "kr")
        if existing is None and not title:
            if has_kr_data:
                self.problem(raw.number, "kr", "The key result has no title.", "Write what you will measure.")
            return None
        if existing is not None and "kr" in self.present and not title:
            self.problem(
                raw.number, "kr", "The key result's title is empty.", "To drop a key result, cancel it in Ambit."
            )
            return None
        wanted: dict[str, Any] = {}
        if title:
            wanted["title"] = title
        errors_before = len(self.problems)
        if "kr_owner" in self.present:
            ok, person = self.person(raw, "kr_owner")
            if ok and person is not None:
                wanted["owner"] = person
        if "kind" in self.present:
            ok, kind = self.choice(raw, "kind", KeyResultKind)
            if ok and kind is not None:
                wanted["kind"] = kind
        units: list[str] = []
        for key, name in (("start", "start_value"), ("target", "target_value"), ("stretch", "stretch_target")):
            if key in self.present:
                ok, number = self.number(raw, key, units)
                if ok:
                    wanted[name] = number
        if "weight" in self.present:
            ok, weight = self.number(raw, "weight", [])
            if ok and weight is not None:
                if weight <= 0:
                    self.problem(raw.number, "weight", "The weight must be above 0.", "Use 1 for a normal weight.")
                else:
                    wanted["weight"] = float(weight)
        if "kr_plan_start" in self.present:
            ok, day = self.date(raw, "kr_plan_start")
            if ok:
                wanted["plan_start"] = day
        if "unit" in self.present:
            wanted["unit"] = self.text(raw, "unit") or (units[0] if units else "")
        elif units and (existing is None or not existing.unit):
            wanted["unit"] = units[0]
        kind = wanted.get("kind", existing.kind if existing else KeyResultKind.INCREASE)
        if len(self.problems) == errors_before:
            self._check_kind_fit(raw, kind, wanted, existing)
        if "unit" in wanted and (existing is None or wanted["unit"] != existing.unit):
            wanted["unit_kind"] = _unit_kind(wanted["unit"])
        source = self._progress_from(raw, existing)
        if existing is None:
            if source == ProgressFrom.INITIATIVES:
                wanted["progress_from_initiatives"] = True
                changes = [Change(BY_KEY["progress_from"].header, "", source)]
                return KrPlan(row=raw.number, existing=None, title=title, fields=wanted, changes=changes)
            return KrPlan(row=raw.number, existing=None, title=title, fields=wanted)
        fields, changes = diff_kr(existing, wanted)
        if source is not None and source != progress_from(existing):
            fields.update(FLAGS[source])
            changes.append(Change(BY_KEY["progress_from"].header, progress_from(existing), source))
        return KrPlan(row=raw.number, existing=existing, title=existing.title, fields=fields, changes=changes)

    def _progress_from(self, raw: RawRow, existing: KeyResult | None) -> str | None:
        """The "Progress from" asked for, or None for no change (a blank cell, or a problem)."""
        if "progress_from" not in self.present:
            return None
        text = self.text(raw, "progress_from")
        if not text:
            return None
        source = parse_progress_from(text)
        if source is None:
            self.problem(raw.number, "progress_from", f"{quoted(text)} is not where progress comes from.", USE_ONE_OF)
        elif source == ProgressFrom.CHILDREN and existing is None:
            self.problem(raw.number, "progress_from", *NEW_FROM_CHILDREN)
            return None
        return source

    def _check_kind_fit(self, raw: RawRow, kind: str, wanted: dict[str, Any], existing: KeyResult | None) -> None:
        def value(name: str) -> Decimal | None:
            return wanted[name] if name in wanted else (getattr(existing, name) if existing else None)

        start, target, stretch = value("start_value"), value("target_value"), value("stretch_target")
        if kind == KeyResultKind.MILESTONES:
            if existing is None:
                self.problem(
                    raw.number,
                    "kind",
                    "A milestone checklist cannot be created from the sheet (it has no milestones column).",
                    "Create it in Ambit, or pick another kind.",
                )
            elif any(v is not None for v in (start, target, stretch)):
                self.problem(
                    raw.number,
                    "kind",
                    "A milestone checklist has no start, target or stretch.",
                    "Clear those cells, or pick a kind that measures a number.",
                )
        elif kind == KeyResultKind.BINARY:
            if start not in (None, Decimal(0)) or target not in (None, Decimal(1)) or stretch is not None:
                self.problem(
                    raw.number,
                    "kind",
                    "A done / not done (binary) key result takes no numbers (or start 0 and target 1).",
                    "Clear start, target and stretch, or pick increase / decrease for a number.",
                )
            wanted["start_value"], wanted["target_value"] = Decimal(0), Decimal(1)
            wanted.pop("stretch_target", None)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _unit_kind(unit: str) -> str:
    if unit.strip() == "%":
        return UnitKind.PERCENT
    if unit.strip().upper() in CURRENCY_UNITS or unit.strip() in CURRENCY_UNITS:
        return UnitKind.CURRENCY
    return UnitKind.NUMBER
