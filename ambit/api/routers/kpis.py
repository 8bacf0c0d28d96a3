"""KPIs: lasting health metrics (issue 16), their readings, through the same services as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ambit.accounts import selectors as acc
from ambit.api.common import actor_of, changed, resolve, resolve_optional
from ambit.api.key_result_in import Unit
from ambit.api.schemas import Id, LongText, Number, PageQuery, Title, as_page, page_of, paginate, reads, writes
from ambit.kpis import selectors as sel
from ambit.kpis import services
from ambit.kpis.models import Kpi, KpiReading

router = Router(tags=["kpis"])

Direction = Literal["higher", "lower"]
Cadence = Literal["weekly", "monthly"]
BandOut = Literal["healthy", "watch", "critical", ""]


class KpiOut(Schema):
    id: int
    name: str
    description: str
    team_id: int | None = Field(description="Null for a company KPI.")
    owner_id: int | None
    unit: str
    direction: Direction = Field(description="Which way is better.")
    healthy_threshold: float = Field(description="At or past this value (in the better direction): healthy.")
    critical_threshold: float = Field(description="At or past this value (in the worse direction): critical.")
    cadence: Cadence
    current_value: float | None
    band: BandOut = Field(description="The band of the latest reading; empty before the first.")
    last_reading_at: dt.datetime | None = Field(description="When the latest reading was taken, or null.")
    archived: bool


class KpiFilter(Schema):
    team_id: Id | None = Field(None, description="Only this team's KPIs.")
    company: bool = Field(False, description="Only company KPIs (no team).")
    archived: bool = Field(False, description="Archived KPIs instead of live ones.")


class KpiIn(Schema):
    name: Title
    description: LongText = ""
    team_id: Id | None = Field(None, description="Omit for a company KPI.")
    owner_id: Id | None = Field(None, description="Default: the caller.")
    unit: Unit = ""
    direction: Direction = "higher"
    healthy_threshold: Number
    critical_threshold: Number
    cadence: Cadence = "weekly"


class KpiPatch(Schema):
    name: Title | None = None
    description: LongText | None = None
    team_id: Id | None = None
    owner_id: Id | None = None
    unit: Unit | None = None
    direction: Direction | None = None
    healthy_threshold: Number | None = None
    critical_threshold: Number | None = None
    cadence: Cadence | None = None


class KpiReadingOut(Schema):
    id: int
    kpi_id: int
    value: float
    band: Literal["healthy", "watch", "critical"]
    note: str
    author_id: int | None
    recorded_at: dt.datetime
    check_in_id: int | None = Field(description="The check-in of a linked key result it came from, if any.")


class KpiReadingIn(Schema):
    value: Number
    note: LongText = ""


def kpi_out(k: Kpi) -> dict[str, Any]:
    return {
        "id": k.pk,
        "name": k.name,
        "description": k.description,
        "team_id": k.team_id,
        "owner_id": k.owner_id,
        "unit": k.unit,
        "direction": k.direction,
        "healthy_threshold": float(k.healthy_threshold),
        "critical_threshold": float(k.critical_threshold),
        "cadence": k.cadence,
        "current_value": None if k.current_value is None else float(k.current_value),
        "band": k.current_band,
        "last_reading_at": k.last_reading_at,
        "archived": k.archived_at is not None,
    }


def reading_out(r: KpiReading) -> dict[str, Any]:
    return {
        "id": r.pk,
        "kpi_id": r.kpi_id,
        "value": float(r.value),
        "band": r.band,
        "note": r.note,
        "author_id": r.author_id,
        "recorded_at": r.recorded_at,
        "check_in_id": r.check_in_id,
    }


@router.get("/kpis", response=reads(page_of(KpiOut)), operation_id="kpi_list")
def kpi_list(request: HttpRequest, filters: Query[KpiFilter], page: Query[PageQuery]) -> Any:
    """The organisation's KPIs (one team's, or the company's alone), by id."""
    actor = actor_of(request)
    team = resolve_optional("team_id", filters.team_id, acc.team_get, actor=actor, team_id=filters.team_id)
    rows, nxt = paginate(
        sel.kpi_list(actor=actor, team=team, company_only=filters.company, archived=filters.archived), page
    )
    return as_page([kpi_out(k) for k in rows], nxt)


