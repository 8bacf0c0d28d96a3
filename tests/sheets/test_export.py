"""The downloaded workbook: sheets, drop-downs, frozen headers, hidden ids, templates, scoping."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from ambit.okrs import services as okrs
from ambit.okrs.models import CycleKind, CycleState, KeyResult
from ambit.sheets.exporter import export_workbook
from ambit.sheets.layout import COLUMNS, SHEET_COLUMNS
from tests import factories as f
from tests.builders import Plan, World
from tests.sheets.conftest import read_okr_rows

pytestmark = pytest.mark.django_db


def _wb(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def test_workbook_structure(world: World, plan: Plan) -> None:
    wb = _wb(export_workbook(actor=world.champion, cycle=world.cycle))
    # the initiatives and the KPIs, for reading (issue 16)
    assert wb.sheetnames == ["OKRs", "Lists", "Initiatives", "KPIs", "Instructions"]
    ws = wb["OKRs"]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].hidden is True
    assert ws.column_dimensions["C"].width == 44
    validated = {str(dv.sqref).split(":")[0][:-1]: dv.formula1 for dv in ws.data_validations.dataValidation}
    letter = {c.key: chr(ord("A") + i) for i, c in enumerate(COLUMNS)}
    for key in ("kind", "ambition", "team", "owner", "kr_owner", "parent", "visibility", "progress_from"):
        assert letter[key] in validated, key
    assert validated[letter["kind"]] == "'Lists'!$E$2:$E$7"
    assert validated[letter["progress_from"]] == "'Lists'!$M$2:$M$4"
    lists = wb["Lists"]
    assert [c.value for c in lists["A"] if c.value][1:] == ["acme-co", "platform", "sales"]
    assert "lead@acme.test" in [c.value for c in lists["C"]]
    assert f"#{plan.company.pk} Win the mid-market" in [c.value for c in lists["I"]]
    assert [c.value for c in lists["M"] if c.value] == ["Progress from", "check-ins", "initiatives", "child objectives"]
    text = " ".join(str(c.value) for c in wb["Instructions"]["A"])
    assert "Sheet “KPIs”" in text and "5,000 rows" in text


def test_rows_repeat_objective_columns_per_key_result(world: World, plan: Plan) -> None:
    rows = read_okr_rows(export_workbook(actor=world.champion, cycle=world.cycle))
    assert [r["id"] for r in rows] == [
        f"O{plan.company.pk}-KR{plan.kr_revenue.pk}",
        f"O{plan.platform.pk}-KR{plan.kr_users.pk}",
        f"O{plan.platform.pk}-KR{plan.kr_latency.pk}",
        f"O{plan.platform.pk}-KR{plan.kr_launch.pk}",
        f"O{plan.sales.pk}",
        f"O{plan.empty.pk}",
    ]
    users = rows[1]
    assert users | {"id": None} == {
        "id": None,
        "team": "platform",
        "objective": "Make the platform fast",
        "objective_description": "Latency hurts conversion.",
        "owner": "lead@acme.test",
        "ambition": "committed",
        "visibility": "public",
        "theme": None,
        "parent": f"#{plan.company.pk} Win the mid-market",
        "kr": "Weekly active users",
        "kr_owner": "member@acme.test",
        "kind": "decrease",
        "start": 200,
        "target": 137,
        "stretch": None,
        "unit": None,
        "weight": 1,
        "progress_from": "check-ins",  # its own readings (issue 16: initiatives only when it says so)
        "plan_start": None,  # the default (the later of the cycle start and creation): left blank
        "kr_plan_start": None,
        "state": "draft",  # the State column (issue 15): moves go through the approval services
        # Read-only: nothing checked in yet, so 0.0 suggested, and a committed OKR below 1.0 is missed.
        "objective_score": 0,
        "objective_verdict": "missed",
        "kr_score": 0,
        "kr_verdict": "missed",
        # No check-in: no forecast, and no reason to give either.
        "forecast_progress": None,
        "forecast_score": None,
        "forecast_note": None,
        "rolled_over_from": None,  # not a copy made by rolling over (issue 17)
    }
    assert rows[0]["stretch"] == 1800000 and rows[0]["unit"] == "€"


def test_member_gets_only_what_they_can_see(world: World, plan: Plan) -> None:
    rows = read_okr_rows(export_workbook(actor=world.member, cycle=world.cycle))
    titles = {r["objective"] for r in rows}
    assert "Sell to bigger customers" not in titles  # team visibility, another team
    assert {"Win the mid-market", "Make the platform fast", "Learn Rust"} <= titles


def test_team_export_and_other_org_objectives_stay_out(world: World, plan: Plan) -> None:
    other_cycle = f.CycleFactory.create(organisation=world.other_org, name="Current quarter")
    okrs.objective_create(actor=world.outsider, cycle=other_cycle, title="Globex secret")
    rows = read_okr_rows(export_workbook(actor=world.champion, cycle=world.cycle, team=world.team))
    assert {r["objective"] for r in rows} == {"Make the platform fast"}


def test_csv_has_the_same_rows(world: World, plan: Plan) -> None:
    data = export_workbook(actor=world.champion, cycle=world.cycle, fmt="csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [c.header for c in SHEET_COLUMNS]
    xlsx_rows = read_okr_rows(export_workbook(actor=world.champion, cycle=world.cycle))
    assert [r[0] for r in rows[1:]] == [r["id"] for r in xlsx_rows]
    assert rows[2][12:14] == ["200", "137"]


def test_csv_protects_formula_like_text(world: World) -> None:
    okrs.objective_create(actor=world.champion, cycle=world.cycle, title="=cmd|' /C calc'!A0")
    data = export_workbook(actor=world.champion, cycle=world.cycle, fmt="csv").decode("utf-8-sig")
    assert "'=cmd|" in data
    from ambit.sheets.services import sheet_import

    for fmt in ("csv", "xlsx"):
        blob = export_workbook(actor=world.champion, cycle=world.cycle, fmt=fmt)
        report = sheet_import(actor=world.champion, cycle=world.cycle, data=blob, filename=f"x.{fmt}")
        assert report.ok and report.unchanged == 1 and report.updated == 0, report.as_text()


def test_planning_cycle_without_okrs_is_a_template(world: World) -> None:
    annual = f.CycleFactory.create(
        organisation=world.org,
        name="2026",
        kind=CycleKind.ANNUAL,
        state=CycleState.ACTIVE,
        start_date=world.cycle.start_date.replace(month=1, day=1),
        end_date=world.cycle.start_date.replace(month=12, day=31),
    )
    company_goal = okrs.objective_create(actor=world.champion, cycle=annual, title="Be the default", team=world.company)
    planning = f.CycleFactory.create(
        organisation=world.org,
        name="Next quarter",
        state=CycleState.PLANNING,
        parent=annual,
        start_date=world.cycle.start_date,
        end_date=world.cycle.end_date,
    )
    wb = _wb(export_workbook(actor=world.champion, cycle=planning))
    rows = read_okr_rows(export_workbook(actor=world.champion, cycle=planning))
    assert [r["team"] for r in rows] == ["acme-co", "platform", "sales"]
    assert all(isinstance(r["objective"], str) and r["objective"].startswith("[Example]") for r in rows)
    by_team = {r["team"]: r for r in rows}
    assert by_team["platform"]["parent"] == f"#{company_goal.pk} Be the default"
    assert by_team["platform"]["owner"] == "lead@acme.test"
    assert by_team["acme-co"]["parent"] is None
    assert f"#{company_goal.pk} Be the default" in [c.value for c in wb["Lists"]["I"]]
    assert "are examples" in " ".join(str(c.value) for c in wb["Instructions"]["A"])


def test_active_cycle_without_okrs_is_not_a_template(world: World) -> None:
    assert read_okr_rows(export_workbook(actor=world.champion, cycle=world.cycle)) == []


def test_export_reads_scores_against_ambition_and_uploads_unchanged(world: World) -> None:
    """Issue 12: the cycle export carries each OKR's score and verdict (read only: the upload skips them)."""
    from ambit.sheets.services import sheet_import

    committed = okrs.objective_create(actor=world.champion, cycle=world.cycle, title="Promise", state="active")
    aspirational = okrs.objective_create(
        actor=world.champion, cycle=world.cycle, title="Moonshot", state="active", ambition="aspirational"
    )
    for objective in (committed, aspirational):
        kr = okrs.key_result_create(
            actor=world.champion, objective=objective, title="Count", start_value=0, target_value=10
        )
        okrs.check_in_record(actor=world.champion, key_result=kr, value=8)
    rows = {r["objective"]: r for r in read_okr_rows(export_workbook(actor=world.champion, cycle=world.cycle))}
    assert (rows["Promise"]["objective_score"], rows["Promise"]["objective_verdict"]) == (0.8, "missed")
    assert (rows["Moonshot"]["objective_score"], rows["Moonshot"]["objective_verdict"]) == (0.8, "success")
    assert rows["Moonshot"]["kr_verdict"] == "success" and rows["Promise"]["kr_verdict"] == "missed"
    for fmt in ("csv", "xlsx"):
        blob = export_workbook(actor=world.champion, cycle=world.cycle, fmt=fmt)
        report = sheet_import(actor=world.champion, cycle=world.cycle, data=blob, filename=f"x.{fmt}")
        assert report.ok and report.updated == 0, report.as_text()


