"""Plan a people import: read each row, check it against the file and the organisation, and say
what applying it would do. Nothing here writes; ``ambit.people.services`` applies a clean plan.

Rules (documented on the import page and in the API):

- **Team path**: team names from below the company team down, separated by ``/`` (or ``>``):
  ``Engineering / Platform``. Names match existing teams case-insensitively; missing teams along
  the path are created (the first level as a department when the organisation uses departments).
  A person is added to the last team of the path; their other teams are left alone.
- **Role**: admin, champion, member or viewer. Blank: member for new people, unchanged for
  existing members (so a blank cell never demotes an admin).
- **Manager email**: a person in the file or in the organisation (a member or an open invitation).
  Blank: the manager is left as it is. A manager chain that loops back is refused.
- **Lead**: yes/no (also y/n, true/false, 1/0, x). Blank keeps an existing lead flag.
- **Title**: blank keeps the current title.
- People who are not members get an invitation (once: an open invitation is kept, not re-sent);
  their team, lead flag, title and manager are kept and applied when they accept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from ambit.accounts.invitations import normalised_email
from ambit.accounts.models import Invitation, Level, Membership, Organisation, Role, Team, TeamKind, TeamMember
from ambit.core.spreadsheet import needs_quote
from ambit.core.validation import MAX_NAME, clean_text
from ambit.people.models import PendingPlacement
from ambit.people.reader import BY_KEY, PeopleSheet
from ambit.people.report import INVITE, UNCHANGED, UPDATE, PeopleImportReport, RowReport
from ambit.sheets.parsing import clean_text as cell_text

SEPARATORS = re.compile(r"[/>]")
MAX_EMAIL = 254
ROLE_NAMES = {
    "admin": Role.ADMIN,
    "administrator": Role.ADMIN,
    "champion": Role.CHAMPION,
    "okr champion": Role.CHAMPION,
    "member": Role.MEMBER,
    "viewer": Role.VIEWER,
}
YES = {"yes", "y", "true", "1", "x", "lead"}
NO = {"no", "n", "false", "0"}

PathKey = tuple[str, ...]  # lower-cased team names from below the company down


@dataclass
class RowPlan:
    """One valid row, resolved against the organisation (what ``services`` needs to apply it)."""

    report: RowReport
    email: str
    name: str
    role: str | None  # None: keep
    title: str | None  # None: keep
    path: PathKey | None
    lead: bool | None  # None: keep an existing flag (new links: not a lead)
    manager_email: str | None  # None: keep
    membership: Membership | None
    invitation: Invitation | None  # an open invitation (people not yet members)
    placement: PendingPlacement | None
    # What applying does (worked out by the plan):
    member_fields: dict[str, Any] = field(default_factory=dict)  # for membership_update
    team_change: bool = False
    want_lead: bool = False
    manager_change: bool = False
    placement_fields: dict[str, Any] | None = None  # the pending placement to store


@dataclass
class TeamIndex:
    """The organisation's team tree by lower-cased name under each parent."""

    base: Team | None  # the company team paths start below (None: paths start at the roots)
    children: dict[tuple[int | None, str], Team]
    uses_departments: bool
    # Archived teams by the same key: a path through one is refused, not silently re-created.
    archived: dict[tuple[int | None, str], Team] = field(default_factory=dict)

    def archived_on(self, path: PathKey) -> Team | None:
        """The archived team where ``path`` leaves the live tree, if that is why it does."""
        parent, found = self.resolve(path)
        if found == len(path):
            return None
        return self.archived.get((parent.pk if parent else None, path[found]))

    def resolve(self, path: PathKey) -> tuple[Team | None, int]:
        """The deepest existing team along ``path`` and how many segments exist."""
        parent = self.base
        for depth, name in enumerate(path):
            child = self.children.get((parent.pk if parent else None, name))
            if child is None:
                return parent, depth
            parent = child
        return parent, len(path)

    def team_for(self, path: PathKey) -> Team | None:
        team, found = self.resolve(path)
        return team if found == len(path) else None

    def kind_for(self, depth: int) -> str:
        """Kind of a created team at ``depth`` (0 = directly below the company)."""
        return TeamKind.DEPARTMENT if depth == 0 and self.uses_departments else TeamKind.TEAM


@dataclass
class Plan:
    report: PeopleImportReport
    organisation: Organisation
    rows: list[RowPlan] = field(default_factory=list)
    teams: TeamIndex | None = None
    # Teams to create: path key → (display names along the path)
    new_teams: dict[PathKey, list[str]] = field(default_factory=dict)
    members: dict[str, Membership] = field(default_factory=dict)
    invitations: dict[str, Invitation] = field(default_factory=dict)
    placements: dict[str, PendingPlacement] = field(default_factory=dict)
    links: dict[tuple[int, int], TeamMember] = field(default_factory=dict)
    # Everyone's manager after the import, by email (applied top-down: see ``manager_depth``).
    manager_of: dict[str, str] = field(default_factory=dict)

    def manager_depth(self, email: str) -> int:
        """How many managers are above ``email`` once the import is applied (chains are acyclic)."""
        depth, seen, cursor = 0, {email}, self.manager_of.get(email)
        while cursor is not None and cursor not in seen:
            seen.add(cursor)
            depth, cursor = depth + 1, self.manager_of.get(cursor)
        return depth


