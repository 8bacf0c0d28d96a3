"""The quality check in the planning sheet's dry-run report: per objective, never blocking."""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pytest_django import Settings

from ambit.okrs.models import Objective
from ambit.sheets.services import sheet_import
from tests.builders import World
from tests.quality.conftest import login
from tests.sheets.helpers import row, xlsx

ARR, LEAD = "Reach $2M ARR", "lead@acme.test"


def _rows() -> bytes:
    return xlsx(
        [
            row(team="platform", objective=ARR, owner=LEAD, kr="Launch the pricing page", kind="binary"),
            row(team="platform", objective=ARR, owner=LEAD, kr="Grow paying accounts", start=10, target=20),
            row(
                team="platform",
                objective="Make enterprise buyers trust us",
                objective_description="Security reviews stall deals.",
                owner="lead@acme.test",
                kr="Grow SSO-enabled accounts",
                start=0,
                target=40,
                unit="accounts",
            ),
        ]
    )


def test_dry_run_reports_findings_per_objective_without_blocking(world: World) -> None:
    report = sheet_import(actor=world.champion, cycle=world.cycle, data=_rows(), filename="p.xlsx", dry_run=True)
    assert report.ok  # advice only: no problems
    by_title = {item.title: item for item in report.items}
    arr = by_title["Reach $2M ARR"]
    assert arr.quality is not None
    codes = {(f["code"], f["row"]) for f in arr.quality["findings"]}
    assert {("objective_is_number", 2), ("kr_is_task", 2), ("kr_no_unit", 3), ("kr_few", 2)} <= codes
    trust = by_title["Make enterprise buyers trust us"].quality
    assert trust is not None and [f["code"] for f in trust["findings"]] == ["kr_too_few"]
    text = report.as_text()
    assert "Quality check (advice, does not block the import):" in text
    assert "row 2, problem:" in text
    # applying still works with findings
    applied = sheet_import(actor=world.champion, cycle=world.cycle, data=_rows(), filename="p.xlsx", dry_run=False)
    assert applied.applied and Objective.objects.filter(title="Reach $2M ARR").exists()


def test_report_page_shows_the_quality_table(world: World, settings: Settings, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    response = login(world.champion).post(
        reverse("sheets:upload", args=[world.cycle.pk]),
        {"file": SimpleUploadedFile("p.xlsx", _rows()), "locale": "en"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="quality"' in html and 'data-code="kr_is_task"' in html and "does not block the import" in html
