"""Malformed files: each is refused clearly (the whole file, or a cell naming row, column and fix),
never with an exception, never slowly, and never with anything written.

The XLSX cases start from a workbook exported by the app and rewrite its parts by hand (the zip
and the worksheet XML), the way a damaged or hostile file arrives; hypothesis then mutates
workbooks and CSV cells at random. Every file goes through ``sheet_import`` as a dry run and as
an apply, and the database must be as it was whenever the report has a problem.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from ambit.sheets.exporter import export_workbook
from ambit.sheets.layout import (
    COLUMNS,
    MAX_COLUMNS,
    MAX_PHYSICAL_ROWS,
    MAX_UNPACKED_BYTES,
    parse_parent_id,
    parse_row_id,
)
from ambit.sheets.parsing import ParsedNumber, ParseError, parse_number
from ambit.sheets.report import ImportReport
from ambit.sheets.services import sheet_import
from tests.builders import Plan, World
from tests.sheets.conftest import db_state
from tests.sheets.helpers import csv_bytes, row, xlsx

pytestmark = pytest.mark.django_db

DAMAGED = "This file is damaged or not a spreadsheet we can read"
COLUMN_LETTER = {c.key: chr(ord("A") + i) for i, c in enumerate(COLUMNS)}
HYPOTHESIS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


# --- building damaged files ---------------------------------------------------------------------


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
    return out.getvalue()


def _okr_part(parts: dict[str, bytes]) -> str:
    """The zip part holding the OKR sheet, found as openpyxl finds it (workbook → relationships)."""
    workbook = parts["xl/workbook.xml"].decode()
    rid = re.search(r'<sheet name="OKRs"[^>]*r:id="(rId\d+)"', workbook)
    assert rid is not None
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'<Relationship[^>]*Id="{rid.group(1)}"[^>]*/>', rels)
    assert target is not None
    path = re.search(r'Target="([^"]+)"', target.group(0))
    assert path is not None
    return path.group(1).lstrip("/") if path.group(1).startswith("/xl") else "xl/" + path.group(1)


def _edit_sheet(data: bytes, edit: Callable[[str], str]) -> bytes:
    parts = _parts(data)
    name = _okr_part(parts)
    parts[name] = edit(parts[name].decode()).encode()
    return _zip(parts)


def _with_part(data: bytes, name: str, content: bytes | None) -> bytes:
    parts = _parts(data)
    if content is None:
        del parts[name]
    else:
        parts[name] = content
    return _zip(parts)


def _add_row(sheet_xml: str, cells: str, number: int = 90) -> str:
    """Append ``<row r=number>cells</row>`` to the sheet data."""
    return sheet_xml.replace("</sheetData>", f'<row r="{number}">{cells}</row></sheetData>')


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _objective_row(number: int, extra: str = "") -> str:
    """An objective with a key result on row ``number``, then the cells of ``extra``."""
    return _inline(f"C{number}", "Broken objective") + _inline(f"J{number}", "Broken key result") + extra


def _doctype(sheet_xml: str, doctype: str) -> str:
    body = re.sub(r"^<\?xml[^>]*\?>", "", sheet_xml)
    return '<?xml version="1.0" encoding="UTF-8"?>' + doctype + body


def _forge_size(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size that the local header and central directory declare."""
    blob = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
        start_dir = zf.start_dir
    struct.pack_into("<I", blob, info.header_offset + 22, size)
    offset = start_dir
    while blob[offset : offset + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", blob, offset + 28)
        if blob[offset + 46 : offset + 46 + name_len].decode() == name:
            struct.pack_into("<I", blob, offset + 24, size)
        offset += 46 + name_len + extra_len + comment_len
    return bytes(blob)


def _bomb(data: bytes) -> bytes:
    parts = _parts(data)
    parts["xl/media/padding.bin"] = b"\0" * (MAX_UNPACKED_BYTES + 1)
    return _zip(parts)


# --- running an import and checking its outcome -------------------------------------------------


def _import_both_ways(world: World, data: bytes, name: str = "plan.xlsx") -> ImportReport:
    """Dry run and apply: no exception escapes, and a report with problems changed nothing."""
    before = db_state()
    dry = sheet_import(actor=world.champion, cycle=world.cycle, data=data, filename=name, dry_run=True)
    assert db_state() == before
    applied = sheet_import(actor=world.champion, cycle=world.cycle, data=data, filename=name, dry_run=False)
    assert [str(p) for p in applied.problems] == [str(p) for p in dry.problems]
    if applied.problems:
        assert not applied.applied
        assert db_state() == before
    return applied


def _refused(world: World, data: bytes, name: str = "plan.xlsx") -> str:
    report = _import_both_ways(world, data, name)
    assert len(report.problems) == 1, [str(p) for p in report.problems]
    (problem,) = report.problems
    assert problem.row is None and problem.column is None
    return f"{problem.message} {problem.hint}"


def _cell_problems(world: World, data: bytes, name: str = "plan.xlsx") -> dict[tuple[int | None, str | None], str]:
    report = _import_both_ways(world, data, name)
    assert report.problems
    return {(p.row, p.column): f"{p.message} {p.hint}" for p in report.problems}


@pytest.fixture
def exported(world: World, plan: Plan) -> bytes:
    return export_workbook(actor=world.champion, cycle=world.cycle)


# --- the worksheet XML: hostile, broken, impossible -----------------------------------------------


def test_defusedxml_guards_openpyxl() -> None:
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


def test_external_entity_is_refused_not_expanded(world: World, exported: bytes) -> None:
    data = _edit_sheet(
        exported,
        lambda x: _add_row(
            _doctype(x, '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'),
            _objective_row(90, _inline("D90", "&xxe;")),
        ),
    )
    text = _refused(world, data)
    assert "declares XML entities" in text
    assert "root:" not in text


def test_billion_laughs_is_refused(world: World, exported: bytes) -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    data = _edit_sheet(
        exported,
        lambda x: _add_row(
            _doctype(x, f"<!DOCTYPE worksheet [{entities}]>"), _objective_row(90, _inline("D90", "&lol9;"))
        ),
    )
    assert "declares XML entities" in _refused(world, data)


@pytest.mark.parametrize(
    ("case", "edit", "reason"),
    [
        ("truncated XML", lambda x: x[: len(x) // 2], "XML is broken"),
        ("not XML at all", lambda x: "this is not a worksheet", "XML is broken"),
        ("control character", lambda x: x.replace("<t>Objective</t>", "<t>Obj\x01ective</t>"), "XML is broken"),
        ("shared string out of range", lambda x: _add_row(x, '<c r="C90" t="s"><v>99999</v></c>'), "not valid"),
        (
            "style out of range",
            lambda x: _add_row(x, _objective_row(90, '<c r="M90" s="9999"><v>5</v></c>')),
            "not valid",
        ),
        ("text in a number cell", lambda x: _add_row(x, _objective_row(90, '<c r="M90"><v>abc</v></c>')), "not valid"),
        ("NaN in a number cell", lambda x: _add_row(x, _objective_row(90, '<c r="M90"><v>NaN</v></c>')), "not valid"),
        ("INF in a number cell", lambda x: _add_row(x, _objective_row(90, '<c r="M90"><v>INF</v></c>')), "not valid"),
        (
            "5,000 digits in a number cell",
            lambda x: _add_row(x, _objective_row(90, f'<c r="M90"><v>{"9" * 5000}</v></c>')),
            "thousands of digits",
        ),
        (
            "bad date cell",
            lambda x: _add_row(x, _objective_row(90, '<c r="M90" t="d"><v>not-a-date</v></c>')),
            "not valid",
        ),
        ("bad bool cell", lambda x: _add_row(x, _objective_row(90, '<c r="M90" t="b"><v>yes</v></c>')), "not valid"),
        ("column ZZZZZ", lambda x: _add_row(x, _inline("ZZZZZ90", "x")), "not valid"),
    ],
)
def test_damaged_worksheet_is_refused(
    world: World, exported: bytes, case: str, edit: Callable[[str], str], reason: str
) -> None:
    text = _refused(world, _edit_sheet(exported, edit))
    assert text.startswith(DAMAGED), case
    assert reason in text, case
    assert "save it again as .xlsx" in text


def test_boolean_cell_holding_two_is_a_yes_no_not_a_number(world: World, exported: bytes) -> None:
    data = _edit_sheet(exported, lambda x: _add_row(x, _objective_row(90, '<c r="M90" t="b"><v>2</v></c>')))
    assert "yes/no value is not a number" in _cell_problems(world, data)[(90, "Start")]


@pytest.mark.parametrize("value", ["1E1000000", "-1e999"])
def test_infinite_number_cell_is_refused_on_its_cell(world: World, exported: bytes, value: str) -> None:
    data = _edit_sheet(exported, lambda x: _add_row(x, _objective_row(90, f'<c r="N90"><v>{value}</v></c>')))
    assert "not a finite number" in _cell_problems(world, data)[(90, "Target")]


@pytest.mark.parametrize("ref", ["A0", "A99999999"])
def test_impossible_row_numbers(world: World, exported: bytes, ref: str) -> None:
    data = _edit_sheet(
        exported, lambda x: x.replace("</sheetData>", f'<row r="{ref[1:]}">{_inline(ref, "x")}</row></sheetData>')
    )
    report = _import_both_ways(world, data)
    if ref == "A0":
        # Row 0 comes before the header: openpyxl skips it, and the file imports as exported.
        assert report.ok and not report.created and not report.updated
    else:
        assert "past row 50,000" in report.problems[0].message


@pytest.mark.parametrize("name", ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "OKR sheet"])
def test_missing_workbook_part(world: World, exported: bytes, name: str) -> None:
    parts = _parts(exported)
    part = _okr_part(parts) if name == "OKR sheet" else name
    assert part in parts
    text = _refused(world, _with_part(exported, part, None))
    if name == "OKR sheet":
        # openpyxl leaves out a sheet whose part is missing: what remains has no OKR sheet.
        assert "has no sheet named “OKRs” (it has “Lists”, “Initiatives”, “KPIs”, “Instructions”)" in text
    else:
        assert "damaged" in text or "not a spreadsheet" in text


def test_missing_styles_part_still_reads(world: World, exported: bytes) -> None:
    report = _import_both_ways(world, _with_part(exported, "xl/styles.xml", None))
    assert report.ok and not report.created and not report.updated


# --- the zip package ------------------------------------------------------------------------------


def test_a_workbook_linked_to_other_files_is_refused(world: World, exported: bytes) -> None:
    """Its cells would show values copied from files Ambit never sees (as the people import refuses)."""
    parts = _parts(exported)
    parts["xl/externalLinks/externalLink1.xml"] = b"<externalLink/>"
    text = _refused(world, _zip(parts))
    assert "links to other files" in text and "Break Link" in text


def test_zip_bomb_is_refused_before_it_is_unpacked(world: World, exported: bytes) -> None:
    text = _refused(world, _bomb(exported))
    assert "unpacks to more than 100 MB" in text


def test_zip_bomb_hiding_behind_a_small_declared_size_is_refused(world: World, exported: bytes) -> None:
    data = _forge_size(_bomb(exported), "xl/media/padding.bin", 1000)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sum(i.file_size for i in zf.infolist()) < MAX_UNPACKED_BYTES
    assert _refused(world, data).startswith(DAMAGED)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [(-100, DAMAGED + ": its zip packaging is broken"), (2**31, "unpacks to more than 100 MB")],
)
def test_lying_part_size_is_refused(world: World, exported: bytes, delta: int, expected: str) -> None:
    parts = _parts(exported)
    name = _okr_part(parts)
    data = _forge_size(exported, name, len(parts[name]) + delta)
    assert expected in _refused(world, data)


def test_part_declared_a_little_larger_than_it_is_reads_its_real_bytes(world: World, exported: bytes) -> None:
    # zipfile reads a part to the end of its compressed data and checks the CRC: the real bytes
    # are all there and intact, so the file is as good as exported.
    parts = _parts(exported)
    name = _okr_part(parts)
    report = _import_both_ways(world, _forge_size(exported, name, len(parts[name]) + 100))
    assert report.ok and not report.created and not report.updated


def test_real_unpacked_bytes_are_counted_not_the_headers(
    world: World, exported: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whatever the headers say, the reader stops as soon as the bytes it really unpacked pass the
    # limit: with a limit below the workbook's size, the honest workbook itself is refused.
    from ambit.sheets import reader

    unpacked = sum(len(v) for v in _parts(exported).values())
    monkeypatch.setattr(reader, "MAX_UNPACKED_BYTES", unpacked - 1)
    assert "unpacks to more than" in _refused(world, exported)


# --- the CPU bomb: a declared dimension of 16,384 columns × 1,048,576 rows -----------------------


def _far_cell_workbook(row_number: int) -> bytes:
    return _edit_sheet(
        xlsx([row(objective="Near")]),
        lambda x: _add_row(
            x.replace('<dimension ref="A1:Q2" />', '<dimension ref="A1:XFD1048576" />'),
            _inline(f"C{row_number}", "Far"),
            row_number,
        ),
    )


def _count_cells_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the cells of every row openpyxl hands the reader."""
    seen = [0, 0]
    original = ReadOnlyWorksheet._cells_by_row

    def counting(self: ReadOnlyWorksheet, *args: Any, **kwargs: Any) -> Iterator[Sequence[object]]:
        for cells in original(self, *args, **kwargs):
            seen[0] += 1
            seen[1] += len(cells)
            yield cells

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counting)
    return seen


def test_declared_dimension_does_not_multiply_the_work(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _count_cells_read(monkeypatch)
    text = _refused(world, _far_cell_workbook(49_000), "bomb.xlsx")
    assert "row 49,000 holds something 48,997 empty rows below the rest (row 2)" in text
    rows_read, cells_read = seen
    # Both imports (dry run and apply) read each row once, at most MAX_COLUMNS wide: not 16,384.
    assert rows_read == 2 * 49_000
    assert cells_read <= rows_read * MAX_COLUMNS
    assert cells_read < 2 * 49_000 * 16_384 // 100


def test_rows_far_below_the_sheet_stop_the_reading(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _count_cells_read(monkeypatch)
    text = _refused(world, _far_cell_workbook(1_000_000), "bomb.xlsx")
    assert "past row 50,000" in text
    assert seen[0] == 2 * (MAX_PHYSICAL_ROWS + 1)


def test_a_gap_of_blank_rows_within_the_limit_is_fine(world: World) -> None:
    data = _edit_sheet(xlsx([row(objective="Near")]), lambda x: _add_row(x, _inline("C900", "Far"), 900))
    report = _import_both_ways(world, data)
    assert report.ok
    assert report.rows_read == 2


# --- cells: numbers, ids, long text, control characters ------------------------------------------

HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("cells", "column", "expected"),
    [
        ({"id": "O" + HUGE}, "ID", "is not an Ambit row id"),
        ({"id": f"O1-KR{HUGE}"}, "ID", "is not an Ambit row id"),
        ({"parent": f"#{HUGE} Win"}, "Parent objective", "There is no parent objective"),
        ({"start": HUGE, "kr": "K"}, "Start", "far too large number"),
        ({"target": "1e1000000", "kr": "K"}, "Target", "far too large number"),
        ({"target": "1e-1000000", "kr": "K"}, "Target", "far too small number"),
        ({"stretch": "1e99999999999999999999", "kr": "K"}, "Stretch", "is not a number"),
        ({"target": "NaN", "kr": "K"}, "Target", "is not a number"),
        ({"target": "INF", "kr": "K"}, "Target", "is not a number"),
        ({"target": "-inf", "kr": "K"}, "Target", "is not a number"),
        ({"weight": "1e5000", "kr": "K"}, "Weight", "far too large number"),
        ({"objective_description": "Tab\tand\nnewline are fine, but not \x00"}, "Objective description", "U+0000"),
        ({"kr": "Bell \x07 ring", "target": "3"}, "Key result", "U+0007"),
        ({"owner": "x" * 32_767}, "Owner email", "Nobody with the email"),
    ],
)
def test_csv_cells_are_refused_on_their_cell(world: World, cells: dict[str, str], column: str, expected: str) -> None:
    cells = {"objective": "Malformed", **cells}
    data = csv_bytes([row(**cells)])
    problems = _cell_problems(world, data, "plan.csv")
    assert expected in problems[(2, column)]
    # No message quotes a cell at length (a cell may hold 32,767 characters).
    assert all(len(text) < 400 for text in problems.values())


def test_nul_in_a_title_is_reported_and_not_stored(world: World) -> None:
    data = csv_bytes([row(objective="Grow\x00 revenue", kr="Close deals", target="10")])
    problems = _cell_problems(world, data, "plan.csv")
    assert "control characters (U+0000)" in problems[(2, "Objective")]
    assert "Remove them" in problems[(2, "Objective")]


def test_control_characters_legal_in_xml_are_reported_on_their_xlsx_cell(world: World, exported: bytes) -> None:
    # DEL and the C1 controls are valid XML 1.0, so they reach the cell (C0 ones break the XML).
    data = _edit_sheet(exported, lambda x: _add_row(x, _objective_row(90, _inline("D90", "Note\x7f\x85"))))
    problems = _cell_problems(world, data)
    assert "contains control characters (U+007F, U+0085)" in problems[(90, "Objective description")]


def test_csv_field_over_the_csv_limit_is_refused(world: World) -> None:
    data = csv_bytes([row(objective="Fine")]) + b'"' + b"x" * 140_000 + b'",Other\r\n'
    text = _refused(world, data, "plan.csv")
    assert "Row 3 of the CSV file holds a cell of more than 131,072 characters" in text
    assert csv.field_size_limit() == 131_072
    assert "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" not in text


def test_csv_with_a_few_nuls_is_read_but_binary_is_not(world: World) -> None:
    assert (
        "control characters" in _cell_problems(world, csv_bytes([row(objective="A\x00B")]), "p.csv")[(2, "Objective")]
    )
    assert _refused(world, b"\x00\x01" * 100, "p.csv").startswith("The file is not a spreadsheet.")


# --- random damage ---------------------------------------------------------------------------------

GOOD = xlsx(
    [
        row(team="platform", objective="Random", owner="lead@acme.test", kr="Ship it", start=1, target=5),
        row(objective="Random", kr="Second", start="10%", target="40%"),
    ]
)
GOOD_PART = "xl/worksheets/sheet1.xml"

NASTY_TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(max_codepoint=0x9F), max_size=20),
    st.integers(min_value=4000, max_value=6000).map(lambda n: "9" * n),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-9, 9), st.integers(-(10**12), 10**12)),
    st.sampled_from(["NaN", "INF", "-inf", "Infinity", "1e-1000000", "0e-999999", "(−1,5 %)", "$-", "O", "#", "1bn"]),
    st.sampled_from(["O1", "O1-KR1", "#1 Win the mid-market", "O99999999999999999999"]),
)
XML_FRAGMENTS = st.one_of(
    st.sampled_from(
        [
            "<",
            "&",
            "&amp",
            "<!ENTITY a 'b'>",
            "<!DOCTYPE x>",
            "]]>",
            '<c r="A" t="s"><v>7</v></c>',
            '<c r="XFD1048576"><v>1</v></c>',
            '<row r="-1"/>',
            '<c r="B3" t="n"><v>1E400</v></c>',
            '<c r="B3" t="e"><v>#N/A</v></c>',
            '<c r="B3" t="str"><f>1+1</f><v>2</v></c>',
            "\x00",
        ]
    ),
    st.text(max_size=30),
)


@HYPOTHESIS
@given(data=st.data())
def test_random_damage_to_the_zip_is_refused(world: World, data: st.DataObject) -> None:
    blob = bytearray(GOOD)
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(blob) - 1))
        blob[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(blob) // 3, len(blob)))
    _import_both_ways(world, bytes(blob[:cut]))


@HYPOTHESIS
@given(fragment=XML_FRAGMENTS, where=st.floats(0, 1))
def test_random_xml_in_the_worksheet_never_escapes(world: World, fragment: str, where: float) -> None:
    parts = _parts(GOOD)
    xml = parts[GOOD_PART].decode()
    at = int(len(xml) * where)
    parts[GOOD_PART] = (xml[:at] + fragment + xml[at:]).encode("utf-8", "surrogatepass")
    _import_both_ways(world, _zip(parts))


@HYPOTHESIS
@given(
    values=st.dictionaries(st.sampled_from([c.key for c in COLUMNS]), NASTY_TEXT, min_size=1, max_size=4),
    as_number=st.booleans(),
)
def test_random_cell_values_never_escape(world: World, values: dict[str, str], as_number: bool) -> None:
    cells = {"objective": "Random", **values}
    if as_number:
        # The same values as raw numeric cells in the worksheet XML, where openpyxl casts them.
        cells_xml = "".join(f'<c r="{COLUMN_LETTER[k]}90"><v>{_xml_safe(v)}</v></c>' for k, v in cells.items())
        data = _edit_sheet(GOOD, lambda x: _add_row(x, cells_xml))
        _import_both_ways(world, data)
    else:
        _import_both_ways(world, csv_bytes([row(**cells)]), "random.csv")
        _import_both_ways(world, xlsx([row(**{k: _xlsx_safe(v) for k, v in cells.items()})]))


def _xml_safe(value: str) -> str:
    return "".join(c for c in value if c.isprintable()).replace("&", "&amp;").replace("<", "&lt;")


def _xlsx_safe(value: str) -> str:
    # openpyxl refuses to *write* control characters: the hand-made XML cases cover those.
    return "".join(c for c in value if c in "\t\n\r" or (ord(c) >= 0x20 and not 0x7F <= ord(c) <= 0x9F))


# --- the surfaces: web upload and management command ---------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"PK\x03\x04" + b"\x00" * 200, "plan.xlsx", "damaged"),
        (None, "plan.xlsx", "declares XML entities"),
        (b'Objective,Key result,Start\nGrow,Sales,"' + b"9" * 5000 + b'"\n', "plan.csv", "far too large number"),
    ],
)
def test_web_upload_shows_the_refusal(
    client: Client, world: World, exported: bytes, data: bytes | None, name: str, expected: str
) -> None:
    if data is None:
        data = _edit_sheet(
            exported, lambda x: _doctype(x, '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
        )
    client.force_login(world.champion.user)
    before = db_state()
    res = client.post(
        reverse("sheets:upload", args=[world.cycle.pk]), {"file": SimpleUploadedFile(name, data), "locale": "en"}
    )
    # The page answers 422 for a report with problems, the same as for any refused row.
    assert res.status_code == 422
    assert expected in res.content.decode()
    assert db_state() == before


def test_import_command_reports_a_damaged_file_without_a_traceback(
    world: World, exported: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "plan.xlsx"
    path.write_bytes(_edit_sheet(exported, lambda x: x[: len(x) // 2]))
    before = db_state()
    args = [str(path), "--org", "acme", "--cycle", "Current quarter", "--as-user", "champion@acme.test"]
    with pytest.raises(CommandError, match=r"^1 problem\(s\): nothing was written\.$"):
        call_command("import_sheet", *args)
    out = capsys.readouterr()
    assert "plan.xlsx: This file is damaged or not a spreadsheet we can read: its XML is broken" in out.out
    assert "Traceback" not in out.out + out.err
    assert db_state() == before


def test_import_command_refuses_an_oversized_file_before_reading_it(world: World, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * (5 * 1024 * 1024 + 1))
    with pytest.raises(CommandError, match="uploads are limited to 5 MB"):
        call_command(
            "import_sheet", str(path), "--org", "acme", "--cycle", "Current quarter", "--as-user", "champion@acme.test"
        )


# --- the pure parsers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1e1000000", "far too large number"),
        ("-1e1000000", "far too large number"),
        ("1e-1000000", "far too small number"),
        pytest.param(HUGE, "far too large number", id="5000-digits"),
        pytest.param(10**5000, "far too large number", id="int-of-5001-digits"),
        (float("inf"), "not a finite number"),
        (float("nan"), "not a finite number"),
        (Decimal("sNaN"), "not a finite number"),
        ("NaN", "is not a number"),
        ("1e99999999999999999999", "is not a number"),
    ],
)
def test_parse_number_refuses_what_arithmetic_cannot_handle(value: Decimal | float | str, expected: str) -> None:
    with pytest.raises(ParseError) as refused:
        parse_number(value)
    assert expected in refused.value.message
    assert len(refused.value.message) < 100


def test_numbers_within_range_still_parse() -> None:
    assert parse_number("1e300") == ParsedNumber(Decimal("1e300"))
    assert parse_number("0e-5000") == ParsedNumber(Decimal(0))


def test_ids_of_thousands_of_digits_are_no_ids() -> None:
    assert parse_row_id("O" + HUGE) is None
    assert parse_row_id(f"O1-KR{HUGE}") is None
    assert parse_row_id("O123456789012345678-KR1") == (123456789012345678, 1)
    assert parse_parent_id(f"#{HUGE} Win") == 0
    assert parse_parent_id("#12 Win") == 12
