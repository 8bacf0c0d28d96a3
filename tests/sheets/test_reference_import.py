"""The upload reads the workbook's "Initiatives" and "KPIs" sheets (issue 16): create, update,
per-row errors with the services' messages, all or nothing with the OKR sheet, isolation, dry
run writes nothing, download → upload unchanged changes nothing; CSV is the OKR sheet only."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from ambit.core.models import AuditAction, AuditEntry
from ambit.initiatives import services as initiatives
from ambit.initiatives.models import Initiative
from ambit.kpis import services as kpis
from ambit.kpis.models import Kpi
from ambit.sheets.exporter import export_workbook
from ambit.sheets.report import ImportReport
from ambit.sheets.services import sheet_import
from tests import factories as f
from tests.builders import Plan, World, objective_with_krs
from tests.sheets.conftest import db_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def refs(world: World, plan: Plan) -> dict[str, Any]:
    """Two initiatives (one whose title looks like a formula) and two KPIs, made by the services."""
    due = world.cycle.end_date
    cache = initiatives.initiative_create(
        actor=world.champion,
        key_result=plan.kr_latency,
        title="Add a read cache",
        owner=world.member,
        due_date=due,
        link_url="https://github.com/acme/web/issues/5",
    )
    formula = initiatives.initiative_create(actor=world.champion, key_result=plan.kr_users, title="=1+2 users")
    churn = kpis.kpi_create(
        actor=world.champion,
        name="Churn",
        team=world.team,
        owner=world.member,
        unit="%",
        direction="lower",
        healthy_threshold=Decimal("3.5"),
        critical_threshold=5,
    )
    nps = kpis.kpi_create(actor=world.champion, name="NPS", healthy_threshold=40, critical_threshold=20)
    return {"cache": cache, "formula": formula, "churn": churn, "nps": nps}


def state() -> dict[str, object]:
    return {
        **db_state(),
        "initiatives": list(Initiative.objects.order_by("id").values()),
        "kpis": list(Kpi.objects.order_by("id").values()),
    }


def edit(
    data: bytes, sheet: str, edits: dict[tuple[str, str], Any], append: list[dict[str, Any]] | None = None
) -> bytes:
    """Change cells of ``sheet`` by (ID, header), and append rows given as {header: value}."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb[sheet]
    headers = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(headers, start=1)}
    for r in range(2, ws.max_row + 1):
        rid = ws.cell(row=r, column=col["ID"]).value
        for (target, header), value in edits.items():
            if rid == target:
                ws.cell(row=r, column=col[header]).value = value
    for cells in append or []:
        ws.append([cells.get(h) for h in headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(world: World, data: bytes, *, dry_run: bool = True, actor: Any = None) -> ImportReport:
    return sheet_import(actor=actor or world.champion, cycle=world.cycle, data=data, filename="p.xlsx", dry_run=dry_run)


def where(report: ImportReport) -> list[tuple[str, int | None, str | None, str]]:
    return [(p.sheet, p.row, p.column, p.message) for p in report.problems]


def test_download_upload_unchanged_is_a_no_op(world: World, plan: Plan, refs: dict[str, Any]) -> None:
    data = export_workbook(actor=world.champion, cycle=world.cycle)
    before = state()
    dry = run(world, data)
    assert dry.problems == [] and dry.notes == []
    assert (dry.created, dry.updated) == (0, 0)
    assert dry.count("unchanged", "initiative") == 2 and dry.count("unchanged", "kpi") == 2
    # The formula-looking title went out with an apostrophe and came back as it is.
    assert {i.title for i in dry.items if i.kind == "initiative"} == {"Add a read cache", "=1+2 users"}
    applied = run(world, data, dry_run=False)
    assert applied.ok and not applied.applied
    assert state() == before


def test_dry_run_previews_and_apply_writes_through_the_services(world: World, plan: Plan, refs: dict[str, Any]) -> None:
    cache, churn = refs["cache"], refs["churn"]
    data = export_workbook(actor=world.champion, cycle=world.cycle)
    kr_id = f"O{plan.platform.pk}-KR{plan.kr_latency.pk}"
    data = edit(
        data,
        "Initiatives",
        {(f"I{cache.pk}", "Status"): "In progress", (f"I{cache.pk}", "Owner email"): "lead@acme.test"},
        [{"Key result ID": kr_id, "Initiative": "Tune the pool", "Due": dt.date(2026, 12, 1), "Status": "done"}],
    )
    data = edit(
        data,
        "KPIs",
        {(f"KPI{churn.pk}", "Healthy at"): 3, (f"KPI{churn.pk}", "Update"): "Monthly"},
        [
            {
                "Team": "sales",
                "KPI": "Win rate",
                "Unit": "%",
                "Better when": "Higher is better",
                "Healthy at": "30%",
                "Critical at": 10,
                "Owner email": "lead@acme.test",
            }
        ],
    )
    before = state()
    dry = run(world, data)
    assert dry.problems == [], dry.as_text()
    assert (dry.created, dry.updated) == (2, 2)
    changes = {(i.kind, i.ref or i.title): [(c.field, c.before, c.after) for c in i.changes] for i in dry.items}
    assert changes[("initiative", f"I{cache.pk}")] == [
        ("Owner email", "member@acme.test", "lead@acme.test"),
        ("Status", "planned", "in_progress"),
    ]
    assert changes[("initiative", "Tune the pool")] == [
        ("Key result", "", f"{kr_id} p95 latency under 300 ms"),
        ("Initiative", "", "Tune the pool"),
        ("Status", "", "done"),
        ("Due", "", "2026-12-01"),
    ]
    assert changes[("kpi", f"KPI{churn.pk}")] == [("Healthy at", "3.5", "3"), ("Update", "weekly", "monthly")]
    assert ("Team", "", "sales") in changes[("kpi", "Win rate")]
    assert state() == before  # the dry run wrote nothing, audit included

    applied = run(world, data, dry_run=False)
    assert applied.applied, applied.as_text()
    cache.refresh_from_db()
    churn.refresh_from_db()
    assert (cache.status, cache.owner_id) == ("in_progress", world.lead.pk)
    new = Initiative.objects.get(title="Tune the pool")
    assert (new.key_result_id, new.status, new.due_date) == (plan.kr_latency.pk, "done", dt.date(2026, 12, 1))
    assert (churn.healthy_threshold, churn.cadence) == (Decimal("3"), "monthly")
    win = Kpi.objects.get(name="Win rate")
    assert (win.team_id, win.owner_id, win.direction, win.healthy_threshold) == (
        world.other_team.pk,
        world.lead.pk,
        "higher",
        Decimal("30"),
    )
    actions = set(AuditEntry.objects.filter(actor=world.champion.user).values_list("action", flat=True))
    assert {
        AuditAction.INITIATIVE_CREATE,
        AuditAction.INITIATIVE_UPDATE,
        AuditAction.KPI_CREATE,
        AuditAction.KPI_UPDATE,
    } <= actions
    # Download → upload again: nothing left to change.
    again = run(world, export_workbook(actor=world.champion, cycle=world.cycle))
    assert again.problems == [] and (again.created, again.updated) == (0, 0)


def test_errors_name_sheet_row_column_and_nothing_is_written(world: World, plan: Plan, refs: dict[str, Any]) -> None:
    cache, churn = refs["cache"], refs["churn"]
    data = export_workbook(actor=world.champion, cycle=world.cycle)
    # A valid OKR edit beside them: all or nothing.
    wb = load_workbook(io.BytesIO(data))
    okr = wb["OKRs"]
    for r in range(2, okr.max_row + 1):
        if okr.cell(row=r, column=1).value == f"O{plan.empty.pk}":
            okr.cell(row=r, column=3).value = "Learn Rust well"
    out = io.BytesIO()
    wb.save(out)
    data = edit(
        out.getvalue(),
        "Initiatives",
        {(f"I{cache.pk}", "Link"): "not a link", (f"I{cache.pk}", "Due"): "next week"},
        [
            {"Key result ID": f"O{plan.platform.pk}-KR{plan.kr_latency.pk}", "Initiative": "X", "Owner email": "who@x"},
            {"Initiative": "Orphan"},
        ],
    )
    data = edit(data, "KPIs", {(f"KPI{churn.pk}", "Critical at"): 1})
    before = state()
    for dry_run in (True, False):
        report = run(world, data, dry_run=dry_run)
        found = where(report)
        rows = {p.row or 0: p for p in report.problems if p.sheet == "Initiatives"}
        cache_row = next(i.row for i in report.items if i.ref == f"I{cache.pk}")
        assert ("Initiatives", cache_row, "Due", "“next week” is not a date.") in found
        new_row = max(rows)
        assert rows[new_row].column == "Key result ID" and "needs the ID of its key result" in rows[new_row].message
        assert (
            "Initiatives",
            new_row - 1,
            "Owner email",
            "Nobody with the email “who@x” belongs to this organisation.",
        ) in found
        # The kpis service's own message, on the KPI's row and column.
        churn_row = next(i.row for i in report.items if i.ref == f"KPI{churn.pk}")
        message = "Lower is better, so the healthy threshold must be at most the critical one."
        assert ("KPIs", churn_row, "Critical at", message) in found
        # The OKR sheet's edit is valid but, with problems elsewhere, not applied either.
        assert report.count("update", "objective") == 1
        assert not report.applied and state() == before


def test_service_validation_message_reaches_the_row(world: World, plan: Plan, refs: dict[str, Any]) -> None:
    cache, data = refs["cache"], export_workbook(actor=world.champion, cycle=world.cycle)
    report = run(world, edit(data, "Initiatives", {(f"I{cache.pk}", "Link"): "ftp://nope"}))
    assert [(p.column, p.message) for p in report.problems] == [
        ("Link", "Enter the full address of the issue, starting with https:// (or http://).")
    ]
    report = run(world, edit(data, "Initiatives", {(f"I{cache.pk}", "Initiative"): " "}), dry_run=False)
    assert [(p.sheet, p.column, p.message) for p in report.problems] == [
        ("Initiatives", "Initiative", "Enter the title.")
    ]
    assert Initiative.objects.get(pk=cache.pk).link_url == "https://github.com/acme/web/issues/5"


def test_other_organisations_ids_are_not_found_and_permissions_hold(
    world: World, plan: Plan, refs: dict[str, Any]
) -> None:
    other_cycle = f.CycleFactory.create(organisation=world.other_org)
    other_obj, (other_kr,) = objective_with_krs(
        actor=world.outsider,
        cycle=other_cycle,
        title="Globex goal",
        key_results=[{"title": "Globex KR", "start_value": 0, "target_value": 9}],
    )
    theirs = initiatives.initiative_create(actor=world.outsider, key_result=other_kr, title="Globex secret")
    their_kpi = kpis.kpi_create(actor=world.outsider, name="Globex churn", healthy_threshold=2, critical_threshold=1)
    data = export_workbook(actor=world.champion, cycle=world.cycle)
    data = edit(
        data,
        "Initiatives",
        {(f"I{refs['cache'].pk}", "ID"): f"I{theirs.pk}"},
        [{"Key result ID": f"O{other_obj.pk}-KR{other_kr.pk}", "Initiative": "Sneak in"}],
    )
    data = edit(data, "KPIs", {(f"KPI{refs['nps'].pk}", "ID"): f"KPI{their_kpi.pk}"})
    before = state()
    report = run(world, data, dry_run=False)
    messages = [p.message for p in report.problems]
    assert f"Initiative I{theirs.pk} was not found in this cycle (or you cannot see it)." in messages
    assert f"KPI KPI{their_kpi.pk} was not found in this organisation." in messages
    assert any(m.startswith(f"Key result O{other_obj.pk}-KR{other_kr.pk} was not found") for m in messages)
    assert "Globex" not in report.as_text()
    assert state() == before
    # A member may not change a company KPI: the kpis service's permission message, on its row.
    mine = edit(
        export_workbook(actor=world.member, cycle=world.cycle), "KPIs", {(f"KPI{refs['nps'].pk}", "Unit"): "pts"}
    )
    report = run(world, mine, actor=world.member)
    assert [(p.sheet, p.is_permission) for p in report.problems] == [("KPIs", True)]
    assert "Only OKR champions and admins may create or change company KPIs." in report.problems[0].message


def test_missing_sheet_changed_header_formulas_and_csv(world: World, plan: Plan, refs: dict[str, Any]) -> None:
    data = export_workbook(actor=world.champion, cycle=world.cycle)
    wb = load_workbook(io.BytesIO(data))
    del wb["KPIs"]
    wb["Initiatives"].cell(row=1, column=4).value = "Initiative name"
    out = io.BytesIO()
    wb.save(out)
    report = run(world, out.getvalue())
    assert report.notes == ["The workbook has no “KPIs” sheet: its KPIs were left as they are."]
    assert where(report) == [
        ("Initiatives", 1, None, "Sheet “Initiatives”: unknown or repeated column header “Initiative name”."),
        ("Initiatives", 1, None, "Sheet “Initiatives” has no “Initiative” column."),
    ]
    assert "Initiative" in report.problems[0].hint
    wb = load_workbook(io.BytesIO(data))
    wb["KPIs"]["B2"] = "=1+1"
    out = io.BytesIO()
    wb.save(out)
    assert where(run(world, out.getvalue())) == [("KPIs", None, None, "Sheet “KPIs” holds formulas (B2).")]
    # CSV: the OKR sheet only, nothing about the other sheets.
    csv = export_workbook(actor=world.champion, cycle=world.cycle, fmt="csv")
    report = sheet_import(actor=world.champion, cycle=world.cycle, data=csv, filename="p.csv")
    assert report.ok and report.notes == [] and {i.kind for i in report.items} == {"objective"}


def test_upload_page_lists_the_initiative_change(
    client: Client, world: World, plan: Plan, refs: dict[str, Any]
) -> None:
    cache = refs["cache"]
    data = edit(
        export_workbook(actor=world.champion, cycle=world.cycle),
        "Initiatives",
        {(f"I{cache.pk}", "Initiative"): "Add a write cache"},
    )
    client.force_login(world.champion.user)
    res = client.post(
        reverse("sheets:upload", args=[world.cycle.pk]), {"file": SimpleUploadedFile("p.xlsx", data), "locale": "en"}
    )
    html = res.content.decode()
    assert res.status_code == 200
    assert f"Initiative I{cache.pk} “Add a read cache”" in html
    assert "Initiative: Add a read cache → Add a write cache" in html
    assert Initiative.objects.get(pk=cache.pk).title == "Add a read cache"  # a dry run
    # The job's apply (confirming the dry run's plan) writes it.
    res = client.post(reverse("sheets:apply", args=[world.cycle.pk]), {"token": res.context["token"]})
    assert res.status_code == 200 and res.context["report"].applied
    assert Initiative.objects.get(pk=cache.pk).title == "Add a write cache"
