"""Reads behind the web pages: the alignment tree, an objective's surroundings (parents, children,
history, audit trail), a team's roll-ups. Every function takes the acting membership and runs a
fixed number of queries however many rows it returns, so pages cannot drift into N+1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, When
from django.http import Http404
from django.utils import timezone

from ambit.accounts.models import Membership, Team
from ambit.accounts.selectors import team_list
from ambit.okrs import engine
from ambit.okrs.history import CheckInRow, compact_history
from ambit.okrs.metrics import Metrics, ObjectiveMetrics, compute_metrics
from ambit.okrs.models import (
    Alignment,
    Cycle,
    CycleKind,
    KeyResult,
    Objective,
    ObjectiveState,
)
from ambit.okrs.selectors import key_results_prefetch, objective_base, objective_list
from ambit.strategy.models import BigMove
from ambit.strategy.selectors import big_move_list

LEVEL_ORDER = {"company": 0, "department": 1, "team": 2, "individual": 3}

GAP_NO_SUPPORT = "No objective supports this company objective yet."
GAP_UNALIGNED = "Not aligned to any objective."
UNALIGNED_PAGE = 50
LIVE_STATES = [s for s in ObjectiveState.values if s != ObjectiveState.CANCELLED]


def _level_key(o: Objective) -> tuple[int, int, int]:
    return (LEVEL_ORDER.get(o.level, 9), o.position, o.pk)


# --- Alignment tree ---------------------------------------------------------------------------


@dataclass
class TreeNode:
    """One objective in the alignment tree. ``via_key_result`` is set on a duality child: the
    parent's key result it was created from. ``children_progress`` is the engine's
    ``supporters_progress`` of the node's children (None without children): what the supporting
    work says."""

    objective: Objective
    metrics: ObjectiveMetrics
    children: list[TreeNode] = field(default_factory=list)
    is_gap: bool = False
    gap_reason: str = ""
    via_key_result: KeyResult | None = None
    # Loaded a level at a time (``under``): whether the node is aligned to that parent; it may
    # also be cascaded from one of its key results (``via_key_result``), or both.
    aligned_to_parent: bool = False
    # Children linked to this node by alignment (a child may also be cascaded from one of its key
    # results: it is then listed under both links, each labelled, and counted once).
    aligned_ids: set[int] = field(default_factory=set)
    children_progress: float | None = None
    # Live children the actor sees, loaded or not (a lazily loaded tree leaves ``children`` empty).
    child_count: int = 0

    @property
    def classic_children(self) -> list[TreeNode]:
        return [c for c in self.children if c.objective.pk in self.aligned_ids]

    @property
    def key_result_groups(self) -> list[tuple[KeyResult, list[TreeNode]]]:
        """Each live key result with the duality children created from it."""
        groups = []
        for kr in self.objective.key_results.all():
            kids = [c for c in self.children if c.via_key_result is not None and c.via_key_result.pk == kr.pk]
            groups.append((kr, kids))
        return groups

    @property
    def has_duality_children(self) -> bool:
        return any(c.via_key_result is not None for c in self.children)


@dataclass
class BigMoveGroup:
    big_move: BigMove | None
    nodes: list[TreeNode]
    progress: float | None

    @property
    def is_gap(self) -> bool:
        return self.big_move is not None and not self.nodes


def tree_cycles(*, cycle: Cycle) -> list[Cycle]:
    """The cycle and, above it, the annual cycle it belongs to."""
    cycles = [cycle]
    if cycle.parent_id is not None and cycle.parent is not None and cycle.parent.kind == CycleKind.ANNUAL:
        cycles.insert(0, cycle.parent)
    return cycles


def alignment_levels(
    *,
    actor: Membership,
    cycle: Cycle,
    under: Objective | None = None,
    depth: int = 1,
    unaligned: bool = False,
    offset: int = 0,
    limit: int = UNALIGNED_PAGE,
    now: dt.datetime | None = None,
) -> list[TreeNode]:
    """The alignment tree a few levels at a time: the roots of ``cycle`` (objectives with no
    live parent in it or its annual cycle), or the children of ``under``, and ``depth``
    levels from there. Every node carries ``child_count``; nodes at the last level have their
    children left for the next call. Progress of what is not loaded comes from the stored
    roll-ups, so the cost follows what is shown, not the size of the organisation.

    The roots are the company objectives; other objectives without a live parent (nothing
    aligned, or only to cancelled objectives) are gaps, listed with ``unaligned=True`` a page
    (``offset``, ``limit``) at a time, since a large organisation has many."""
    if cycle.organisation_id != actor.organisation_id:
        raise Http404("No such cycle.")
    cycle_ids = [c.pk for c in tree_cycles(cycle=cycle)]
    base = objective_base(actor=actor).filter(cycle_id__in=cycle_ids).exclude(state=ObjectiveState.CANCELLED)
    visible = base.values("pk")
    if under is None:
        roots = _roots(base, cycle_ids)
        if unaligned:
            level_order = Case(*(When(level=k, then=v) for k, v in LEVEL_ORDER.items()), default=9)
            page = roots.exclude(level="company").order_by(level_order, "position", "id")[offset : offset + limit]
            level_ids = set(page.values_list("pk", flat=True))
        else:
            level_ids = set(roots.filter(level="company").values_list("pk", flat=True))
    else:
        level_ids = _child_ids(base, {under.pk})
    levels: list[set[int]] = []
    seen: set[int] = set()
    for level in range(max(1, depth)):
        level_ids -= seen
        if not level_ids:
            break
        levels.append(level_ids)
        seen |= level_ids
        if level + 1 < depth:
            level_ids = _child_ids(base, level_ids)
    objectives = list(objective_list(actor=actor, include_cancelled=False).filter(pk__in=seen))
    metrics = compute_metrics(organisation=actor.organisation, objectives=objectives, now=now)
    ids = {o.pk for o in objectives}
    depth_of = {pk: d for d, level_set in enumerate(levels) for pk in level_set}
    nodes = {o.pk: TreeNode(objective=o, metrics=metrics.objective(o)) for o in objectives}
    # Gaps look at every link touching what is shown, visible or not: they are about the organisation.
    links = list(
        Alignment.objects.filter(Q(child_id__in=ids) | Q(parent_id__in=ids)).values_list("child_id", "parent_id")
    )
    supported = set(
        Objective.objects.filter(source_key_result__objective_id__in=ids)
        .exclude(state=ObjectiveState.CANCELLED)
        .values_list("source_key_result__objective_id", flat=True)
    )
    has_parent = {c for c, _ in links} | {o.pk for o in objectives if o.source_key_result_id is not None}
    has_child = {p for _, p in links} | supported
    for o in objectives:
        node = nodes[o.pk]
        if o.level == "company" and o.pk not in has_child:
            node.is_gap, node.gap_reason = True, GAP_NO_SUPPORT
        elif o.level != "company" and (o.pk not in has_parent or (under is None and unaligned)):
            node.is_gap, node.gap_reason = True, GAP_UNALIGNED

    def below(parent_id: int, child_id: int) -> bool:
        return child_id in depth_of and parent_id in depth_of and depth_of[child_id] == depth_of[parent_id] + 1

    first_level = levels[0] if levels else set()
    for child_id, parent_id in links:
        if below(parent_id, child_id):
            nodes[parent_id].children.append(nodes[child_id])
            nodes[parent_id].aligned_ids.add(child_id)
        elif under is not None and parent_id == under.pk and child_id in first_level:
            nodes[child_id].aligned_to_parent = True
    kr_by_id = {kr.pk: kr for o in objectives for kr in o.key_results.all()}
    if under is not None:
        kr_by_id |= {kr.pk: kr for kr in under.key_results.all()}
    for o in objectives:
        kr = kr_by_id.get(o.source_key_result_id) if o.source_key_result_id else None
        if kr is not None and below(kr.objective_id, o.pk):
            nodes[o.pk].via_key_result = kr
            if o.pk not in nodes[kr.objective_id].aligned_ids:  # already a child through its alignment
                nodes[kr.objective_id].children.append(nodes[o.pk])
        elif kr is not None and under is not None and kr.objective_id == under.pk and o.pk in first_level:
            nodes[o.pk].via_key_result = kr
    counts: dict[int, int] = {}
    for parent_id, n in (
        Alignment.objects.filter(parent_id__in=ids, child_id__in=visible)
        .values("parent_id")
        .annotate(n=Count("id"))
        .values_list("parent_id", "n")
    ):
        counts[parent_id] = counts.get(parent_id, 0) + n
    for parent_id, n in (
        base.filter(source_key_result__objective_id__in=ids)
        .values("source_key_result__objective_id")
        .annotate(n=Count("id"))
        .values_list("source_key_result__objective_id", "n")
    ):
        counts[parent_id] = counts.get(parent_id, 0) + n
    for node in nodes.values():
        node.child_count = counts.get(node.objective.pk, 0)
        node.children.sort(key=lambda n: _level_key(n.objective))
        node.children_progress = engine.supporters_progress(c.metrics.progress for c in node.children)
    return sorted(
        (nodes[pk] for pk in levels[0] if pk in nodes) if levels else [], key=lambda n: _level_key(n.objective)
    )


def _child_ids(base: QuerySet[Objective], parent_ids: set[int]) -> set[int]:
    """Visible live children of ``parent_ids``: classic links and duality children."""
    classic = Alignment.objects.filter(parent_id__in=parent_ids).values("child_id")
    return set(
        base.filter(Q(pk__in=classic) | Q(source_key_result__objective_id__in=parent_ids)).values_list("pk", flat=True)
    )


def _live_parent(cycle_ids: list[int]) -> Exists:
    """A live classic parent in the cycles (whoever may see it)."""
    return Exists(
        Alignment.objects.filter(child_id=OuterRef("pk"), parent__cycle_id__in=cycle_ids, parent__state__in=LIVE_STATES)
    )


def _live_source(cycle_ids: list[int]) -> Exists:
    """Duality: the key result the objective was created from sits on a live objective in the cycles."""
    return Exists(
        KeyResult.objects.filter(
            pk=OuterRef("source_key_result_id"), objective__cycle_id__in=cycle_ids, objective__state__in=LIVE_STATES
        )
    )


def _roots(base: QuerySet[Objective], cycle_ids: list[int]) -> QuerySet[Objective]:
    """Visible live objectives with no live parent in the cycles, whoever may see the parent: an
    objective under a parent the actor cannot see stays out of their tree (its page and the lists
    show it) rather than becoming a root."""
    return base.exclude(_live_parent(cycle_ids)).exclude(_live_source(cycle_ids))


def with_tree_root_flag(objectives: QuerySet[Objective], *, cycle: Cycle) -> QuerySet[Objective]:
    """``objectives`` annotated with ``has_live_parent`` and ``has_live_source``, the two links that
    keep an objective from being a root of ``cycle``'s tree (see :func:`is_company_root`): by the
    same rule as the tree itself, in the same query, so other pages can tell the tree's top
    objectives without another round trip."""
    cycle_ids = [c.pk for c in tree_cycles(cycle=cycle)]
    return objectives.annotate(has_live_parent=_live_parent(cycle_ids), has_live_source=_live_source(cycle_ids))


def is_company_root(objective: Objective) -> bool:
    """A company objective at the top of the alignment tree (loaded by :func:`with_tree_root_flag`):
    what a big move's progress is made of, on the company tree and the strategy page alike."""
    below_a_parent = objective.has_live_parent or objective.has_live_source  # type: ignore[attr-defined]
    return objective.level == "company" and not below_a_parent