def team_index(organisation: Organisation) -> TeamIndex:
    teams = list(Team.objects.filter(organisation=organisation).order_by("pk"))
    live = [t for t in teams if t.archived_at is None]
    companies = [t for t in live if t.kind == TeamKind.COMPANY and t.parent_id is None]
    children: dict[tuple[int | None, str], Team] = {}
    archived: dict[tuple[int | None, str], Team] = {}
    for team in teams:
        key = (team.parent_id, team.name.strip().lower())
        if team.archived_at is None:
            children.setdefault(key, team)
        else:
            archived.setdefault(key, team)
    levels = organisation.levels if isinstance(organisation.levels, list) else []
    return TeamIndex(companies[0] if companies else None, children, Level.DEPARTMENT in levels, archived)


def split_path(text: str) -> list[str]:
    """``"Engineering / Platform"`` → ``["Engineering", "Platform"]`` (also with ``>``)."""
    return [part.strip() for part in SEPARATORS.split(text)]


def _cell(raw: dict[str, Any], key: str) -> str:
    return cell_text(raw.get(key))


def _text(row: RowReport, value: str, *, key: str, label: str, max_length: int = MAX_NAME) -> str | None:
    if needs_quote(value):
        # Text that a spreadsheet would run as a formula (=, +, -, @ …): never stored, even though
        # every export escapes it, since people's names travel to other tools too.
        row.error(
            BY_KEY[key].header if key in BY_KEY else key,
            f"The {label} starts like a spreadsheet formula (“{value[:1]}”): remove that first character.",
        )
        return None
    try:
        return clean_text(value, field=key, label=label, max_length=max_length, single_line=True)
    except ValidationError as exc:
        for message in exc.message_dict.get(key, exc.messages):
            row.error(BY_KEY[key].header if key in BY_KEY else key, message)
        return None


def _email(row: RowReport, value: str, *, key: str, label: str) -> str | None:
    text = _text(row, value, key=key, label=label, max_length=MAX_EMAIL)
    if text is None:
        return None
    email = normalised_email(text)
    try:
        validate_email(email)
    except ValidationError:
        row.error(BY_KEY[key].header, f"“{text[:80]}” is not an email address: check for typos.")
        return None
    return email


def _parse_row(number: int, raw: dict[str, Any]) -> tuple[RowReport, dict[str, Any]]:
    """Check one row on its own: the values it holds, cleaned, or errors on its report."""
    row = RowReport(number=number, email=_cell(raw, "email")[:MAX_EMAIL])
    values: dict[str, Any] = {}
    email_text = _cell(raw, "email")
    if not email_text:
        row.error("Email", "Enter the person's email address.")
    else:
        values["email"] = _email(row, email_text, key="email", label="email address")
        if values["email"]:
            row.email = values["email"]
    name = _text(row, _cell(raw, "name"), key="name", label="name")
    row.name = (name or "")[:MAX_NAME]
    values["name"] = name or ""
    role_text = _cell(raw, "role").lower()
    values["role"] = None
    if role_text:
        role = ROLE_NAMES.get(re.sub(r"\s+", " ", role_text))
        if role is None:
            row.error("Role", f"Unknown role “{role_text[:40]}”: use admin, champion, member or viewer.")
        values["role"] = role
    title = _cell(raw, "title")
    values["title"] = _text(row, title, key="title", label="job title") if title else None
    team_text = _cell(raw, "team")
    values["path"] = None
    if team_text:
        parts = split_path(team_text)
        if any(not p for p in parts):
            row.error(
                "Team",
                f"The team path “{team_text[:120]}” has an empty part: write team names separated by “/” "
                "(or “>”), e.g. Engineering / Platform.",
            )
        else:
            names = [_text(row, p, key="team", label="team name") for p in parts]
            if all(n is not None for n in names):
                values["path"] = [n for n in names if n is not None]
                row.team = " / ".join(values["path"])
    lead_text = _cell(raw, "lead").lower()
    values["lead"] = None
    if lead_text:
        if lead_text in YES:
            values["lead"] = True
        elif lead_text in NO:
            values["lead"] = False
        else:
            row.error("Lead", f"“{lead_text[:40]}” is not yes or no: write yes if the person leads the team.")
        if values["lead"] and not team_text:
            row.error("Lead", "A lead needs a team: fill in the team path this person leads.")
    row.lead = bool(values["lead"])
    manager_text = _cell(raw, "manager")
    values["manager"] = None
    if manager_text:
        values["manager"] = _email(row, manager_text, key="manager", label="manager's email address")
        if values["manager"]:
            row.manager = values["manager"]
            if values["manager"] == values.get("email"):
                row.error("Manager email", "A person cannot be their own manager: leave the cell empty.")
    return row, values


