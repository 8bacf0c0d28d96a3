"""Every write to KPIs: create, update, archive, record a reading, link a key result.

Who may do what: champions and admins any KPI; a team lead the KPIs of the teams they lead (and
below); the KPI's owner records its readings. Viewers change nothing. Every write runs in a
transaction, saves only the fields that changed and leaves an audit entry.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership, Team, TeamMember
from ambit.core.audit import AuditAction, audit_record
from ambit.core.errors import Conflict
from ambit.core.permissions import require_same_org, require_writer
from ambit.core.services import apply_changes, lock_and_refresh, plain_number, to_decimal
from ambit.core.validation import MAX_LONG_TEXT, MAX_UNIT, clean_text
from ambit.kpis.models import Band, Cadence, Direction, Kpi, KpiLink, KpiReading
from ambit.notify.models import Kind
from ambit.notify.produce import Draft, produce
from ambit.okrs import engine
from ambit.okrs.models import CheckIn, KeyResult, KeyResultKind
from ambit.trash.services import move_to_trash

MAX_KPI_NAME = 200
MANAGE_DENIED = "Only OKR champions, admins and the team's lead may change this KPI."
COMPANY_DENIED = "Only OKR champions and admins may create or change company KPIs."
RECORD_DENIED = "Only the KPI's owner, its team's lead, or a champion may record a reading."
LINKABLE_KINDS = (KeyResultKind.INCREASE, KeyResultKind.DECREASE, KeyResultKind.STAY_ABOVE, KeyResultKind.STAY_BELOW)


# --- Permissions -------------------------------------------------------------------------------


def can_manage(actor: Membership, team_id: int | None) -> bool:
    """Create, edit, archive and link KPIs of ``team_id`` (None: the company's)."""
    if not actor.can_write:
        return False
    if actor.is_org_wide_editor:
        return True
    return team_id is not None and team_id in actor.led_team_ids()


def can_record(actor: Membership, kpi: Kpi) -> bool:
    if actor.organisation_id != kpi.organisation_id or not actor.can_write or kpi.is_archived:
        return False
    return kpi.owner_id == actor.pk or can_manage(actor, kpi.team_id)


def _require_manage(actor: Membership, team_id: int | None) -> None:
    require_writer(actor)
    if not can_manage(actor, team_id):
        raise PermissionDenied(COMPANY_DENIED if team_id is None else MANAGE_DENIED)


def _require_live(kpi: Kpi) -> None:
    if kpi.is_archived:
        raise Conflict(f"“{kpi.name}” is archived: it takes no more changes or readings.", field="kpi")


# --- Validation ----------------------------------------------------------------------------------


def _choice(value: Any, choices: type[Direction] | type[Cadence], field: str, hint: str) -> str:
    allowed = [str(v) for v in choices.values]
    if value not in allowed:
        raise ValidationError({field: f"Choose {hint}: one of {', '.join(allowed)}."})
    return str(value)


def _owner_of(actor: Membership, owner: Membership | None) -> Membership | None:
    if owner is None:
        return None
    require_same_org(actor, owner.organisation_id)
    if not owner.is_active:
        raise ValidationError({"owner": "That person is no longer active in the organisation: choose someone else."})
    return owner


def _team_of(actor: Membership, team: Team | None) -> Team | None:
    if team is None:
        return None
    require_same_org(actor, team.organisation_id)
    if team.archived_at is not None:
        raise ValidationError({"team": f"{team.name} is archived: choose a current team."})
    return team


def _thresholds(direction: str, healthy: Any, critical: Any) -> tuple[Decimal, Decimal]:
    h = to_decimal(healthy, field="healthy_threshold", label="healthy threshold", required=True)
    c = to_decimal(critical, field="critical_threshold", label="critical threshold", required=True)
    assert h is not None and c is not None
    problem = engine.kpi_thresholds_problem(h, c, direction)
    if problem:
        raise ValidationError({"critical_threshold": problem})
    return h, c


# --- KPIs ----------------------------------------------------------------------------------------


@transaction.atomic
def kpi_create(
    *,
    actor: Membership,
    name: str,
    healthy_threshold: Any,
    critical_threshold: Any,
    team: Team | None = None,
    owner: Membership | None = None,
    description: str = "",
    unit: str = "",
    direction: str = Direction.HIGHER,
    cadence: str = Cadence.WEEKLY,
) -> Kpi:
    """A new KPI of ``team`` (None: the company's), owned by ``owner`` (default: the actor)."""
    team = _team_of(actor, team)
    _require_manage(actor, team.pk if team else None)
    direction = _choice(direction, Direction, "direction", "whether higher or lower is better")
    healthy, critical = _thresholds(direction, healthy_threshold, critical_threshold)
    kpi = Kpi(
        organisation_id=actor.organisation_id,
        team=team,
        owner=_owner_of(actor, owner) or actor,
        name=clean_text(name, field="name", max_length=MAX_KPI_NAME, required=True, single_line=True),
        description=clean_text(description, field="description", max_length=MAX_LONG_TEXT),
        unit=clean_text(unit, field="unit", max_length=MAX_UNIT, single_line=True),
        direction=direction,
        healthy_threshold=healthy,
        critical_threshold=critical,
        cadence=_choice(cadence, Cadence, "cadence", "how often it is updated"),
    )
    kpi.save()
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.KPI_CREATE,
        obj=kpi,
        changes={"name": kpi.name, "team": kpi.team_id, "owner": kpi.owner_id},
    )
    return kpi