def tree_unaligned_count(*, actor: Membership, cycle: Cycle) -> int:
    """How many visible live objectives below the company level have no live parent in the cycle."""
    cycle_ids = [c.pk for c in tree_cycles(cycle=cycle)]
    base = objective_base(actor=actor).filter(cycle_id__in=cycle_ids).exclude(state=ObjectiveState.CANCELLED)
    return _roots(base, cycle_ids).exclude(level="company").count()


def tree_gap_count(*, actor: Membership, cycle: Cycle, unaligned: int | None = None) -> int:
    """Gaps in the cycle, counted in SQL: company objectives nobody supports (links from anything
    count, visible or not) and the objectives below them with no live parent."""
    cycle_ids = [c.pk for c in tree_cycles(cycle=cycle)]
    base = objective_base(actor=actor).filter(cycle_id__in=cycle_ids, level="company")
    base = base.exclude(state=ObjectiveState.CANCELLED)
    supported = Exists(Alignment.objects.filter(parent_id=OuterRef("pk"))) | Exists(
        Objective.objects.filter(source_key_result__objective_id=OuterRef("pk")).exclude(state=ObjectiveState.CANCELLED)
    )
    unsupported = base.exclude(supported).count()
    if unaligned is None:
        unaligned = tree_unaligned_count(actor=actor, cycle=cycle)
    return unsupported + unaligned


