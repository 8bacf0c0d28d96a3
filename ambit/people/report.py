"""The import's report: one line per row of the file (what will happen, or why it cannot), the
teams to create and the counts. The web page, the command and the API all show this one object."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ambit.accounts.models import Role

# What a row does: invite a new person, update an existing member (or the pending placement of
# someone already invited), leave everything as it is, or nothing because the row has errors.
INVITE, UPDATE, UNCHANGED, ERROR = "invite", "update", "unchanged", "error"
ACTIONS = (INVITE, UPDATE, UNCHANGED, ERROR)


@dataclass
class RowError:
    field: str
    message: str


@dataclass
class RowReport:
    number: int
    email: str
    name: str = ""
    action: str = UNCHANGED
    role: str = ""
    team: str = ""  # the team path, normalised to "A / B"
    lead: bool = False
    manager: str = ""
    changes: list[str] = field(default_factory=list)
    teams_to_create: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def error(self, field_name: str, message: str) -> None:
        self.errors.append(RowError(field_name, message))
        self.action = ERROR


@dataclass
class PeopleImportReport:
    filename: str
    dry_run: bool
    applied: bool = False
    refused: str = ""  # the whole file was refused: why
    hint: str = ""  # and what to do
    rows: list[RowReport] = field(default_factory=list)
    teams_to_create: list[str] = field(default_factory=list)
    invitations_sent: int = 0

    @property
    def ok(self) -> bool:
        return not self.refused and not any(r.errors for r in self.rows)

    @property
    def error_rows(self) -> list[RowReport]:
        return [r for r in self.rows if r.errors]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for row in self.rows:
            counts[row.action] += 1
        counts["teams"] = len(self.teams_to_create)
        return counts

    @property
    def has_changes(self) -> bool:
        return bool(self.teams_to_create) or any(r.action in (INVITE, UPDATE) for r in self.rows)

    @property
    def summary(self) -> str:
        if self.refused:
            return f"The file was refused: {self.refused}"
        c = self.counts
        if c[ERROR]:
            rows = f"{c[ERROR]} row{'s' if c[ERROR] != 1 else ''} with errors"
            return f"{rows}: nothing {'can be applied' if self.dry_run else 'was changed'} until they are fixed."
        if not self.has_changes:
            return "Nothing to change: everyone in the file is already set up as it says."
        verb = "will be" if self.dry_run else "were"
        return (
            f"{c[INVITE]} {'people' if c[INVITE] != 1 else 'person'} {verb} invited, {c[UPDATE]} updated, "
            f"{c[UNCHANGED]} unchanged; {c['teams']} team{'s' if c['teams'] != 1 else ''} {verb} created."
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "ok": self.ok,
            "refused": self.refused,
            "hint": self.hint,
            "summary": self.summary,
            "counts": self.counts,
            "teams_to_create": list(self.teams_to_create),
            "invitations_sent": self.invitations_sent,
            # A role the row named but Ambit does not have is an error on the row: null here.
            "rows": [{**asdict(r), "role": r.role if r.role in Role.values else None} for r in self.rows],
        }


def report_text(report: PeopleImportReport) -> str:
    """The report as plain text, one line per row (the command prints it)."""
    mode = "Dry run" if report.dry_run else ("Applied" if report.applied else "Not applied")
    lines = [f"{mode}: {report.filename}"]
    if report.refused:
        lines.append(f"Refused: {report.refused}" + (f" {report.hint}" if report.hint else ""))
        return "\n".join(lines)
    if report.teams_to_create:
        verb = "to create" if report.dry_run or not report.applied else "created"
        lines.append(f"Teams {verb}: " + "; ".join(report.teams_to_create))
    for row in report.rows:
        detail = "; ".join(row.changes) if row.changes else ""
        lines.append(f"Row {row.number:>5}  {row.action:<9}  {row.email}" + (f"  — {detail}" if detail else ""))
        for warning in row.warnings:
            lines.append(f"{'':>11}note: {warning}")
        for error in row.errors:
            lines.append(f"{'':>11}ERROR {error.field}: {error.message}")
    lines.append(report.summary)
    return "\n".join(lines)