UPDATABLE = ("name", "description", "unit", "direction", "healthy_threshold", "critical_threshold", "cadence")


@transaction.atomic
def kpi_update(actor: Membership, kpi: Kpi, **fields: Any) -> Kpi:
    """Change any of ``UPDATABLE`` and ``team`` / ``owner`` (objects). Moving a KPI to another
    team needs the right to manage KPIs on both sides. The band is re-read from the new thresholds."""
    require_same_org(actor, kpi.organisation_id)
    _require_manage(actor, kpi.team_id)
    lock_and_refresh(kpi)
    _require_live(kpi)
    values: dict[str, Any] = {}
    if "team" in fields:
        team = _team_of(actor, fields.pop("team"))
        _require_manage(actor, team.pk if team else None)
        values["team"] = team
    if "owner" in fields:
        owner = _owner_of(actor, fields.pop("owner"))
        if owner is None:
            raise ValidationError({"owner": "A KPI needs an owner: choose who keeps it up to date."})
        values["owner"] = owner
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in sorted(unknown)})
    if "name" in fields:
        values["name"] = clean_text(
            fields["name"], field="name", max_length=MAX_KPI_NAME, required=True, single_line=True
        )
    if "description" in fields:
        values["description"] = clean_text(fields["description"], field="description", max_length=MAX_LONG_TEXT)
    if "unit" in fields:
        values["unit"] = clean_text(fields["unit"], field="unit", max_length=MAX_UNIT, single_line=True)
    if "cadence" in fields:
        values["cadence"] = _choice(fields["cadence"], Cadence, "cadence", "how often it is updated")
    direction = kpi.direction
    if "direction" in fields:
        direction = values["direction"] = _choice(
            fields["direction"], Direction, "direction", "whether higher or lower is better"
        )
    if {"direction", "healthy_threshold", "critical_threshold"} & set(fields):
        values["healthy_threshold"], values["critical_threshold"] = _thresholds(
            direction,
            fields.get("healthy_threshold", kpi.healthy_threshold),
            fields.get("critical_threshold", kpi.critical_threshold),
        )
    changes = apply_changes(kpi, values, allowed=[*UPDATABLE, "team", "owner"])
    if not changes:
        return kpi
    changed = [name for name in changes]
    if kpi.current_value is not None and {"direction", "healthy_threshold", "critical_threshold"} & set(changes):
        band = _band(kpi, kpi.current_value)
        if band != kpi.current_band:
            changes["current_band"] = [kpi.current_band, band]
            kpi.current_band = band
            changed.append("current_band")
    kpi.save(update_fields=[*changed, "updated_at"])
    audit_record(actor=actor, organisation=actor.organisation, action=AuditAction.KPI_UPDATE, obj=kpi, changes=changes)
    return kpi


