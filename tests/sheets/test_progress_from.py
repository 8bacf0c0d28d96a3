"""The workbook's "Progress from" column (issue 16: initiatives never count toward progress unless
the key result says so, in the web, the API and the sheet): exported as stored, changed by an
upload through the okrs services (dry run first, audited), the one rule refusing what it refuses
(a checklist counting initiatives), and nothing written when a row is refused."""

from __future__ import annotations

import pytest

from ambit.core.models import AuditAction, AuditEntry
from ambit.okrs import services as okrs
from ambit.okrs.models import KeyResult
from ambit.sheets.exporter import export_workbook
from ambit.sheets.report import ImportReport
from ambit.sheets.services import sheet_import
from tests.builders import Plan, World
from tests.sheets.conftest import db_state, read_okr_rows
from tests.sheets.helpers import append_xlsx, csv_bytes, edit_xlsx, row

pytestmark = pytest.mark.django_db


def _import(world: World, data: bytes, *, name: str = "p.xlsx", dry_run: bool = True) -> ImportReport:
    return sheet_import(actor=world.champion, cycle=world.cycle, data=data, filename=name, dry_run=dry_run)


def _ref(kr: KeyResult) -> str:
    return f"O{kr.objective_id}-KR{kr.pk}"


def test_the_export_says_where_each_key_result_s_progress_comes_from(world: World, plan: Plan) -> None:
    okrs.key_result_update(actor=world.champion, key_result=plan.kr_users, progress_from_initiatives=True)
    okrs.key_result_update(actor=world.champion, key_result=plan.kr_revenue, progress_from_children=True)
    rows = {
        r["id"]: r["progress_from"] for r in read_okr_rows(export_workbook(actor=world.champion, cycle=world.cycle))
    }
    assert rows[_ref(plan.kr_users)] == "initiatives"
    assert rows[_ref(plan.kr_revenue)] == "child objectives"
    assert rows[_ref(plan.kr_latency)] == "check-ins"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_round_trip_changes_nothing(world: World, plan: Plan, fmt: str) -> None:
    okrs.key_result_update(actor=world.champion, key_result=plan.kr_users, progress_from_initiatives=True)
    okrs.key_result_update(actor=world.champion, key_result=plan.kr_revenue, progress_from_children=True)
    before = db_state()
    report = _import(world, export_workbook(actor=world.champion, cycle=world.cycle, fmt=fmt), name=f"p.{fmt}")
    assert report.problems == [], report.as_text()
    applied = _import(
        world, export_workbook(actor=world.champion, cycle=world.cycle, fmt=fmt), name=f"p.{fmt}", dry_run=False
    )
    assert (applied.created, applied.updated) == (0, 0)
    assert db_state() == before


def test_an_upload_switches_the_source_after_a_dry_run_and_audits_it(world: World, plan: Plan) -> None:
    okrs.key_result_update(actor=world.champion, key_result=plan.kr_revenue, progress_from_children=True)
    edited = edit_xlsx(
        export_workbook(actor=world.champion, cycle=world.cycle),
        {
            (_ref(plan.kr_users), "progress_from"): "Initiatives",  # any case
            (_ref(plan.kr_revenue), "progress_from"): "check-ins",
            (_ref(plan.kr_latency), "progress_from"): None,  # empty: no change
        },
    )
    before = db_state()
    dry = _import(world, edited)
    assert dry.problems == [], dry.as_text()
    assert db_state() == before  # the dry run writes nothing
    changes = {(k.ref, c.field): (c.before, c.after) for i in dry.items for k in i.children for c in k.changes}
    assert changes == {
        (_ref(plan.kr_users), "Progress from"): ("check-ins", "initiatives"),
        (_ref(plan.kr_revenue), "Progress from"): ("child objectives", "check-ins"),
    }
    audits = AuditEntry.objects.count()
    applied = _import(world, edited, dry_run=False)
    assert applied.applied, applied.as_text()
    flags = dict(
        (pk, (a, b))
        for pk, a, b in KeyResult.objects.values_list("pk", "progress_from_initiatives", "progress_from_children")
    )
    assert flags[plan.kr_users.pk] == (True, False)
    assert flags[plan.kr_revenue.pk] == (False, False)
    assert flags[plan.kr_latency.pk] == (False, False)
    entries = AuditEntry.objects.order_by("pk")[audits:]
    assert sorted((e.action, e.object_id) for e in entries) == sorted(
        [
            (AuditAction.KEY_RESULT_UPDATE, str(plan.kr_users.pk)),
            (AuditAction.KEY_RESULT_UPDATE, str(plan.kr_revenue.pk)),
        ]
    )
    users = next(e for e in entries if e.object_id == str(plan.kr_users.pk))
    assert users.changes["progress_from_initiatives"] == [False, True]


