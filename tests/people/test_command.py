"""``manage.py import_people FILE --org SLUG [--dry-run] [--as EMAIL]``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ambit.accounts.models import Invitation
from tests.builders import World
from tests.people.people_data import people_csv, people_rows
from tests.people.test_import_service import counts

pytestmark = pytest.mark.django_db

E2E_CSV = Path(__file__).resolve().parents[2] / "e2e" / "data" / "people-50.csv"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_people", *args, stdout=out)
    return out.getvalue()


def test_people_data_matches_the_e2e_file() -> None:
    assert E2E_CSV.read_bytes() == people_csv()


def test_dry_run_prints_every_row_and_changes_nothing(world: World) -> None:
    before = counts()
    out = run(str(E2E_CSV), "--org", "acme", "--dry-run")
    assert counts() == before
    assert out.startswith("Dry run: people-50.csv")
    assert "Row     2  invite     lawrence@initech.test" in out
    assert "Teams to create: Engineering; Engineering / Platform;" in out
    assert out.rstrip().endswith("50 people will be invited, 0 updated, 0 unchanged; 12 teams will be created.")


def test_apply_as_the_first_admin_then_rerun(world: World) -> None:
    out = run(str(E2E_CSV), "--org", "acme")
    assert out.startswith("Applied: people-50.csv")
    assert Invitation.objects.filter(organisation=world.org, invited_by=world.admin).count() == 50
    again = run(str(E2E_CSV), "--org", "acme", "--as", "admin@acme.test")
    assert "Nothing to change" in again


def test_errors_exit_non_zero_and_write_nothing(world: World, tmp_path: Path) -> None:
    rows = people_rows()
    rows[5][3] = "king"
    path = tmp_path / "bad.csv"
    path.write_bytes(people_csv(rows))
    before = counts()
    with pytest.raises(CommandError, match=r"1 problem\(s\): nothing was written"):
        run(str(path), "--org", "acme")
    assert counts() == before


def test_refusals(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        run(str(tmp_path / "missing.csv"), "--org", "acme")
    with pytest.raises(CommandError, match="No organisation with the slug"):
        run(str(E2E_CSV), "--org", "nope")
    with pytest.raises(CommandError, match="Only admins may import people"):
        run(str(E2E_CSV), "--org", "acme", "--as", "champion@acme.test")
    with pytest.raises(CommandError, match="not an active member"):
        run(str(E2E_CSV), "--org", "acme", "--as", "outsider@globex.test")
    macro = tmp_path / "people.xlsm"
    macro.write_bytes(b"PK\x03\x04rest")
    with pytest.raises(CommandError, match="1 problem"):
        run(str(macro), "--org", "acme")
