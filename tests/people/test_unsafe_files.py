"""Files the people import refuses with the planning sheet's rules and messages, writing nothing."""

from __future__ import annotations

import io
import zipfile

import pytest

from ambit.people.services import import_people
from ambit.sheets.layout import MAX_ROWS, MAX_UNPACKED_BYTES, MAX_UPLOAD_BYTES
from tests.builders import World
from tests.people.people_data import people_csv, people_xlsx
from tests.people.test_import_service import counts

pytestmark = pytest.mark.django_db


def refused(world: World, data: bytes, name: str) -> str:
    before = counts()
    for dry_run in (True, False):
        report = import_people(file=data, filename=name, organisation=world.org, actor=world.admin, dry_run=dry_run)
        assert report.refused and not report.rows and not report.applied and not report.ok
    assert counts() == before
    return report.refused + " " + report.hint


def _rezip(data: bytes, extra: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        for name, blob in extra.items():
            dst.writestr(name, blob)
    return out.getvalue()


def test_wrong_header_names_the_unknown_column_and_the_expected_ones(world: World) -> None:
    text = refused(world, b"Name,Email,Departement\nAda,ada@x.test,Eng\n", "p.csv")
    assert "Unknown column header “Departement”" in text and "Manager email" in text


def test_missing_required_column(world: World) -> None:
    assert "has no “Email” column" in refused(world, b"Name,Team\nAda,Eng\n", "p.csv")


def test_headers_are_case_and_space_insensitive(world: World) -> None:
    data = b"  NAME ,e-mail,team path,ROLE,manager_email,IS LEAD,job title\nAda,ada@x.test,Eng,,,no,\n"
    report = import_people(file=data, filename="p.csv", organisation=world.org, actor=world.admin, dry_run=True)
    assert report.ok and report.rows[0].email == "ada@x.test"


def test_csv_formula_injection_is_refused(world: World) -> None:
    text = refused(world, b"Name,Email\n=cmd|' /C calc'!A0,ada@x.test\n", "p.csv")
    assert "The CSV file holds formulas" in text and "row 2" in text


@pytest.mark.parametrize("payload", ["+1+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3+cmd", "\t=1+1"])
def test_formula_like_text_that_csv_lets_through_is_a_row_error(world: World, payload: str) -> None:
    data = people_csv([[payload, "ada@x.test", "", "", "", "", ""]])
    report = import_people(file=data, filename="p.csv", organisation=world.org, actor=world.admin, dry_run=False)
    assert not report.applied and "starts like a spreadsheet formula" in report.rows[0].errors[0].message


def test_xlsx_formula_cells_are_refused(world: World) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Name", "Email"])
    ws.append(['=HYPERLINK("http://evil","x")', "ada@x.test"])
    buffer = io.BytesIO()
    wb.save(buffer)
    assert "holds formulas (A2)" in refused(world, buffer.getvalue(), "p.xlsx")


def test_macro_enabled_workbook_is_refused(world: World) -> None:
    assert "contains macros" in refused(world, people_xlsx(), "people.xlsm")
    with_macros = _rezip(people_xlsx(), {"xl/vbaProject.bin": b"\0" * 100})
    assert "contains macros" in refused(world, with_macros, "people.xlsx")


def test_zip_bomb_is_refused(world: World) -> None:
    bomb = _rezip(people_xlsx(), {"xl/media/padding.bin": b"\0" * (MAX_UNPACKED_BYTES + 1)})
    assert len(bomb) < MAX_UPLOAD_BYTES
    assert "unpacks to more than 100 MB" in refused(world, bomb, "people.xlsx")


def test_workbook_with_external_links_is_refused(world: World) -> None:
    data = _rezip(people_xlsx(), {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"})
    assert "external links" in refused(world, data, "p.xlsx")


def test_huge_file_is_refused(world: World) -> None:
    assert "uploads are limited to 5 MB" in refused(world, b"Name,Email\n" + b"x" * MAX_UPLOAD_BYTES, "p.csv")


def test_too_many_rows_is_refused(world: World) -> None:
    rows = b"".join(b"P,p%d@x.test\n" % i for i in range(MAX_ROWS + 1))
    assert f"more than {MAX_ROWS:,} rows" in refused(world, b"Name,Email\n" + rows, "p.csv")


def test_utf16_csv_is_refused_and_cp1252_is_read(world: World) -> None:
    assert "not a spreadsheet" in refused(world, "Name,Email\nJosé,j@x.test\n".encode("utf-16"), "p.csv")
    data = "Name,Email\nJosé,j@x.test\n".encode("cp1252")
    report = import_people(file=data, filename="p.csv", organisation=world.org, actor=world.admin, dry_run=True)
    assert report.rows[0].name == "José"


def test_old_xls_empty_and_fake_xlsx_are_refused(world: World) -> None:
    assert "(.xls)" in refused(world, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "p.xls")
    assert "The file is empty" in refused(world, b"", "p.csv")
    assert "named like a spreadsheet" in refused(world, b"Name,Email\n", "p.xlsx")
    assert "damaged" in refused(world, b"PK\x03\x04garbage", "p.xlsx")
