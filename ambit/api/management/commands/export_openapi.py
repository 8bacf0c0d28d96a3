"""Write the API's OpenAPI document, or check that a committed copy matches the code."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


def openapi_text() -> str:
    """The document as committed: sorted keys, 2-space indent, trailing newline."""
    from ambit.api.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Print the OpenAPI document (or write it with -o); --check FILE exits 1 with a diff when FILE differs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", metavar="FILE", help="Compare with FILE instead of writing.")
        parser.add_argument("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")

    def handle(self, *args: Any, **options: Any) -> None:
        text = openapi_text()
        if options["check"]:
            path = Path(options["check"])
            if not path.exists():
                raise CommandError(f"{path} does not exist: create it with `manage.py export_openapi -o {path}`.")
            committed = path.read_text()
            if committed != text:
                diff = difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    fromfile=f"{path} (committed)",
                    tofile="code",
                )
                self.stdout.write("".join(diff))
                raise CommandError(
                    f"{path} is out of date with the code: run `manage.py export_openapi -o {path}` and commit it.",
                    returncode=1,
                )
            self.stdout.write(f"{path} matches the code.")
            return
        if options["output"]:
            Path(options["output"]).write_text(text)
            self.stdout.write(f"Wrote {options['output']}.")
        else:
            self.stdout.write(text, ending="")
