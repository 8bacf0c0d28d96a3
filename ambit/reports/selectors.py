"""Reads behind the report's pages, downloads and API: the cycle and team a request names,
scoped to the acting member's organisation (another organisation's is a 404, like a wrong id),
and the report page's summary, kept in the cache until the organisation's data moves."""

from __future__ import annotations

import dataclasses
import zoneinfo

from django.core.cache import cache
from django.utils import timezone

from ambit.accounts.models import Membership, Organisation, Team
from ambit.accounts.selectors import team_get
from ambit.dashboards.selectors import visibility_fingerprint
from ambit.okrs.data_version import data_version
from ambit.okrs.models import Cycle
from ambit.okrs.selectors import cycle_get
from ambit.reports.data import CycleReport, cycle_report_data

SUMMARY_CACHE_PREFIX = "ambit:reports:summary:v1"
SUMMARY_CACHE_SECONDS = 10 * 60


def report_scope(*, actor: Membership, cycle_id: int, team_slug: str | None = None) -> tuple[Cycle, Team | None]:
    """The cycle (404 outside the actor's organisation) and the team named by its slug, if any."""
    cycle = cycle_get(actor=actor, cycle_id=cycle_id)
    cycle._state.fields_cache["organisation"] = actor.organisation  # the same row: no query
    team = team_get(actor=actor, slug=team_slug) if team_slug else None
    return cycle, team


def scope_by_names(
    *, organisation_slug: str, cycle_name: str, team_slug: str | None = None
) -> tuple[Cycle, Team | None]:
    """For the command: the organisation by slug, its cycle by name (any case), its team by slug.
    Raises ``LookupError`` with a message naming what is missing and what exists."""
    org = Organisation.objects.filter(slug=organisation_slug).first()
    if org is None:
        raise LookupError(f"No organisation with the slug “{organisation_slug}”.")
    cycle = Cycle.objects.filter(organisation=org, name__iexact=cycle_name.strip()).first()
    if cycle is None:
        names = ", ".join(Cycle.objects.filter(organisation=org).order_by("start_date").values_list("name", flat=True))
        raise LookupError(f"{org.name} has no cycle named “{cycle_name}”. Its cycles: {names or 'none yet'}.")
    cycle._state.fields_cache["organisation"] = org
    team = None
    if team_slug:
        team = Team.objects.filter(organisation=org, slug=team_slug).first()
        if team is None:
            raise LookupError(f"{org.name} has no team with the slug “{team_slug}”.")
    return cycle, team


def report_summary(*, actor: Membership, cycle: Cycle, team: Team | None) -> CycleReport:
    """The report page's content (``cycle_report_data(..., full=False)`` without its objective
    rows), as ``actor`` sees it. A large organisation's takes seconds to gather, so it is kept
    under the organisation's data version (any write moves it), the objectives the actor may see
    (``dashboards.selectors.visibility_fingerprint``) and the day: two small queries on a hit."""
    version = data_version(organisation_id=actor.organisation_id).token
    seen = visibility_fingerprint(actor=actor, cycle=cycle)
    day = timezone.localdate(timezone=zoneinfo.ZoneInfo(actor.organisation.time_zone or "UTC")).isoformat()
    key = f"{SUMMARY_CACHE_PREFIX}:{actor.organisation_id}:{cycle.pk}:{team.pk if team else 0}:{seen}:{day}:{version}"
    kept = cache.get(key)
    if isinstance(kept, CycleReport):
        return dataclasses.replace(kept, viewer_name=str(actor.user.get_full_name() or actor.user.email))
    report = cycle_report_data(cycle, team=team, viewer=actor, full=False)
    cache.set(key, dataclasses.replace(report, objectives=[]), SUMMARY_CACHE_SECONDS)
    return report