@transaction.atomic
def kpi_archive(*, actor: Membership, kpi: Kpi) -> Kpi:
    """Retire a KPI: it leaves the boards, keeps its history, and its key result links end."""
    require_same_org(actor, kpi.organisation_id)
    _require_manage(actor, kpi.team_id)
    lock_and_refresh(kpi)
    _require_live(kpi)
    kpi.archived_at = timezone.now()
    kpi.save(update_fields=["archived_at", "updated_at"])
    unlinked = list(kpi.links.values_list("key_result_id", flat=True))
    kpi.links.all().delete()
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.KPI_DELETE,
        obj=kpi,
        changes={"archived_at": [None, kpi.archived_at], "unlinked_key_results": unlinked},
    )
    return kpi


@transaction.atomic
def kpi_delete(*, actor: Membership, kpi: Kpi) -> None:
    """Delete a KPI with its readings and key result links into the trash (``ambit.trash``): its
    owner or an admin restores them all within 30 days. Archiving keeps it for good instead."""
    require_same_org(actor, kpi.organisation_id)
    _require_manage(actor, kpi.team_id)
    move_to_trash(actor=actor, obj=kpi, label=kpi.name, url=reverse("kpis:detail", args=[kpi.pk]))
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.KPI_DELETE,
        obj=kpi,
        changes={"name": [kpi.name, None], "team": [kpi.team_id, None]},
    )
    kpi.delete()


# --- Readings ------------------------------------------------------------------------------------


def _band(kpi: Kpi, value: Decimal) -> str:
    return engine.kpi_band(value, kpi.healthy_threshold, kpi.critical_threshold, kpi.direction)


def _store(
    kpi: Kpi, *, value: Decimal, note: str, author: Membership | None, at: dt.datetime, check_in: CheckIn | None
) -> KpiReading:
    """Append the reading and, if it is the newest, make it the KPI's current one; a reading that
    moves the KPI to a worse band alerts its owner and its team's leads (once per reading)."""
    band = _band(kpi, value)
    reading = KpiReading.objects.create(
        organisation_id=kpi.organisation_id,
        kpi=kpi,
        value=value,
        note=note,
        author=author,
        recorded_at=at,
        band=band,
        check_in=check_in,
    )
    if kpi.last_reading_at is not None and at < kpi.last_reading_at:
        return reading  # back-dated: history only
    before = kpi.current_band or None
    kpi.current_value, kpi.current_band, kpi.last_reading_at = value, band, at
    kpi.save(update_fields=["current_value", "current_band", "last_reading_at", "updated_at"])
    if engine.kpi_band_worsened(before, band):
        _alert(kpi, reading, before)
    return reading


def _alert(kpi: Kpi, reading: KpiReading, before: str | None) -> None:
    recipients: dict[int, Membership] = {}
    if kpi.owner_id is not None:
        owner = Membership.objects.filter(pk=kpi.owner_id, is_active=True).first()
        if owner is not None:
            recipients[owner.pk] = owner
    if kpi.team_id is not None:
        leads = Membership.objects.filter(
            pk__in=TeamMember.objects.filter(team_id=kpi.team_id, is_lead=True).values("membership_id"),
            is_active=True,
        )
        recipients.update({m.pk: m for m in leads})
    unit = f" {kpi.unit}" if kpi.unit else ""
    was = Band(before).label.lower() if before else "no reading"
    title = f"{kpi.name} is {Band(reading.band).label.lower()}: {_plain(reading.value)}{unit}"
    body = (
        f"{kpi.name} moved from {was} to {Band(reading.band).label.lower()} "
        f"(healthy {_plain(kpi.healthy_threshold)}{unit}, critical {_plain(kpi.critical_threshold)}{unit})."
    )
    drafts = [
        Draft(
            recipient=m,
            kind=Kind.KPI_ALERT,
            key=f"kpi:{kpi.pk}:reading:{reading.pk}",
            title=title,
            body=body,
            url=f"/kpis/{kpi.pk}/",
            data={"kpi_id": kpi.pk, "reading_id": reading.pk, "band": reading.band, "was": before},
        )
        for m in recipients.values()
    ]
    produce(drafts, now=timezone.now())


