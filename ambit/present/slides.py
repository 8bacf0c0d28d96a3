"""The presentation deck for the all-hands (issue 17, item 6), generated from live data:

1. the title (organisation, cycle, dates, the headline progress);
2. strategy: mission, vision and the big moves (with the progress of the company objectives each
   themes);
3. the company OKRs with progress bars;
4. one slide per department (teams of the department level): its objectives with progress and
   status, its best and its most at-risk key result;
5. the wins of the quarter (``selectors.wins_for``);
6. when the cycle is in review or closed, the scores: objective scores with band and verdict.

Every number comes from ``ambit.okrs.metrics.compute_metrics``, over the company and department
objectives only: a fixed number of queries, and a size set by the top of the tree, not by the
organisation's headcount (the wins are the one part that reads the whole cycle).

The deck is kept between writes (``deck_for``, ``public_deck``: ``ambit.dashboards.kept``) for each
set of objectives a viewer may see; in a large organisation, where it takes seconds to compute,
the worker computes it again after writes while the room keeps the one it has. What is kept holds
only the wins a slide shows (``WINS_PER_LIST`` of each list).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from ambit.accounts.models import Membership, Organisation, Team, TeamKind
from ambit.accounts.selectors import team_list, team_subtree_ids
from ambit.dashboards import kept
from ambit.dashboards.selectors import TODAY_TTL_SECONDS, visibility_fingerprint
from ambit.okrs import engine
from ambit.okrs.metrics import KRMetrics, Metrics, compute_metrics
from ambit.okrs.models import Cycle, CycleState, KeyResult, Objective, Visibility
from ambit.okrs.selectors import key_results_prefetch, visibility_q
from ambit.present.selectors import QuarterWins, shown_objectives, wins_for, wins_for_member
from ambit.strategy.models import BigMove, Strategy

SCORED_STATES = (CycleState.REVIEW, CycleState.CLOSED)
AT_RISK = (engine.STATUS_BEHIND, engine.STATUS_AT_RISK, engine.STATUS_STALE)
WINS_PER_LIST = 5  # a slide is read from the back of the room
TEAM_OBJECTIVES_SHOWN = 6  # a department without objectives of its own shows its teams' first


def _name(member: Membership | None) -> str:
    if member is None:
        return ""
    return str(member.user.get_full_name() or member.user.email)


@dataclass(frozen=True)
class KRLine:
    title: str
    owner: str
    progress: float
    expected: float
    status: str
    objective_title: str
    team_name: str = ""


@dataclass(frozen=True)
class ObjectiveLine:
    pk: int
    title: str
    owner: str
    team_name: str
    progress: float
    expected: float
    status: str
    score: float | None  # the recorded score, else the suggestion
    scored: bool  # a recorded score (not a suggestion)
    band: str | None
    verdict: str | None
    reading: str
    key_results: list[KRLine] = field(default_factory=list)


@dataclass(frozen=True)
class MoveLine:
    title: str
    description: str
    horizon: str
    owner: str
    progress: float | None


@dataclass(frozen=True)
class DepartmentSlide:
    name: str
    objectives: list[ObjectiveLine]  # the department's own; else its teams' (``of_teams``)
    best: KRLine | None  # over the department's and its teams' objectives
    at_risk: KRLine | None
    of_teams: bool = False
    team_objectives: int = 0  # objectives of the teams below it


@dataclass
class Deck:
    organisation: Organisation
    cycle: Cycle
    mission: str
    vision: str
    moves: list[MoveLine]
    company: list[ObjectiveLine]
    departments: list[DepartmentSlide]
    wins: QuarterWins
    show_scores: bool
    headline: float | None  # the mean progress of the objectives shown
    public: bool = False
    computed_at: dt.datetime = field(default_factory=timezone.now)
    compute_seconds: float = 0.0
    behind: bool = False  # shown after a write it does not include yet (``kept``)
    cache_key: str = ""

    @property
    def scores(self) -> list[ObjectiveLine]:
        """The company's and the departments' own objectives."""
        return self.company + [o for d in self.departments if not d.of_teams for o in d.objectives]

    @property
    def slide_count(self) -> int:
        return self.wins_slide + (1 if self.show_scores else 0)

    @property
    def wins_slide(self) -> int:
        """The wins' slide number: after the title, strategy, company and department slides."""
        return 3 + len(self.departments) + 1

    @property
    def scores_slide(self) -> int:
        return self.wins_slide + 1

    @property
    def wins_shown(self) -> dict[str, list[object]]:
        return {
            "friday": list(self.wins.friday_wins[:WINS_PER_LIST]),
            "met": list(self.wins.key_results_met[:WINS_PER_LIST]),
            "gains": list(self.wins.biggest_gains[:WINS_PER_LIST]),
        }


