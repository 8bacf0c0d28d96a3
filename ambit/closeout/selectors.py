"""Reads of the quarter's close-out, scoped to the acting member's organisation (another
organisation's cycle is a 404, like an unknown id).

What counts: the key results that are not cancelled, in the cycle's objectives that are active or
closed (drafts, proposals and cancelled objectives were never committed to). The same set feeds
the scoring page, the leads' view, the reminders and the close checklist.

Numbers (progress, suggested score, verdict, objective score) come from ``ambit.okrs.metrics``.
The rules the pages show as buttons (``can_*``) are the ones the services enforce."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from ambit.accounts.models import Membership, Team, TeamMember
from ambit.core.permissions import can_check_in, can_edit_objective
from ambit.okrs import engine
from ambit.okrs.metrics import KRMetrics, ObjectiveMetrics, compute_metrics
from ambit.okrs.models import CheckIn, Cycle, CycleState, KeyResult, KeyResultState, Objective, ObjectiveState
from ambit.okrs.selectors import cycle_get, key_results_prefetch, objective_base
from ambit.retros.selectors import ReflectionProgress, reflection_progress
from ambit.rollover.selectors import rollover_decided

COUNTED_STATES = (ObjectiveState.ACTIVE, ObjectiveState.CLOSED)
MET = (engine.VERDICT_MET, engine.VERDICT_SUCCESS)
PARTIAL = (engine.VERDICT_PARTIAL,)


def scoring_cycle(*, actor: Membership, cycle_id: int) -> Cycle:
    """The cycle, in the actor's organisation (404 otherwise)."""
    return cycle_get(actor=actor, cycle_id=cycle_id)


def counted_key_results(cycle: Cycle) -> QuerySet[KeyResult]:
    """The key results that must carry a score before the cycle closes."""
    return KeyResult.objects.filter(
        objective__cycle_id=cycle.pk, objective__state__in=COUNTED_STATES, state=KeyResultState.ACTIVE
    )


def display_name(member: Membership) -> str:
    return str(member.user.get_full_name() or member.user.email)


# --- The owner's scoring sheet ----------------------------------------------------------------


@dataclass
class KRRow:
    key_result: KeyResult
    metrics: KRMetrics
    can_score: bool
    confidences: list[int] = field(default_factory=list)
    last: dict[str, Any] | None = None  # the final check-in: created_at, value, confidence, note

    @property
    def recorded(self) -> float | None:
        return self.key_result.score

    @property
    def suggested(self) -> float:
        return self.metrics.suggested_score


@dataclass
class ObjectiveRow:
    objective: Objective
    metrics: ObjectiveMetrics
    can_score: bool
    krs: list[KRRow]


