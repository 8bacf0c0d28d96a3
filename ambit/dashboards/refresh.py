"""The dashboards' kept views, as the background worker finds them again (``kept.register``)."""

from __future__ import annotations

import datetime as dt

from ambit.accounts.models import Membership, Team
from ambit.dashboards import kept, scoped, selectors
from ambit.okrs.models import Cycle


def _viewer_and_cycle(membership_id: int, cycle_id: int) -> tuple[Membership, Cycle] | None:
    actor = Membership.objects.select_related("organisation", "user").filter(pk=membership_id, is_active=True).first()
    if actor is None:
        return None
    cycle = Cycle.objects.filter(organisation_id=actor.organisation_id, pk=cycle_id).first()
    return None if cycle is None else (actor, cycle)


def organisation(
    membership_id: int, cycle_id: int, subject_id: int | None, day: dt.date | None
) -> kept.Resolved | None:
    found = _viewer_and_cycle(membership_id, cycle_id)
    if found is None:
        return None
    actor, cycle = found
    as_of = selectors.dashboard_as_of(organisation=actor.organisation, day=day)
    view, compute = selectors.organisation_view(actor, cycle, as_of)

    def warm(summary: selectors.DashboardSummary) -> None:
        from ambit.dashboards.views import summary_parts

        summary_parts(actor, cycle, as_of, summary)

    return kept.Resolved(actor.organisation_id, view, selectors.cache_seconds(as_of), compute, warm)


def team(membership_id: int, cycle_id: int, subject_id: int | None, day: dt.date | None) -> kept.Resolved | None:
    found = _viewer_and_cycle(membership_id, cycle_id)
    if found is None:
        return None
    actor, cycle = found
    subject = Team.objects.filter(organisation_id=actor.organisation_id, pk=subject_id or 0).first()
    if subject is None:
        return None
    as_of = selectors.dashboard_as_of(organisation=actor.organisation, day=day)
    view, compute = scoped.team_view(actor, subject, cycle, as_of)

    def warm(summary: scoped.TeamSummary) -> None:
        from ambit.dashboards.views_scoped import team_parts

        team_parts(cycle, as_of, summary, shown={"heat_tree", "discipline_people"})

    return kept.Resolved(actor.organisation_id, view, selectors.cache_seconds(as_of), compute, warm)


def person(membership_id: int, cycle_id: int, subject_id: int | None, day: dt.date | None) -> kept.Resolved | None:
    found = _viewer_and_cycle(membership_id, cycle_id)
    if found is None:
        return None
    actor, cycle = found
    member = (
        Membership.objects.select_related("user")
        .filter(organisation_id=actor.organisation_id, pk=subject_id or 0)
        .first()
    )
    if member is None:
        return None
    as_of = selectors.dashboard_as_of(organisation=actor.organisation, day=day)
    view, compute = scoped.person_view(actor, member, cycle, as_of)
    return kept.Resolved(actor.organisation_id, view, selectors.cache_seconds(as_of), compute)


def register() -> None:
    kept.register("organisation", organisation)
    kept.register("team", team)
    kept.register("person", person)
