from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ambit.sheets.layout import MAX_UPLOAD_BYTES
from ambit.sheets.management.commands import _common
from ambit.sheets.parsing import LOCALES
from ambit.sheets.reader import too_large
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
        data = _read_bounded(path)
        org = _common.organisation(opts["org"])
        actor = _common.acting_member(org, opts["as_user"])
        cycle = _common.cycle(actor, opts["cycle"])
        report = sheet_import(
            actor=actor,
            cycle=cycle,
            data=data,
            filename=path.name,
            locale=opts["locale"],
            dry_run=opts["dry_run"],
        )
        self.stdout.write(report.as_text())
        if not report.ok:
            raise CommandError(f"{len(report.problems)} problem(s): nothing was written.")


def _read_bounded(path: Path) -> bytes:
    """The file's bytes, refusing one over the upload limit before reading it into memory."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_UPLOAD_BYTES + 1)
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if len(data) > MAX_UPLOAD_BYTES:
        refused = too_large(path.stat().st_size)
        raise CommandError(f"{refused.message} {refused.hint}")
    return data