def _history(key_result_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each key result's check-ins, oldest first (one query)."""
    out: dict[int, list[dict[str, Any]]] = {pk: [] for pk in key_result_ids}
    if not key_result_ids:
        return out
    rows = (
        CheckIn.objects.filter(key_result_id__in=key_result_ids)
        .order_by("key_result_id", "created_at", "id")
        .values("key_result_id", "created_at", "value", "confidence", "note")
    )
    for row in rows:
        out[row["key_result_id"]].append(dict(row))
    return out


def scoring_sheet(*, actor: Membership, cycle: Cycle, now: dt.datetime | None = None) -> list[ObjectiveRow]:
    """The actor's OKRs in ``cycle``: the objectives they own (every key result in them) and the
    key results they own in other objectives they may see, with the engine's numbers, the
    confidence history and the final check-in of each key result."""
    if not actor.is_active or cycle.organisation_id != actor.organisation_id:
        return []
    owns_kr = KeyResult.objects.filter(objective_id=OuterRef("pk"), owner_id=actor.pk, state=KeyResultState.ACTIVE)
    objectives = list(
        objective_base(actor=actor)
        .filter(cycle_id=cycle.pk, state__in=COUNTED_STATES)
        .filter(Q(owner_id=actor.pk) | Q(Exists(owns_kr)))
        .select_related("cycle", "team", "owner__user")
        .prefetch_related(key_results_prefetch())
        .order_by("position", "pk")
    )
    if not objectives:
        return []
    metrics = compute_metrics(organisation=actor.organisation, objectives=objectives, now=now)
    mine = {
        o.pk: [
            kr
            for kr in o.key_results.all()
            if not kr.is_cancelled and (o.owner_id == actor.pk or kr.owner_id == actor.pk)
        ]
        for o in objectives
    }
    history = _history([kr.pk for krs in mine.values() for kr in krs])
    rows = []
    for o in objectives:
        krs = []
        for kr in mine[o.pk]:
            checkins = history[kr.pk]
            krs.append(
                KRRow(
                    key_result=kr,
                    metrics=metrics.kr(kr),
                    can_score=can_check_in(actor, kr, o),
                    confidences=[c["confidence"] for c in checkins],
                    last=checkins[-1] if checkins else None,
                )
            )
        rows.append(ObjectiveRow(o, metrics.objective(o), can_edit_objective(actor, o), krs))
    return rows


def scoring_row(*, actor: Membership, cycle: Cycle, key_result_id: int) -> tuple[ObjectiveRow, KRRow] | None:
    """One key result of the actor's sheet (None when it is not on it)."""
    for row in scoring_sheet(actor=actor, cycle=cycle):
        for kr_row in row.krs:
            if kr_row.key_result.pk == key_result_id:
                return row, kr_row
    return None


def sheet_key_result(*, actor: Membership, cycle: Cycle, key_result_id: int) -> KeyResult | None:
    """A key result of the actor's sheet, loaded for the score service (None when not on it)."""
    found = scoring_row(actor=actor, cycle=cycle, key_result_id=key_result_id)
    return found[1].key_result if found else None


def sheet_objective(*, actor: Membership, cycle: Cycle, objective_id: int) -> Objective | None:
    for row in scoring_sheet(actor=actor, cycle=cycle):
        if row.objective.pk == objective_id:
            return row.objective
    return None


# --- Who has scored: the leads' view and the checklist -----------------------------------------


@dataclass
class OwnerProgress:
    member_id: int
    name: str
    scored: int = 0
    total: int = 0
    can_remind: bool = False

    @property
    def share(self) -> float:
        return self.scored / self.total if self.total else 1.0

    @property
    def late(self) -> bool:
        return self.scored < self.total


@dataclass
class TeamProgress:
    team: Team
    owners: list[OwnerProgress]

    @property
    def scored(self) -> int:
        return sum(o.scored for o in self.owners)

    @property
    def total(self) -> int:
        return sum(o.total for o in self.owners)

    @property
    def share(self) -> float:
        return self.scored / self.total if self.total else 1.0


def viewable_teams(actor: Membership) -> list[Team]:
    """Leads see their teams (and those below), champions and admins every team."""
    qs = Team.objects.filter(organisation_id=actor.organisation_id, archived_at__isnull=True)
    if not actor.is_org_wide_editor:
        qs = qs.filter(pk__in=actor.led_team_ids())
    return list(qs.order_by("name", "pk"))


def _names(member_ids: Iterable[int]) -> dict[int, str]:
    # Unordered: the default ordering (organisation, email) makes SQLite walk every user to
    # answer an id list of thousands (2.5 s at 10,000 people).
    members = Membership.objects.filter(pk__in=set(member_ids)).order_by().select_related("user")
    return {m.pk: display_name(m) for m in members}


def team_scoring(*, actor: Membership, cycle: Cycle) -> list[TeamProgress]:
    """Per team the actor may see: each owner with their key results scored / total (the team's
    objectives, and the individual objectives of its people). A constant number of queries."""
    if not actor.is_active or cycle.organisation_id != actor.organisation_id:
        return []
    teams = viewable_teams(actor)
    if not teams:
        return []
    team_ids = [t.pk for t in teams]
    links = list(TeamMember.objects.filter(team_id__in=team_ids).values_list("team_id", "membership_id"))
    people = TeamMember.objects.filter(team_id__in=team_ids).values("membership_id")
    rows = list(
        counted_key_results(cycle)
        .filter(Q(objective__team_id__in=team_ids) | Q(objective__team__isnull=True, owner_id__in=people))
        .values_list("owner_id", "objective__team_id", "score")
    )
    individual: dict[int, list[tuple[int, float | None]]] = {}
    by_team: dict[int, list[tuple[int, float | None]]] = {pk: [] for pk in team_ids}
    for owner_id, team_id, score in rows:
        if team_id is None:
            individual.setdefault(owner_id, []).append((owner_id, score))
        elif team_id in by_team:
            by_team[team_id].append((owner_id, score))
    for team_id, member_id in links:
        by_team[team_id].extend(individual.get(member_id, []))
    names = _names(owner for items in by_team.values() for owner, _ in items)
    out = []
    for team in teams:
        owners: dict[int, OwnerProgress] = {}
        for owner_id, score in by_team[team.pk]:
            o = owners.setdefault(owner_id, OwnerProgress(owner_id, names.get(owner_id, "")))
            o.total += 1
            o.scored += score is not None
            o.can_remind = can_remind(actor, owner_id)
        if owners:
            out.append(TeamProgress(team, sorted(owners.values(), key=lambda o: (o.name.lower(), o.member_id))))
    return out


def unscored_by_owner(cycle: Cycle) -> dict[int, int]:
    """Every active owner with key results still unscored: membership id → how many (one query)."""
    counts: dict[int, int] = {}
    for owner_id in (
        counted_key_results(cycle).filter(score__isnull=True, owner__is_active=True).values_list("owner_id", flat=True)
    ):
        counts[owner_id] = counts.get(owner_id, 0) + 1
    return counts


# --- The close checklist ----------------------------------------------------------------------


@dataclass
class Missing:
    member_id: int
    name: str
    count: int


@dataclass
class Checklist:
    cycle: Cycle
    scores_total: int
    scores_done: int
    missing: list[Missing]
    reflections: ReflectionProgress
    rollover_done: bool
    rollover_url: str

    @property
    def scores_ready(self) -> bool:
        return self.scores_done == self.scores_total

    @property
    def reflections_ready(self) -> bool:
        r = self.reflections
        return r.objectives_done >= r.objectives_total and r.teams_done >= r.teams_total

    @property
    def ready(self) -> bool:
        return self.scores_ready and self.reflections_ready and self.rollover_done

    def blockers(self) -> list[str]:
        out = []
        if not self.scores_ready:
            n = self.scores_total - self.scores_done
            out.append(f"{n} key result{'' if n == 1 else 's'} still without a score")
        if not self.reflections_ready:
            out.append("reflections not all written")
        if not self.rollover_done:
            out.append("rollover not decided")
        return out


def close_checklist(cycle: Cycle) -> Checklist:
    """The three things done before a cycle closes: every counted key result scored (who is
    missing), reflections written, rollover decided."""
    scores = list(counted_key_results(cycle).values_list("owner_id", "score"))
    counts: dict[int, int] = {}
    for owner_id, score in scores:
        if score is None:
            counts[owner_id] = counts.get(owner_id, 0) + 1
    names = _names(counts)
    missing = sorted(
        (Missing(pk, names.get(pk, ""), n) for pk, n in counts.items()), key=lambda m: (m.name.lower(), m.member_id)
    )
    return Checklist(
        cycle=cycle,
        scores_total=len(scores),
        scores_done=sum(1 for _, s in scores if s is not None),
        missing=missing,
        reflections=reflection_progress(cycle),
        rollover_done=rollover_decided(cycle),
        rollover_url=reverse("rollover:cycle", kwargs={"cycle_id": cycle.pk}),
    )


# --- The results announced at closing ---------------------------------------------------------


def verdict_counts(verdicts: Sequence[str]) -> tuple[int, int, int]:
    """Key results met (met, success), partial, missed (missed, miss)."""
    return (
        sum(v in MET for v in verdicts),
        sum(v in PARTIAL for v in verdicts),
        sum(v not in MET and v not in PARTIAL for v in verdicts),
    )


@dataclass(frozen=True)
class Results:
    score: float | None  # the mean of the objectives' scores (recorded, else suggested)
    objectives: int
    met: int
    partial: int
    missed: int


def cycle_results(cycle: Cycle, now: dt.datetime | None = None) -> Results:
    """The organisation's score and the key results met / partial / missed (verdicts by the engine)."""
    objectives = list(
        Objective.objects.filter(cycle_id=cycle.pk, state__in=COUNTED_STATES)
        .select_related("cycle")
        .prefetch_related(key_results_prefetch())
    )
    metrics = compute_metrics(organisation=cycle.organisation, objectives=objectives, now=now)
    scores: list[float] = []
    verdicts: list[str] = []
    for o in objectives:
        shown = o.score if o.score is not None else metrics.objective(o).suggested_score
        if shown is not None:
            scores.append(shown)
        verdicts += [metrics.kr(kr).verdict for kr in o.key_results.all() if not kr.is_cancelled]
    mean = engine.mean(scores)
    met, partial, missed = verdict_counts(verdicts)
    return Results(
        score=engine.round_half_up(mean, 2) if mean is not None else None,
        objectives=len(objectives),
        met=met,
        partial=partial,
        missed=missed,
    )


# --- Who may do what (the services enforce the same rules) ------------------------------------


def scoring_open(cycle: Cycle) -> bool:
    return cycle.state == CycleState.REVIEW


def can_close(actor: Membership) -> bool:
    """Close a cycle: champions and admins."""
    return actor.can_write and actor.is_org_wide_editor


def can_reopen(actor: Membership) -> bool:
    """Reopen a closed cycle: admins only."""
    return actor.can_write and actor.is_admin


def can_remind(actor: Membership, owner_id: int) -> bool:
    """Remind an owner: champions and admins anyone, team leads the people of their teams."""
    if not actor.can_write:
        return False
    return actor.is_org_wide_editor or owner_id in actor.led_member_ids()


def can_see_teams(actor: Membership) -> bool:
    return actor.is_active and (actor.is_org_wide_editor or bool(actor.led_team_ids()))