def _kr_line(kr: KeyResult, km: KRMetrics, objective: Objective) -> KRLine:
    return KRLine(
        title=kr.title,
        owner=_name(kr.owner),
        progress=km.progress,
        expected=km.expected,
        status=km.status,
        objective_title=objective.title,
        team_name=objective.team.name if objective.team else "",
    )


def _objective_line(objective: Objective, metrics: Metrics) -> ObjectiveLine:
    om = metrics.objective(objective)
    shown = objective.score if objective.score is not None else om.suggested_score
    return ObjectiveLine(
        pk=objective.pk,
        title=objective.title,
        owner=_name(objective.owner),
        team_name=objective.team.name if objective.team else "",
        progress=om.progress,
        expected=om.expected,
        status=om.status,
        score=shown,
        scored=objective.score is not None,
        band=om.band,
        verdict=om.verdict,
        reading=om.reading,
        key_results=[
            _kr_line(kr, metrics.kr(kr), objective) for kr in objective.key_results.all() if not kr.is_cancelled
        ],
    )


def _department(team: Team, own: list[ObjectiveLine], below: list[ObjectiveLine]) -> DepartmentSlide:
    krs = [kr for line in own + below for kr in line.key_results]
    best = max(krs, key=lambda k: (k.progress, k.progress - k.expected), default=None)
    risky = [kr for kr in krs if kr.status in AT_RISK]
    worst = min(risky, key=lambda k: (k.progress - k.expected, k.progress), default=None)
    return DepartmentSlide(
        name=team.name,
        objectives=own or below[:TEAM_OBJECTIVES_SHOWN],
        best=best if best and best.progress > 0 else None,
        at_risk=worst,
        of_teams=not own and bool(below),
        team_objectives=len(below),
    )


def _department_of(teams: list[Team]) -> dict[int, int]:
    """Each team's department (the nearest department above it, or itself), from the teams loaded."""
    by_id = {t.pk: t for t in teams}
    out: dict[int, int] = {}
    for team in teams:
        seen: set[int] = set()
        current: Team | None = team
        while current is not None and current.pk not in seen and current.kind != TeamKind.DEPARTMENT:
            seen.add(current.pk)
            current = by_id.get(current.parent_id) if current.parent_id else None
        if current is not None and current.kind == TeamKind.DEPARTMENT:
            out[team.pk] = current.pk
    return out


def _horizon(move: BigMove) -> str:
    return (
        f"{move.horizon_start}–{move.horizon_end}"
        if move.horizon_end != move.horizon_start
        else str(move.horizon_start)
    )


