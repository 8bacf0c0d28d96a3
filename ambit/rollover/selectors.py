"""Reads for rollover (issue 17). ``rollover_decided`` is the contract closeout's checklist uses.

Everything a member reads goes through ``ambit.okrs.selectors`` (their organisation, and the
objectives their visibility lets through); progress and status come from
``ambit.okrs.metrics.compute_metrics``, never recomputed here. The rules the page shows as
checkboxes and buttons (``can_*``) are the ones the services enforce.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q

from ambit.accounts.models import TeamMember
from ambit.okrs.metrics import KRMetrics, ObjectiveMetrics, compute_metrics
from ambit.okrs.models import Cycle, CycleState, KeyResult, KeyResultKind, Objective
from ambit.okrs.selectors import cycle_list, objective_base, objective_list
from ambit.rollover.models import RolloverDecision

if TYPE_CHECKING:
    from ambit.accounts.models import Membership

UNFINISHED = 1.0  # the default threshold: every objective not yet done


def rollover_decided(cycle: Cycle) -> bool:
    """True once someone has rolled OKRs out of this cycle or recorded that none will be."""
    return RolloverDecision.objects.filter(cycle_id=cycle.pk).exists()


def decision_for(*, actor: Membership, cycle: Cycle) -> RolloverDecision | None:
    if cycle.organisation_id != actor.organisation_id:
        return None
    return RolloverDecision.objects.filter(cycle_id=cycle.pk).select_related("target", "decided_by__user").first()


# --- Who may do what (the services enforce the same rules) ------------------------------------


def can_roll_over_any(actor: Membership) -> bool:
    """Champions and admins, and team leads (for their teams' objectives)."""
    return actor.can_write and (actor.is_org_wide_editor or bool(actor.led_team_ids()))


def can_roll_over(actor: Membership, objective: Objective) -> bool:
    """Champions and admins any objective; team leads their teams' (and teams below them) and the
    individual objectives of their people."""
    if not actor.can_write or actor.organisation_id != objective.organisation_id:
        return False
    if actor.is_org_wide_editor:
        return True
    if objective.team_id is not None:
        return objective.team_id in actor.led_team_ids()
    return objective.owner_id in actor.led_member_ids()


def can_decide_nothing(actor: Membership) -> bool:
    """Recording that nothing rolls over is the cycle's decision: champions and admins."""
    return actor.can_write and actor.is_org_wide_editor


# --- Targets -----------------------------------------------------------------------------------


def target_choices(*, actor: Membership, source: Cycle) -> list[Cycle]:
    """Cycles the source's OKRs may roll into: later ones (starting after it) that are not closed."""
    return list(
        cycle_list(actor=actor)
        .filter(start_date__gt=source.start_date)
        .exclude(state=CycleState.CLOSED)
        .exclude(pk=source.pk)
    )


def default_target(source: Cycle, choices: list[Cycle]) -> Cycle | None:
    """The next cycle after ``source``: the earliest of the same kind, else the earliest."""
    same = [c for c in choices if c.kind == source.kind]
    pool = same or choices
    return min(pool, key=lambda c: (c.start_date, c.pk)) if pool else None


# --- Candidates --------------------------------------------------------------------------------


def last_reading(kr: KeyResult) -> Decimal | None:
    """Where a copied key result starts: its latest check-in value, else its old start."""
    if kr.last_checkin_at is not None and kr.current_value is not None:
        return kr.current_value
    return kr.start_value


@dataclass
class KrPlan:
    """A key result that will be copied: the new start is its last reading."""

    key_result: KeyResult
    metrics: KRMetrics
    start: Decimal | None
    milestones: list[tuple[str, float]] = field(default_factory=list)  # a checklist: those not done


@dataclass
class Candidate:
    objective: Objective
    metrics: ObjectiveMetrics
    key_results: list[KrPlan]
    rolled_to: Objective | None  # the copy already made, if any
    can_roll: bool
    checked: bool = False  # ticked on the page

    @property
    def selectable(self) -> bool:
        """The actor may roll it over and it has no copy yet."""
        return self.can_roll and self.rolled_to is None

    @property
    def progress(self) -> float:
        return self.metrics.progress

    def below(self, threshold: float) -> bool:
        return self.metrics.progress < threshold


def _kr_plans(objective: Objective, metrics_of: dict[int, KRMetrics]) -> list[KrPlan]:
    plans = []
    for kr in objective.key_results.all():
        m = metrics_of[kr.pk]
        if kr.is_cancelled or m.progress >= 1:
            continue
        milestones: list[tuple[str, float]] = []
        if kr.kind == KeyResultKind.MILESTONES:
            done = set(kr.current_milestones_done or [])
            milestones = [(ms.title, ms.weight) for ms in kr.milestones.all() if ms.pk not in done]
            if not milestones:
                continue
        plans.append(KrPlan(kr, m, last_reading(kr), milestones))
    return plans


def objective_count(*, actor: Membership, cycle: Cycle) -> int:
    """How many objectives of ``cycle`` the actor may see, cancelled ones left out (one count)."""
    if cycle.organisation_id != actor.organisation_id:
        return 0
    return objective_list(actor=actor, cycle=cycle, include_cancelled=False).count()


def candidates(
    *, actor: Membership, cycle: Cycle, threshold: float = UNFINISHED, team_ids: set[int] | None = None
) -> list[Candidate]:
    """The unfinished objectives of ``cycle`` the actor may see (not cancelled, progress below
    ``threshold``, 1.0 by default: not done), each with the key results that would be copied
    (unfinished, not cancelled) and the copy already made. ``team_ids``: only those teams'
    objectives and their people's individual ones. A fixed number of queries."""
    if cycle.organisation_id != actor.organisation_id:
        return []
    copies = Prefetch("rolled_over_to", queryset=Objective.objects.select_related("cycle").order_by("pk"))
    qs = objective_list(actor=actor, cycle=cycle, include_cancelled=False).prefetch_related(copies)
    if team_ids is not None:
        people = TeamMember.objects.filter(team_id__in=team_ids).values("membership_id")
        qs = qs.filter(Q(team_id__in=team_ids) | Q(team__isnull=True, owner_id__in=people))
    objectives = list(qs)
    metrics = compute_metrics(organisation=actor.organisation, objectives=objectives)
    out = []
    for o in objectives:
        om = metrics.objective(o)
        if om.progress >= min(threshold, UNFINISHED):
            continue
        rolled = o.rolled_over_to.all()
        out.append(
            Candidate(
                objective=o,
                metrics=om,
                key_results=_kr_plans(o, metrics.krs),
                rolled_to=rolled[0] if rolled else None,
                can_roll=can_roll_over(actor, o),
            )
        )
    return out


def rolled_pairs(*, actor: Membership, cycle: Cycle) -> list[Objective]:
    """The copies made from ``cycle``'s objectives that the actor may see, each with
    ``rolled_over_from`` (its source) and ``cycle`` loaded."""
    if cycle.organisation_id != actor.organisation_id:
        return []
    return list(
        objective_base(actor=actor)
        .filter(rolled_over_from__cycle_id=cycle.pk)
        .select_related("cycle", "rolled_over_from", "team", "owner__user")
        .order_by("rolled_over_from__position", "rolled_over_from_id", "pk")
    )