def test_a_new_key_result_may_count_its_initiatives(world: World, plan: Plan) -> None:
    data = append_xlsx(
        export_workbook(actor=world.champion, cycle=world.cycle),
        [
            row(
                team="platform",
                objective="Ship the roadmap",
                owner="lead@acme.test",
                kr="Roadmap items",
                start=0,
                target=10,
                progress_from="initiatives",
            ),
            row(team="platform", objective="Ship the roadmap", kr="Docs pages", start=0, target=5),
        ],
    )
    dry = _import(world, data)
    assert dry.problems == [], dry.as_text()
    created = {
        k.title: [(c.field, c.after) for c in k.changes] for i in dry.items for k in i.children if k.action == "create"
    }
    assert ("Progress from", "initiatives") in created["Roadmap items"]
    assert not any(field.startswith("progress_from") for field, _ in created["Roadmap items"])
    assert all(field != "Progress from" for field, _ in created["Docs pages"])
    assert _import(world, data, dry_run=False).applied
    flags = dict(
        KeyResult.objects.filter(objective__title="Ship the roadmap").values_list("title", "progress_from_initiatives")
    )
    assert flags == {"Roadmap items": True, "Docs pages": False}


def test_what_the_rule_refuses_is_reported_on_its_cell_and_nothing_is_written(world: World, plan: Plan) -> None:
    checklist = okrs.key_result_create(
        actor=world.champion,
        objective=plan.platform,
        title="Runbook",
        kind="milestones",
        milestones=["Draft", "Review"],
    )
    data = edit_xlsx(
        export_workbook(actor=world.champion, cycle=world.cycle),
        {
            (_ref(checklist), "progress_from"): "initiatives",
            (_ref(plan.kr_users), "progress_from"): "sometimes",
        },
    )
    data = append_xlsx(
        data, [row(team="platform", objective="Brand new", kr="Follows", start=0, target=1, progress_from="children")]
    )
    before = db_state()
    report = _import(world, data, dry_run=False)
    assert not report.applied
    found = {(p.column, p.message) for p in report.problems}
    assert ("Progress from", "“sometimes” is not where progress comes from.") in found
    assert ("Progress from", "A new key result cannot follow child objectives yet: it has none.") in found
    assert db_state() == before
    # The checklist alone: the okrs services' own message, on the Progress from cell.
    only = _import(
        world,
        edit_xlsx(
            export_workbook(actor=world.champion, cycle=world.cycle),
            {(_ref(checklist), "progress_from"): "initiatives"},
        ),
        dry_run=False,
    )
    assert not only.applied
    assert [(p.column, p.message) for p in only.problems] == [
        (
            "Progress from",
            "A milestone checklist takes its progress from its milestones: choose another kind to count its "
            "initiatives instead.",
        )
    ]
    assert db_state() == before


def test_a_csv_upload_reads_the_column_too(world: World, plan: Plan) -> None:
    data = csv_bytes([row(objective="From a CSV", kr="Counted work", start=0, target=3, progress_from="Initiatives")])
    report = _import(world, data, name="p.csv", dry_run=False)
    assert report.applied, report.as_text()
    assert KeyResult.objects.get(title="Counted work").progress_from_initiatives is True
