"""The planning workbook's "Initiatives" sheet: each initiative of the cycle's key results the
exporter may see, with its link's key and sprint; user text never becomes a formula."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from ambit.initiatives import services
from ambit.sheets.exporter import export_workbook
from ambit.sheets.initiatives import INITIATIVES_SHEET
from tests.builders import World
from tests.initiatives.helpers import Board, build_board

pytestmark = pytest.mark.django_db


def test_the_workbook_lists_the_initiatives(world: World) -> None:
    board: Board = build_board(world)
    services.initiative_create(
        actor=world.lead,
        key_result=board.kr,
        title='=HYPERLINK("http://evil.example")',
        owner=world.member,
        link_url="https://github.com/acme/web/issues/5",
        due_date=board.current.end_date,
        sprint=board.current,
    )
    services.initiative_create(actor=world.lead, key_result=board.other_kr, title="Profile queries", status="done")
    wb = load_workbook(io.BytesIO(export_workbook(actor=world.member, cycle=world.cycle)))
    ws = wb[INITIATIVES_SHEET]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == [
        "Team", "Objective", "Key result", "Initiative", "Owner email", "Status", "Due", "Link", "Link key", "Sprint",
        "Key result ID", "ID",
    ]  # fmt: skip
    first, second = rows[1], rows[2]
    # The apostrophe keeps it text (set_safe_cell), as on the OKR sheet.
    assert first[:4] == ["platform", "Make the platform fast", "Weekly users", '\'=HYPERLINK("http://evil.example")']
    assert ws.cell(row=2, column=4).data_type == "s"  # text, not a formula
    assert first[4:6] == ["member@acme.test", "planned"]
    assert first[6].date() == board.current.end_date
    assert first[7:10] == ["https://github.com/acme/web/issues/5", "acme/web#5", 2]
    # The IDs the upload reads back (sheets/reference_import.py).
    assert first[10] == f"O{board.objective.pk}-KR{board.kr.pk}" and str(first[11]).startswith("I")
    assert second[2:6] == ["Latency p95", "Profile queries", None, "done"]
    assert second[9] is None and len(rows) == 3
