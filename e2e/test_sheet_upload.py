"""Uploading a planning file in the browser: the dry-run report appears in place, problems included
(the page answers 422 for a file with problems; htmx must still show it), and a damaged file gets
a clear refusal, never a blank result."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from e2e.conftest import login, shot

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e


def _sheet_page(page: Page, base: str) -> None:
    from ambit.okrs.models import Cycle

    cycle = Cycle.objects.filter(organisation__slug="northwind", state="active", kind="quarter").first()
    assert cycle is not None
    page.goto(f"{base}/sheets/cycles/{cycle.pk}/")


def _upload(page: Page, tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    page.set_input_files("#upload-file", str(path))
    page.click("#upload-form button[type=submit]")


def test_a_file_with_problems_shows_its_report_in_place(demo: str, page: Page, tmp_path: Path) -> None:
    login(page, demo, "admin@northwind.test")
    _sheet_page(page, demo)
    csv = "Objective,Key result,Kind,Start,Target,Weight\nGrow revenue,Reach 10 clients,increase,0,abc,1e12\n"
    _upload(page, tmp_path, "plan.csv", csv.encode())
    result = page.locator("#upload-result")
    result.get_by_text("abc", exact=False).first.wait_for(timeout=15_000)
    text = result.inner_text()
    assert "1 problem — nothing was written" in text
    assert "1000000000000" in text and "e+12" not in text  # numbers shown as written, not 1e+12
    shot(page, "sheet-upload-problems")


def test_a_damaged_workbook_is_refused_with_a_message(demo: str, page: Page, tmp_path: Path) -> None:
    login(page, demo, "admin@northwind.test")
    _sheet_page(page, demo)
    _upload(page, tmp_path, "plan.xlsx", b"PK\x03\x04 this is not really a workbook")
    result = page.locator("#upload-result")
    result.get_by_text("damaged", exact=False).first.wait_for(timeout=15_000)
    assert "save it again" in result.inner_text().lower() or "xlsx" in result.inner_text().lower()
