"""The planning sheet's State column moves objectives through the approval services, with the same
rules as the web and the API (issue 15, part 3): a member cannot approve through the sheet, a
send-back (which needs a comment) is refused with a pointer to the web."""

from __future__ import annotations

import pytest

from ambit.core.models import AuditAction, AuditEntry
from ambit.sheets.exporter import export_workbook
from ambit.sheets.services import sheet_import
from tests.builders import World, objective_with_krs
from tests.planning.helpers import KRS, approval_on, member_proposal, state_of
from tests.sheets.helpers import csv_bytes, edit_xlsx, row

pytestmark = pytest.mark.django_db


def _with_state(world: World, objective_id: int, state: str) -> bytes:
    blob = export_workbook(actor=world.champion, cycle=world.cycle)
    rows = {f"O{objective_id}-KR{kr}" for kr in _kr_ids(objective_id)} or {f"O{objective_id}"}
    return edit_xlsx(blob, {(rid, "state"): state for rid in rows})


def _kr_ids(objective_id: int) -> list[int]:
    from ambit.okrs.models import KeyResult

    return list(KeyResult.objects.filter(objective_id=objective_id).values_list("pk", flat=True))


def test_the_owner_proposes_through_the_sheet_and_the_lead_approves(world: World) -> None:
    approval_on(world)
    objective, _ = objective_with_krs(actor=world.member, cycle=world.cycle, title="Learn Rust", key_results=KRS)
    dry = sheet_import(
        actor=world.member, cycle=world.cycle, data=_with_state(world, objective.pk, "proposed"), filename="p.xlsx"
    )
    assert dry.ok, dry.as_text()
    assert "State" in dry.as_text() and state_of(objective) == "draft"  # the dry run changes nothing
    applied = sheet_import(
        actor=world.member,
        cycle=world.cycle,
        data=_with_state(world, objective.pk, "proposed"),
        filename="p.xlsx",
        dry_run=False,
    )
    assert applied.applied and state_of(objective) == "proposed"
    assert AuditEntry.objects.filter(action=AuditAction.OBJECTIVE_PROPOSED, object_id=str(objective.pk)).exists()

    refused = sheet_import(
        actor=world.member,
        cycle=world.cycle,
        data=_with_state(world, objective.pk, "active"),
        filename="a.xlsx",
        dry_run=False,
    )
    assert not refused.applied and state_of(objective) == "proposed"
    assert any(p.is_permission and "your own" in p.message for p in refused.problems), refused.as_text()

    approved = sheet_import(
        actor=world.lead,
        cycle=world.cycle,
        data=_with_state(world, objective.pk, "active"),
        filename="a.xlsx",
        dry_run=False,
    )
    assert approved.applied, approved.as_text()
    assert state_of(objective) == "active"


def test_sending_back_in_the_sheet_is_refused_with_a_pointer_to_the_web(world: World) -> None:
    approval_on(world)
    objective = member_proposal(world)
    report = sheet_import(
        actor=world.lead,
        cycle=world.cycle,
        data=_with_state(world, objective.pk, "draft"),
        filename="d.xlsx",
        dry_run=False,
    )
    assert not report.applied and state_of(objective) == "proposed"
    (problem,) = [p for p in report.problems if p.column == "State"]
    assert "needs a comment" in problem.message and "approval queue" in problem.hint


def test_a_new_objective_can_be_proposed_from_the_sheet(world: World) -> None:
    data = csv_bytes(
        [
            row(
                objective="Write the handbook",
                owner=world.member.user.email,
                kr="Chapters",
                start=0,
                target=10,
                state="proposed",
            )
        ]
    )
    report = sheet_import(actor=world.member, cycle=world.cycle, data=data, filename="n.csv", dry_run=False)
    assert report.applied, report.as_text()
    from ambit.okrs.models import Objective

    created = Objective.objects.get(title="Write the handbook")
    assert created.state == "proposed"


def test_an_unknown_state_is_a_problem_on_its_cell(world: World) -> None:
    data = csv_bytes([row(objective="Write the handbook", state="approved-ish")])
    report = sheet_import(actor=world.member, cycle=world.cycle, data=data, filename="n.csv")
    (problem,) = report.problems
    assert problem.column == "State" and "not a state" in problem.message
