"""The planning grid: the download's rows as a form, checked and applied through the sheet import,
problems back on their cells, permissions and query counts."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ambit.accounts.models import Membership, Team
from ambit.core.models import AuditEntry
from ambit.core.spreadsheet import unescape_cell
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, KeyResult, Objective
from ambit.sheets.exporter import export_workbook
from ambit.sheets.grid import (
    KEYS,
    blank_row,
    grid_import,
    grid_rows,
    grid_sheet,
    insert_below,
    rows_from_post,
    sheet_bytes,
)
from ambit.sheets.layout import COLUMNS
from ambit.sheets.reader import read_upload
from tests import factories as f
from tests.builders import Plan, World, objective_with_krs
from tests.helpers import ClientResponse
from tests.querycount import assert_queries, count_queries
from tests.sheets.conftest import db_state

pytestmark = pytest.mark.django_db

Cells = dict[str, str]


def _url(cycle: Cycle, team: str = "") -> str:
    url = reverse("sheets:grid", args=[cycle.pk])
    return f"{url}?team={team}" if team else url


def _login(client: Client, membership: Membership) -> Client:
    client.force_login(membership.user)
    return client


def _fields(rows: list[Cells], action: str = "check", digest: str = "") -> dict[str, Any]:
    """The form as a browser without JavaScript posts it: one field per cell."""
    data: dict[str, Any] = {"rows": str(len(rows)), "action": action, "digest": digest}
    for i, cells in enumerate(rows):
        for key in KEYS:
            data[f"r-{i}-{key}"] = cells.get(key, "")
    return data


def _packed(rows: list[Cells], action: str = "check", digest: str = "") -> dict[str, Any]:
    """The form as grid.js posts it: the cells as one JSON field."""
    return {"grid": json.dumps(rows), "action": action, "digest": digest}


def _rows(actor: Membership, cycle: Cycle, team: Team | None = None) -> list[Cells]:
    return grid_rows(actor=actor, cycle=cycle, team=team).rows


def _edit(rows: list[Cells], row_id: str, **cells: str) -> list[Cells]:
    return [{**r, **cells} if r["id"] == row_id else r for r in rows]


def _latency(actor: Membership, plan: Plan, target: str = "250") -> list[Cells]:
    """The platform team's rows as ``actor`` gets them, with the latency key result's target edited."""
    rows = _rows(actor, plan.platform.cycle, plan.platform.team)
    return _edit(rows, f"O{plan.platform.pk}-KR{plan.kr_latency.pk}", target=target)


def _check_then_apply(client: Client, url: str, rows: list[Cells]) -> ClientResponse:
    res = client.post(url, _fields(rows))
    assert res.status_code == 200, res.context["report"].problems
    digest = res.context["digest"]
    assert digest
    return client.post(url, _fields(rows, "apply", digest))


# --- The page ---------------------------------------------------------------------------------


def test_grid_shows_the_downloads_rows_with_the_sheets_columns(client: Client, world: World, plan: Plan) -> None:
    res = _login(client, world.lead).get(_url(world.cycle, "platform"))
    assert res.status_code == 200
    html = res.content.decode()
    # Exactly the planning sheet's columns, in its order (the ID travels hidden in the row header).
    headers = [c.header for c in COLUMNS if c.key != "id"]
    assert [c.header for c in res.context["columns"]] == headers
    positions = [html.index(f'<th scope="col">{h}</th>') for h in headers]
    assert positions == sorted(positions)
    # The same text as the CSV download, cell for cell.
    data = export_workbook(actor=world.lead, cycle=world.cycle, team=world.team, fmt="csv")
    records = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header_keys = {c.header: c.key for c in COLUMNS}
    downloaded = [
        {header_keys[h]: unescape_cell(v) for h, v in zip(records[0], rec, strict=True) if h in header_keys}
        for rec in records[1:]
    ]
    assert _rows(world.lead, world.cycle, world.team) == downloaded
    # Each cell is labelled with its column and row; the rows are numbered as in the sheet.
    kr = plan.kr_latency
    assert f'name="r-1-id" value="O{plan.platform.pk}-KR{kr.pk}"' in html
    assert 'aria-label="Target, row 3"' in html and 'value="300"' in html
    assert 'aria-label="Kind, row 3"' in html and '<option value="stay_below" selected>' in html
    assert 'list="grid-people"' in html and "member@acme.test" in html
    assert 'id="grid-check"' in html and "grid.js" in html and "style=" not in html


def test_without_a_team_the_grid_holds_what_the_member_may_edit(client: Client, world: World, plan: Plan) -> None:
    res = _login(client, world.member).get(_url(world.cycle))
    ids = {r.id for r in res.context["rows"]}
    assert ids == {f"O{plan.empty.pk}"}  # their own objective; the lead's team objective is not theirs
    lead_ids = {r.id.split("-")[0] for r in _login(client, world.lead).get(_url(world.cycle)).context["rows"]}
    assert lead_ids == {f"O{plan.platform.pk}", f"O{plan.empty.pk}"}  # their team's and their member's


def test_rows_the_member_may_not_edit_are_read_only(client: Client, world: World, plan: Plan) -> None:
    res = _login(client, world.member).get(_url(world.cycle, "platform"))
    rows = res.context["rows"]
    assert rows and all(r.readonly for r in rows)
    html = res.content.decode()
    assert (
        'aria-label="Target, row 3" data-col="target" data-level="kr" data-grid-cell inputmode="decimal" readonly'
        in html
    )


def test_a_viewer_reads_the_grid_but_may_not_post(client: Client, world: World, plan: Plan) -> None:
    c = _login(client, world.viewer)
    res = c.get(_url(world.cycle, "platform"))
    assert res.status_code == 200
    assert all(r.readonly for r in res.context["rows"])
    assert 'id="grid-check"' not in res.content.decode()
    before = db_state()
    rows = _latency(world.admin, plan)
    assert c.post(_url(world.cycle, "platform"), _fields(rows)).status_code == 403
    assert db_state() == before


def test_another_organisations_cycle_or_team_is_not_found(client: Client, world: World, plan: Plan) -> None:
    other_cycle = f.CycleFactory.create(organisation=world.other_org, name="Theirs")
    c = _login(client, world.admin)
    assert c.get(_url(other_cycle)).status_code == 404
    assert c.post(_url(other_cycle), _fields([blank_row()])).status_code == 404
    assert c.get(_url(world.cycle, "no-such-team")).status_code == 404
    assert _login(Client(), world.outsider).get(_url(world.cycle)).status_code == 404


def test_an_empty_team_gets_one_blank_row_for_that_team(client: Client, world: World) -> None:
    res = _login(client, world.champion).get(_url(world.cycle, "sales"))
    (row,) = res.context["rows"]
    assert row.id == "" and [c.value for c in row.cells if c.key == "team"] == ["sales"]


# --- Check and apply --------------------------------------------------------------------------


def test_check_is_the_sheets_dry_run_and_writes_nothing(client: Client, world: World, plan: Plan) -> None:
    c = _login(client, world.lead)
    rows = _latency(world.lead, plan)
    before = db_state()
    res = c.post(_url(world.cycle, "platform"), _fields(rows))
    assert res.status_code == 200
    report = res.context["report"]
    assert report.dry_run and report.ok and (report.updated, report.created) == (1, 0)
    html = res.content.decode()
    assert "Dry run — Planning grid" in html and "Target: 300 → 250" in html
    assert 'id="grid-apply"' in html and res.context["digest"]
    assert 'value="250"' in html  # the grid keeps what was typed
    assert db_state() == before


def test_problems_land_on_their_cells_and_the_first_has_the_focus(client: Client, world: World, plan: Plan) -> None:
    c = _login(client, world.lead)
    rows = _rows(world.lead, world.cycle, world.team)
    rows = _edit(rows, f"O{plan.platform.pk}-KR{plan.kr_latency.pk}", target="lots")
    rows = _edit(rows, f"O{plan.platform.pk}-KR{plan.kr_launch.pk}", kind="sometimes")
    before = db_state()
    res = c.post(_url(world.cycle, "platform"), _fields(rows))
    assert res.status_code == 422
    assert db_state() == before
    grid = res.context["rows"]
    target = next(cell for cell in grid[1].cells if cell.key == "target")
    kind = next(cell for cell in grid[2].cells if cell.key == "kind")
    assert target.errors and "lots" in target.errors[0] and target.autofocus
    assert kind.errors and "sometimes" in kind.errors[0] and not kind.autofocus
    assert grid[1].has_errors and not grid[0].has_errors
    html = res.content.decode()
    assert f'aria-invalid="true" aria-describedby="{target.error_id}" autofocus' in html
    assert f'<p class="field-error" id="{target.error_id}">' in html
    assert '<option value="sometimes" selected>' in html  # the bad value stays visible next to its error
    assert "2 problems — marked in the grid below" in html
    assert 'id="grid-apply"' not in html and not res.context["digest"]


def test_apply_saves_all_of_it_and_goes_back_to_the_grid(client: Client, world: World, plan: Plan) -> None:
    c = _login(client, world.lead)
    url = _url(world.cycle, "platform")
    rows = _latency(world.lead, plan)
    rows = insert_below(rows, 2)
    rows[3].update(kr="Cache hit rate", kind="increase", start="60", target="90", unit="%")
    audit = AuditEntry.objects.count()
    res = _check_then_apply(c, url, rows)
    assert res.status_code == 302 and res["Location"] == url
    plan.kr_latency.refresh_from_db()
    assert plan.kr_latency.target_value == Decimal(250)
    new = KeyResult.objects.get(title="Cache hit rate")
    assert new.objective_id == plan.platform.pk and new.unit == "%" and new.target_value == Decimal(90)
    assert AuditEntry.objects.count() == audit + 2  # one update, one create, through the okrs services
    page = c.get(url)
    assert "Saved: 1 created, 1 updated." in page.content.decode()
    assert any(r.id == f"O{plan.platform.pk}-KR{new.pk}" for r in page.context["rows"])


def test_apply_is_refused_when_ambit_changed_since_the_check(client: Client, world: World, plan: Plan) -> None:
    c = _login(client, world.lead)
    url = _url(world.cycle, "platform")
    rows = _latency(world.lead, plan)
    digest = c.post(url, _fields(rows)).context["digest"]
    okrs.key_result_update(actor=world.champion, key_result=plan.kr_latency, target_value=Decimal(280))
    before = db_state()
    res = c.post(url, _fields(rows, "apply", digest))
    assert res.status_code == 422
    assert "Ambit changed since the dry run" in res.content.decode()
    assert "Press “Check” again" in res.content.decode()
    assert db_state() == before


def test_apply_without_a_check_or_with_other_rows_writes_nothing(client: Client, world: World, plan: Plan) -> None:
    c = _login(client, world.lead)
    url = _url(world.cycle, "platform")
    rows = _latency(world.lead, plan)
    digest = c.post(url, _fields(rows)).context["digest"]
    before = db_state()
    assert c.post(url, _fields(rows, "apply")).status_code == 422  # no digest: never checked
    edited = _edit(rows, f"O{plan.platform.pk}-KR{plan.kr_latency.pk}", target="200")
    res = c.post(url, _fields(edited, "apply", digest))  # edited after the check
    assert res.status_code == 422 and "changed since the dry run" in res.content.decode()
    assert db_state() == before


def test_a_row_the_member_may_not_edit_is_refused_like_in_the_sheet(client: Client, world: World, plan: Plan) -> None:
    c = _login(client, world.member)
    rows = [{**r, "objective": "Mine now"} for r in _rows(world.admin, world.cycle, world.team)]
    before = db_state()
    res = c.post(_url(world.cycle, "platform"), _fields(rows))
    assert res.status_code == 422
    report = res.context["report"]
    assert report.has_permission_problems and not res.context["digest"]
    assert res.context["rows"][0].errors and "Permission" in res.context["rows"][0].errors[0]
    assert db_state() == before


def test_a_new_objective_with_key_results_from_blank_rows(client: Client, world: World, plan: Plan) -> None:
    c = _login(client, world.lead)
    url = _url(world.cycle, "platform")
    rows = [
        {**blank_row(), "team": "platform", "objective": "Ship the mobile app", "owner": "lead@acme.test"},
        blank_row(),  # blank rows in between are left out, as in a spreadsheet
    ]
    rows[0].update(kr="Crash-free sessions", kind="stay_above", target="99.5", unit="%")
    rows = insert_below(rows, 0)
    rows[1].update(kr="Store rating", start="3.9", target="4.5")
    assert rows[1]["objective"] == "Ship the mobile app" and rows[1]["id"] == ""
    assert _check_then_apply(c, url, rows).status_code == 302
    objective = Objective.objects.get(title="Ship the mobile app")
    assert objective.team == world.team and objective.owner == world.lead and objective.state == "draft"
    assert [kr.title for kr in objective.key_results.order_by("position", "id")] == [
        "Crash-free sessions",
        "Store rating",
    ]


def test_adding_and_removing_rows_without_javascript(client: Client, world: World, plan: Plan) -> None:
    c = _login(client, world.lead)
    url = _url(world.cycle, "platform")
    rows = _rows(world.lead, world.cycle, world.team)
    before = db_state()
    res = c.post(url, {**_fields(rows, action=""), "add_below": "0"})
    grid = res.context["rows"]
    assert res.status_code == 200 and len(grid) == 4
    assert grid[1].id == f"O{plan.platform.pk}" and res.context["report"] is None
    assert [cell.value for cell in grid[1].cells if cell.key == "objective"] == ["Make the platform fast"]
    assert [cell.value for cell in grid[1].cells if cell.key == "kr"] == [""]
    res = c.post(url, {**_fields(rows, action=""), "remove": "2"})
    assert [r.id for r in res.context["rows"]] == [r["id"] for r in rows[:2]]
    assert len(c.post(url, _fields(rows, action="add")).context["rows"]) == 4
    assert db_state() == before


def test_the_packed_grid_of_grid_js_and_a_malformed_one(client: Client, world: World, plan: Plan) -> None:
    c = _login(client, world.lead)
    url = _url(world.cycle, "platform")
    rows = _latency(world.lead, plan)
    res = c.post(url, _packed(rows))
    assert res.status_code == 200 and res.context["report"].updated == 1
    for bad in ("{not json", json.dumps({"a": 1}), json.dumps([{"kr": 5}]), json.dumps([[]]), "[" * 100_000):
        res = c.post(url, {"grid": bad, "action": "check"})
        assert res.status_code == 400 and "could not be read" in res.content.decode()
    assert c.post(url, {"rows": "x", "action": "check"}).status_code == 400
    assert c.post(url, {"rows": "-1", "action": "check"}).status_code == 400
    assert c.post(url, {"rows": "999999", "action": "check"}).status_code == 400


def test_rows_from_post_reads_both_forms_alike() -> None:
    rows = [{**blank_row(), "objective": "A", "target": "5"}, blank_row()]
    assert rows_from_post(_fields(rows)) == rows
    assert rows_from_post(_packed(rows)) == rows


# --- The adapter ------------------------------------------------------------------------------


def test_the_grid_sheet_is_what_the_reader_reads_from_its_bytes(world: World, plan: Plan) -> None:
    rows = _rows(world.admin, world.cycle)
    rows.insert(1, blank_row())
    rows.append({**blank_row(), "objective": "=HYPERLINK(1)", "kr": "-5 bugs", "objective_description": "a\nb"})
    raw = grid_sheet(rows)
    assert [r.number for r in raw.rows] == [2, *range(4, len(rows) + 2)]  # the blank row keeps its number
    assert read_upload(sheet_bytes(raw), "Planning grid") == raw


def test_the_saved_grid_downloads_and_uploads_as_no_changes(world: World, plan: Plan) -> None:
    rows = _rows(world.lead, world.cycle, world.team)
    rows = insert_below(rows, 0)
    rows[1].update(kr="Error budget", kind="stay_below", target="0.1", unit="%")
    rows = _edit(rows, f"O{plan.platform.pk}-KR{plan.kr_users.pk}", target="150", stretch="120")
    check = grid_import(actor=world.lead, cycle=world.cycle, rows=rows)
    from ambit.sheets.grid import applicable_digest

    applied = grid_import(
        actor=world.lead, cycle=world.cycle, rows=rows, dry_run=False, expected_digest=applicable_digest(check)
    )
    assert applied.applied and (applied.created, applied.updated) == (1, 1)
    from ambit.sheets.services import sheet_import

    for fmt in ("xlsx", "csv"):
        data = export_workbook(actor=world.lead, cycle=world.cycle, team=world.team, fmt=fmt)
        again = sheet_import(actor=world.lead, cycle=world.cycle, data=data, filename=f"plan.{fmt}")
        assert again.ok and (again.created, again.updated) == (0, 0), again.as_text()
    assert grid_import(actor=world.lead, cycle=world.cycle, rows=_rows(world.lead, world.cycle, world.team)).unchanged


# --- Queries ----------------------------------------------------------------------------------


def _more_objectives(world: World, n: int) -> None:
    for i in range(n):
        objective_with_krs(
            actor=world.champion,
            cycle=world.cycle,
            title=f"Extra objective {i}",
            team=world.team,
            owner=world.lead,
            key_results=[
                {"title": f"Extra KR {i}.{j}", "start_value": 0, "target_value": 10, "owner": world.member}
                for j in range(3)
            ],
        )


def test_the_grid_page_and_the_check_cost_the_same_queries_for_many_rows(
    client: Client, world: World, plan: Plan
) -> None:
    c = _login(client, world.lead)
    url = _url(world.cycle, "platform")
    with count_queries() as page_small:
        c.get(url)
    rows = _latency(world.lead, plan)
    with count_queries() as check_small:
        assert c.post(url, _packed(rows)).status_code == 200
    _more_objectives(world, 40)  # 120 more rows
    with assert_queries(page_small):
        res = c.get(url)
    assert len(res.context["rows"]) == 3 + 120
    rows = _latency(world.lead, plan)
    with assert_queries(check_small):
        res = c.post(url, _packed(rows))
    assert res.status_code == 200 and res.context["report"].updated == 1


def test_the_grid_page_and_the_check_query_counts_are_pinned(client: Client, world: World, plan: Plan) -> None:
    c = _login(client, world.lead)
    url = _url(world.cycle, "platform")
    c.get(url)  # the session is warm
    # Two for the team's last lessons (issue 17, ambit/retros's team_last_lessons tag).
    with assert_queries(22):
        c.get(url)
    with assert_queries(42):
        c.post(url, _packed(_latency(world.lead, plan)))


# --- Links --------------------------------------------------------------------------------------


def test_the_sheet_page_and_the_team_page_link_to_the_grid(client: Client, world: World, plan: Plan) -> None:
    grid = reverse("sheets:grid", args=[world.cycle.pk])
    c = _login(client, world.lead)
    html = c.get(reverse("sheets:cycle", args=[world.cycle.pk])).content.decode()
    assert f'action="{grid}"' in html and '<option value="platform">' in html
    team_page = reverse("okrs:team-detail", kwargs={"slug": "platform"}) + f"?cycle={world.cycle.pk}"
    assert f'href="{grid}?team=platform">Edit in grid</a>' in c.get(team_page).content.decode()
    # Only for those who may edit the team's OKRs (the member is in the team but does not lead it).
    member_page = _login(Client(), world.member).get(team_page).content.decode()
    assert "Edit in grid" not in member_page
