"""Writes for organisations, memberships and teams. Each checks permission, runs in one
transaction and writes an audit entry."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.text import slugify

from ambit.accounts import signals
from ambit.accounts.models import Membership, Organisation, Role, Team, TeamKind, TeamMember, User
from ambit.core.audit import AuditAction, audit_record, snapshot
from ambit.core.errors import Conflict
from ambit.core.permissions import require_admin, require_org_editor, require_same_org
from ambit.core.services import apply_changes, full_clean_or_raise, lock_and_refresh, quoted
from ambit.core.validation import MAX_LONG_TEXT, MAX_NAME, TextRule, clean_text, clean_texts

# The free text each entity stores, cleaned by ambit.core.validation on every surface.
ORGANISATION_TEXT = {"name": TextRule(MAX_NAME, label="organisation name", required=True, single_line=True)}
MEMBERSHIP_TEXT = {
    "email": TextRule(254, label="email address", required=True, single_line=True),
    "full_name": TextRule(MAX_NAME, label="name", single_line=True),
    "title": TextRule(MAX_NAME, label="job title", single_line=True),
}
TEAM_TEXT = {
    "name": TextRule(MAX_NAME, label="team name", required=True, single_line=True),
    "description": TextRule(MAX_LONG_TEXT),
}

CHARTER_FIELDS = (
    "name",
    "fiscal_year_start_month",
    "cycle_cadence",
    "checkin_cadence",
    "reminder_weekday",
    "reminder_hour",
    "time_zone",
    "confidence_scale",
    "pace_on_track",
    "pace_at_risk",
    "stale_grace_days",
    "sprint_length_days",
    "levels",
    "cascade_method",
    "approval_required",
    "max_objectives_per_team",
    "max_objectives_per_person",
    "child_blend",
)


def _validate_charter(org: Organisation) -> None:
    import zoneinfo

    errors: dict[str, str] = {}
    try:
        zoneinfo.ZoneInfo(org.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors["time_zone"] = f"{quoted(org.time_zone)} is not a time zone: use an IANA name such as Europe/Berlin."
    if not (org.pace_at_risk <= org.pace_on_track <= 0):
        errors["pace_at_risk"] = "The at-risk threshold must be at or below the on-track one, and both at or below 0."
    levels = org.levels
    allowed = ["company", "department", "team", "individual"]
    if not isinstance(levels, list) or not levels or any(lv not in allowed for lv in levels):
        errors["levels"] = f"Levels must be a non-empty list drawn from {', '.join(allowed)}."
    if not (0 <= org.child_blend <= 1):
        errors["child_blend"] = "The blend with aligned children is a share between 0 and 1."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def organisation_create(*, name: str, creator: User, slug: str | None = None, **charter: Any) -> Organisation:
    """Create an organisation; its creator becomes its first admin."""
    name = clean_texts({"name": name}, ORGANISATION_TEXT)["name"]
    org = Organisation(name=name, slug=slug or slugify(name)[:60], **charter)
    _validate_charter(org)
    full_clean_or_raise(org, unique=True)
    org.save()
    membership = Membership.objects.create(user=creator, organisation=org, role=Role.ADMIN)
    # strategy creates the organisation's (empty) strategy, in this transaction.
    signals.organisation_created.send(sender=Organisation, organisation=org)
    audit_record(
        actor=membership,
        organisation=org,
        action=AuditAction.ORGANISATION_CREATE,
        obj=org,
        changes=snapshot(org, ("name", "slug")),
    )
    return org


@transaction.atomic
def organisation_update(*, actor: Membership, **fields: Any) -> Organisation:
    """Change the organisation's OKR charter (champions and admins: PRODUCT.md's champion
    "configures the charter") or its name (admins only)."""
    require_org_editor(actor, "change the OKR charter")
    fields = clean_texts(fields, ORGANISATION_TEXT)
    org = Organisation.objects.select_for_update().get(pk=actor.organisation_id)
    changes = apply_changes(org, fields, CHARTER_FIELDS)
    if "name" in changes:
        require_admin(actor, "rename the organisation")
    if changes:
        _validate_charter(org)
        full_clean_or_raise(org, unique=True)
        org.save(update_fields=[*changes, "updated_at"])
        audit_record(actor=actor, organisation=org, action=AuditAction.ORGANISATION_UPDATE, obj=org, changes=changes)
        if "child_blend" in changes:
            # Every objective's progress blends its aligned children by this share: okrs
            # schedules their roll-up refresh (rollups.schedule_organisation) on commit.
            signals.child_blend_changed.send(sender=Organisation, organisation=org)
    actor.organisation = org
    return org


@transaction.atomic
def membership_add(
    *,
    actor: Membership | None,
    organisation: Organisation,
    email: str,
    full_name: str = "",
    role: str = Role.MEMBER,
    password: str | None = None,
    title: str = "",
    manager: Membership | None = None,
    is_executive_sponsor: bool = False,
) -> Membership:
    """Add a person (created when new) to the organisation: for system use only, accepting an
    invitation (``actor`` None) or seeding (an admin ``actor``).

    It adopts an existing account without asking its owner, so no web page, API operation or
    admin action calls it: people join by accepting an invitation (``invitations.invitation_create``).
    """
    if actor is not None:
        require_same_org(actor, organisation.pk)
        require_admin(actor, "add people")
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role “{role}”: choose one of {', '.join(Role.values)}."})
    texts = clean_texts({"email": email, "full_name": full_name, "title": title}, MEMBERSHIP_TEXT)
    email, full_name, title = texts["email"], texts["full_name"], texts["title"]
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, full_name=full_name)
        full_clean_or_raise(user, exclude=["password"], unique=True)
        user.set_password(password) if password else user.set_unusable_password()
        user.save()
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        raise Conflict(f"{email} is already a member of {organisation.name}.", field="email")
    if manager is not None and manager.organisation_id != organisation.pk:
        raise ValidationError({"manager": "The manager must belong to the same organisation."})
    membership = Membership.objects.create(
        user=user,
        organisation=organisation,
        role=role,
        title=title,
        manager=manager,
        is_executive_sponsor=is_executive_sponsor,
    )
    audit_record(
        actor=actor,
        organisation=organisation,
        action=AuditAction.MEMBERSHIP_ADD,
        obj=membership,
        changes={"email": email, "role": role},
    )
    return membership


@transaction.atomic
def membership_update(*, actor: Membership, membership: Membership, **fields: Any) -> Membership:
    require_same_org(actor, membership.organisation_id)
    require_admin(actor, "change roles and managers")
    # The last-admin rule reads the current role: check it against the locked row.
    lock_and_refresh(membership)
    fields = clean_texts(fields, MEMBERSHIP_TEXT)
    if "role" in fields and fields["role"] not in Role.values:
        raise ValidationError({"role": f"Unknown role “{fields['role']}”: choose one of {', '.join(Role.values)}."})
    manager = fields.get("manager")
    if manager is not None:
        if manager.organisation_id != membership.organisation_id:
            raise ValidationError({"manager": "The manager must belong to the same organisation."})
        if manager.pk == membership.pk:
            raise Conflict("Nobody can be their own manager: choose someone else, or no manager.", field="manager")
        if not manager.is_active and manager.pk != membership.manager_id:
            raise ValidationError(
                {"manager": f"{manager.user.get_full_name()} is deactivated: choose an active member."}
            )
        seen, cursor = {membership.pk}, manager
        while cursor is not None:
            if cursor.pk in seen:
                raise Conflict(
                    f"That manager would create a reporting loop: {manager.user.get_full_name()} already reports, "
                    f"directly or through others, to {membership.user.get_full_name()}.",
                    field="manager",
                )
            seen.add(cursor.pk)
            cursor = cursor.manager
    demoting_admin = membership.role == Role.ADMIN and fields.get("role", Role.ADMIN) != Role.ADMIN
    deactivating_admin = membership.role == Role.ADMIN and fields.get("is_active", True) is False
    if demoting_admin or deactivating_admin:
        admins = Membership.objects.filter(organisation_id=membership.organisation_id, role=Role.ADMIN, is_active=True)
        if admins.exclude(pk=membership.pk).count() == 0:
            raise Conflict(
                "An organisation needs at least one active admin: make someone else admin first.", field="role"
            )
    changes = apply_changes(membership, fields, ("role", "is_executive_sponsor", "manager", "title", "is_active"))
    if changes:
        membership.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            organisation=membership.organisation,
            action=AuditAction.MEMBERSHIP_UPDATE,
            obj=membership,
            changes=changes,
        )
    return membership


def _unique_team_slug(org_id: int, base: str, exclude_pk: int | None = None) -> str:
    base = (slugify(base) or "team")[:70]
    slug, n = base, 2
    qs = Team.objects.filter(organisation_id=org_id)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    while qs.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_team_parent(team: Team | None, parent: Team | None, org_id: int) -> None:
    if parent is None:
        return
    if parent.organisation_id != org_id:
        raise ValidationError({"parent": "The parent team must belong to the same organisation."})
    if parent.archived_at is not None:
        raise Conflict(
            f"{quoted(parent.name)} is archived: restore it first, or choose another parent.", field="parent"
        )
    cursor: Team | None = parent
    while cursor is not None:
        if team is not None and cursor.pk == team.pk:
            raise Conflict("A team cannot sit below itself or one of its own sub-teams.", field="parent")
        cursor = cursor.parent


def _check_team_kind(org: Organisation, kind: str) -> None:
    """A team's kind is one of the charter's levels in use (no departments without "department")."""
    if kind not in TeamKind.values:
        raise ValidationError({"kind": f"Unknown kind {quoted(kind)}: choose one of {', '.join(TeamKind.values)}."})
    if kind not in (org.levels or []):
        in_use = [lv for lv in org.levels or [] if lv in TeamKind.values]
        raise ValidationError(
            {
                "kind": f"This organisation does not use the {kind} level: "
                f"choose {' or '.join(in_use) or 'another kind'}, or add the level in the charter."
            }
        )


# The cycle and objective states that keep a team in use (okrs' values; accounts imports no okrs).
_LIVE_CYCLE_STATES = ("planning", "active")
_DONE_OBJECTIVE_STATES = ("closed", "cancelled")


@transaction.atomic
def team_archive(*, actor: Membership, team: Team) -> Team:
    """Archive a team: it leaves pickers and team lists; its objectives stay readable."""
    require_same_org(actor, team.organisation_id)
    require_admin(actor, "archive teams")
    lock_and_refresh(team)
    if team.archived_at is not None:
        raise Conflict(f"{quoted(team.name)} is already archived.", field="team")
    live_children = team.children.filter(archived_at__isnull=True).order_by("name")
    if live_children.exists():
        names = ", ".join(quoted(t.name) for t in live_children[:3])
        raise Conflict(f"{quoted(team.name)} still has sub-teams ({names}): archive or move them first.", field="team")
    live = team.objectives.filter(cycle__state__in=_LIVE_CYCLE_STATES).exclude(state__in=_DONE_OBJECTIVE_STATES)
    count = live.count()
    if count:
        raise Conflict(
            f"{quoted(team.name)} owns {count} objective{'s' if count != 1 else ''} in a planning or active cycle: "
            "close, cancel or move them to another team first.",
            field="team",
        )
    team.archived_at = timezone.now()
    team.save(update_fields=["archived_at", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.TEAM_ARCHIVE,
        obj=team,
        changes={"archived_at": [None, team.archived_at.isoformat()]},
    )
    return team


@transaction.atomic
def team_restore(*, actor: Membership, team: Team) -> Team:
    """Bring an archived team back (under a parent that is not archived itself)."""
    require_same_org(actor, team.organisation_id)
    require_admin(actor, "restore teams")
    lock_and_refresh(team)
    if team.archived_at is None:
        raise Conflict(f"{quoted(team.name)} is not archived.", field="team")
    parent = team.parent
    if parent is not None and parent.archived_at is not None:
        raise Conflict(
            f"Its parent {quoted(parent.name)} is archived: restore the parent first, or move this team.",
            field="parent",
        )
    before = team.archived_at
    team.archived_at = None
    team.save(update_fields=["archived_at", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.TEAM_RESTORE,
        obj=team,
        changes={"archived_at": [before.isoformat(), None]},
    )
    return team


@transaction.atomic
def team_create(
    *,
    actor: Membership,
    name: str,
    kind: str = TeamKind.TEAM,
    parent: Team | None = None,
    slug: str | None = None,
    description: str = "",
) -> Team:
    require_admin(actor, "create teams")
    texts = clean_texts({"name": name, "description": description}, TEAM_TEXT)
    name, description = texts["name"], texts["description"]
    _check_team_kind(actor.organisation, kind)
    _check_team_parent(None, parent, actor.organisation_id)
    if slug and Team.objects.filter(organisation_id=actor.organisation_id, slug=slug).exists():
        raise ValidationError({"slug": f"A team with the short name “{slug}” already exists: choose another."})
    team = Team(
        organisation_id=actor.organisation_id,
        name=name.strip(),
        kind=kind,
        parent=parent,
        slug=slug or _unique_team_slug(actor.organisation_id, name),
        description=description,
    )
    full_clean_or_raise(team, exclude=["organisation"])
    team.save()
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.TEAM_CREATE,
        obj=team,
        changes=snapshot(team, ("name", "slug", "kind", "parent")),
    )
    return team


@transaction.atomic
def team_update(*, actor: Membership, team: Team, **fields: Any) -> Team:
    require_same_org(actor, team.organisation_id)
    require_admin(actor, "change teams")
    lock_and_refresh(team)
    fields = clean_texts(fields, TEAM_TEXT)
    if "parent" in fields:
        _check_team_parent(team, fields["parent"], actor.organisation_id)
    if "kind" in fields and fields["kind"] != team.kind:
        _check_team_kind(actor.organisation, fields["kind"])
    slug = fields.get("slug")
    if slug and Team.objects.filter(organisation_id=team.organisation_id, slug=slug).exclude(pk=team.pk).exists():
        raise ValidationError({"slug": f"A team with the short name “{slug}” already exists: choose another."})
    changes = apply_changes(team, fields, ("name", "slug", "kind", "parent", "description"))
    if changes:
        full_clean_or_raise(team, exclude=["organisation"], unique=True)
        team.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor, organisation=actor.organisation, action=AuditAction.TEAM_UPDATE, obj=team, changes=changes
        )
    return team


@transaction.atomic
def team_member_set(*, actor: Membership, team: Team, membership: Membership, is_lead: bool = False) -> TeamMember:
    """Put a person in a team (or change whether they lead it)."""
    require_same_org(actor, team.organisation_id)
    require_same_org(actor, membership.organisation_id)
    require_admin(actor, "change team membership")
    link, created = TeamMember.objects.get_or_create(team=team, membership=membership, defaults={"is_lead": is_lead})
    if not created and link.is_lead != is_lead:
        link.is_lead = is_lead
        link.save(update_fields=["is_lead"])
    elif not created:
        return link
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.TEAM_MEMBER_SET,
        obj=team,
        changes={"membership": membership.pk, "is_lead": is_lead},
    )
    return link


@transaction.atomic
def team_member_remove(*, actor: Membership, team: Team, membership: Membership) -> None:
    require_same_org(actor, team.organisation_id)
    require_admin(actor, "change team membership")
    deleted, _ = TeamMember.objects.filter(team=team, membership=membership).delete()
    if deleted:
        audit_record(
            actor=actor,
            organisation=actor.organisation,
            action=AuditAction.TEAM_MEMBER_REMOVE,
            obj=team,
            changes={"membership": membership.pk},
        )


@transaction.atomic
def team_delete(*, actor: Membership, team: Team) -> None:
    require_same_org(actor, team.organisation_id)
    require_admin(actor, "delete teams")
    if team.children.exists():
        raise Conflict("Move or delete the sub-teams first.", field="team")
    if team.objectives.exists():
        raise Conflict("This team still owns objectives: move or delete them first.", field="team")
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.TEAM_DELETE,
        obj=team,
        changes=snapshot(team, ("name", "slug")),
    )
    try:
        team.delete()
    except ProtectedError as exc:
        # Rows of the apps above (KPIs, issue 16) that keep the team: refused with the fix, not a 500.
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        raise Conflict(
            f"This team still has {', '.join(kinds)}: move them to another team first.", field="team"
        ) from None


@transaction.atomic
def user_update_profile(*, user: User, full_name: str) -> User:
    """Change a person's own display name (it shows in every organisation they belong to)."""
    name = clean_text(full_name, field="full_name", label="name", max_length=MAX_NAME, single_line=True)
    if not name:
        raise ValidationError({"full_name": "Enter your name, as colleagues should see it."})
    if name == user.full_name:
        return user
    before = user.full_name
    user.full_name = name
    full_clean_or_raise(user, exclude=["password"])
    user.save(update_fields=["full_name"])
    for membership in Membership.objects.filter(user=user, is_active=True).select_related("organisation"):
        audit_record(
            actor=membership,
            organisation=membership.organisation,
            action=AuditAction.USER_UPDATE_PROFILE,
            obj=user,
            changes={"full_name": [before, name]},
        )
    return user