def _open_invitations(organisation: Organisation) -> dict[str, Invitation]:
    open_ = Invitation.objects.filter(
        organisation=organisation, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("created_at")
    return {normalised_email(i.email): i for i in open_}


def _check_managers(plan: Plan, parsed: list[tuple[RowReport, dict[str, Any]]], in_file: set[str]) -> None:
    """Each manager must exist (in the file or the organisation) and no chain may loop back."""
    org = plan.organisation
    manager_of: dict[str, str] = {}
    for email, m in plan.members.items():
        if m.manager is not None:
            manager_of[email] = normalised_email(m.manager.user.email)
    for email, placement in plan.placements.items():
        if placement.manager_email:
            manager_of.setdefault(email, placement.manager_email)
    for row, values in parsed:
        manager = values.get("manager")
        if not manager or row.errors:
            continue
        known = plan.members.get(manager)
        if manager not in in_file and known is None and manager not in plan.invitations:
            row.error(
                "Manager email",
                f"{manager} is neither in the file nor in {org.name}: add a row for them or correct the address.",
            )
        elif known is not None and not known.is_active:
            row.error("Manager email", f"{manager} is deactivated in {org.name}: choose an active manager.")
        else:
            manager_of[values["email"]] = manager
    plan.manager_of = manager_of
    for row, values in parsed:
        person: str | None = values.get("email")
        if not person or not values.get("manager") or row.errors:
            continue
        seen: set[str] = {person}
        cursor: str | None = manager_of.get(person)
        while cursor is not None and cursor not in seen:
            seen.add(cursor)
            cursor = manager_of.get(cursor)
        if cursor == person:
            row.error(
                "Manager email",
                f"This makes a reporting loop: {values['manager']} reports, directly or not, to {person}. "
                "Correct one of the managers.",
            )


def _check_last_admin(plan: Plan, parsed: list[tuple[RowReport, dict[str, Any]]]) -> None:
    admins = {e for e, m in plan.members.items() if m.is_active and m.role == Role.ADMIN}
    demoting = [(row, v) for row, v in parsed if v.get("email") in admins and v.get("role") not in (None, Role.ADMIN)]
    if admins and {v["email"] for _, v in demoting} >= admins:
        for row, _ in demoting:
            row.error("Role", "An organisation needs at least one active admin: keep the admin role for one of them.")


def _plan_member(plan: Plan, rp: RowPlan) -> None:
    m, row = rp.membership, rp.report
    assert m is not None and plan.teams is not None
    if rp.role and rp.role != m.role:
        rp.member_fields["role"] = rp.role
        row.changes.append(f"role {m.role} → {rp.role}")
    if rp.title is not None and rp.title != m.title:
        rp.member_fields["title"] = rp.title
        row.changes.append(f"title “{m.title}” → “{rp.title}”" if m.title else f"title “{rp.title}”")
    row.role = rp.role or m.role
    if rp.path:
        team = plan.teams.team_for(rp.path)
        link = plan.links.get((team.pk, m.pk)) if team is not None else None
        rp.want_lead = rp.lead if rp.lead is not None else bool(link and link.is_lead)
        if link is None:
            rp.team_change = True
            row.changes.append(f"joins {row.team}" + (" as its lead" if rp.want_lead else ""))
        elif link.is_lead != rp.want_lead:
            rp.team_change = True
            row.changes.append(f"{'now leads' if rp.want_lead else 'no longer leads'} {row.team}")
        row.lead = rp.want_lead
    if rp.manager_email:
        current = normalised_email(m.manager.user.email) if m.manager is not None else None
        waiting = plan.placements.get(rp.email)
        if rp.manager_email == current:
            pass
        elif rp.manager_email in plan.members:
            rp.manager_change = True
            row.changes.append(f"manager → {rp.manager_email}")
        elif waiting is not None and waiting.manager_email == rp.manager_email:
            row.warnings.append(f"Manager {rp.manager_email} is set when they accept their invitation.")
        else:
            rp.manager_change = True
            row.changes.append(f"manager → {rp.manager_email} when they accept their invitation")
    row.action = UPDATE if row.changes else UNCHANGED


def _plan_newcomer(plan: Plan, rp: RowPlan) -> None:
    """Someone not yet a member: invite them (unless invited already) and keep their place."""
    assert plan.teams is not None
    row, invitation, placement = rp.report, rp.invitation, rp.placement
    team = plan.teams.team_for(rp.path) if rp.path else (placement.team if placement else None)
    same_team = placement is not None and team is not None and placement.team_id == team.pk
    wanted = {
        "full_name": rp.name or (placement.full_name if placement else ""),
        "is_lead": rp.lead if rp.lead is not None else bool(same_team and placement and placement.is_lead),
        "title": rp.title if rp.title is not None else (placement.title if placement else ""),
        "manager_email": rp.manager_email or (placement.manager_email if placement else ""),
    }
    row.lead = bool(wanted["is_lead"])
    later = []
    if rp.path or team is not None:
        later.append(f"joins {row.team or (team.name if team else '')}" + (" as its lead" if wanted["is_lead"] else ""))
    if wanted["title"]:
        later.append(f"title “{wanted['title']}”")
    if wanted["manager_email"]:
        later.append(f"manager {wanted['manager_email']}")
    when = "when they accept: " + ", ".join(later) if later else ""
    if invitation is None:
        row.role = rp.role or Role.MEMBER
        row.action = INVITE
        row.changes.append(f"invitation emailed to {rp.email} as {row.role}")
    else:
        row.role = invitation.role
        sent = timezone.localtime(invitation.created_at).date().isoformat()
        row.warnings.append(f"Already invited on {sent} (as {invitation.role}): the invitation is not sent again.")
        if rp.role and rp.role != invitation.role:
            row.warnings.append(
                f"The open invitation's role stays {invitation.role}: withdraw it on the members page and import "
                f"again to invite as {rp.role}."
            )
    if later:
        stored = {**wanted, "team_id": team.pk if team is not None else None}
        same = (
            placement is not None
            and not row.teams_to_create
            and all(getattr(placement, k) == v for k, v in stored.items())
        )
        if not same:
            rp.placement_fields = {**wanted, "team": team}
            row.changes.append(when)
    if invitation is not None:
        row.action = UPDATE if row.changes else UNCHANGED


def plan_import(*, sheet: PeopleSheet, organisation: Organisation, filename: str, dry_run: bool) -> Plan:
    """What importing ``sheet`` into ``organisation`` does, row by row; reads only."""
    report = PeopleImportReport(filename=filename, dry_run=dry_run)
    plan = Plan(report=report, organisation=organisation)
    parsed = [_parse_row(r.number, r.cells) for r in sheet.rows]
    report.rows = [row for row, _ in parsed]
    first_row: dict[str, int] = {}
    for row, values in parsed:
        email = values.get("email")
        if not email:
            continue
        if email in first_row:
            row.error("Email", f"{email} is also on row {first_row[email]}: keep one row per person.")
        else:
            first_row[email] = row.number
    memberships = Membership.objects.filter(organisation=organisation).select_related("user", "manager__user")
    plan.members = {normalised_email(m.user.email): m for m in memberships}
    plan.invitations = _open_invitations(organisation)
    placements = PendingPlacement.objects.filter(organisation=organisation).select_related("team")
    plan.placements = {p.email: p for p in placements}
    plan.links = {
        (tm.team_id, tm.membership_id): tm for tm in TeamMember.objects.filter(team__organisation=organisation)
    }
    plan.teams = index = team_index(organisation)
    _check_managers(plan, parsed, set(first_row))
    _check_last_admin(plan, parsed)
    for row, values in parsed:
        if row.errors:
            continue
        email = values["email"]
        membership = plan.members.get(email)
        if membership is not None and not membership.is_active:
            row.error(
                "Email", f"{email} is deactivated in {organisation.name}: reactivate them first, or remove the row."
            )
            continue
        path: PathKey | None = tuple(n.lower() for n in values["path"]) if values["path"] else None
        if path:
            archived = index.archived_on(path)
            if archived is not None:
                row.error(
                    "Team",
                    f"The team “{archived.name}” is archived: restore it under Settings → Teams, "
                    "or name a team in use.",
                )
                continue
            _, found = index.resolve(path)
            for depth in range(found, len(path)):
                plan.new_teams.setdefault(path[: depth + 1], values["path"][: depth + 1])
                row.teams_to_create.append(" / ".join(values["path"][: depth + 1]))
        rp = RowPlan(
            report=row,
            email=email,
            name=values["name"],
            role=values["role"],
            title=values["title"],
            path=path,
            lead=values["lead"],
            manager_email=values["manager"],
            membership=membership,
            invitation=plan.invitations.get(email) if membership is None else None,
            placement=plan.placements.get(email),
        )
        if membership is not None:
            _plan_member(plan, rp)
        else:
            _plan_newcomer(plan, rp)
        plan.rows.append(rp)
    report.teams_to_create = [" / ".join(names) for names in plan.new_teams.values()]
    return plan
