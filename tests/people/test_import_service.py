"""The people import's service: dry run, apply, all or nothing, idempotence, invitations,
managers set after every row exists, placements applied on acceptance, and the refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.http import Http404

from ambit.accounts import invitations
from ambit.accounts.models import Invitation, Membership, Role, Team, TeamKind, TeamMember
from ambit.core.models import AuditAction, AuditEntry
from ambit.people.models import PendingPlacement
from ambit.people.report import PeopleImportReport
from ambit.people.services import import_people
from tests.builders import World
from tests.people.people_data import HEADER, people_csv, people_rows, people_xlsx

pytestmark = pytest.mark.django_db

CaptureOnCommit = Callable[..., Any]


def counts() -> dict[str, int]:
    return {
        "teams": Team.objects.count(),
        "links": TeamMember.objects.count(),
        "memberships": Membership.objects.count(),
        "invitations": Invitation.objects.count(),
        "placements": PendingPlacement.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def run(world: World, data: bytes, *, dry_run: bool, name: str = "people.csv") -> PeopleImportReport:
    return import_people(file=data, filename=name, organisation=world.org, actor=world.admin, dry_run=dry_run)


def accept(email: str, full_name: str = "New Person") -> Membership:
    invitation = Invitation.objects.get(email=email, accepted_at__isnull=True)
    token = "tok-" + email
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=invitations.token_hash(token))
    return invitations.invitation_accept(token=token, full_name=full_name, password="a-long-password-1")


def test_dry_run_of_50_people_reports_every_row_and_writes_nothing(world: World) -> None:
    before = counts()
    report = run(world, people_csv(), dry_run=True)
    assert counts() == before
    assert report.ok, [(r.number, r.errors) for r in report.error_rows]
    assert report.counts["invite"] == 50 and report.counts["error"] == 0
    assert [r.number for r in report.rows] == list(range(2, 52))
    assert "Engineering / Platform / Infrastructure" in report.teams_to_create
    assert "Sales / EMEA" in report.teams_to_create and "Sales" not in report.teams_to_create  # Sales exists
    assert "Sales / Americas" in report.teams_to_create  # written with ">" in the file
    ken = next(r for r in report.rows if r.email == "ken@initech.test")
    assert ken.lead and ken.team == "Engineering / Platform / Infrastructure" and ken.manager == "peter@initech.test"
    assert "when they accept" in " ".join(ken.changes)
    assert not report.applied


def test_apply_creates_teams_invitations_and_placements_then_a_rerun_changes_nothing(
    world: World, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        report = run(world, people_csv(), dry_run=False)
    assert report.applied and report.invitations_sent == 50
    assert len(mail.outbox) == 50
    assert Invitation.objects.filter(organisation=world.org).count() == 50
    engineering = Team.objects.get(organisation=world.org, name="Engineering")
    assert engineering.parent == world.company and engineering.kind == TeamKind.DEPARTMENT
    infra = Team.objects.get(name="Infrastructure")
    assert infra.parent is not None and infra.parent.name == "Platform" and infra.parent.parent == engineering
    assert infra.kind == TeamKind.TEAM
    emea = Team.objects.get(name="EMEA")
    assert emea.parent == world.other_team  # the existing Sales team, matched by name
    ken = PendingPlacement.objects.get(email="ken@initech.test")
    assert ken.team == infra and ken.is_lead and ken.manager_email == "peter@initech.test"
    assert AuditEntry.objects.filter(action=AuditAction.PEOPLE_IMPORT).count() == 1
    entry = AuditEntry.objects.get(action=AuditAction.PEOPLE_IMPORT)
    assert entry.changes["invited"] == 50 and entry.changes["file"] == "people.csv"

    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        again = run(world, people_csv(), dry_run=False)
    assert counts() == before and len(mail.outbox) == 50
    assert again.counts["unchanged"] == 50 and not again.has_changes and not again.teams_to_create
    assert "Nothing to change" in again.summary
    assert all("not sent again" in " ".join(r.warnings) for r in again.rows)


def test_xlsx_imports_like_csv(world: World) -> None:
    report = run(world, people_xlsx(), dry_run=False, name="people.xlsx")
    assert report.applied and report.counts["invite"] == 50
    assert Team.objects.filter(organisation=world.org, name="Infrastructure").exists()


def test_an_error_row_writes_nothing(world: World) -> None:
    rows = people_rows()
    rows[10][1] = "not-an-email"
    before = counts()
    report = run(world, people_csv(rows), dry_run=False)
    assert counts() == before
    assert not report.applied and report.counts["error"] == 1
    (bad,) = report.error_rows
    assert bad.number == 12 and bad.errors[0].field == "Email" and "not an email address" in bad.errors[0].message
    assert "nothing was changed" in report.summary


@pytest.mark.parametrize(
    ("column", "value", "field", "message"),
    [
        ("Role", "boss", "Role", "Unknown role “boss”"),
        ("Team", "Engineering //Platform", "Team", "has an empty part"),
        ("Team", "A / " + "x" * 151, "Team", "keep it within 150"),
        ("Name", "n" * 151, "Name", "keep it within 150"),
        ("Title", "t" * 151, "Title", "keep it within 150"),
        ("Manager email", "ghost@nowhere.test", "Manager email", "neither in the file nor in Acme"),
        ("Manager email", "ada@initech.test", "Manager email", "own manager"),
        ("Lead", "maybe", "Lead", "is not yes or no"),
    ],
)
def test_bad_cells_are_reported_on_their_row(world: World, column: str, value: str, field: str, message: str) -> None:
    rows = [["Ada", "ada@initech.test", "Engineering", "member", "", "", ""]]
    rows[0][HEADER.index(column)] = value
    report = run(world, people_csv(rows), dry_run=True)
    (row,) = report.rows
    assert row.action == "error" and row.errors[0].field == field and message in row.errors[0].message


def test_a_path_through_an_archived_team_is_refused_not_recreated(world: World) -> None:
    """world.team (Platform) sits under the company; archived, a row naming it is an error."""
    Team.objects.filter(pk=world.team.pk).update(archived_at=world.cycle.start_date.isoformat() + "T00:00Z")
    rows = [["Ada", "ada@initech.test", world.team.name, "member", "", "", ""]]
    before = counts()
    report = run(world, people_csv(rows), dry_run=False)
    (row,) = report.rows
    assert row.action == "error" and row.errors[0].field == "Team"
    assert f"The team “{world.team.name}” is archived" in row.errors[0].message
    assert counts() == before and Team.objects.filter(name=world.team.name).count() == 1


def test_duplicate_email_and_manager_loop_are_refused(world: World) -> None:
    rows = [
        ["Ada", "ada@initech.test", "Engineering", "", "alan@initech.test", "", ""],
        ["Alan", "alan@initech.test", "Engineering", "", "ada@initech.test", "", ""],
        ["Ada again", "ADA@initech.test", "", "", "", "", ""],
    ]
    report = run(world, people_csv(rows), dry_run=True)
    assert [r.action for r in report.rows] == ["error", "error", "error"]
    assert "reporting loop" in report.rows[0].errors[0].message
    assert "also on row 2" in report.rows[2].errors[0].message


def test_existing_members_are_updated_through_the_services(world: World) -> None:
    rows = [
        ["Member", "member@acme.test", "Sales", "champion", "champion@acme.test", "yes", "Account exec"],
        ["Lead", "lead@acme.test", "Platform", "", "", "", ""],  # already in Platform as its lead
    ]
    report = run(world, people_csv(rows), dry_run=False)
    assert report.applied
    member = Membership.objects.get(pk=world.member.pk)
    assert member.role == Role.CHAMPION and member.title == "Account exec" and member.manager == world.champion
    assert TeamMember.objects.get(team=world.other_team, membership=member).is_lead
    assert TeamMember.objects.filter(team=world.team, membership=member).exists()  # other teams kept
    assert report.rows[0].action == "update" and report.rows[1].action == "unchanged"
    assert report.rows[1].role == Role.MEMBER  # blank role keeps the current one
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {AuditAction.MEMBERSHIP_UPDATE, AuditAction.TEAM_MEMBER_SET, AuditAction.PEOPLE_IMPORT} <= actions
    again = run(world, people_csv(rows), dry_run=True)
    assert [r.action for r in again.rows] == ["unchanged", "unchanged"]


def test_the_last_admin_cannot_be_demoted(world: World) -> None:
    report = run(world, people_csv([["Admin", "admin@acme.test", "", "member", "", "", ""]]), dry_run=True)
    assert "at least one active admin" in report.rows[0].errors[0].message


def test_placements_apply_when_people_accept(world: World) -> None:
    rows = [
        ["Ada", "ada@initech.test", "Engineering / Platform", "", "grace@initech.test", "no", "Engineer"],
        ["Grace", "grace@initech.test", "Engineering", "", "member@acme.test", "yes", "VP"],
        ["Member", "member@acme.test", "", "", "grace@initech.test", "", ""],  # member → invitee manager
    ]
    looping = run(world, people_csv(rows), dry_run=True)  # member → grace → member
    assert not looping.ok
    assert "reporting loop" in looping.rows[1].errors[0].message
    rows[1][4] = "admin@acme.test"
    report = run(world, people_csv(rows), dry_run=False)
    assert report.applied, [r.errors for r in report.rows]
    ada = accept("ada@initech.test", "Ada L")
    platform = Team.objects.get(name="Platform", parent__name="Engineering")
    assert TeamMember.objects.filter(team=platform, membership=ada, is_lead=False).exists()
    assert Membership.objects.get(pk=ada.pk).title == "Engineer"
    assert Membership.objects.get(pk=ada.pk).manager is None  # Grace has not joined yet
    grace = accept("grace@initech.test", "Grace H")
    assert TeamMember.objects.get(team__name="Engineering", membership=grace).is_lead
    assert Membership.objects.get(pk=grace.pk).manager == world.admin
    assert Membership.objects.get(pk=ada.pk).manager == grace
    assert Membership.objects.get(pk=world.member.pk).manager == grace
    assert not PendingPlacement.objects.exists()


def test_only_admins_of_the_organisation_may_import(world: World) -> None:
    for persona in (world.champion, world.member, world.viewer):
        with pytest.raises(PermissionDenied):
            import_people(file=people_csv(), organisation=world.org, actor=persona, dry_run=True)
    with pytest.raises(Http404):
        import_people(file=people_csv(), organisation=world.org, actor=world.outsider, dry_run=True)


def test_other_organisations_teams_are_never_touched(world: World) -> None:
    globex_sales = Team.objects.create(organisation=world.other_org, name="Engineering", slug="eng")
    report = run(world, people_csv([["Ada", "ada@initech.test", "Engineering", "", "", "", ""]]), dry_run=False)
    assert report.applied and report.teams_to_create == ["Engineering"]
    assert Team.objects.filter(organisation=world.other_org).count() == 1
    assert PendingPlacement.objects.get().team != globex_sales
    globex = import_people(
        file=people_csv([["Ada", "ada@initech.test", "Engineering", "", "", "", ""]]),
        organisation=world.other_org,
        actor=world.outsider,
        dry_run=True,
    )
    assert globex.teams_to_create == [] and globex.rows[0].action == "invite"


def test_a_reorganisation_is_applied_top_down_without_a_transient_loop(world: World) -> None:
    # Today the member reports to the lead. Turn it round: the lead now reports to the member, who
    # reports to the champion. Row by row, the first change would make a loop; top-down it does not.
    rows = [
        ["Lead", "lead@acme.test", "", "", "member@acme.test", "", ""],
        ["Member", "member@acme.test", "", "", "champion@acme.test", "", ""],
    ]
    report = run(world, people_csv(rows), dry_run=False)
    assert report.applied, [r.errors for r in report.rows]
    assert Membership.objects.get(pk=world.member.pk).manager == world.champion
    assert Membership.objects.get(pk=world.lead.pk).manager == world.member


def test_invitations_are_emailed_only_after_commit_and_never_for_a_failed_import(
    world: World, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    rows = [["Ada", "ada@initech.test", "Engineering", "", "", "", ""]]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert run(world, people_csv(rows), dry_run=False).applied
    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [["ada@initech.test"]]
    bad = [["Bob", "bob@initech.test", "", "", "", "", ""], ["Bob", "bob@initech.test", "", "", "", "", ""]]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert not run(world, people_csv(bad), dry_run=False).applied
    assert callbacks == [] and len(mail.outbox) == 1


def test_lead_no_removes_the_lead_flag_and_blank_keeps_it(world: World) -> None:
    keep = run(world, people_csv([["Lead", "lead@acme.test", "Platform", "", "", "", ""]]), dry_run=True)
    assert keep.rows[0].action == "unchanged" and keep.rows[0].lead
    report = run(world, people_csv([["Lead", "lead@acme.test", "Platform", "", "", "no", ""]]), dry_run=False)
    assert report.rows[0].changes == ["no longer leads Platform"]
    assert not TeamMember.objects.get(team=world.team, membership=world.lead).is_lead
