from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django import Settings


@pytest.fixture(autouse=True)
def _uploads_dir(settings: Settings, tmp_path: Path) -> None:
    # Checked uploads are kept on disk between the dry run and the apply: each test has its own.
    settings.VAR_DIR = tmp_path


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
