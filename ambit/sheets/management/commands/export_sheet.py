from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from ambit.accounts.selectors import team_get
from ambit.sheets.exporter import export_workbook
from ambit.sheets.management.commands import _common


class Command(BaseCommand):
    help = "Write a cycle's OKR planning workbook (.xlsx) or its rows (.csv), chosen by the output's extension."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organisation slug")
        parser.add_argument("--cycle", required=True, help="cycle name")
        parser.add_argument("--team", help="only this team's objectives (team slug)")
        parser.add_argument("--as-user", dest="as_user", help="export what this member sees (default: an admin)")
        parser.add_argument("-o", "--output", required=True, help="FILE.xlsx or FILE.csv")

    def handle(self, *args: Any, **opts: Any) -> None:
        out = Path(opts["output"])
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv"):
            raise CommandError("The output file must end in .xlsx or .csv.")
        org = _common.organisation(opts["org"])
        actor = _common.acting_member(org, opts.get("as_user"))
        cycle = _common.cycle(actor, opts["cycle"])
        team = None
        if opts.get("team"):
            try:
                team = team_get(actor=actor, slug=opts["team"])
            except Http404:
                raise CommandError(f"No team with the slug “{opts['team']}” in {org.slug}.") from None
        data = export_workbook(actor=actor, cycle=cycle, team=team, fmt=fmt)
        out.write_bytes(data)
        self.stdout.write(f"Wrote {out} ({len(data):,} bytes).")