def build_deck(
    cycle: Cycle,
    *,
    visible: Q,
    public: bool = False,
    team_ids: set[int] | None = None,
    now: dt.datetime | None = None,
    met_limit: int | None = None,
) -> Deck:
    """The deck of ``cycle`` showing the objectives ``visible`` lets through. ``public`` (the
    shareable link) leaves out the Friday wins: people's own words, not OKRs."""
    organisation = cycle.organisation
    strategy = Strategy.objects.filter(organisation_id=organisation.pk).first()
    moves = list(
        BigMove.objects.filter(organisation_id=organisation.pk, is_archived=False)
        .select_related("owner__user")
        .order_by("position", "id")
    )
    teams = list(Team.objects.filter(organisation_id=organisation.pk).order_by("name", "id"))
    departments = [t for t in teams if t.kind == TeamKind.DEPARTMENT and t.archived_at is None]
    department_of = _department_of(teams)
    # Team objectives (not individual ones) feed their department's highlights.
    objectives = list(
        shown_objectives(cycle, visible)
        .filter(team__kind__in=(TeamKind.COMPANY, TeamKind.DEPARTMENT, TeamKind.TEAM))
        .select_related("cycle", "team", "owner__user")
        .prefetch_related(key_results_prefetch())
        .order_by("position", "id")
    )
    metrics = compute_metrics(organisation=organisation, objectives=objectives, now=now)
    lines = {o.pk: _objective_line(o, metrics) for o in objectives}
    company = [lines[o.pk] for o in objectives if o.team is not None and o.team.kind == TeamKind.COMPANY]
    own: dict[int, list[ObjectiveLine]] = {}
    below: dict[int, list[ObjectiveLine]] = {}
    for o in objectives:
        if o.team is None or o.team.pk not in department_of:
            continue
        target = own if o.team.kind == TeamKind.DEPARTMENT else below
        target.setdefault(department_of[o.team.pk], []).append(lines[o.pk])
    move_lines = []
    for move in moves:
        themed = [
            lines[o.pk].progress
            for o in objectives
            if o.theme_id == move.pk and o.team is not None and o.team.kind == TeamKind.COMPANY
        ]
        move_lines.append(
            MoveLine(
                title=move.title,
                description=move.description,
                horizon=_horizon(move),
                owner=_name(move.owner),
                progress=engine.big_move_progress(themed),
            )
        )
    wins = wins_for(cycle, team_ids=team_ids, visible=visible, with_friday=not public, met_limit=met_limit)
    return Deck(
        organisation=organisation,
        cycle=cycle,
        mission=strategy.mission if strategy else "",
        vision=strategy.vision if strategy else "",
        moves=move_lines,
        company=company,
        departments=[_department(t, own.get(t.pk, []), below.get(t.pk, [])) for t in departments],
        wins=wins,
        show_scores=cycle.state in SCORED_STATES,
        headline=engine.organisation_progress(
            lines[o.pk].progress for o in objectives if o.team is not None and o.team.kind != TeamKind.TEAM
        ),
        public=public,
    )


# --- Kept between writes ------------------------------------------------------------------------

DECK_PREFIX = "ambit:present:deck:v1"


def _shown(wins: QuarterWins) -> QuarterWins:
    """The wins a slide shows: a large organisation meets thousands of key results a quarter."""
    return QuarterWins(
        friday_wins=wins.friday_wins[:WINS_PER_LIST],
        key_results_met=wins.key_results_met[:WINS_PER_LIST],
        biggest_gains=wins.biggest_gains[:WINS_PER_LIST],
    )


def _kept_deck(cycle: Cycle, *, visible: Q, public: bool) -> Deck:
    deck = build_deck(cycle, visible=visible, public=public, met_limit=WINS_PER_LIST)
    deck.wins = _shown(deck.wins)
    return deck


def _view(cycle: Cycle, seen: str) -> str:
    return f"{DECK_PREFIX}:{cycle.organisation_id}:{cycle.pk}:{seen}"


def deck_for(actor: Membership, cycle: Cycle) -> Deck:
    """The deck as ``actor`` may see it, kept until the next write (see the module's doc)."""
    view = _view(cycle, visibility_fingerprint(actor=actor, cycle=cycle))
    return kept.kept(
        organisation_id=cycle.organisation_id,
        view=view,
        seconds=TODAY_TTL_SECONDS,
        compute=lambda: _kept_deck(cycle, visible=visibility_q(actor), public=False),
        refresh=kept.Refresh("deck", actor.pk, cycle.pk, None, None),
    )


def public_deck(cycle: Cycle) -> Deck:
    """The deck of a shareable link: objectives visible to everyone, no Friday wins."""
    return kept.kept(
        organisation_id=cycle.organisation_id,
        view=_view(cycle, "public-link"),
        seconds=TODAY_TTL_SECONDS,
        compute=lambda: _kept_deck(cycle, visible=Q(visibility=Visibility.PUBLIC), public=True),
        refresh=kept.Refresh("deck-public", 0, cycle.pk, None, None),
    )


