"""Cycles from the charter's calendar: the fiscal-year start and cycle cadence decide the periods
(``engine.periods``); these create the next one, inside its annual cycle, through ``cycle_create``."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import transaction
from django.utils import timezone

from ambit.accounts.models import Membership, Organisation
from ambit.accounts.setup_hooks import PeriodChoice
from ambit.core.errors import Conflict
from ambit.okrs.engine.periods import Period, period_after, period_containing
from ambit.okrs.models import Cycle, CycleKind, CycleState
from ambit.okrs.services.cycles import cycle_create


def organisation_today(organisation: Organisation) -> dt.date:
    try:
        zone = zoneinfo.ZoneInfo(organisation.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return timezone.localdate(timezone=zone)


def charter_periods(organisation: Organisation, today: dt.date | None = None) -> dict[str, Period]:
    """The period running today and the one after it, per the charter."""
    today = today or organisation_today(organisation)
    month, cadence = organisation.fiscal_year_start_month, organisation.cycle_cadence
    return {"current": period_containing(today, month, cadence), "next": period_after(today, month, cadence)}


def next_period_to_plan(organisation: Organisation, today: dt.date | None = None) -> Period:
    """The first charter period after the latest quarter or custom cycle (today's when none is later)."""
    today = today or organisation_today(organisation)
    month, cadence = organisation.fiscal_year_start_month, organisation.cycle_cadence
    last_end = (
        Cycle.objects.filter(organisation_id=organisation.pk)
        .exclude(kind=CycleKind.ANNUAL)
        .order_by("-end_date")
        .values_list("end_date", flat=True)
        .first()
    )
    if last_end is None or last_end < today:
        return period_containing(today, month, cadence)
    return period_after(last_end, month, cadence)


@transaction.atomic
def cycle_create_for_period(*, actor: Membership, period: Period, state: str = CycleState.PLANNING) -> Cycle:
    """Create ``period``'s cycle, with its annual cycle when that is missing (refused when a cycle
    of that name exists)."""
    org_id = actor.organisation_id
    if Cycle.objects.filter(organisation_id=org_id, name__iexact=period.name).exists():
        raise Conflict(f"A cycle named “{period.name}” already exists.", field="cycle")
    annual = Cycle.objects.filter(organisation_id=org_id, kind=CycleKind.ANNUAL, name__iexact=period.year_name).first()
    if annual is None:
        annual = cycle_create(
            actor=actor,
            name=period.year_name,
            kind=CycleKind.ANNUAL,
            start_date=period.year_start,
            end_date=period.year_end,
            state=state,
        )
    if not (annual.start_date <= period.start and period.end <= annual.end_date):
        annual = None  # an annual cycle of that name with other dates: leave the period on its own
    kind = CycleKind.QUARTER if actor.organisation.cycle_cadence == "quarterly" else CycleKind.CUSTOM
    return cycle_create(
        actor=actor,
        name=period.name,
        kind=kind,
        parent=annual,
        start_date=period.start,
        end_date=period.end,
        state=state,
    )


class CharterCyclePlanner:
    """What ``accounts.setup_hooks`` asks of okrs (registered in ``OkrsConfig.ready``)."""

    def choices(self, organisation: Organisation) -> list[PeriodChoice]:
        periods = charter_periods(organisation)
        existing = {
            n.lower()
            for n in Cycle.objects.filter(
                organisation_id=organisation.pk, name__in=[p.name for p in periods.values()]
            ).values_list("name", flat=True)
        }
        return [
            PeriodChoice(
                key,
                p.name,
                f"{p.name} ({p.start.day} {p.start:%b %Y} – {p.end.day} {p.end:%b %Y})",
                p.name.lower() in existing,
            )
            for key, p in periods.items()
        ]

    def create(self, actor: Membership, key: str) -> str:
        periods = charter_periods(actor.organisation)
        if key not in periods:
            raise Conflict("Choose the current or the next period.", field="period")
        return cycle_create_for_period(actor=actor, period=periods[key]).name

    def cycle_count(self, organisation: Organisation) -> int:
        return Cycle.objects.filter(organisation_id=organisation.pk).exclude(kind=CycleKind.ANNUAL).count()


def next_cycle_initial(actor: Membership) -> dict[str, object]:
    """The cycle form's starting values: the next charter period to plan, inside its annual cycle."""
    period = next_period_to_plan(actor.organisation)
    annual = (
        Cycle.objects.filter(
            organisation_id=actor.organisation_id, kind=CycleKind.ANNUAL, name__iexact=period.year_name
        )
        .values_list("pk", flat=True)
        .first()
    )
    kind = CycleKind.QUARTER if actor.organisation.cycle_cadence == "quarterly" else CycleKind.CUSTOM
    # ISO strings: a date input only shows a value in that form (a date would be localised).
    return {
        "name": period.name,
        "kind": kind,
        "parent": annual,
        "start_date": period.start.isoformat(),
        "end_date": period.end.isoformat(),
    }
