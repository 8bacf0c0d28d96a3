"""The target cycle's planning workbook says where each rolled-over objective came from, in a
read-only column the upload ignores: a downloaded workbook uploads unchanged."""

from __future__ import annotations

import pytest

from ambit.okrs.models import Objective
from ambit.rollover import services
from ambit.sheets.exporter import export_workbook
from ambit.sheets.services import sheet_import
from tests.builders import World
from tests.rollover.helpers import build_scene
from tests.sheets.conftest import db_state, read_okr_rows

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_sheet_shows_the_origin_and_round_trips(world: World, fmt: str) -> None:
    s = build_scene(world)
    services.rollover(world.champion, source=s.source, target=s.target, objective_ids=[s.platform.pk, s.company.pk])
    fresh = Objective.objects.create(
        organisation=world.org, cycle=s.target, title="Brand new", owner=world.champion, team=world.company
    )
    xlsx = export_workbook(actor=world.champion, cycle=s.target)
    origins = {r["objective"]: r["rolled_over_from"] for r in read_okr_rows(xlsx)}
    assert origins == {
        "Grow revenue": "Rolled over from Current quarter",
        "Ship the platform": "Rolled over from Current quarter",
        fresh.title: None,
    }
    data = xlsx if fmt == "xlsx" else export_workbook(actor=world.champion, cycle=s.target, fmt="csv")
    before = db_state()
    report = sheet_import(actor=world.champion, cycle=s.target, data=data, filename=f"p.{fmt}", dry_run=False)
    assert report.ok, report.as_text()
    assert (report.created, report.updated) == (0, 0)
    assert db_state() == before