def _resolve_deck(
    membership_id: int, cycle_id: int, subject_id: int | None, day: dt.date | None
) -> kept.Resolved | None:
    actor = Membership.objects.select_related("organisation", "user").filter(pk=membership_id, is_active=True).first()
    if actor is None:
        return None
    cycle = (
        Cycle.objects.select_related("organisation").filter(organisation_id=actor.organisation_id, pk=cycle_id).first()
    )
    if cycle is None:
        return None
    view = _view(cycle, visibility_fingerprint(actor=actor, cycle=cycle))
    compute = lambda: _kept_deck(cycle, visible=visibility_q(actor), public=False)  # noqa: E731
    return kept.Resolved(cycle.organisation_id, view, TODAY_TTL_SECONDS, compute)


def _resolve_public_deck(
    membership_id: int, cycle_id: int, subject_id: int | None, day: dt.date | None
) -> kept.Resolved | None:
    cycle = Cycle.objects.select_related("organisation").filter(pk=cycle_id).first()
    if cycle is None:
        return None
    compute = lambda: _kept_deck(cycle, visible=Q(visibility=Visibility.PUBLIC), public=True)  # noqa: E731
    return kept.Resolved(cycle.organisation_id, _view(cycle, "public-link"), TODAY_TTL_SECONDS, compute)


# --- The wins page, kept the same way ------------------------------------------------------------

WINS_PREFIX = "ambit:present:wins:v1"


@dataclass
class KeptWins:
    """The wins of a cycle as a viewer may see them (a team's, or the whole organisation's)."""

    wins: QuarterWins
    computed_at: dt.datetime = field(default_factory=timezone.now)
    compute_seconds: float = 0.0
    behind: bool = False
    cache_key: str = ""


def _wins_view(actor: Membership, cycle: Cycle, team: Team | None) -> str:
    seen = visibility_fingerprint(actor=actor, cycle=cycle)
    return f"{WINS_PREFIX}:{cycle.organisation_id}:{cycle.pk}:{seen}:{team.pk if team else 'all'}"


def wins_kept(actor: Membership, cycle: Cycle, *, team: Team | None, team_ids: set[int] | None) -> KeptWins:
    """``selectors.wins_for_member``, kept until the next write (a large organisation meets
    thousands of key results a quarter: seconds to gather)."""
    return kept.kept(
        organisation_id=cycle.organisation_id,
        view=_wins_view(actor, cycle, team),
        seconds=TODAY_TTL_SECONDS,
        compute=lambda: KeptWins(wins_for_member(cycle, actor=actor, team_ids=team_ids)),
        refresh=kept.Refresh("wins", actor.pk, cycle.pk, team.pk if team else None, None),
    )


def _resolve_wins(
    membership_id: int, cycle_id: int, subject_id: int | None, day: dt.date | None
) -> kept.Resolved | None:
    actor = Membership.objects.select_related("organisation", "user").filter(pk=membership_id, is_active=True).first()
    if actor is None:
        return None
    cycles = Cycle.objects.select_related("organisation")
    cycle = cycles.filter(organisation_id=actor.organisation_id, pk=cycle_id).first()
    if cycle is None:
        return None
    team, team_ids = None, None
    if subject_id is not None:
        teams = list(team_list(actor=actor))
        team = next((t for t in teams if t.pk == subject_id), None)
        if team is None:
            return None
        team_ids = team_subtree_ids(team, teams)
    compute = lambda: KeptWins(wins_for_member(cycle, actor=actor, team_ids=team_ids))  # noqa: E731
    return kept.Resolved(cycle.organisation_id, _wins_view(actor, cycle, team), TODAY_TTL_SECONDS, compute)


def register() -> None:
    kept.register("deck", _resolve_deck)
    kept.register("deck-public", _resolve_public_deck)
    kept.register("wins", _resolve_wins)
