"""``manage.py cycle_report --org SLUG --cycle NAME [--team SLUG] -o FILE.pdf|FILE.xlsx``: the
cycle report as everyone in the organisation may see it (public objectives only), the format
from the file's extension."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ambit.reports.build import FORMATS, PdfUnavailable, cycle_report_file
from ambit.reports.selectors import scope_by_names


class Command(BaseCommand):
    help = "Write a cycle's report (the organisation's, or a team's subtree) as PDF or XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("--cycle", required=True, help="The cycle's name, e.g. “Q3 2026” (any case).")
        parser.add_argument("--team", default="", help="A team's slug: the report covers it and the teams below it.")
        parser.add_argument("-o", "--output", required=True, help="The file to write: .pdf or .xlsx.")

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        extension = output.suffix.lower().removeprefix(".")
        if extension not in FORMATS:
            raise CommandError(
                f"Cannot tell the format from “{output.name}”: name the file .pdf or .xlsx (e.g. -o report.pdf)."
            )
        if not output.parent.is_dir():
            raise CommandError(f"The folder {output.parent} does not exist.")
        try:
            cycle, team = scope_by_names(
                organisation_slug=options["org"], cycle_name=options["cycle"], team_slug=options["team"] or None
            )
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        started = time.perf_counter()
        try:
            content, _name, _type = cycle_report_file(cycle, extension, team=team)
        except PdfUnavailable as exc:
            raise CommandError(str(exc)) from None
        output.write_bytes(content)
        seconds = time.perf_counter() - started
        scope = f"{team.name} and the teams below it" if team else cycle.organisation.name
        self.stdout.write(f"Wrote {output} ({len(content):,} bytes): {cycle.name}, {scope}, in {seconds:.1f} s.")
