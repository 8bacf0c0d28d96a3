"""The Initiatives and KPIs sheets survive LibreOffice: its untouched copy of the workbook uploads as
"nothing to change" (dates, thresholds, IDs and the formula-looking title read back the same)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

from ambit.sheets.exporter import export_workbook
from ambit.sheets.services import sheet_import
from tests.builders import Plan, World
from tests.sheets.test_libreoffice import SOFFICE, _convert
from tests.sheets.test_reference_import import refs, state

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.libreoffice,
    pytest.mark.skipif(
        SOFFICE is None, reason="LibreOffice (soffice) is not installed: apt install libreoffice-calc-nogui"
    ),
]
__all__ = ["refs"]  # the fixture


def test_libreoffice_copy_uploads_unchanged(world: World, plan: Plan, refs: dict[str, Any], tmp_path: Path) -> None:
    profile = Path(f"/tmp/lo-{uuid.uuid4().hex}")
    try:
        original = tmp_path / "plan.xlsx"
        original.write_bytes(export_workbook(actor=world.champion, cycle=world.cycle))
        back = _convert(_convert(original, "fods", tmp_path, profile), "xlsx", tmp_path / "back", profile)
        before = state()
        report = sheet_import(actor=world.champion, cycle=world.cycle, data=back.read_bytes(), filename=back.name)
        assert report.ok and report.notes == [], report.as_text()
        assert (report.created, report.updated) == (0, 0)
        assert report.count("unchanged", "initiative") == 2 and report.count("unchanged", "kpi") == 2
        assert state() == before
    finally:
        shutil.rmtree(profile, ignore_errors=True)