def test_export_carries_each_forecast_as_its_pages_say_it(world: World, plan: Plan) -> None:
    """Issue 12 item 2: the projected progress (a percentage cell, pct's text in CSV) and the
    projected score (the score rule applied to it); blank with the reason while it is too early;
    read only, so the download still uploads unchanged."""
    import datetime as dt

    from django.utils import timezone

    from ambit.core.display import pct
    from ambit.okrs import engine
    from ambit.okrs.metrics import compute_metrics
    from ambit.okrs.models import Cycle, Objective
    from ambit.sheets.services import sheet_import

    today = timezone.localdate()
    Cycle.objects.filter(pk=world.cycle.pk).update(
        start_date=today - dt.timedelta(days=50), end_date=today + dt.timedelta(days=49)
    )
    world.cycle.refresh_from_db()
    now = timezone.now()
    # 200 → 137 (a decrease): 195 twenty days ago, 185 now, half a unit a day: about 160 by the end.
    okrs.check_in_record(actor=world.member, key_result=plan.kr_users, value=195, at=now - dt.timedelta(days=20))
    okrs.check_in_record(actor=world.member, key_result=plan.kr_users, value=185, at=now)
    # One reading on a key result created today: too early.
    okrs.check_in_record(actor=world.lead, key_result=plan.kr_launch, value=1)

    platform = Objective.objects.prefetch_related("key_results").get(pk=plan.platform.pk)
    fc = compute_metrics(organisation=world.org, objectives=[platform], with_forecast=True).kr(plan.kr_users).forecast
    assert fc is not None and fc.progress is not None and 0.55 < fc.progress < 0.7

    data = export_workbook(actor=world.champion, cycle=world.cycle)
    rows = {r["id"]: r for r in read_okr_rows(data)}
    users = rows[f"O{plan.platform.pk}-KR{plan.kr_users.pk}"]
    assert users["forecast_progress"] == pytest.approx(fc.progress, abs=1e-12)
    assert users["forecast_score"] == fc.score == engine.suggest_score(fc.progress)
    assert users["forecast_note"] is None
    launch = rows[f"O{plan.platform.pk}-KR{plan.kr_launch.pk}"]
    assert (launch["forecast_progress"], launch["forecast_score"]) == (None, None)
    assert launch["forecast_note"] == "Too early to forecast"
    latency = rows[f"O{plan.platform.pk}-KR{plan.kr_latency.pk}"]  # never checked in: nothing at all
    assert (latency["forecast_progress"], latency["forecast_score"], latency["forecast_note"]) == (None, None, None)

    # The progress cell shows a whole percentage, the way pct rounds it on the pages.
    ws = _wb(data)["OKRs"]
    column = next(i for i, c in enumerate(SHEET_COLUMNS, start=1) if c.key == "forecast_progress")
    cell = next(
        r[column - 1] for r in ws.iter_rows(min_row=2) if r[0].value == f"O{plan.platform.pk}-KR{plan.kr_users.pk}"
    )
    assert cell.number_format == "0%"

    blob = export_workbook(actor=world.champion, cycle=world.cycle, fmt="csv")
    by_id = {r["ID"]: r for r in csv.DictReader(io.StringIO(blob.decode("utf-8-sig")))}
    shown = by_id[f"O{plan.platform.pk}-KR{plan.kr_users.pk}"]
    assert shown["Forecast progress"] == pct(fc.progress)
    assert shown["Forecast score"] == str(fc.score)
    assert by_id[f"O{plan.platform.pk}-KR{plan.kr_launch.pk}"]["Forecast note"] == "Too early to forecast"

    for fmt, payload in (("xlsx", data), ("csv", blob)):
        report = sheet_import(actor=world.champion, cycle=world.cycle, data=payload, filename=f"x.{fmt}")
        assert report.ok and report.updated == 0 and report.created == 0, report.as_text()


