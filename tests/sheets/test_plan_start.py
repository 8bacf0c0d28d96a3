"""The workbook's "Plan start" (objective) and "KR plan start" columns: exported as stored (blank
for the default), imported as dates, blank meaning the default, and a day outside the cycle
refused with the okrs service's own message (issue 12, item 4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from ambit.core.models import AuditEntry
from ambit.okrs import services as okrs
from ambit.okrs.models import KeyResult, Objective
from ambit.okrs.services.objectives import check_plan_start
from ambit.sheets.exporter import export_workbook
from ambit.sheets.report import ImportReport
from ambit.sheets.services import sheet_import
from tests.builders import Plan, World
from tests.sheets.conftest import db_state, read_okr_rows
from tests.sheets.helpers import append_xlsx, csv_bytes, edit_xlsx, row

pytestmark = pytest.mark.django_db


def _import(world: World, data: bytes, *, name: str = "p.xlsx", dry_run: bool = True) -> ImportReport:
    return sheet_import(actor=world.champion, cycle=world.cycle, data=data, filename=name, dry_run=dry_run)


def _service_message(world: World, day: dt.date) -> str:
    """What the okrs services say about ``day`` as a plan start of the cycle (the one rule)."""
    with pytest.raises(ValidationError) as refused:
        check_plan_start(day, world.cycle)
    (message,) = refused.value.message_dict["plan_start"]
    return message


def _set_plan_starts(world: World, plan: Plan) -> tuple[dt.date, dt.date]:
    objective_day = world.cycle.start_date + dt.timedelta(days=10)
    kr_day = world.cycle.start_date + dt.timedelta(days=20)
    okrs.objective_update(actor=world.champion, objective=plan.platform, plan_start=objective_day)
    okrs.key_result_update(actor=world.champion, key_result=plan.kr_users, plan_start=kr_day)
    return objective_day, kr_day


def test_export_writes_stored_plan_starts_as_dates_and_blank_for_the_default(world: World, plan: Plan) -> None:
    objective_day, kr_day = _set_plan_starts(world, plan)
    rows = {r["id"]: r for r in read_okr_rows(export_workbook(actor=world.champion, cycle=world.cycle))}
    users = rows[f"O{plan.platform.pk}-KR{plan.kr_users.pk}"]
    latency = rows[f"O{plan.platform.pk}-KR{plan.kr_latency.pk}"]
    # Date cells (openpyxl reads them back as midnight datetimes), repeated on each objective row.
    assert users["plan_start"] == latency["plan_start"] == dt.datetime.combine(objective_day, dt.time())
    assert users["kr_plan_start"] == dt.datetime.combine(kr_day, dt.time())
    assert latency["kr_plan_start"] is None  # the default is not written out as a date
    assert rows[f"O{plan.sales.pk}"]["plan_start"] is None


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_round_trip_with_plan_starts_changes_nothing(world: World, plan: Plan, fmt: str) -> None:
    _set_plan_starts(world, plan)
    data = export_workbook(actor=world.champion, cycle=world.cycle, fmt=fmt)
    before = db_state()
    report = _import(world, data, name=f"p.{fmt}", dry_run=False)
    assert report.problems == [], report.as_text()
    assert (report.created, report.updated) == (0, 0)
    assert db_state() == before


def test_edited_plan_starts_arrive_and_blank_restores_the_default(world: World, plan: Plan) -> None:
    _, kr_day = _set_plan_starts(world, plan)
    new_day = world.cycle.start_date + dt.timedelta(days=5)
    data = export_workbook(actor=world.champion, cycle=world.cycle)
    users = f"O{plan.platform.pk}-KR{plan.kr_users.pk}"
    edited = edit_xlsx(
        data,
        {
            # The objective's columns repeat on each of its rows: blank on all three.
            (users, "plan_start"): None,
            (f"O{plan.platform.pk}-KR{plan.kr_latency.pk}", "plan_start"): None,
            (f"O{plan.platform.pk}-KR{plan.kr_launch.pk}", "plan_start"): None,
            (users, "kr_plan_start"): None,
            (f"O{plan.company.pk}-KR{plan.kr_revenue.pk}", "kr_plan_start"): new_day.isoformat(),
        },
    )
    dry = _import(world, edited)
    assert dry.problems == [], dry.as_text()
    changes = {(i.ref, c.field): (c.before, c.after) for i in dry.items for c in i.changes}
    changes |= {(k.ref, c.field): (c.before, c.after) for i in dry.items for k in i.children for c in k.changes}
    objective_day = world.cycle.start_date + dt.timedelta(days=10)
    assert changes == {
        (f"O{plan.platform.pk}", "Plan start"): (objective_day.isoformat(), ""),
        (users, "KR plan start"): (kr_day.isoformat(), ""),
        (f"O{plan.company.pk}-KR{plan.kr_revenue.pk}", "KR plan start"): ("", new_day.isoformat()),
    }

    before_audit = AuditEntry.objects.count()
    applied = _import(world, edited, dry_run=False)
    assert applied.applied, applied.as_text()
    plan.platform.refresh_from_db()
    plan.kr_users.refresh_from_db()
    plan.kr_revenue.refresh_from_db()
    assert (plan.platform.plan_start, plan.kr_users.plan_start, plan.kr_revenue.plan_start) == (None, None, new_day)
    actions = sorted(AuditEntry.objects.order_by("id").values_list("action", flat=True)[before_audit:])
    assert actions == ["key_result.update", "key_result.update", "objective.update"]


def test_new_rows_are_created_with_their_plan_starts(world: World, plan: Plan) -> None:
    objective_day = world.cycle.start_date + dt.timedelta(days=3)
    kr_day = world.cycle.start_date + dt.timedelta(days=7)
    data = append_xlsx(
        export_workbook(actor=world.champion, cycle=world.cycle),
        [
            row(
                team="platform",
                objective="Start late",
                owner="lead@acme.test",
                plan_start=dt.datetime.combine(objective_day, dt.time()),  # a date cell
                kr="Late starter",
                start=0,
                target=10,
                kr_plan_start=kr_day.isoformat(),  # typed as text
            ),
            row(objective="Start late", team="platform", kr="On time", start=0, target=5),
        ],
    )
    report = _import(world, data, dry_run=False)
    assert report.applied, report.as_text()
    objective = Objective.objects.get(title="Start late")
    assert objective.plan_start == objective_day
    assert dict(objective.key_results.values_list("title", "plan_start")) == {"Late starter": kr_day, "On time": None}


def test_a_day_that_is_not_a_date_is_reported_on_its_cell(world: World, plan: Plan) -> None:
    data = csv_bytes([row(objective="Dated", plan_start="05/01/2026", kr="K", start=0, target=1, kr_plan_start="soon")])
    before = db_state()
    report = _import(world, data, name="p.csv", dry_run=False)
    found = {(p.row, p.column): (p.message, p.hint) for p in report.problems}
    hint = "Enter the date as a date cell or as YYYY-MM-DD, e.g. 2026-03-31."
    assert found == {
        (2, "Plan start"): ("“05/01/2026” is not a date.", hint),
        (2, "KR plan start"): ("“soon” is not a date.", hint),
    }
    assert not report.applied and db_state() == before


def test_a_day_outside_the_cycle_is_refused_with_the_services_message(world: World, plan: Plan) -> None:
    before_cycle = world.cycle.start_date - dt.timedelta(days=1)
    after_cycle = world.cycle.end_date + dt.timedelta(days=1)
    data = export_workbook(actor=world.champion, cycle=world.cycle)
    users = f"O{plan.platform.pk}-KR{plan.kr_users.pk}"
    edited = edit_xlsx(
        data,
        {
            (f"O{plan.sales.pk}", "plan_start"): before_cycle.isoformat(),
            (users, "kr_plan_start"): dt.datetime.combine(after_cycle, dt.time()),
        },
    )
    before = db_state()
    dry = _import(world, edited)
    found = {(p.column, p.message) for p in dry.problems}
    assert found == {
        ("Plan start", _service_message(world, before_cycle)),
        ("KR plan start", _service_message(world, after_cycle)),
    }
    assert "must be a day of Current quarter" in _service_message(world, after_cycle)
    applied = _import(world, edited, dry_run=False)
    assert not applied.applied and len(applied.problems) == 2
    assert db_state() == before
    assert KeyResult.objects.get(pk=plan.kr_users.pk).plan_start is None