def group_by_big_move(*, actor: Membership, roots: Sequence[TreeNode]) -> list[BigMoveGroup]:
    """Roots under the big move they serve (their theme); big moves nobody serves are gaps. Each
    group's progress is the engine's ``big_move_progress`` of its roots."""
    moves = list(big_move_list(actor=actor))
    by_move: dict[int | None, list[TreeNode]] = {}
    for node in roots:
        by_move.setdefault(node.objective.theme_id, []).append(node)
    known = {m.pk for m in moves}
    groups = []
    for move in moves:
        nodes = by_move.get(move.pk, [])
        groups.append(BigMoveGroup(move, nodes, engine.big_move_progress(n.metrics.progress for n in nodes)))
    # Archived big moves still theme objectives: keep those objectives visible.
    rest = [n for key, ns in by_move.items() if key is None or key not in known for n in ns]
    if rest:
        groups.append(BigMoveGroup(None, rest, engine.big_move_progress(n.metrics.progress for n in rest)))
    return groups


# --- Objective page ---------------------------------------------------------------------------


def objective_parents_loaded(
    *, actor: Membership, objective: Objective, with_key_results: bool = True
) -> list[tuple[Objective, float]]:
    """Visible classic parents with their key results loaded (for metrics; without them with
    ``with_key_results=False``, for a caller that prefetches them with other objectives), and
    the link weight."""
    weights = dict(Alignment.objects.filter(child=objective).values_list("parent_id", "weight"))
    if not weights:
        return []
    parents = objective_list(actor=actor, with_key_results=with_key_results).filter(pk__in=weights)
    return [(p, weights[p.pk]) for p in parents]


