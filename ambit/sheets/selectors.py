"""Reads for the planning workbook, scoped to the acting membership through the okrs/accounts
selectors, in a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404

from ambit.accounts.models import Membership, Team
from ambit.accounts.selectors import membership_list, team_list
from ambit.okrs.models import Alignment, Cycle, KeyResult, Objective, ObjectiveState
from ambit.okrs.selectors import objective_base, objective_list
from ambit.sheets.models import ImportJob, ImportJobState
from ambit.strategy.models import BigMove
from ambit.strategy.selectors import big_move_list


@dataclass
class SheetData:
    """What the workbook shows: objectives with their live key results and visible parents."""

    cycle: Cycle
    team: Team | None
    objectives: list[Objective]
    key_results: dict[int, list[KeyResult]]
    parents: dict[int, list[Objective]]


@dataclass
class SheetLists:
    teams: list[Team]
    people: list[Membership]
    themes: list[BigMove]
    parents_available: list[Objective]
    team_leads: dict[int, Membership] = field(default_factory=dict)


def visible_parents(*, actor: Membership, child_ids: list[int]) -> dict[int, list[Objective]]:
    """Parents of ``child_ids`` the actor may see, in alignment order: one query."""
    out: dict[int, list[Objective]] = {i: [] for i in child_ids}
    if not child_ids:
        return out
    visible = objective_base(actor=actor).filter(child_links__child_id__in=child_ids).values("pk")
    links = (
        Alignment.objects.filter(child_id__in=child_ids, parent_id__in=visible).select_related("parent").order_by("id")
    )
    for link in links:
        out[link.child_id].append(link.parent)
    return out


def sheet_data(*, actor: Membership, cycle: Cycle, team: Team | None = None) -> SheetData:
    objectives = list(objective_list(actor=actor, cycle=cycle, team=team).exclude(state=ObjectiveState.CANCELLED))
    key_results = {o.pk: [kr for kr in o.key_results.all() if not kr.is_cancelled] for o in objectives}
    parents = visible_parents(actor=actor, child_ids=[o.pk for o in objectives])
    return SheetData(cycle=cycle, team=team, objectives=objectives, key_results=key_results, parents=parents)


def parent_candidates(*, actor: Membership, cycle: Cycle) -> list[Objective]:
    """Objectives a row may align to: live ones of this cycle and of the annual cycle around it."""
    cycles = Q(cycle=cycle) | (Q(cycle_id=cycle.parent_id) if cycle.parent_id else Q(pk__in=[]))
    return list(
        objective_base(actor=actor)
        .filter(cycles)
        .exclude(state=ObjectiveState.CANCELLED)
        .select_related("team", "cycle")
        .order_by("cycle__start_date", "position", "id")
    )


def sheet_lists(*, actor: Membership, cycle: Cycle) -> SheetLists:
    teams = list(team_list(actor=actor).prefetch_related("team_members__membership__user").order_by("name"))
    leads: dict[int, Membership] = {}
    for t in teams:
        for tm in t.team_members.all():
            if tm.is_lead and t.pk not in leads:
                leads[t.pk] = tm.membership
    people = list(membership_list(actor=actor).order_by("user__email"))
    themes = list(big_move_list(actor=actor))
    return SheetLists(
        teams=teams,
        people=people,
        themes=themes,
        parents_available=parent_candidates(actor=actor, cycle=cycle),
        team_leads=leads,
    )


@dataclass
class ImportContext:
    """Every look-up the importer needs, loaded once so validating 5,000 rows costs no more
    queries than validating one."""

    teams_by_slug: dict[str, Team]
    people_by_email: dict[str, Membership]
    themes_by_title: dict[str, BigMove]
    objectives: dict[int, Objective]
    key_results: dict[int, KeyResult]
    parents: dict[int, list[Objective]]
    candidates_by_id: dict[int, Objective]
    candidates_by_title: dict[str, list[Objective]]


def import_context(*, actor: Membership, cycle: Cycle) -> ImportContext:
    teams = {t.slug.lower(): t for t in team_list(actor=actor)}
    people = {
        m.user.email.lower(): m for m in membership_list(actor=actor, include_inactive=True).select_related("user")
    }
    themes = {b.title.strip().lower(): b for b in big_move_list(actor=actor, include_archived=True)}
    visible = objective_list(actor=actor, cycle=cycle, with_key_results=False)
    objectives = {o.pk: o for o in visible}
    # Milestones and check-in plans (which objective_list prefetches) are not in the sheet.
    key_results = {
        kr.pk: kr for kr in KeyResult.objects.filter(objective__in=visible.values("pk")).select_related("owner__user")
    }
    for kr in key_results.values():
        # Services read kr.objective; the prefetch already holds it.
        kr.objective = objectives[kr.objective_id]
    parents = visible_parents(actor=actor, child_ids=list(objectives))
    candidates = parent_candidates(actor=actor, cycle=cycle)
    by_title: dict[str, list[Objective]] = {}
    for c in candidates:
        by_title.setdefault(c.title.strip().lower(), []).append(c)
    return ImportContext(
        teams_by_slug=teams,
        people_by_email=people,
        themes_by_title=themes,
        objectives=objectives,
        key_results=key_results,
        parents=parents,
        candidates_by_id={c.pk: c for c in candidates},
        candidates_by_title=by_title,
    )


def import_job_get(*, actor: Membership, job_id: int) -> ImportJob:
    """The actor's own import job: the report can name objectives only its uploader may see, so
    anyone else, in this organisation or another, gets 404."""
    job = (
        ImportJob.objects.select_related("cycle", "source", "apply_job")
        .filter(pk=job_id, organisation_id=actor.organisation_id, membership=actor)
        .first()
    )
    if job is None:
        raise Http404("No such import.")
    return job


def import_job_for_token(*, actor: Membership, cycle: Cycle, token: str) -> ImportJob | None:
    """The finished dry run that stored the upload ``token``, which an apply confirms."""
    return (
        ImportJob.objects.filter(
            organisation_id=actor.organisation_id,
            membership=actor,
            cycle=cycle,
            token=token,
            dry_run=True,
            state=ImportJobState.DONE,
        )
        .order_by("-id")
        .first()
    )
