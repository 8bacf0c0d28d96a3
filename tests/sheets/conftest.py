"""The sheets' test settings and helpers to compare database states and read exported rows (the
planned cycle they export and import is the shared ``plan`` fixture, built by
``tests/builders.py``)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pytest_django import Settings

from ambit.core.models import AuditEntry
from ambit.okrs.models import Alignment, KeyResult, Objective
from ambit.sheets.layout import OKR_SHEET, SHEET_COLUMNS


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Settings) -> None:
    # The personas' argon2 hashes cost seconds per test here and nothing in these tests logs in
    # with a password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _uploads_dir(settings: Settings, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


def db_state() -> dict[str, object]:
    """Everything an import could touch, to assert nothing changed."""
    return {
        "objectives": list(Objective.objects.order_by("id").values()),
        "key_results": list(KeyResult.objects.order_by("id").values()),
        "alignments": list(Alignment.objects.order_by("id").values_list("child_id", "parent_id", "weight")),
        "audit": AuditEntry.objects.count(),
    }


def read_okr_rows(data: bytes) -> list[dict[str, object]]:
    wb = load_workbook(io.BytesIO(data))
    ws = wb[OKR_SHEET]
    headers = [c.value for c in ws[1]]
    assert headers == [c.header for c in SHEET_COLUMNS]
    keys = [c.key for c in SHEET_COLUMNS]
    return [dict(zip(keys, [c.value for c in row], strict=True)) for row in ws.iter_rows(min_row=2)]
