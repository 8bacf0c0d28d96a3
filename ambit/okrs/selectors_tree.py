"""Reads behind the web pages: the alignment tree, an objective's surroundings (parents, children,
history, audit trail), a team's roll-ups. Every function takes the acting membership and runs a
fixed number of queries however many rows it returns, so pages cannot drift into N+1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ambit.accounts.models import Membership, Team
from ambit.accounts.selectors import team_list
from ambit.core.models import AuditEntry
from ambit.okrs import engine
from ambit.okrs.metrics import Metrics, ObjectiveMetrics, compute_metrics
from ambit.okrs.models import (
    Alignment,
    CheckIn,
    Cycle,
    CycleKind,
    KeyResult,
    Objective,
    ObjectiveState,
)
from ambit.okrs.selectors import objective_base, objective_list
from ambit.strategy.models import BigMove
from ambit.strategy.selectors import big_move_list

LEVEL_ORDER = {"company": 0, "department": 1, "team": 2, "individual": 3}

GAP_NO_SUPPORT = "No objective supports this company objective yet."
GAP_UNALIGNED = "Not aligned to any objective."


def _level_key(o: Objective) -> tuple[int, int, int]:
    return (LEVEL_ORDER.get(o.level, 9), o.position, o.pk)


# --- Alignment tree ---------------------------------------------------------------------------


@dataclass
class TreeNode:
    """One objective in the alignment tree. ``via_key_result`` is set on a duality child: the
    parent's key result it was created from. ``children_progress`` is the mean progress of the
    node's children (None without children): what the supporting work says."""

    objective: Objective
    metrics: ObjectiveMetrics
    children: list[TreeNode] = field(default_factory=list)
    is_gap: bool = False
    gap_reason: str = ""
    via_key_result: KeyResult | None = None
    children_progress: float | None = None

    @property
    def classic_children(self) -> list[TreeNode]:
        return [c for c in self.children if c.via_key_result is None]

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


def alignment_tree(*, actor: Membership, cycle: Cycle, now: dt.datetime | None = None) -> list[TreeNode]:
    """The objectives the actor sees in ``cycle`` (and its parent annual cycle) as a forest:
    classic children under their parents, duality children under the parent objective with
    ``via_key_result`` set. Roots are objectives whose parents are not in the set. Gaps:
    company objectives nobody supports, other objectives aligned to nothing."""
    if cycle.organisation_id != actor.organisation_id:
        raise Http404("No such cycle.")
    cycle_ids = [c.pk for c in tree_cycles(cycle=cycle)]
    objectives = list(
        objective_list(actor=actor, include_cancelled=False).filter(cycle_id__in=cycle_ids).order_by("position", "id")
    )
    metrics = compute_metrics(organisation=actor.organisation, objectives=objectives, now=now)
    ids = {o.pk for o in objectives}
    # Every link touching the set, visible or not: a gap is about the organisation, not the viewer.
    links = list(
        Alignment.objects.filter(Q(child_id__in=ids) | Q(parent_id__in=ids)).values_list("child_id", "parent_id")
    )
    duality_parent_ids = set(
        Objective.objects.filter(source_key_result__objective_id__in=ids)
        .exclude(state=ObjectiveState.CANCELLED)
        .values_list("source_key_result__objective_id", flat=True)
    )
    return build_forest(objectives=objectives, metrics=metrics, links=links, supported_ids=duality_parent_ids)