@router.get("/kpis/{kpi_id}", response=reads(KpiOut), operation_id="kpi_get")
def kpi_get(request: HttpRequest, kpi_id: Id) -> Any:
    """One KPI with its latest value and band (its readings: `GET /kpis/{kpi_id}/readings`)."""
    return kpi_out(sel.kpi_get(actor=actor_of(request), kpi_id=kpi_id))


@router.post("/kpis", response=writes(KpiOut, 201), operation_id="kpi_create")
def kpi_create(request: HttpRequest, payload: KpiIn) -> Any:
    """Create a KPI: champions and admins any, team leads their teams'. Thresholds must suit the
    direction (higher is better: healthy ≥ critical; lower is better: healthy ≤ critical)."""
    actor = actor_of(request)
    team = resolve_optional("team_id", payload.team_id, acc.team_get, actor=actor, team_id=payload.team_id)
    owner = resolve_optional(
        "owner_id", payload.owner_id, acc.membership_get, actor=actor, membership_id=payload.owner_id
    )
    kpi = services.kpi_create(
        actor=actor,
        name=payload.name,
        description=payload.description,
        team=team,
        owner=owner,
        unit=payload.unit,
        direction=payload.direction,
        healthy_threshold=payload.healthy_threshold,
        critical_threshold=payload.critical_threshold,
        cadence=payload.cadence,
    )
    return Status(201, kpi_out(kpi))


@router.patch("/kpis/{kpi_id}", response=writes(KpiOut), operation_id="kpi_update")
def kpi_update(request: HttpRequest, kpi_id: Id, payload: KpiPatch) -> Any:
    """Change a KPI (send only the fields that change; `team_id: null` makes it a company KPI)."""
    actor = actor_of(request)
    kpi = sel.kpi_get(actor=actor, kpi_id=kpi_id)
    fields = changed(payload)
    if "team_id" in fields:
        team_id = fields.pop("team_id")
        fields["team"] = resolve_optional("team_id", team_id, acc.team_get, actor=actor, team_id=team_id)
    if "owner_id" in fields:
        owner_id = fields.pop("owner_id")
        fields["owner"] = resolve_optional(
            "owner_id", owner_id, acc.membership_get, actor=actor, membership_id=owner_id
        )
    return kpi_out(services.kpi_update(actor, kpi, **fields))


@router.get("/kpis/{kpi_id}/readings", response=reads(page_of(KpiReadingOut)), operation_id="kpi_reading_list")
def kpi_reading_list(request: HttpRequest, kpi_id: Id, page: Query[PageQuery]) -> Any:
    """The KPI's readings, by id (append-only)."""
    actor = actor_of(request)
    kpi = sel.kpi_get(actor=actor, kpi_id=kpi_id)
    rows, nxt = paginate(sel.readings(kpi=kpi), page)
    return as_page([reading_out(r) for r in rows], nxt)


@router.post("/kpis/{kpi_id}/readings", response=writes(KpiReadingOut, 201), operation_id="kpi_reading_create")
def kpi_reading_create(request: HttpRequest, kpi_id: Id, payload: KpiReadingIn) -> Any:
    """Record a reading: the KPI's owner, its team's lead, or a champion. A reading that moves the
    KPI out of its healthy band (or from watch to critical) alerts its owner and team leads."""
    actor = actor_of(request)
    kpi = resolve("kpi_id", sel.kpi_get, actor=actor, kpi_id=kpi_id)
    reading = services.kpi_record_reading(actor=actor, kpi=kpi, value=payload.value, note=payload.note)
    return Status(201, reading_out(reading))
