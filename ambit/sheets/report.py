"""What an upload found and did: problems (sheet, row, column, what, how to fix) and, per
objective and key result, whether it would be created, updated (field before → after) or left
unchanged. The web page and the management command both render this."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Problem:
    sheet: str
    row: int | None
    column: str | None
    message: str
    hint: str = ""
    is_permission: bool = False

    def __str__(self) -> str:
        where = f"{self.sheet}"
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column “{self.column}”"
        text = f"{where}: {self.message}"
        return f"{text} {self.hint}" if self.hint else text


@dataclass
class Change:
    field: str
    before: str
    after: str


KIND_LABELS = {"objective": "Objective", "key_result": "Key result", "initiative": "Initiative", "kpi": "KPI"}


@dataclass
class Item:
    kind: str  # "objective", "key_result", or "initiative" / "kpi" (their own sheets, ``reference_import``)
    action: str  # "create", "update" or "unchanged"
    title: str
    row: int
    ref: str = ""  # "O12" / "O12-KR34" for existing ones
    changes: list[Change] = field(default_factory=list)
    children: list[Item] = field(default_factory=list)
    # Objectives only: the quality check (score, findings with their row), see sheets/quality_notes.py.
    quality: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass
class ImportReport:
    sheet: str
    rows_read: int = 0
    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped_examples: int = 0
    dry_run: bool = True
    applied: bool = False
    # What the upload did not read and why (a workbook without its "Initiatives" sheet, ...): no problem.
    notes: list[str] = field(default_factory=list)

    def _all(self) -> list[Item]:
        out: list[Item] = []
        for item in self.items:
            out.append(item)
            out.extend(item.children)
        return out

    def count(self, action: str, kind: str | None = None) -> int:
        return sum(1 for i in self._all() if i.action == action and (kind is None or i.kind == kind))

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def has_permission_problems(self) -> bool:
        return any(p.is_permission for p in self.problems)

    def summary(self) -> str:
        return (
            f"{self.rows_read} rows read: {self.created} to create, {self.updated} to update, "
            f"{self.unchanged} unchanged"
            + (f", {self.skipped_examples} example rows skipped" if self.skipped_examples else "")
            + (f"; {len(self.problems)} problems" if self.problems else "")
            + "."
        )

    def as_text(self) -> str:
        head = "Applied" if self.applied else ("Dry run" if self.dry_run else "Not applied")
        lines = [f"{head} — {self.summary()}", *(f"Note: {n}" for n in self.notes)]
        if self.problems:
            lines.append("")
            lines.append("Problems (nothing was written):")
            lines.extend(f"  - {p}" for p in self.problems)
        changed = [i for i in self.items if i.action != "unchanged" or any(c.action != "unchanged" for c in i.children)]
        if changed:
            lines.append("")
        for item in changed:
            lines.extend(_item_lines(item, "  "))
            for child in item.children:
                if child.action != "unchanged":
                    lines.extend(_item_lines(child, "      "))
        lines.extend(_quality_lines(self.items))
        return "\n".join(lines)


def _item_lines(item: Item, indent: str) -> list[str]:
    ref = f" {item.ref}" if item.ref else ""
    out = [f"{indent}{item.action.upper():9} {item.label}{ref} “{item.title}” (row {item.row})"]
    out.extend(f"{indent}    {c.field}: {c.before or '—'} → {c.after or '—'}" for c in item.changes)
    return out


def _quality_lines(items: list[Item]) -> list[str]:
    """The quality check per objective (advice: it never blocks the import)."""
    checked = [i for i in items if i.quality and i.quality["findings"]]
    if not checked:
        return []
    lines = ["", "Quality check (advice, does not block the import):"]
    for item in checked:
        assert item.quality is not None
        lines.append(f"  Objective “{item.title}” (row {item.row}): {item.quality['score']}/100")
        lines.extend(
            f"      row {f['row']}, {f['severity']}: {f['message']} Fix: {f['fix']}" for f in item.quality["findings"]
        )
    return lines
