"""Organisation and charter, members, teams and team membership."""

# PATCH bodies declare optional-but-not-null fields as `field: T = None` (pydantic does not validate
# defaults, so an explicit null is refused); mypy cannot see that (on `list[...] = Field(None)` it
# reports arg-type rather than assignment).
# mypy: disable-error-code="assignment,arg-type"

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ambit.accounts import invitations as acc_invitations
from ambit.accounts import selectors as acc
from ambit.accounts import services as acc_services
from ambit.api.common import actor_of, changed, resolve_optional
from ambit.api.enums import (
    CascadeMethodName,
    CheckInCadenceName,
    ConfidenceScaleName,
    CycleCadenceName,
    LevelName,
    RoleName,
    TeamKindName,
)
from ambit.api.out import (
    MemberOut,
    OrganisationOut,
    TeamMemberOut,
    TeamOut,
    member_out,
    organisation_out,
    team_member_out,
    team_out,
)
from ambit.api.schemas import (
    Id,
    LongText,
    Name,
    PageQuery,
    ShortText,
    TimeZone,
    as_page,
    page_of,
    paginate,
    reads,
    text,
    writes,
)
from ambit.core.web import site_url

router = Router(tags=["organisation"])


# --- Organisation and charter -----------------------------------------------------------------


class CharterIn(Schema):
    """Only the fields sent are changed."""

    name: Name = None
    fiscal_year_start_month: int = Field(None, ge=1, le=12)
    cycle_cadence: CycleCadenceName = None
    checkin_cadence: CheckInCadenceName = None
    reminder_weekday: int = Field(None, ge=0, le=6, description="0 = Monday … 6 = Sunday")
    reminder_hour: int = Field(None, ge=0, le=23)
    time_zone: TimeZone = None
    confidence_scale: ConfidenceScaleName = None
    pace_on_track: float = Field(None, ge=-1, le=0)
    pace_at_risk: float = Field(None, ge=-1, le=0)
    stale_grace_days: int = Field(None, ge=0, le=90)
    sprint_length_days: int = Field(None, ge=1, le=90)
    levels: list[LevelName] = Field(None, min_length=1, max_length=4)
    cascade_method: CascadeMethodName = None
    approval_required: bool = None
    max_objectives_per_team: int = Field(None, ge=1, le=20)
    max_objectives_per_person: int = Field(None, ge=1, le=20)
    child_blend: float = Field(None, ge=0, le=1)


@router.get("/organisation", response=reads(OrganisationOut), operation_id="organisation_get")
def organisation_get(request: HttpRequest) -> Any:
    """The caller's organisation and its OKR charter."""
    return organisation_out(acc.organisation_get(actor=actor_of(request)))


@router.patch("/organisation", response=writes(OrganisationOut), operation_id="organisation_update")
def organisation_update(request: HttpRequest, payload: CharterIn) -> Any:
    """Change the OKR charter (champions and admins) or the name (admins)."""
    return organisation_out(acc_services.organisation_update(actor=actor_of(request), **changed(payload)))


# --- Members -------------------------------------------------------------------------------------


class MemberFilter(Schema):
    role: RoleName | None = None
    include_inactive: bool = False


class MemberPatch(Schema):
    role: RoleName = None
    title: ShortText = None
    manager_id: Id | None = None
    is_executive_sponsor: bool = None
    is_active: bool = None


@router.get("/members", response=reads(page_of(MemberOut)), operation_id="member_list")
def member_list(request: HttpRequest, filters: Query[MemberFilter], page: Query[PageQuery]) -> Any:
    """Members of the organisation, filtered by role; inactive ones only when asked."""
    qs = acc.membership_list(actor=actor_of(request), include_inactive=filters.include_inactive)
    if filters.role:
        qs = qs.filter(role=filters.role)
    rows, nxt = paginate(qs, page)
    return as_page([member_out(m) for m in rows], nxt)


@router.get("/members/{member_id}", response=reads(MemberOut), operation_id="member_get")
def member_get(request: HttpRequest, member_id: Id) -> Any:
    """One member of the organisation."""
    return member_out(acc.membership_get(actor=actor_of(request), membership_id=member_id))


@router.patch("/members/{member_id}", response=writes(MemberOut), operation_id="member_update")
def member_update(request: HttpRequest, member_id: Id, payload: MemberPatch) -> Any:
    """Change a member's role, manager, title or sponsor flag, or deactivate them (admins)."""
    actor = actor_of(request)
    member = acc.membership_get(actor=actor, membership_id=member_id)
    fields = changed(payload)
    if "manager_id" in fields:
        mid = fields.pop("manager_id")
        fields["manager"] = resolve_optional("manager_id", mid, acc.membership_get, actor=actor, membership_id=mid)
    acc_services.membership_update(actor=actor, membership=member, **fields)
    return member_out(acc.membership_get(actor=actor, membership_id=member_id))


# --- Invitations ---------------------------------------------------------------------------------
# People join only by accepting an invitation sent to their address: there is no direct add, which
# would put an existing account into the organisation without its owner's consent.


class InvitationIn(Schema):
    email: text(254, 3)  # type: ignore[valid-type]
    role: RoleName = "member"
    send_email: bool = Field(True, description="Email the link to the person; false to share `url` yourself.")


class InvitationOut(Schema):
    """The same shape whether or not an account exists for the address: the API tells nobody that."""

    id: int
    email: str
    role: RoleName
    expires_at: dt.datetime
    url: str = Field(description="The one-time link that accepts the invitation; shown only in this response.")


