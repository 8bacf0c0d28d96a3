"""``manage.py import_people FILE --org SLUG [--dry-run] [--as EMAIL]``: the people import from a
shell, with the same checks and report as the web page and the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ambit.people.report import report_text
from ambit.people.services import import_people
from ambit.sheets.layout import MAX_UPLOAD_BYTES
from ambit.sheets.management.commands import _common
from ambit.sheets.reader import too_large


class Command(BaseCommand):
    help = (
        "Import people and teams from a CSV or XLSX file (Name, Email, Team, Role, Manager email, Lead, "
        "Title): checks every row, then invites new people, updates members and creates teams, all or "
        "nothing. --dry-run only reports."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="organisation slug")
        parser.add_argument("--dry-run", action="store_true", help="report only; change nothing")
        parser.add_argument(
            "--as", dest="as_user", default=None, help="email of the admin who imports (default: the first admin)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_UPLOAD_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.") from None
        if len(data) > MAX_UPLOAD_BYTES:
            refused = too_large(path.stat().st_size)
            raise CommandError(f"{refused.message} {refused.hint}")
        org = _common.organisation(opts["org"])
        actor = _common.acting_member(org, opts["as_user"])
        try:
            report = import_people(
                file=data, filename=path.name, organisation=org, actor=actor, dry_run=opts["dry_run"]
            )
        except PermissionDenied as exc:
            raise CommandError(f"{actor.user.email}: {exc}") from None
        self.stdout.write(report_text(report))
        if not report.ok:
            problems = len(report.error_rows) if not report.refused else 1
            raise CommandError(f"{problems} problem(s): nothing was written.")