def _plain(value: Decimal) -> str:
    return plain_number(value)


@transaction.atomic
def kpi_record_reading(
    *, actor: Membership, kpi: Kpi, value: Any, note: str = "", at: dt.datetime | None = None
) -> KpiReading:
    """Append a reading (now, or back-dated with ``at``: history only unless it is the newest)."""
    require_same_org(actor, kpi.organisation_id)
    require_writer(actor)
    if not (kpi.owner_id == actor.pk or can_manage(actor, kpi.team_id)):
        raise PermissionDenied(RECORD_DENIED)
    lock_and_refresh(kpi)
    _require_live(kpi)
    number = to_decimal(value, field="value", label="value", required=True)
    assert number is not None
    note = clean_text(note, field="note", max_length=MAX_LONG_TEXT)
    now = timezone.now()
    at = at or now
    if at > now + dt.timedelta(minutes=5):
        raise ValidationError({"recorded_at": "A reading cannot be dated in the future."})
    reading = _store(kpi, value=number, note=note, author=actor, at=at, check_in=None)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.KPI_READING,
        obj=kpi,
        changes={"value": str(number), "band": reading.band, "reading": reading.pk},
    )
    return reading


def record_from_check_in(link: KpiLink, check_in: CheckIn) -> KpiReading | None:
    """The reading a check-in on a linked key result makes (called by ``sync`` inside its
    transaction); None when the check-in has no value or already made its reading."""
    if check_in.value is None or KpiReading.objects.filter(check_in_id=check_in.pk).exists():
        return None
    kpi = Kpi.objects.select_for_update().get(pk=link.kpi_id)
    if kpi.is_archived:
        return None
    note = f"From a check-in on “{check_in.key_result.title}”." + (f" {check_in.note}" if check_in.note else "")
    reading = _store(
        kpi,
        value=check_in.value,
        note=note[:MAX_LONG_TEXT],
        author=check_in.author,
        at=check_in.created_at,
        check_in=check_in,
    )
    audit_record(
        actor=check_in.author,
        organisation=kpi.organisation,
        action=AuditAction.KPI_READING,
        obj=kpi,
        changes={"value": str(check_in.value), "band": reading.band, "reading": reading.pk, "check_in": check_in.pk},
    )
    return reading


# --- Links to key results ------------------------------------------------------------------------


@transaction.atomic
def kpi_link(*, actor: Membership, kpi: Kpi, key_result: KeyResult) -> KpiLink:
    """From now on, ``key_result``'s check-ins become readings of ``kpi`` (earlier ones do not)."""
    require_same_org(actor, kpi.organisation_id)
    require_same_org(actor, key_result.organisation_id)
    _require_manage(actor, kpi.team_id)
    _require_live(kpi)
    if key_result.kind not in LINKABLE_KINDS:
        raise ValidationError({"key_result": "Only a key result measured as a number can feed a KPI."})
    existing = KpiLink.objects.filter(key_result=key_result).select_related("kpi").first()
    if existing is not None:
        raise Conflict(
            f"“{key_result.title}” already feeds “{existing.kpi.name}”: unlink it there first.", field="key_result"
        )
    last = CheckIn.objects.filter(key_result=key_result).order_by("-pk").values_list("pk", flat=True).first()
    link = KpiLink.objects.create(organisation_id=kpi.organisation_id, kpi=kpi, key_result=key_result, cursor=last or 0)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.KPI_UPDATE,
        obj=kpi,
        changes={"linked_key_result": [None, key_result.pk]},
    )
    return link


@transaction.atomic
def kpi_unlink(*, actor: Membership, link: KpiLink) -> None:
    require_same_org(actor, link.organisation_id)
    kpi = link.kpi
    _require_manage(actor, kpi.team_id)
    key_result_id = link.key_result_id
    link.delete()
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.KPI_UPDATE,
        obj=kpi,
        changes={"linked_key_result": [key_result_id, None]},
    )