@router.post("/invitations", response=writes(InvitationOut, 201), operation_id="invitation_create")
def invitation_create(request: HttpRequest, payload: InvitationIn) -> Any:
    """Invite a person by email (admins). They join, with the role, when they accept the link with
    an account for that address; the link works once and expires after 14 days."""
    created = acc_invitations.invitation_create(
        actor=actor_of(request),
        email=payload.email,
        role=payload.role,
        send=payload.send_email,
        base_url=site_url(request),
    )
    invitation = created.invitation
    return Status(
        201,
        {
            "id": invitation.pk,
            "email": invitation.email,
            "role": invitation.role,
            "expires_at": invitation.expires_at,
            "url": created.url,
        },
    )


@router.delete("/invitations/{invitation_id}", response=writes(None, 204), operation_id="invitation_revoke")
def invitation_revoke(request: HttpRequest, invitation_id: Id) -> Any:
    """Withdraw an open invitation (admins): its link stops working."""
    actor = actor_of(request)
    invitation = acc_invitations.invitation_get(actor=actor, invitation_id=invitation_id)
    acc_invitations.invitation_revoke(actor=actor, invitation=invitation)
    return Status(204, None)


# --- Teams ---------------------------------------------------------------------------------------


TeamSlug = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[-a-z0-9_]+$")]


class TeamIn(Schema):
    name: Name
    kind: TeamKindName = "team"
    parent_id: Id | None = None
    slug: str | None = Field(None, min_length=1, max_length=80, pattern=r"^[-a-z0-9_]+$")
    description: LongText = ""


class TeamPatch(Schema):
    name: Name = None
    kind: TeamKindName = None
    parent_id: Id | None = None
    slug: str = Field(None, min_length=1, max_length=80, pattern=r"^[-a-z0-9_]+$")
    description: LongText = None


class TeamMemberIn(Schema):
    is_lead: bool = False


class TeamFilter(Schema):
    slug: TeamSlug | None = Field(None, description="Only the team with this slug (as in the web app's addresses).")


@router.get("/teams", response=reads(page_of(TeamOut)), operation_id="team_list")
def team_list(request: HttpRequest, filters: Query[TeamFilter], page: Query[PageQuery]) -> Any:
    """Teams of the organisation; with `slug`, the one team of that slug (an empty page when none)."""
    teams = acc.team_list(actor=actor_of(request))
    if filters.slug is not None:
        teams = teams.filter(slug=filters.slug)
    rows, nxt = paginate(teams, page)
    return as_page([team_out(t) for t in rows], nxt)


@router.get("/teams/{team_id}", response=reads(TeamOut), operation_id="team_get")
def team_get(request: HttpRequest, team_id: Id) -> Any:
    """One team of the organisation."""
    return team_out(acc.team_get(actor=actor_of(request), team_id=team_id))


@router.post("/teams", response=writes(TeamOut, 201), operation_id="team_create")
def team_create(request: HttpRequest, payload: TeamIn) -> Any:
    """Create a team (admins), optionally under a parent team."""
    actor = actor_of(request)
    parent = resolve_optional("parent_id", payload.parent_id, acc.team_get, actor=actor, team_id=payload.parent_id)
    team = acc_services.team_create(
        actor=actor,
        name=payload.name,
        kind=payload.kind,
        parent=parent,
        slug=payload.slug,
        description=payload.description,
    )
    return Status(201, team_out(team))


@router.patch("/teams/{team_id}", response=writes(TeamOut), operation_id="team_update")
def team_update(request: HttpRequest, team_id: Id, payload: TeamPatch) -> Any:
    """Change a team's name, slug, kind, parent or description."""
    actor = actor_of(request)
    team = acc.team_get(actor=actor, team_id=team_id)
    fields = changed(payload)
    if "parent_id" in fields:
        pid = fields.pop("parent_id")
        fields["parent"] = resolve_optional("parent_id", pid, acc.team_get, actor=actor, team_id=pid)
    return team_out(acc_services.team_update(actor=actor, team=team, **fields))


@router.delete("/teams/{team_id}", response=writes(None, 204), operation_id="team_delete")
def team_delete(request: HttpRequest, team_id: Id) -> Any:
    """Delete a team with no sub-teams and no objectives (admins)."""
    actor = actor_of(request)
    acc_services.team_delete(actor=actor, team=acc.team_get(actor=actor, team_id=team_id))
    return Status(204, None)


@router.get("/teams/{team_id}/members", response=reads(page_of(TeamMemberOut)), operation_id="team_member_list")
def team_member_list(request: HttpRequest, team_id: Id, page: Query[PageQuery]) -> Any:
    """The members of a team, leads marked."""
    actor = actor_of(request)
    team = acc.team_get(actor=actor, team_id=team_id)
    rows, nxt = paginate(acc.team_members(actor=actor, team=team), page)
    return as_page([team_member_out(link) for link in rows], nxt)


@router.put("/teams/{team_id}/members/{member_id}", response=writes(TeamMemberOut), operation_id="team_member_set")
def team_member_set(request: HttpRequest, team_id: Id, member_id: Id, payload: TeamMemberIn) -> Any:
    """Put a member in a team, or change whether they lead it (admins)."""
    actor = actor_of(request)
    team = acc.team_get(actor=actor, team_id=team_id)
    member = acc.membership_get(actor=actor, membership_id=member_id)
    link = acc_services.team_member_set(actor=actor, team=team, membership=member, is_lead=payload.is_lead)
    link.membership = member
    return team_member_out(link)


@router.delete("/teams/{team_id}/members/{member_id}", response=writes(None, 204), operation_id="team_member_remove")
def team_member_remove(request: HttpRequest, team_id: Id, member_id: Id) -> Any:
    """Take a member out of a team."""
    actor = actor_of(request)
    team = acc.team_get(actor=actor, team_id=team_id)
    member = acc.membership_get(actor=actor, membership_id=member_id)
    acc_services.team_member_remove(actor=actor, team=team, membership=member)
    return Status(204, None)
