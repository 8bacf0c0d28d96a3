from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ambit.sheets.management.commands import _common
from ambit.sheets.parsing import LOCALES
from ambit.sheets.services import sheet_import


class Command(BaseCommand):
    help = (
        "Import a filled-in OKR planning workbook (.xlsx or .csv): validates every row, then applies "
        "everything or nothing. --dry-run shows what would be created, updated and left unchanged."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="organisation slug")
        parser.add_argument("--cycle", required=True, help="cycle name")
        parser.add_argument("--as-user", dest="as_user", required=True, help="email of the member who imports")
        parser.add_argument("--dry-run", action="store_true", help="report only; change nothing")
        parser.add_argument("--locale", choices=LOCALES, default="en", help="how numbers are written (default en)")

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        org = _common.organisation(opts["org"])
        actor = _common.acting_member(org, opts["as_user"])
        cycle = _common.cycle(actor, opts["cycle"])
        report = sheet_import(
            actor=actor,
            cycle=cycle,
            data=path.read_bytes(),
            filename=path.name,
            locale=opts["locale"],
            dry_run=opts["dry_run"],
        )
        self.stdout.write(report.as_text())
        if not report.ok:
            raise CommandError(f"{len(report.problems)} problem(s): nothing was written.")