def objective_check_ins(*, actor: Membership, objective: Objective) -> dict[int, list[CheckInRow]]:
    """The check-in history of every key result of ``objective``, oldest first, in one query, as
    compact rows (what forecasts and charts read; the history table pages with ``latest_check_ins``)."""
    if objective.organisation_id != actor.organisation_id:
        raise Http404("No such objective.")
    kr_ids = [kr.pk for kr in objective.key_results.all()]
    return {pk: [] for pk in kr_ids} | compact_history(kr_ids)


def alignment_candidates(*, actor: Membership, objective: Objective) -> QuerySet[Objective]:
    """Objectives ``objective`` may align to: visible, live, in its cycle or the annual cycle
    above it, not itself, not already a parent, and not below it (that would make a loop).

    Unsliced and unordered: callers search it, suggest from it or validate a choice against it,
    each with its own ORDER BY and LIMIT (see ``selectors_align``)."""
    from ambit.okrs.selectors import objective_descendant_ids

    below = objective_descendant_ids(objective=objective)
    cycle_ids = [objective.cycle_id]
    if objective.cycle.parent_id is not None:
        cycle_ids.append(objective.cycle.parent_id)
    current_parents = Alignment.objects.filter(child=objective).values("parent_id")
    return (
        objective_base(actor=actor)
        .filter(cycle_id__in=cycle_ids)
        .exclude(pk=objective.pk)
        .exclude(pk__in=below)
        .exclude(pk__in=current_parents)
        .exclude(state=ObjectiveState.CANCELLED)
        .select_related("team", "cycle")
        .order_by()
    )


# --- Team page --------------------------------------------------------------------------------


@dataclass
class StaleOwner:
    owner: Membership
    key_results: list[KeyResult]
    days_silent: int


@dataclass
class SubTeamRollup:
    team: Team
    progress: float | None
    objective_count: int


@dataclass
class TeamOverview:
    objectives: list[Objective]
    metrics: Metrics
    progress: float | None
    stale: list[StaleOwner]
    sub_teams: list[SubTeamRollup]


