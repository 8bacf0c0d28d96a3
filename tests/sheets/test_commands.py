"""manage.py export_sheet / import_sheet."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ambit.core.models import AuditEntry
from ambit.okrs.models import KeyResult
from tests.builders import Plan, World
from tests.sheets.conftest import db_state, read_okr_rows
from tests.sheets.helpers import edit_xlsx

pytestmark = pytest.mark.django_db


def test_export_then_dry_run_then_import(
    world: World, plan: Plan, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan.xlsx"
    call_command("export_sheet", "--org", "acme", "--cycle", "current quarter", "-o", str(out))
    assert len(read_okr_rows(out.read_bytes())) == 6
    out.write_bytes(edit_xlsx(out.read_bytes(), {(f"O{plan.platform.pk}-KR{plan.kr_users.pk}", "target"): "150"}))
    capsys.readouterr()

    before = db_state()
    call_command(
        "import_sheet",
        str(out),
        "--org",
        "acme",
        "--cycle",
        "Current quarter",
        "--as-user",
        "champion@acme.test",
        "--dry-run",
    )
    text = capsys.readouterr().out
    assert text.startswith("Dry run — 6 rows read: 0 to create, 1 to update, 7 unchanged.")
    assert "Target: 137 → 150" in text
    assert db_state() == before

    call_command(
        "import_sheet", str(out), "--org", "acme", "--cycle", "Current quarter", "--as-user", "champion@acme.test"
    )
    assert capsys.readouterr().out.startswith("Applied — ")
    assert KeyResult.objects.get(pk=plan.kr_users.pk).target_value == 150


def test_export_csv_for_a_team_as_a_member(world: World, plan: Plan, tmp_path: Path) -> None:
    out = tmp_path / "platform.csv"
    call_command(
        "export_sheet",
        "--org",
        "acme",
        "--cycle",
        "Current quarter",
        "--team",
        "platform",
        "--as-user",
        "member@acme.test",
        "-o",
        str(out),
    )
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert {r["Objective"] for r in rows} == {"Make the platform fast"}
    assert len(rows) == 3


def test_import_with_problems_fails_and_writes_nothing(
    world: World, plan: Plan, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Objective,Owner email\nX,ghost@acme.test\n", encoding="utf-8")
    before = db_state()
    with pytest.raises(CommandError, match="1 problem"):
        call_command(
            "import_sheet", str(bad), "--org", "acme", "--cycle", "Current quarter", "--as-user", "champion@acme.test"
        )
    assert "bad.csv, row 2, column “Owner email”" in capsys.readouterr().out
    assert db_state() == before


def test_german_locale_option(world: World, tmp_path: Path) -> None:
    f = tmp_path / "de.csv"
    f.write_text("Objective;Key result;Start;Target\nUmsatz;Umsatz;1.000,5;2.000\n", encoding="utf-8")
    call_command(
        "import_sheet",
        str(f),
        "--org",
        "acme",
        "--cycle",
        "Current quarter",
        "--as-user",
        "champion@acme.test",
        "--locale",
        "de",
    )
    kr = KeyResult.objects.get(title="Umsatz")
    assert (kr.start_value, kr.target_value) == (Decimal("1000.5"), Decimal("2000"))
    assert AuditEntry.objects.filter(action="key_result.create").count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "nope", "--cycle", "x", "-o", "a.xlsx"], "No organisation"),
        (["--org", "acme", "--cycle", "Nope", "-o", "a.xlsx"], "No cycle named"),
        (["--org", "acme", "--cycle", "Current quarter", "-o", "a.pdf"], "must end in .xlsx or .csv"),
        (["--org", "acme", "--cycle", "Current quarter", "--team", "x", "-o", "a.xlsx"], "No team"),
        (
            ["--org", "acme", "--cycle", "Current quarter", "--as-user", "outsider@globex.test", "-o", "a.xlsx"],
            "not an active member",
        ),
    ],
)
def test_export_errors(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match=message):
        call_command("export_sheet", *args)
