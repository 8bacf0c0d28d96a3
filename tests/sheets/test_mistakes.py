"""Files made by other programs, with the mistakes people make: imported, or refused with the
right messages — and nothing half-written."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest

from ambit.okrs.models import KeyResult, Objective
from ambit.sheets.exporter import export_workbook
from ambit.sheets.layout import MAX_ROWS
from ambit.sheets.report import ImportReport, Problem
from ambit.sheets.services import sheet_import
from tests.builders import Plan, World
from tests.sheets.conftest import db_state
from tests.sheets.helpers import HEADERS, append_xlsx, csv_bytes, row, xlsx

pytestmark = pytest.mark.django_db


def _import(world: World, data: bytes, name: str = "p.xlsx", **kw: Any) -> ImportReport:
    return sheet_import(actor=world.champion, cycle=world.cycle, data=data, filename=name, dry_run=False, **kw)


def _where(report: ImportReport) -> set[tuple[int | None, str | None]]:
    return {(p.row, p.column) for p in report.problems}


def test_every_row_problem_is_reported_at_once_and_nothing_is_written(world: World, plan: Plan) -> None:
    data = xlsx(
        [
            row(team="platform", objective="Good one", owner="lead@acme.test", kr="Fine", start=1, target=2),
            row(team="platform", objective="Ghost owner", owner="nobody@acme.test"),
            row(team="marketing", objective="Ghost team", owner="lead@acme.test"),
            row(team="platform", objective="Orphan", owner="lead@acme.test", parent="#999999 Gone"),
            row(team="platform", objective="Flat", owner="lead@acme.test", kr="Same", start=5, target=5),
            row(team="platform", objective="Wordy", owner="lead@acme.test", kr="Text", start="zero", target="lots"),
            row(
                team="platform",
                objective="Odd kind",
                owner="lead@acme.test",
                kr="Ship",
                kind="binary",
                start=0,
                target=70,
            ),
            row(team="platform", objective="Bad kind", owner="lead@acme.test", kr="Ship", kind="maybe", target=3),
            row(
                team="platform",
                objective="Wrong way",
                owner="lead@acme.test",
                kr="Up",
                kind="increase",
                start=10,
                target=5,
            ),
        ]
    )
    before = db_state()
    report = _import(world, data)
    assert not report.applied
    assert db_state() == before
    assert _where(report) == {
        (3, "Owner email"),
        (4, "Team"),
        (5, "Parent objective"),
        (6, "Target"),
        (7, "Start"),
        (7, "Target"),
        (8, "Kind"),
        (9, "Kind"),
        (10, "Target"),
    }
    by_where = {(p.row, p.column): p for p in report.problems}
    assert "nobody@acme.test" in by_where[(3, "Owner email")].message
    assert "Lists" in by_where[(3, "Owner email")].hint
    assert "marketing" in by_where[(4, "Team")].message
    assert "#999999 Gone" in by_where[(5, "Parent objective")].message
    assert "equals the start" in by_where[(6, "Target")].message
    assert by_where[(7, "Start")].message == "“zero” is not a number."
    assert "binary" in by_where[(8, "Kind")].message
    assert "increase, decrease" in by_where[(9, "Kind")].hint
    assert "below the start" in by_where[(10, "Target")].message
    assert all(p.sheet == "OKRs" for p in report.problems)
    text = report.as_text()
    assert "OKRs, row 3, column “Owner email”: Nobody with the email “nobody@acme.test”" in text


def test_what_people_really_type_is_accepted(world: World) -> None:
    data = xlsx(
        [
            row(
                team=" platform ",
                objective="Typed  ",
                owner=" LEAD@acme.test ",
                kr="Percent",
                start="40%",
                target="55 %",
                weight="2",
            ),
            [None] * len(HEADERS),
            row(objective="Typed", team="platform", kr="Thousands", start="1,200", target="1.2k ", kind="Stay above"),
            row(objective="Typed", team="platform", kr="Dollars", start="$3,000", target="(1,000)", kind="DECREASE"),
            row(objective="Typed", team="platform", kr="Million", start="-2.5m", target="1e3", unit="users"),
        ]
    )
    report = _import(world, data)
    assert report.applied, report.as_text()
    o = Objective.objects.get(title="Typed")
    assert o.team == world.team and o.owner == world.lead
    krs = {kr.title: kr for kr in o.key_results.all()}
    assert (krs["Percent"].start_value, krs["Percent"].target_value, krs["Percent"].unit) == (
        Decimal(40),
        Decimal(55),
        "%",
    )
    assert krs["Percent"].unit_kind == "percent" and krs["Percent"].weight == 2.0
    assert (krs["Thousands"].kind, krs["Thousands"].start_value, krs["Thousands"].target_value) == (
        "stay_above",
        Decimal(1200),
        Decimal(1200),
    )
    assert (krs["Dollars"].start_value, krs["Dollars"].target_value, krs["Dollars"].unit) == (
        Decimal(3000),
        Decimal(-1000),
        "$",
    )
    assert (krs["Million"].start_value, krs["Million"].target_value, krs["Million"].unit) == (
        Decimal(-2500000),
        Decimal(1000),
        "users",
    )


def test_german_csv_with_semicolons_and_euro_amounts(world: World) -> None:
    data = csv_bytes(
        [
            row(
                team="sales",
                objective="Umsatz",
                owner="champion@acme.test",
                kr="Umsatz",
                start="€3.000,50",
                target="4.500 €",
            )
        ],
        delimiter=";",
        encoding="cp1252",
    )
    report = _import(world, data, name="plan.csv", locale="de")
    assert report.applied, report.as_text()
    kr = KeyResult.objects.get(title="Umsatz")
    assert (kr.start_value, kr.target_value, kr.unit, kr.unit_kind) == (
        Decimal("3000.50"),
        Decimal(4500),
        "€",
        "currency",
    )


def test_english_locale_refuses_a_decimal_comma_with_a_hint(world: World) -> None:
    data = csv_bytes([row(objective="X", kr="Y", start="1,5", target=3)])
    before = db_state()
    report = _import(world, data, name="plan.csv")
    assert db_state() == before
    (problem,) = report.problems
    assert (problem.row, problem.column) == (2, "Start")
    assert "German or French" in problem.hint


def test_excel_percent_cells_and_date_accidents(world: World) -> None:
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "OKRs"
    ws.append(HEADERS)
    ws.append(row(objective="Cells", kr="Share", start=0.4, target=0.65))
    ws["M2"].number_format = "0%"
    ws["N2"].number_format = "0.0%"
    ws.append(row(objective="Cells", kr="Fraction", start=dt.datetime(2026, 1, 2), target=3))
    out = io.BytesIO()
    wb.save(out)
    report = _import(world, out.getvalue())
    (problem,) = report.problems
    assert (problem.row, problem.column) == (3, "Start")
    assert "date" in problem.message and "Format the cell" in problem.hint
    ws.delete_rows(3)
    out = io.BytesIO()
    wb.save(out)
    report = _import(world, out.getvalue())
    assert report.applied, report.as_text()
    kr = KeyResult.objects.get(title="Share")
    assert (kr.start_value, kr.target_value, kr.unit) == (Decimal(40), Decimal(65), "%")


def test_conflicting_objective_cells_are_reported(world: World, plan: Plan) -> None:
    data = export_workbook(actor=world.champion, cycle=world.cycle)
    from tests.sheets.helpers import edit_xlsx

    edited = edit_xlsx(data, {(f"O{plan.platform.pk}-KR{plan.kr_users.pk}", "owner"): "member@acme.test"})
    before = db_state()
    report = _import(world, edited)
    assert db_state() == before
    (problem,) = report.problems
    assert problem.column == "Owner email"
    assert "make them the same" in problem.hint


def test_copied_row_with_duplicate_kr_id_is_reported(world: World, plan: Plan) -> None:
    data = export_workbook(actor=world.champion, cycle=world.cycle)
    dup = row(
        id=f"O{plan.platform.pk}-KR{plan.kr_users.pk}",
        team="platform",
        objective="Make the platform fast",
        owner="lead@acme.test",
        kr="Copy",
        start=1,
        target=2,
    )
    before = db_state()
    report = _import(world, append_xlsx(data, [dup]))
    assert db_state() == before
    (problem,) = report.problems
    assert problem.column == "ID" and "appears twice" in problem.message


def test_example_rows_of_the_template_are_skipped(world: World) -> None:
    from ambit.okrs.models import CycleState
    from tests import factories as f

    planning = f.CycleFactory.create(organisation=world.org, name="Next quarter", state=CycleState.PLANNING)
    data = export_workbook(actor=world.champion, cycle=planning)
    report = sheet_import(actor=world.champion, cycle=planning, data=data, filename="t.xlsx", dry_run=False)
    assert report.ok and report.skipped_examples == 3
    assert report.created == 0
    assert not Objective.objects.filter(cycle=planning).exists()


# --- Files refused as a whole ------------------------------------------------------------------


def _refused(world: World, data: bytes, name: str = "p.xlsx") -> Problem:
    before = db_state()
    report = _import(world, data, name)
    assert db_state() == before
    assert not report.applied
    (problem,) = report.problems
    assert problem.row is None
    return problem


def test_not_a_spreadsheet(world: World) -> None:
    problem = _refused(world, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.png")
    assert problem.message == "The file is not a spreadsheet."


def test_corrupt_xlsx(world: World) -> None:
    good = xlsx([row(objective="X")])
    problem = _refused(world, good[: len(good) // 2])
    assert "damaged" in problem.message


def test_xlsx_named_file_with_text_inside(world: World) -> None:
    assert "damaged" in _refused(world, b"hello", "plan.xlsx").message


def test_password_protected_workbook(world: World) -> None:
    # An encrypted OOXML file is an OLE compound file holding an EncryptionInfo stream.
    blob = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 64
    problem = _refused(world, blob)
    assert "password-protected" in problem.message
    assert "Remove the password" in problem.hint


def test_old_xls(world: World) -> None:
    problem = _refused(world, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.xls")
    assert ".xls" in problem.message


def test_huge_file(world: World) -> None:
    problem = _refused(world, b"a" * (5 * 1024 * 1024 + 1), "big.csv")
    assert "5 MB" in problem.message


def test_too_many_rows(world: World) -> None:
    data = csv_bytes([row(objective=f"O{i}") for i in range(MAX_ROWS + 1)])
    problem = _refused(world, data, "many.csv")
    assert "5,000 rows" in problem.message


def test_formulas(world: World) -> None:
    data = xlsx([row(objective="X", kr="Y", start=1, target="=A1*2")])
    problem = _refused(world, data)
    assert "formulas (N2)" in problem.message
    assert "Values only" in problem.hint


def test_formula_in_csv(world: World) -> None:
    problem = _refused(world, csv_bytes([row(objective='=HYPERLINK("x")')]), "p.csv")
    assert "formulas" in problem.message


def test_macros(world: World) -> None:
    good = xlsx([row(objective="X")])
    buf = io.BytesIO(good)
    with zipfile.ZipFile(buf, "a") as zf:
        zf.writestr("xl/vbaProject.bin", b"\x00" * 32)
    problem = _refused(world, buf.getvalue(), "p.xlsm")
    assert "macros" in problem.message


def test_unknown_headers(world: World) -> None:
    problem = _refused(world, xlsx([["x", "y"]], headers=["Objective", "Budget", "Mood"]))
    assert problem.message == "Sheet “OKRs”: unknown column headers “Budget”, “Mood”."
    assert "Owner email" in problem.hint


def test_missing_objective_column(world: World) -> None:
    problem = _refused(world, csv_bytes([["a"]], headers=["Key result"]), "p.csv")
    assert "no “Objective” column" in problem.message


def test_ods_is_refused_with_advice(world: World) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<x/>")
    problem = _refused(world, buf.getvalue(), "p.ods")
    assert ".ods" in problem.message and ".xlsx" in problem.hint