def team_overview(*, actor: Membership, team: Team, cycle: Cycle, now: dt.datetime | None = None) -> TeamOverview:
    """The team's objectives in ``cycle`` with metrics, its roll-up, who is stale, and each
    direct sub-team's roll-up (counting the objectives of every team below it)."""
    if team.organisation_id != actor.organisation_id or cycle.organisation_id != actor.organisation_id:
        raise Http404("No such team.")
    now = now or timezone.now()
    direct = sorted(team_list(actor=actor).filter(parent_id=team.pk), key=lambda t: t.name.lower())
    # Team id → the direct sub-team it sits under, a level at a time (ids only).
    below: dict[int, int] = {t.pk: t.pk for t in direct}
    frontier = set(below)
    for _ in range(20):  # depth guard; the services refuse loops
        if not frontier:
            break
        level = list(
            Team.objects.filter(organisation_id=actor.organisation_id, parent_id__in=frontier).values_list(
                "pk", "parent_id"
            )
        )
        frontier = set()
        for pk, parent_id in level:
            if pk not in below and pk != team.pk:
                below[pk] = below[parent_id]
                frontier.add(pk)
    own = list(objective_list(actor=actor, cycle=cycle, include_cancelled=False).filter(team_id=team.pk))
    metrics = compute_metrics(organisation=actor.organisation, objectives=own, now=now)
    sub_teams = _sub_team_rollups(actor=actor, cycle=cycle, direct=direct, below=below, now=now)
    return TeamOverview(
        objectives=own,
        metrics=metrics,
        progress=engine.team_progress(metrics.objective(o).progress for o in own),
        stale=stale_owners(objectives=own, metrics=metrics, now=now),
        sub_teams=sub_teams,
    )


def _sub_team_rollups(
    *, actor: Membership, cycle: Cycle, direct: list[Team], below: dict[int, int], now: dt.datetime
) -> list[SubTeamRollup]:
    """The engine's ``team_progress`` over the visible live objectives under each direct sub-team
    (its own and every team's below it), read from the stored roll-ups: one float per objective,
    no key results loaded. Objectives whose roll-up is not stored yet are computed."""
    if not below:
        return [SubTeamRollup(t, None, 0) for t in direct]
    visible = (
        objective_base(actor=actor)
        .filter(cycle=cycle, team_id__in=list(below))
        .exclude(state=ObjectiveState.CANCELLED)
        .order_by()
    )
    progress: dict[int, list[float]] = {}  # sub-team id → progress of each objective under it
    # One pass over the objectives below, three columns each; only those without a stored
    # roll-up (rare: a write whose refresh has not run yet) are loaded whole and computed.
    missing: list[int] = []
    for pk, team_id, stored in visible.values_list("pk", "team_id", "rolled_progress"):
        if stored is None:
            missing.append(pk)
        else:
            progress.setdefault(below[team_id], []).append(float(stored))
    unknown = (
        list(
            Objective.objects.filter(pk__in=missing)
            .select_related("cycle")
            .prefetch_related(key_results_prefetch())
            .order_by("position", "id")
        )
        if missing
        else []
    )
    if unknown:
        metrics = compute_metrics(organisation=actor.organisation, objectives=unknown, now=now)
        for o in unknown:
            progress.setdefault(below[o.team_id], []).append(metrics.objective(o).progress)  # type: ignore[index]
    return [SubTeamRollup(t, engine.team_progress(progress.get(t.pk, [])), len(progress.get(t.pk, []))) for t in direct]


def stale_owners(*, objectives: Sequence[Objective], metrics: Metrics, now: dt.datetime) -> list[StaleOwner]:
    """Owners of stale key results, longest silence first (silence counts from the cycle start
    for a key result never checked in)."""
    out: dict[int, StaleOwner] = {}
    for o in objectives:
        for kr in o.key_results.all():
            if metrics.kr(kr).status != engine.STATUS_STALE:
                continue
            since = kr.last_checkin_at or dt.datetime.combine(
                max(o.cycle.start_date, timezone.localdate(kr.created_at)), dt.time.min, tzinfo=dt.UTC
            )
            days = max(0, (now - since).days)
            entry = out.setdefault(kr.owner_id, StaleOwner(kr.owner, [], days))
            entry.key_results.append(kr)
            entry.days_silent = max(entry.days_silent, days)
    return sorted(out.values(), key=lambda s: (-s.days_silent, str(s.owner.user)))