def build_forest(
    *,
    objectives: Sequence[Objective],
    metrics: Metrics,
    links: Iterable[tuple[int, int]],
    supported_ids: Iterable[int] = (),
) -> list[TreeNode]:
    """Pure assembly of the tree from loaded rows (no queries)."""
    by_id = {o.pk: o for o in objectives}
    kr_by_id = {kr.pk: kr for o in objectives for kr in o.key_results.all()}
    nodes = {o.pk: TreeNode(objective=o, metrics=metrics.objective(o)) for o in objectives}
    has_parent: set[int] = set()
    has_child: set[int] = set(supported_ids)
    edges: dict[int, list[tuple[int, KeyResult | None]]] = {}
    for child_id, parent_id in links:
        has_parent.add(child_id)
        has_child.add(parent_id)
        if child_id in by_id and parent_id in by_id:
            edges.setdefault(parent_id, []).append((child_id, None))
    for o in objectives:
        if o.source_key_result_id is None:
            continue
        has_parent.add(o.pk)
        kr = kr_by_id.get(o.source_key_result_id)
        if kr is not None and kr.objective_id in by_id:
            has_child.add(kr.objective_id)
            edges.setdefault(kr.objective_id, []).append((o.pk, kr))
    linked_children = {c for kids in edges.values() for c, _ in kids}

    def attach(node_id: int, path: frozenset[int]) -> TreeNode:
        node = nodes[node_id]
        if node.children or node_id not in edges:
            return node
        kids = sorted(edges[node_id], key=lambda e: _level_key(by_id[e[0]]))
        for child_id, via in kids:
            if child_id in path:
                continue  # a loop the services refuse; never recurse forever on bad data
            child = attach(child_id, path | {child_id})
            if via is not None:
                # A duality child lives under exactly one key result; share the node otherwise.
                child.via_key_result = via
            node.children.append(child)
        if node.children:
            node.children_progress = sum(c.metrics.progress for c in node.children) / len(node.children)
        return node

    for o in objectives:
        node = nodes[o.pk]
        if o.level == "company" and o.pk not in has_child:
            node.is_gap, node.gap_reason = True, GAP_NO_SUPPORT
        elif o.level != "company" and o.pk not in has_parent:
            node.is_gap, node.gap_reason = True, GAP_UNALIGNED
    roots = [o for o in objectives if o.pk not in linked_children]
    seen_roots = {o.pk for o in roots}
    forest = [attach(o.pk, frozenset({o.pk})) for o in sorted(roots, key=_level_key)]
    reached: set[int] = set()

    def mark(n: TreeNode) -> None:
        if n.objective.pk in reached:
            return
        reached.add(n.objective.pk)
        for c in n.children:
            mark(c)

    for n in forest:
        mark(n)
    # Objectives only reachable through a loop still appear, as roots.
    for o in sorted(objectives, key=_level_key):
        if o.pk not in reached and o.pk not in seen_roots:
            forest.append(attach(o.pk, frozenset({o.pk})))
            mark(nodes[o.pk])
    return forest


def group_by_big_move(*, actor: Membership, roots: Sequence[TreeNode]) -> list[BigMoveGroup]:
    """Roots under the big move they serve (their theme); big moves nobody serves are gaps."""
    moves = list(big_move_list(actor=actor))
    by_move: dict[int | None, list[TreeNode]] = {}
    for node in roots:
        by_move.setdefault(node.objective.theme_id, []).append(node)
    known = {m.pk for m in moves}
    groups = []
    for move in moves:
        nodes = by_move.get(move.pk, [])
        groups.append(BigMoveGroup(move, nodes, _mean(n.metrics.progress for n in nodes)))
    # Archived big moves still theme objectives: keep those objectives visible.
    rest = [n for key, ns in by_move.items() if key is None or key not in known for n in ns]
    if rest:
        groups.append(BigMoveGroup(None, rest, _mean(n.metrics.progress for n in rest)))
    return groups


def _mean(values: Iterable[float]) -> float | None:
    vals = list(values)
    return sum(vals) / len(vals) if vals else None


# --- Objective page ---------------------------------------------------------------------------


def objective_parents_loaded(*, actor: Membership, objective: Objective) -> list[tuple[Objective, float]]:
    """Visible classic parents with their key results loaded (for metrics), and the link weight."""
    weights = dict(Alignment.objects.filter(child=objective).values_list("parent_id", "weight"))
    if not weights:
        return []
    parents = objective_list(actor=actor).filter(pk__in=weights)
    return [(p, weights[p.pk]) for p in parents]


