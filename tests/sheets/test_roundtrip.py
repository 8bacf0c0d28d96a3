"""Download → upload changes nothing; download → edit → upload brings exactly the edits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ambit.core.models import AuditEntry
from ambit.okrs.models import Alignment, KeyResult, Objective
from ambit.sheets.exporter import export_workbook
from ambit.sheets.services import sheet_import
from tests.builders import Plan, World
from tests.sheets.conftest import db_state
from tests.sheets.helpers import append_xlsx, edit_xlsx, row

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_download_upload_changes_nothing(world: World, plan: Plan, fmt: str) -> None:
    data = export_workbook(actor=world.champion, cycle=world.cycle, fmt=fmt)
    before = db_state()
    dry = sheet_import(actor=world.champion, cycle=world.cycle, data=data, filename=f"p.{fmt}")
    assert (dry.created, dry.updated, dry.unchanged) == (0, 0, 8)
    assert dry.problems == []
    applied = sheet_import(actor=world.champion, cycle=world.cycle, data=data, filename=f"p.{fmt}", dry_run=False)
    assert (applied.created, applied.updated) == (0, 0)
    assert applied.ok and not applied.applied
    assert db_state() == before


def test_member_round_trip_of_own_view_changes_nothing(world: World, plan: Plan) -> None:
    data = export_workbook(actor=world.member, cycle=world.cycle)
    before = db_state()
    report = sheet_import(actor=world.member, cycle=world.cycle, data=data, filename="p.xlsx", dry_run=False)
    assert report.ok, report.as_text()
    assert report.created == report.updated == 0
    assert db_state() == before


def test_edits_arrive_exactly(world: World, plan: Plan) -> None:
    data = export_workbook(actor=world.champion, cycle=world.cycle)
    kr_ref = f"O{plan.platform.pk}-KR{plan.kr_users.pk}"
    other_ref = f"O{plan.platform.pk}-KR{plan.kr_latency.pk}"
    edited = edit_xlsx(
        data,
        {
            (kr_ref, "target"): 120,
            (kr_ref, "objective"): "Make the platform very fast",
            (other_ref, "objective"): "Make the platform very fast",
            (f"O{plan.platform.pk}-KR{plan.kr_launch.pk}", "objective"): "Make the platform very fast",
            (f"O{plan.empty.pk}", "parent"): f"#{plan.company.pk} Win the mid-market",
        },
    )
    before_audit = AuditEntry.objects.count()
    untouched = {
        "sales": Objective.objects.filter(pk=plan.sales.pk).values().get(),
        "latency": KeyResult.objects.filter(pk=plan.kr_latency.pk).values().get(),
    }

    dry = sheet_import(actor=world.champion, cycle=world.cycle, data=edited, filename="p.xlsx")
    assert dry.problems == []
    assert (dry.created, dry.updated) == (0, 3)
    changes = {(i.ref, c.field): (c.before, c.after) for i in dry.items for c in i.changes}
    changes |= {(k.ref, c.field): (c.before, c.after) for i in dry.items for k in i.children for c in k.changes}
    assert changes == {
        (f"O{plan.platform.pk}", "Objective"): ("Make the platform fast", "Make the platform very fast"),
        (kr_ref, "Target"): ("137", "120"),
        (f"O{plan.empty.pk}", "Parent objective"): ("", f"#{plan.company.pk} Win the mid-market"),
    }
    assert AuditEntry.objects.count() == before_audit  # the dry run wrote nothing

    applied = sheet_import(actor=world.champion, cycle=world.cycle, data=edited, filename="p.xlsx", dry_run=False)
    assert applied.applied
    plan.platform.refresh_from_db()
    plan.kr_users.refresh_from_db()
    assert plan.platform.title == "Make the platform very fast"
    assert plan.kr_users.target_value == Decimal("120")
    assert Alignment.objects.filter(child=plan.empty, parent=plan.company).exists()
    assert Objective.objects.filter(pk=plan.sales.pk).values().get() == untouched["sales"]
    assert KeyResult.objects.filter(pk=plan.kr_latency.pk).values().get() == untouched["latency"]
    actions = sorted(AuditEntry.objects.order_by("id").values_list("action", flat=True)[before_audit:])
    assert actions == ["alignment.add", "key_result.update", "objective.update"]

    again = sheet_import(actor=world.champion, cycle=world.cycle, data=edited, filename="p.xlsx", dry_run=False)
    assert (again.created, again.updated) == (0, 0)
    assert AuditEntry.objects.count() == before_audit + 3


def test_removing_a_parent_removes_the_alignment(world: World, plan: Plan) -> None:
    data = export_workbook(actor=world.champion, cycle=world.cycle)
    edited = edit_xlsx(data, {(f"O{plan.sales.pk}", "parent"): None})
    report = sheet_import(actor=world.champion, cycle=world.cycle, data=edited, filename="p.xlsx", dry_run=False)
    assert report.applied, report.as_text()
    assert not Alignment.objects.filter(child=plan.sales).exists()
    assert Alignment.objects.filter(child=plan.platform, parent=plan.company).exists()


def test_new_rows_create_objectives_key_results_and_alignments(world: World, plan: Plan) -> None:
    data = export_workbook(actor=world.champion, cycle=world.cycle)
    edited = append_xlsx(
        data,
        [
            row(
                team="platform",
                objective="Cut cloud costs",
                owner="lead@acme.test",
                ambition="aspirational",
                parent="Win the mid-market",
                kr="Monthly bill",
                kind="decrease",
                start="$40,000",
                target="$30k",
            ),
            row(kr="Idle servers", kind="decrease", start=50, target=10, kr_owner="member@acme.test"),
            [],
            row(team="platform", objective="Cut cloud costs", kr="Reserved share", start="20%", target="60%"),
            row(team="sales", objective="Open Germany", owner="champion@acme.test", parent="Cut cloud costs"),
            row(
                id=f"O{plan.empty.pk}",
                objective="Learn Rust",
                owner="member@acme.test",
                kr="Chapters read",
                start=0,
                target=20,
                kr_owner="member@acme.test",
            ),
        ],
    )
    report = sheet_import(actor=world.champion, cycle=world.cycle, data=edited, filename="p.xlsx", dry_run=False)
    assert report.applied, report.as_text()
    assert report.created == 6  # 2 objectives, 4 key results
    cut = Objective.objects.get(title="Cut cloud costs")
    assert (cut.team, cut.owner, cut.ambition) == (world.team, world.lead, "aspirational")
    krs = {kr.title: kr for kr in cut.key_results.all()}
    assert set(krs) == {"Monthly bill", "Idle servers", "Reserved share"}
    bill = krs["Monthly bill"]
    assert (bill.kind, bill.start_value, bill.target_value, bill.unit, bill.unit_kind) == (
        "decrease",
        Decimal("40000"),
        Decimal("30000"),
        "$",
        "currency",
    )
    assert krs["Idle servers"].owner == world.member
    assert (krs["Reserved share"].start_value, krs["Reserved share"].unit) == (Decimal("20"), "%")
    assert list(cut.parents.all()) == [plan.company]
    germany = Objective.objects.get(title="Open Germany")
    assert list(germany.parents.all()) == [cut]
    assert plan.empty.key_results.get().title == "Chapters read"