def test_the_kpi_sheet_lists_the_organisations_kpis_and_a_teams_export_its_own(world: World, plan: Plan) -> None:
    from ambit.kpis.models import Kpi, KpiLink

    def kpi(org: Any, team: Any, name: str, **extra: Any) -> Kpi:
        fields = {"unit": "%", "direction": "lower", "healthy_threshold": 3, "critical_threshold": 5, **extra}
        return Kpi.objects.create(organisation=org, team=team, owner=world.member, name=name, **fields)

    churn = kpi(world.org, world.team, "Churn", current_value=Decimal("4.2"), current_band="watch")
    kr = KeyResult.objects.filter(organisation=world.org).first()
    assert kr is not None
    KpiLink.objects.create(organisation=world.org, kpi=churn, key_result=kr)
    kpi(world.org, world.other_team, "Pipeline", direction="higher", healthy_threshold=100, critical_threshold=50)
    kpi(
        world.org,
        None,
        "NPS",
        direction="higher",
        healthy_threshold=40,
        critical_threshold=20,
        archived_at=timezone.now(),
    )
    kpi(world.other_org, None, "Globex churn")

    def sheet(team: Any = None) -> list[list[Any]]:
        wb = _wb(export_workbook(actor=world.champion, cycle=world.cycle, team=team))
        return [[c.value for c in row] for row in wb["KPIs"].iter_rows()]

    rows = sheet()
    assert rows[0][:3] == ["Team", "KPI", "Owner email"]
    names = [r[1] for r in rows[1:]]
    # Live KPIs of this organisation only: not the archived one, never another organisation's.
    assert "Globex churn" not in names and "NPS" not in names
    assert {"Churn", "Pipeline"} <= set(names)
    row = next(r for r in rows[1:] if r[1] == "Churn")
    assert row[0] == "platform" and row[2] == "member@acme.test"
    assert (row[3], row[4], row[5], row[6]) == ("%", "Lower is better", 3, 5)
    assert (row[8], row[9]) == (4.2, "Watch")
    assert row[11] == kr.title
    team_names = [r[1] for r in sheet(team=world.team)[1:]]
    assert "Churn" in team_names and "Pipeline" not in team_names