def objective_check_ins(*, actor: Membership, objective: Objective) -> dict[int, list[CheckIn]]:
    """The check-in history of every key result of ``objective``, oldest first, in one query."""
    if objective.organisation_id != actor.organisation_id:
        raise Http404("No such objective.")
    out: dict[int, list[CheckIn]] = {kr.pk: [] for kr in objective.key_results.all()}
    for c in (
        CheckIn.objects.filter(key_result__objective=objective)
        .select_related("author__user")
        .order_by("created_at", "id")
    ):
        out.setdefault(c.key_result_id, []).append(c)
    return out


def objective_audit(*, actor: Membership, objective: Objective, limit: int = 100) -> QuerySet[AuditEntry]:
    """Audit entries about this objective and its key results, newest first, in this org only."""
    if objective.organisation_id != actor.organisation_id:
        raise Http404("No such objective.")
    kr_ids = [str(kr.pk) for kr in objective.key_results.all()]
    return (
        AuditEntry.objects.filter(organisation_id=actor.organisation_id)
        .filter(
            Q(object_type="okrs.objective", object_id=str(objective.pk))
            | Q(object_type="okrs.keyresult", object_id__in=kr_ids)
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )


def alignment_edges(*, actor: Membership) -> dict[int, set[int]]:
    """Parent id → child ids over classic and duality links in the actor's organisation."""
    edges: dict[int, set[int]] = {}
    org_id = actor.organisation_id
    for c, p in Alignment.objects.filter(organisation_id=org_id).values_list("child_id", "parent_id"):
        edges.setdefault(p, set()).add(c)
    for c, p in Objective.objects.filter(organisation_id=org_id, source_key_result__isnull=False).values_list(
        "id", "source_key_result__objective_id"
    ):
        edges.setdefault(p, set()).add(c)
    return edges


def alignment_candidates(*, actor: Membership, objective: Objective) -> QuerySet[Objective]:
    """Objectives ``objective`` may align to: visible, live, in its cycle or the annual cycle
    above it, not itself, not already a parent, and not below it (that would make a loop)."""
    edges = alignment_edges(actor=actor)
    below, stack = {objective.pk}, [objective.pk]
    while stack:
        for nxt in edges.get(stack.pop(), ()):
            if nxt not in below:
                below.add(nxt)
                stack.append(nxt)
    cycle_ids = [objective.cycle_id]
    if objective.cycle.parent_id is not None:
        cycle_ids.append(objective.cycle.parent_id)
    current_parents = Alignment.objects.filter(child=objective).values_list("parent_id", flat=True)
    return (
        objective_base(actor=actor)
        .filter(cycle_id__in=cycle_ids)
        .exclude(pk__in=below)
        .exclude(pk__in=current_parents)
        .exclude(state=ObjectiveState.CANCELLED)
        .select_related("team", "cycle")
        .order_by("cycle__start_date", "level", "title")
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
    teams = list(team_list(actor=actor))
    below: dict[int, int] = {}  # team id → the direct sub-team of ``team`` it sits under
    children: dict[int | None, list[Team]] = {}
    for t in teams:
        children.setdefault(t.parent_id, []).append(t)
    direct = sorted(children.get(team.pk, []), key=lambda t: t.name.lower())
    for sub in direct:
        stack = [sub]
        while stack:
            t = stack.pop()
            if t.pk in below or t.pk == team.pk:
                continue
            below[t.pk] = sub.pk
            stack.extend(children.get(t.pk, []))
    qs = objective_list(actor=actor, cycle=cycle, include_cancelled=False)
    loaded = list(qs.filter(team_id__in=[team.pk, *below]))
    metrics = compute_metrics(organisation=actor.organisation, objectives=loaded, now=now)
    own = [o for o in loaded if o.team_id == team.pk]
    per_sub: dict[int, list[float]] = {}
    for o in loaded:
        if o.team_id in below:
            per_sub.setdefault(below[o.team_id], []).append(metrics.objective(o).progress)  # type: ignore[index]
    sub_teams = [SubTeamRollup(t, _mean(per_sub.get(t.pk, [])), len(per_sub.get(t.pk, []))) for t in direct]
    return TeamOverview(
        objectives=own,
        metrics=metrics,
        progress=_mean(metrics.objective(o).progress for o in own),
        stale=stale_owners(objectives=own, metrics=metrics, now=now),
        sub_teams=sub_teams,
    )


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
