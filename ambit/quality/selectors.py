"""The planning-readiness board (issue 15, seed 002): for one cycle, each team in tree order with
its planning state, its objectives and key results, its mean quality score, its alignment to the
objectives above it, and the days left until the cycle starts.

Everything is read in a fixed number of queries whatever the number of teams: the team tree with
its members (two), the cycle's visible team objectives (one), their live key results counted per
objective (one), their alignments (one) and the quality check (three).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Final

from django.db.models import Count, Q
from django.utils import timezone

from ambit.accounts.models import Membership, Team
from ambit.accounts.selectors import team_tree
from ambit.okrs.models import Alignment, Cycle, KeyResult, KeyResultState, ObjectiveState
from ambit.okrs.quality import assess_objectives, bar_status, team_score
from ambit.okrs.selectors import objective_base

NOTHING: Final = "nothing"
DRAFTING: Final = "drafting"
PROPOSED: Final = "proposed"
APPROVED: Final = "approved"
STATES: Final[tuple[tuple[str, str], ...]] = (
    (NOTHING, "Nothing yet"),
    (DRAFTING, "Drafting"),
    (PROPOSED, "Proposed"),
    (APPROVED, "Approved"),
)
STATE_LABELS: Final = dict(STATES)
# Teams in these states are late: "Remind late teams" writes to their leads.
LATE_STATES: Final = (NOTHING, DRAFTING)
# Objectives that count for planning: cancelled ones are gone.
PLANNED_STATES: Final = (ObjectiveState.DRAFT, ObjectiveState.PROPOSED, ObjectiveState.ACTIVE, ObjectiveState.CLOSED)


def team_state(objective_states: list[str]) -> str:
    """Nothing yet (no objective), drafting (any draft), proposed (any proposal left, no draft),
    approved (every objective approved: active, or closed since)."""
    if not objective_states:
        return NOTHING
    if ObjectiveState.DRAFT in objective_states:
        return DRAFTING
    if ObjectiveState.PROPOSED in objective_states:
        return PROPOSED
    return APPROVED


@dataclass
class TeamRow:
    team: Team
    depth: int
    leads: list[Membership]
    state: str = NOTHING
    objectives: int = 0
    key_results: int = 0
    quality: int | None = None
    aligned: int = 0
    objective_ids: list[int] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def is_late(self) -> bool:
        return self.state in LATE_STATES

    @property
    def quality_share(self) -> float | None:
        return None if self.quality is None else self.quality / 100

    @property
    def quality_status(self) -> str:
        return bar_status(self.quality)

    @property
    def alignment_share(self) -> float | None:
        """The share of its objectives aligned to a parent (classic or from a key result)."""
        return self.aligned / self.objectives if self.objectives else None


@dataclass
class Board:
    cycle: Cycle
    rows: list[TeamRow]
    today: dt.date

    @property
    def days_left(self) -> int:
        """Days until the cycle starts (negative once it has started)."""
        return (self.cycle.start_date - self.today).days

    @property
    def days_since_start(self) -> int:
        return -self.days_left

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state == state)

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        return [(key, label, self.count(key)) for key, label in STATES]

    @property
    def late(self) -> list[TeamRow]:
        return [r for r in self.rows if r.is_late]

    @property
    def quality(self) -> int | None:
        """The organisation's mean over teams that have objectives."""
        return team_score([r.quality for r in self.rows if r.quality is not None])


def readiness_board(*, actor: Membership, cycle: Cycle, today: dt.date | None = None) -> Board:
    """The board for ``cycle`` (already checked to be the actor's organisation's), every team in
    tree order; only objectives the actor may see count."""
    teams = team_tree(actor=actor)
    rows: dict[int, TeamRow] = {
        t.pk: TeamRow(
            team=t,
            depth=getattr(t, "depth", 0),
            leads=[tm.membership for tm in t.team_members.all() if tm.is_lead and tm.membership.is_active],
        )
        for t in teams
    }
    objectives = list(
        objective_base(actor=actor)
        .filter(cycle=cycle, team_id__in=list(rows), state__in=PLANNED_STATES)
        .values_list("id", "team_id", "state", "source_key_result_id")
    )
    ids = [o[0] for o in objectives]
    states: dict[int, list[str]] = defaultdict(list)
    from_kr = {o[0] for o in objectives if o[3] is not None}
    aligned = set(
        Alignment.objects.filter(child_id__in=ids, organisation_id=actor.organisation_id).values_list(
            "child_id", flat=True
        )
    )
    kr_counts = dict(
        KeyResult.objects.filter(objective_id__in=ids, state=KeyResultState.ACTIVE)
        .values("objective_id")
        .annotate(n=Count("id", filter=Q(state=KeyResultState.ACTIVE)))
        .values_list("objective_id", "n")
    )
    assessments = assess_objectives(ids)
    for objective_id, team_id, state, _ in objectives:
        row = rows[team_id]
        states[team_id].append(state)
        row.objective_ids.append(objective_id)
        row.objectives += 1
        row.key_results += kr_counts.get(objective_id, 0)
        row.aligned += objective_id in aligned or objective_id in from_kr
    for team_id, row in rows.items():
        row.state = team_state(states.get(team_id, []))
        row.quality = team_score([assessments[i].score for i in row.objective_ids if i in assessments])
    return Board(cycle=cycle, rows=[rows[t.pk] for t in teams], today=today or timezone.localdate())
