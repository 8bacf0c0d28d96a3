"""CSV / XLSX formula injection (OWASP "CSV Injection"): every exporter writes user text so that no
spreadsheet runs it, numbers stay numbers, and a planning sheet round-trips to the original text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.cache import cache
from openpyxl import load_workbook

from ambit.accounts.models import Team, User
from ambit.core.spreadsheet import SafeCsvWriter, escape_text, safe_cell, unescape_cell
from ambit.okrs import services as okrs
from ambit.okrs.models import KeyResult, Objective
from ambit.sheets.exporter import export_workbook
from ambit.sheets.layout import COLUMNS, OKR_SHEET
from ambit.sheets.services import sheet_import
from tests.builders import Plan, World, build_dashboard_scenario
from tests.okrs.conftest import login

pytestmark = pytest.mark.django_db

# OWASP's examples and the probe's findings, including the ones the old check let through.
PAYLOADS = [
    "=cmd|' /C calc'!A0",
    "=2+5+cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil","x")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "＝1+1",
    "＋1+cmd|' /C calc'!A0",
    "－2+3",
    "＠SUM(1+1)",
    "   =1+1",
]
# Those a service accepts as a title (services strip surrounding whitespace).
TITLE_PAYLOADS = [p for p in PAYLOADS if p == p.strip()] + ["'=already quoted", "''@twice", "'plain apostrophe"]
NUMERIC_HEADERS = {c.header for c in COLUMNS if c.numeric}


def dangerous(text: str) -> bool:
    """Independent of the code under test: would a spreadsheet take this cell for a formula?"""
    return text[:1] in ("\t", "\r", "\n") or text.lstrip()[:1] in tuple("=+-@＝＋－＠")


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


# --- The shared helper ----------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_payload_is_quoted_and_comes_back(payload: str) -> None:
    escaped = escape_text(payload)
    assert escaped == "'" + payload
    assert unescape_cell(escaped) == payload


@pytest.mark.parametrize("text", ["'=x", "''=x", "'-5", "'plain", "plain", "", "a=b", "#12 Title", "5-3"])
def test_round_trip_is_exact_even_for_apostrophes(text: str) -> None:
    assert unescape_cell(escape_text(text)) == text
    assert not dangerous(escape_text(text)) or escape_text(text).startswith("'")


def test_numbers_stay_numbers_and_text_numbers_are_text() -> None:
    assert safe_cell(-5) == -5
    assert safe_cell(Decimal("-2.5")) == Decimal("-2.5")
    assert safe_cell(-0.5) == -0.5
    assert safe_cell(None) == ""
    assert safe_cell("-5") == "'-5"  # text that looks like a number is still text
    assert safe_cell(True) == "True"


def test_csv_writer_wrapper_quotes_text_only() -> None:
    out = io.StringIO()
    SafeCsvWriter(csv.writer(out)).writerow(["=1+1", -5, Decimal("-30.0"), None, "ok"])
    assert out.getvalue().strip() == "'=1+1,-5,-30.0,,ok"


# --- Planning sheet -------------------------------------------------------------------------------


def _poison_plan(world: World, plan: Plan) -> KeyResult:
    """Payloads in every text column, stored directly (as old data or another surface might)."""
    objectives = [plan.company, plan.platform, plan.sales, plan.empty]
    for i, o in enumerate(objectives):
        Objective.objects.filter(pk=o.pk).update(title=PAYLOADS[i], description=PAYLOADS[-1 - i])
    KeyResult.objects.filter(pk=plan.kr_latency.pk).update(title=PAYLOADS[5], unit="-1+1")
    KeyResult.objects.filter(pk=plan.kr_launch.pk).update(title=PAYLOADS[7])
    User.objects.filter(pk=world.lead.user.pk).update(full_name=PAYLOADS[8])
    Team.objects.filter(pk=world.other_team.pk).update(name=PAYLOADS[6])
    negative = okrs.key_result_create(
        actor=world.champion, objective=plan.platform, title="Churn delta", start_value=-5, target_value=10, unit="%"
    )
    KeyResult.objects.filter(pk=negative.pk).update(title=PAYLOADS[9])
    return negative


def test_planning_csv_quotes_every_text_cell_and_keeps_numbers(world: World, plan: Plan) -> None:
    negative = _poison_plan(world, plan)
    data = export_workbook(actor=world.champion, cycle=world.cycle, fmt="csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data, newline="")))
    headers = rows[0]
    for row in rows[1:]:
        for header, value in zip(headers, row, strict=True):
            if header not in NUMERIC_HEADERS:
                assert not dangerous(value), (header, value)
    written = {value for row in rows[1:] for value in row}
    # Titles, descriptions and units (names are not columns of the planning CSV).
    assert {"'" + PAYLOADS[i] for i in (0, 1, 2, 3, 5, 7, 9, 11, 12, 13, 14)} | {"'-1+1"} <= written
    by_id = {r[0]: dict(zip(headers, r, strict=True)) for r in rows[1:]}
    neg = by_id[f"O{plan.platform.pk}-KR{negative.pk}"]
    start = next(c.header for c in COLUMNS if c.key == "start")
    assert neg[start] == "-5"  # a negative number is written as a number, not quoted


def test_planning_xlsx_has_no_formula_cell_and_numbers_stay_numbers(world: World, plan: Plan) -> None:
    negative = _poison_plan(world, plan)
    wb = load_workbook(io.BytesIO(export_workbook(actor=world.champion, cycle=world.cycle)))
    seen: set[str] = set()
    for ws in wb.worksheets:
        numeric_columns = (
            {c_i for c_i, c in enumerate(COLUMNS, start=1) if c.numeric} if ws.title == OKR_SHEET else set()
        )
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    assert cell.column in numeric_columns or not dangerous(cell.value), (ws.title, cell.value)
                    seen.add(cell.value)
    # Titles, descriptions, units, person and team names (the Lists sheet) are all there, quoted.
    # (The person name "\r=1+1" reads back as "\n=1+1": XML normalises a raw CR; still quoted.)
    assert {"'" + PAYLOADS[i] for i in (0, 1, 2, 3, 5, 6, 7, 9, 11, 12, 13, 14)} <= seen
    assert "'\n=1+1" in seen
    assert "'-1+1" in seen
    ws = wb[OKR_SHEET]
    headers = [c.value for c in ws[1]]
    start_col = headers.index(next(c.header for c in COLUMNS if c.key == "start")) + 1
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == f"O{plan.platform.pk}-KR{negative.pk}")
    start_cell = row[start_col - 1]
    assert start_cell.value == -5 and start_cell.data_type == "n"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_quoted_titles_round_trip_unchanged(world: World, plan: Plan, fmt: str) -> None:
    for title in TITLE_PAYLOADS:
        o = okrs.objective_create(actor=world.champion, cycle=world.cycle, title=title, team=world.team)
        okrs.key_result_create(actor=world.champion, objective=o, title=title, start_value=-5, target_value=5, unit="-")
    count = (
        Objective.objects.filter(cycle=world.cycle).count()
        + KeyResult.objects.filter(objective__cycle=world.cycle).count()
    )
    data = export_workbook(actor=world.champion, cycle=world.cycle, fmt=fmt)
    before = list(Objective.objects.order_by("pk").values_list("title", flat=True))
    report = sheet_import(actor=world.champion, cycle=world.cycle, data=data, filename=f"p.{fmt}", dry_run=False)
    assert report.problems == [], report.as_text()
    assert (report.created, report.updated, report.unchanged) == (0, 0, count)
    assert list(Objective.objects.order_by("pk").values_list("title", flat=True)) == before
    assert set(TITLE_PAYLOADS) <= set(KeyResult.objects.values_list("title", flat=True))


# --- Dashboard CSVs -------------------------------------------------------------------------------


def test_every_dashboard_csv_quotes_text_and_keeps_numbers(world: World) -> None:
    scenario = build_dashboard_scenario(world)
    KeyResult.objects.filter(pk=scenario.k2.pk).update(title=PAYLOADS[0])
    KeyResult.objects.filter(pk=scenario.k4.pk).update(title=PAYLOADS[7])
    KeyResult.objects.filter(pk=scenario.k3.pk).update(title=PAYLOADS[11])
    Objective.objects.filter(pk=scenario.deals.pk).update(title=PAYLOADS[4])
    User.objects.filter(pk=world.champion.user.pk).update(full_name=PAYLOADS[3])
    Team.objects.filter(pk=world.other_team.pk).update(name=PAYLOADS[5])
    Team.objects.filter(pk=world.team.pk).update(name=PAYLOADS[14])
    client = login(world.member)
    numeric = {
        "Progress (%)",
        "Expected (%)",
        "Gap (points)",
        "Days silent",
        "Objectives",
        "Active key results",
        "On time",
        "Late",
        "Missed",
    }
    written: set[str] = set()
    tables = {}
    for name in ("at_risk.csv", "stale.csv", "teams.csv", "discipline.csv"):
        response = client.get(f"{scenario.url}&export={name}")
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.content.decode(), newline="")))
        tables[name] = rows
        for row in rows[1:]:
            for header, value in zip(rows[0], row, strict=True):
                if header not in numeric:
                    assert not dangerous(value), (name, header, value)
                written.add(value)
    assert {"'" + PAYLOADS[i] for i in (0, 3, 4, 5, 7, 11, 14)} <= written
    at_risk = tables["at_risk.csv"]
    deals = next(r for r in at_risk[1:] if r[0] == "'" + PAYLOADS[0])
    # Expected 49.5 %: the cycle is 101 days with its last day counted (issue 12, item 3).
    assert deals[2:5] == ["20.0", "49.5", "-29.5"]  # the negative gap is a plain number
    assert deals[5:8] == ["'" + PAYLOADS[3], "'" + PAYLOADS[4], "'" + PAYLOADS[5]]
