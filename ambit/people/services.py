"""Apply a people import: all or nothing, through the accounts services.

``import_people`` reads the file with the planning sheet's safety rules, plans every row
(``ambit.people.importer``) and, unless it is a dry run or a row has an error, applies the plan in
one transaction: teams along the paths (``team_create``), role and title changes
(``membership_update``), team links and lead flags (``team_member_set``), invitations for people
who are not members (``invitation_create``, emailed after commit, never twice: an open invitation
is kept), then managers once every row's membership exists. People not yet members keep their
team, lead flag, title and manager in a ``PendingPlacement``, applied when they accept
(``ambit.people.receivers``). One PEOPLE_IMPORT audit entry records the import itself.

Only admins import: every service it calls is an admin's (teams, roles, invitations).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from ambit.accounts.invitations import invitation_create
from ambit.accounts.models import Membership, Organisation, Team
from ambit.accounts.services import membership_update, team_create, team_member_set
from ambit.core.audit import AuditAction, audit_record
from ambit.core.errors import Conflict
from ambit.core.permissions import require_admin, require_same_org
from ambit.people.importer import PathKey, Plan, RowPlan, plan_import
from ambit.people.models import PendingPlacement
from ambit.people.reader import read_people_file
from ambit.people.report import INVITE, UNCHANGED, PeopleImportReport, RowReport
from ambit.sheets.layout import MAX_UPLOAD_BYTES
from ambit.sheets.reader import SheetRefused


class _RowFailed(Exception):
    def __init__(self, row: RowReport, field: str, message: str) -> None:
        super().__init__(message)
        self.row, self.field, self.message = row, field, message


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, Conflict):
        return exc.message
    return str(exc) or "Not found."


def require_importer(actor: Membership, organisation: Organisation) -> None:
    """Admins of the organisation only (the teams, roles and invitations services are theirs)."""
    require_same_org(actor, organisation.pk)
    require_admin(actor, "import people and teams")


def import_people(
    *,
    file: bytes | IO[bytes],
    organisation: Organisation,
    actor: Membership,
    dry_run: bool = True,
    filename: str = "",
    base_url: str | None = None,
) -> PeopleImportReport:
    """Read, check and (unless ``dry_run``) apply a people file; the report says what happened.

    A refused file or any row with an error writes nothing. ``base_url`` is where invitation
    links point (the web passes the request's site URL)."""
    require_importer(actor, organisation)
    data = file if isinstance(file, bytes) else file.read(MAX_UPLOAD_BYTES + 1)
    name = filename or getattr(file, "name", "") or "upload"
    try:
        sheet = read_people_file(data, name)
    except SheetRefused as exc:
        report = PeopleImportReport(filename=name, dry_run=dry_run, refused=exc.message, hint=exc.hint)
        return report
    plan = plan_import(sheet=sheet, organisation=organisation, filename=name, dry_run=dry_run)
    report = plan.report
    if dry_run or not report.ok or not report.has_changes:
        return report
    try:
        with transaction.atomic():
            _apply(plan, actor, base_url)
    except _RowFailed as failed:
        failed.row.error(failed.field, failed.message)
        report.invitations_sent = 0
        return report
    report.applied = True
    return report


def _apply(plan: Plan, actor: Membership, base_url: str | None) -> None:
    report, index = plan.report, plan.teams
    assert index is not None
    created: dict[PathKey, Team] = {}

    def team_of(path: PathKey) -> Team:
        team = created.get(path) or index.team_for(path)
        assert team is not None
        return team

    first_row: dict[PathKey, RowReport] = {}
    for rp in plan.rows:
        for depth in range(len(rp.path or ())):
            first_row.setdefault((rp.path or ())[: depth + 1], rp.report)
    for path, names in sorted(plan.new_teams.items(), key=lambda item: len(item[0])):
        parent = team_of(path[:-1]) if len(path) > 1 else index.base
        try:
            created[path] = team_create(actor=actor, name=names[-1], kind=index.kind_for(len(path) - 1), parent=parent)
        except (ValidationError, Conflict, Http404) as exc:
            raise _RowFailed(first_row[path], "Team", _message(exc)) from None

    for rp in plan.rows:
        if rp.report.action == UNCHANGED and not rp.manager_change:
            continue
        try:
            _apply_row(plan, rp, actor, base_url, team_of)
        except (ValidationError, Conflict, Http404) as exc:
            raise _RowFailed(rp.report, "Email", _message(exc)) from None

    # Managers last: a manager may be on a later row than the people who report to them. Top-down
    # (fewest managers above first), so no step makes a loop on the way to a loop-free result.
    for rp in sorted(plan.rows, key=lambda rp: plan.manager_depth(rp.email)):
        if rp.membership is None or not rp.manager_change or not rp.manager_email:
            continue
        manager = plan.members.get(rp.manager_email)
        try:
            if manager is not None:
                # Fresh: the service walks the manager's chain, which earlier rows may have changed.
                manager = Membership.objects.get(pk=manager.pk)
                membership_update(actor=actor, membership=rp.membership, manager=manager)
                PendingPlacement.objects.filter(organisation=plan.organisation, email=rp.email).delete()
            else:
                PendingPlacement.objects.update_or_create(
                    organisation=plan.organisation,
                    email=rp.email,
                    defaults={"manager_email": rp.manager_email, "created_by": actor},
                )
        except (ValidationError, Conflict, Http404) as exc:
            raise _RowFailed(rp.report, "Manager email", _message(exc)) from None

    counts = report.counts
    audit_record(
        actor=actor,
        organisation=plan.organisation,
        action=AuditAction.PEOPLE_IMPORT,
        obj=plan.organisation,
        changes={
            "file": report.filename[:200],
            "rows": len(report.rows),
            "invited": counts[INVITE],
            "updated": counts["update"],
            "unchanged": counts[UNCHANGED],
            "teams_created": len(created),
        },
    )


def _apply_row(
    plan: Plan, rp: RowPlan, actor: Membership, base_url: str | None, team_of: Callable[[PathKey], Team]
) -> None:
    if rp.membership is not None:
        if rp.member_fields:
            membership_update(actor=actor, membership=rp.membership, **rp.member_fields)
        if rp.team_change and rp.path:
            team_member_set(actor=actor, team=team_of(rp.path), membership=rp.membership, is_lead=rp.want_lead)
        return
    if rp.invitation is None:
        invitation_create(actor=actor, email=rp.email, role=rp.report.role, send=True, base_url=base_url)
        plan.report.invitations_sent += 1
    if rp.placement_fields is not None:
        fields = dict(rp.placement_fields)
        if rp.path:
            fields["team"] = team_of(rp.path)
        PendingPlacement.objects.update_or_create(
            organisation=plan.organisation, email=rp.email, defaults={**fields, "created_by": actor}
        )
