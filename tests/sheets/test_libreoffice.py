"""Download → edit in LibreOffice → upload: exactly the edits arrive.

The workbook goes through LibreOffice twice (xlsx → flat ODS XML → xlsx), the way a real user's
file does when they open and save it there; the edit itself is made in the ODS XML text.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from ambit.core.models import AuditEntry
from ambit.okrs.models import KeyResult, Objective
from ambit.sheets.exporter import export_workbook
from ambit.sheets.services import sheet_import
from tests.builders import Plan, World
from tests.sheets.conftest import db_state

SOFFICE = shutil.which("soffice") or ("/usr/bin/soffice" if Path("/usr/bin/soffice").exists() else None)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.libreoffice,
    pytest.mark.skipif(
        SOFFICE is None, reason="LibreOffice (soffice) is not installed: apt install libreoffice-calc-nogui"
    ),
]


def _convert(src: Path, fmt: str, outdir: Path, profile: Path) -> Path:
    subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    out = outdir / f"{src.stem}.{fmt.split(':')[0]}"
    assert out.exists(), f"LibreOffice did not write {out}"
    return out


def test_edit_in_libreoffice_round_trip(world: World, plan: Plan, tmp_path: Path) -> None:
    profile = Path(f"/tmp/lo-{uuid.uuid4().hex}")
    try:
        original = tmp_path / "plan.xlsx"
        original.write_bytes(export_workbook(actor=world.champion, cycle=world.cycle))
        fods = _convert(original, "fods", tmp_path, profile)

        # Untouched, LibreOffice's copy must import as "nothing changed".
        back = _convert(fods, "xlsx", tmp_path / "plain", profile)
        before = db_state()
        report = sheet_import(actor=world.champion, cycle=world.cycle, data=back.read_bytes(), filename=back.name)
        assert report.ok, report.as_text()
        assert (report.created, report.updated, report.unchanged) == (0, 0, 8)
        assert db_state() == before

        xml = fods.read_text(encoding="utf-8")
        # The target 137 of "Weekly active users" is the only 137 in the workbook.
        xml, n = re.subn(r'office:value="137"', 'office:value="142"', xml)
        assert n == 1
        xml, n = re.subn(r"<text:p>137</text:p>", "<text:p>142</text:p>", xml)
        assert n == 1
        xml, n = re.subn(r"<text:p>Make the platform fast</text:p>", "<text:p>Make the platform faster</text:p>", xml)
        assert n >= 1
        edited = tmp_path / "edited" / "plan.fods"
        edited.parent.mkdir()
        edited.write_text(xml, encoding="utf-8")
        result = _convert(edited, "xlsx", tmp_path / "edited", profile)

        audit_before = AuditEntry.objects.count()
        untouched = list(KeyResult.objects.exclude(pk=plan.kr_users.pk).order_by("id").values())
        report = sheet_import(
            actor=world.champion, cycle=world.cycle, data=result.read_bytes(), filename=result.name, dry_run=False
        )
        assert report.applied, report.as_text()
        assert (report.created, report.updated) == (0, 2)
        assert Objective.objects.get(pk=plan.platform.pk).title == "Make the platform faster"
        assert KeyResult.objects.get(pk=plan.kr_users.pk).target_value == Decimal(142)
        assert list(KeyResult.objects.exclude(pk=plan.kr_users.pk).order_by("id").values()) == untouched
        assert sorted(AuditEntry.objects.order_by("id").values_list("action", flat=True)[audit_before:]) == [
            "key_result.update",
            "objective.update",
        ]
    finally:
        shutil.rmtree(profile, ignore_errors=True)
