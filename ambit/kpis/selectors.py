"""Reads of KPIs, always scoped to the acting member's organisation (another's ids: 404)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from ambit.accounts.models import Membership, Team
from ambit.kpis.models import Kpi, KpiLink, KpiReading
from ambit.kpis.services import LINKABLE_KINDS
from ambit.okrs import engine
from ambit.okrs.models import CycleState, KeyResult, KeyResultState, ObjectiveState

RECENT = 12  # readings per KPI on a board's sparkline


def kpi_queryset(actor: Membership) -> QuerySet[Kpi]:
    return Kpi.objects.filter(organisation_id=actor.organisation_id).select_related("team", "owner__user")


def kpi_list(
    *, actor: Membership, team: Team | None = None, company_only: bool = False, archived: bool = False
) -> QuerySet[Kpi]:
    """The organisation's KPIs (of one team, or the company's alone), live ones unless ``archived``."""
    qs = kpi_queryset(actor).filter(archived_at__isnull=not archived)
    if team is not None:
        qs = qs.filter(team=team)
    elif company_only:
        qs = qs.filter(team__isnull=True)
    return qs.order_by("name", "pk")


def kpi_get(*, actor: Membership, kpi_id: int) -> Kpi:
    kpi = kpi_queryset(actor).filter(pk=kpi_id).first()
    if kpi is None:
        raise Http404("No such KPI.")
    return kpi


def team_by_slug(*, actor: Membership, slug: str) -> Team:
    team = Team.objects.filter(organisation_id=actor.organisation_id, slug=slug).first()
    if team is None:
        raise Http404("No such team.")
    return team


def teams(*, actor: Membership) -> list[Team]:
    return list(Team.objects.filter(organisation_id=actor.organisation_id, archived_at__isnull=True).order_by("name"))


def people(*, actor: Membership) -> list[Membership]:
    return list(
        Membership.objects.filter(organisation_id=actor.organisation_id, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def readings(*, kpi: Kpi) -> QuerySet[KpiReading]:
    """The KPI's readings, oldest first (append-only history)."""
    return KpiReading.objects.filter(kpi=kpi, organisation_id=kpi.organisation_id).select_related("author__user")


def recent_readings(kpis: Sequence[Kpi], count: int = RECENT) -> dict[int, list[KpiReading]]:
    """The last ``count`` readings of each KPI, oldest first, in one query."""
    if not kpis:
        return {}
    rows = (
        KpiReading.objects.filter(kpi_id__in=[k.pk for k in kpis])
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("kpi_id")], order_by=[F("recorded_at").desc(), F("id").desc()])
        )
        .filter(rank__lte=count)
        .only("id", "kpi_id", "value", "recorded_at", "band")
        .order_by("kpi_id", "recorded_at", "id")
    )
    out: dict[int, list[KpiReading]] = {k.pk: [] for k in kpis}
    for r in rows:
        out[r.kpi_id].append(r)
    return out


def links(*, kpi: Kpi) -> list[KpiLink]:
    return list(
        KpiLink.objects.filter(kpi=kpi, organisation_id=kpi.organisation_id).select_related(
            "key_result__objective__cycle"
        )
    )


def link_get(*, actor: Membership, kpi: Kpi, link_id: int) -> KpiLink:
    link = (
        KpiLink.objects.filter(pk=link_id, kpi=kpi, organisation_id=actor.organisation_id).select_related("kpi").first()
    )
    if link is None:
        raise Http404("No such link.")
    return link


def linkable_key_results(*, actor: Membership) -> QuerySet[KeyResult]:
    """Key results of the organisation that can feed a KPI: numeric, active, in a live objective of
    an open cycle, not linked yet."""
    return (
        KeyResult.objects.filter(
            organisation_id=actor.organisation_id,
            kind__in=LINKABLE_KINDS,
            state=KeyResultState.ACTIVE,
            kpi_link__isnull=True,
        )
        .exclude(objective__state__in=[ObjectiveState.CANCELLED, ObjectiveState.CLOSED])
        .exclude(objective__cycle__state=CycleState.CLOSED)
        .select_related("objective")
        .order_by("objective__title", "title", "pk")
    )


def key_result_get(*, actor: Membership, key_result_id: int) -> KeyResult:
    kr = KeyResult.objects.filter(pk=key_result_id, organisation_id=actor.organisation_id).first()
    if kr is None:
        raise Http404("No such key result.")
    return kr


@dataclass(frozen=True)
class BoardRow:
    kpi: Kpi
    recent: list[KpiReading]
    stale: bool


def board(kpis: Sequence[Kpi], *, now: dt.datetime) -> list[BoardRow]:
    """Each KPI with its recent readings and whether it is past its update cadence; critical
    first, then watch, then healthy, then never read."""
    recent = recent_readings(kpis)
    order = {engine.KPI_CRITICAL: 0, engine.KPI_WATCH: 1, engine.KPI_HEALTHY: 2, "": 3}
    rows = [BoardRow(k, recent[k.pk], engine.kpi_is_stale(k.last_reading_at, k.cadence_days, now)) for k in kpis]
    return sorted(rows, key=lambda r: (order.get(r.kpi.current_band, 3), r.kpi.name.lower(), r.kpi.pk))
