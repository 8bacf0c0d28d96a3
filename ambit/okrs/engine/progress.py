"""Progress: the first of the three numbers (PRODUCT.md section 3), for key results and objectives.

Attainment is the raw ratio a key result has reached (it may exceed 1 and is shown as such);
progress is attainment clamped to [0, 1] and is the only thing that rolls up.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .constants import (
    KIND_BINARY,
    KIND_DECREASE,
    KIND_INCREASE,
    KIND_MILESTONES,
    KIND_STAY_ABOVE,
    KIND_STAY_BELOW,
    KR_KINDS,
)


@dataclass(frozen=True)
class MilestoneState:
    weight: float
    done: bool


@dataclass(frozen=True)
class Weighted:
    progress: float
    weight: float


def clamp01(value: float) -> float:
    """Clamp to [0, 1]; NaN (never a meaningful progress) becomes 0."""
    if math.isnan(value):
        return 0.0
    return min(1.0, max(0.0, value))


def _ratio(start: float, target: float, current: float) -> float:
    span = target - start
    if math.isinf(span):
        # Extreme but finite inputs overflow the span; halving keeps the ratio and stays finite.
        return (current / 2 - start / 2) / (target / 2 - start / 2)
    return (current - start) / span


def _milestone_share(milestones: Sequence[MilestoneState]) -> float:
    usable = [m for m in milestones if math.isfinite(m.weight) and m.weight > 0]
    if not usable:
        return 0.0
    top = max(m.weight for m in usable)
    # Normalising by the largest weight keeps the sums finite for any finite weights.
    total = sum(m.weight / top for m in usable)
    done = sum(m.weight / top for m in usable if m.done)
    return clamp01(done / total)


def kr_attainment(
    kind: str,
    *,
    start: float | None,
    target: float | None,
    current: float | None,
    milestones: Sequence[MilestoneState] = (),
) -> float | None:
    """Raw, unclamped attainment of a key result, or None when it cannot be measured yet.

    Value kinds (increase, decrease, stay_above, stay_below) return None without a current value
    (no check-in) and also when the target, or for increase/decrease the start, is missing.
    A binary key result counts as done when ``current`` is at least 0.5, so a stored 1.0 (or a
    form's 0.999...) is done and 0.0 or None is not.
    """
    if kind not in KR_KINDS:
        raise ValueError(f"Unknown key-result kind {kind!r}; expected one of {', '.join(KR_KINDS)}")
    if kind == KIND_MILESTONES:
        return _milestone_share(milestones)
    if kind == KIND_BINARY:
        return 1.0 if current is not None and current >= 0.5 else 0.0
    if current is None or target is None:
        return None
    if kind == KIND_STAY_ABOVE:
        return 1.0 if current >= target else 0.0
    if kind == KIND_STAY_BELOW:
        return 1.0 if current <= target else 0.0
    if start is None:
        return None
    if start == target:
        # No distance to travel: only the side of the target the value is on matters.
        reached = current >= target if kind == KIND_INCREASE else current <= target
        return 1.0 if reached else 0.0
    assert kind in (KIND_INCREASE, KIND_DECREASE)
    # The same ratio serves both directions: a decrease has a negative span.
    return _ratio(start, target, current)


def initiatives_share(*, done: int, counted: int) -> float | None:
    """Attainment of a key result that takes its progress from its initiatives: the share done of
    those that count (dropped ones are left out by the caller, as cancelled key results are from an
    objective). None when none counts: not measurable yet, like a checklist with nothing to tick."""
    if counted <= 0:
        return None
    return clamp01(done / counted)


def kr_progress(
    kind: str,
    *,
    start: float | None,
    target: float | None,
    current: float | None,
    milestones: Sequence[MilestoneState] = (),
) -> float:
    """Attainment clamped to [0, 1]; 0.0 when the key result cannot be measured yet."""
    attainment = kr_attainment(kind, start=start, target=target, current=current, milestones=milestones)
    return 0.0 if attainment is None else clamp01(attainment)


def stretch_progress(
    kind: str,
    *,
    start: float | None,
    target: float | None,
    stretch: float | None,
    current: float | None,
) -> float | None:
    """How far past the target toward the stretch target a key result is, in [0, 1].

    Progress stops at 1 at the target (PRODUCT.md section 3); what lies beyond is read against
    the stretch: 0 at the target, 1 at (or past) the stretch. None when there is no stretch to
    read against (no stretch, not an increase/decrease, no value yet) or the target is not
    reached, so "40 % of the way to the stretch" is only ever said of a key result that made it.
    """
    if kind not in (KIND_INCREASE, KIND_DECREASE) or None in (start, target, stretch, current):
        return None
    assert start is not None and target is not None and stretch is not None and current is not None
    if stretch == target or kr_progress(kind, start=start, target=target, current=current) < 1.0:
        return None
    return clamp01(_ratio(target, stretch, current))


def weighted_mean(items: Sequence[Weighted]) -> float | None:
    """Weighted mean of ``progress``; items with a weight <= 0 (or not finite) do not count.

    None when nothing counts. The result never leaves the range of the counted values, even
    under float rounding.
    """
    usable = [i for i in items if math.isfinite(i.weight) and i.weight > 0]
    if not usable:
        return None
    top = max(i.weight for i in usable)
    total = sum(i.weight / top for i in usable)
    mean = sum(i.progress * (i.weight / top) for i in usable) / total
    low = min(i.progress for i in usable)
    high = max(i.progress for i in usable)
    return min(high, max(low, mean))


def objective_progress(
    key_results: Sequence[Weighted],
    children: Sequence[Weighted] = (),
    child_blend: float = 0.0,
) -> float:
    """An objective's progress: weighted mean of its key results, optionally blended with children.

    Callers drop cancelled key results first. ``child_blend`` is the share (0-1) given to the
    weighted mean of aligned child objectives when both exist. Without counted key results the
    children's mean is used; with neither the objective is at 0.0.
    """
    if not 0.0 <= child_blend <= 1.0:
        raise ValueError(f"child_blend must be between 0 and 1, got {child_blend!r}")
    kr_mean = weighted_mean([Weighted(clamp01(i.progress), i.weight) for i in key_results])
    child_mean = weighted_mean([Weighted(clamp01(i.progress), i.weight) for i in children])
    if kr_mean is None:
        return 0.0 if child_mean is None else child_mean
    if child_mean is None or child_blend == 0.0:
        return kr_mean
    blended = (1.0 - child_blend) * kr_mean + child_blend * child_mean
    # (1 - b) * x + b * x can land an ulp off x; keep the blend between the two means.
    return min(max(blended, min(kr_mean, child_mean)), max(kr_mean, child_mean))


def duality_progress(children_progress: Sequence[float]) -> float | None:
    """Progress of a key result that takes it from its duality children: the plain mean of their
    progress (each clamped), summed exactly so the order they come in cannot move the result;
    None when no child counts (the key result then keeps its own progress)."""
    if not children_progress:
        return None
    values = [clamp01(p) for p in children_progress]
    return min(max(values), max(min(values), math.fsum(values) / len(values)))


@dataclass(frozen=True)
class KRNode:
    id: int
    weight: float
    progress: float
    cancelled: bool = False
    # Duality: child objectives this key result takes its progress from (plain mean) when set.
    from_children: tuple[int, ...] = ()


@dataclass(frozen=True)
class ObjectiveNode:
    id: int
    key_results: tuple[KRNode, ...]
    # Classic alignment: (child objective id, alignment weight).
    children: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True)
class RollupResult:
    objective_progress: dict[int, float] = field(default_factory=dict)
    kr_progress: dict[int, float] = field(default_factory=dict)


def _dependencies(node: ObjectiveNode, nodes: Mapping[int, ObjectiveNode]) -> list[int]:
    deps = [child for child, _ in node.children]
    for kr in node.key_results:
        deps.extend(kr.from_children)
    return [d for d in dict.fromkeys(deps) if d in nodes]


def _components(nodes: Mapping[int, ObjectiveNode]) -> list[list[int]]:
    """Strongly connected components, children before parents (iterative Tarjan)."""
    graph = {oid: _dependencies(node, nodes) for oid, node in nodes.items()}
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    out: list[list[int]] = []
    for root in graph:
        if root in index:
            continue
        work: list[tuple[int, int]] = [(root, 0)]
        while work:
            vertex, edge = work.pop()
            if edge == 0:
                index[vertex] = low[vertex] = len(index)
                stack.append(vertex)
                on_stack.add(vertex)
            edges = graph[vertex]
            if edge > 0:
                low[vertex] = min(low[vertex], low[edges[edge - 1]])
            while edge < len(edges) and edges[edge] in index:
                if edges[edge] in on_stack:
                    low[vertex] = min(low[vertex], index[edges[edge]])
                edge += 1
            if edge < len(edges):
                # Resume this vertex after the child; the child's low link is folded in then.
                work.append((vertex, edge + 1))
                work.append((edges[edge], 0))
                continue
            if low[vertex] == index[vertex]:
                component: list[int] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == vertex:
                        break
                out.append(component)
    return out


def rollup(nodes: Mapping[int, ObjectiveNode], *, child_blend: float = 0.0) -> RollupResult:
    """Progress of every objective and key result of a tree (or forest) in one iterative pass.

    A key result with ``from_children`` takes the plain mean of those child objectives' progress
    (ids absent from ``nodes`` are ignored; with none left it keeps its own progress). Classic
    children blend in with ``child_blend``. Cancelled key results get an effective progress in
    ``kr_progress`` but never count toward their objective. Objectives on a cycle (which the
    database refuses, so this is only defensive) use their own key results' own progress only.
    """
    result = RollupResult()
    obj = result.objective_progress
    for component in _components(nodes):
        cyclic = len(component) > 1 or component[0] in _dependencies(nodes[component[0]], nodes)
        for oid in component:
            node = nodes[oid]
            counted: list[Weighted] = []
            for kr in node.key_results:
                sources = [] if cyclic else [obj[c] for c in kr.from_children if c in obj]
                fed = duality_progress(sources)
                effective = clamp01(kr.progress) if fed is None else fed
                result.kr_progress[kr.id] = effective
                if not kr.cancelled:
                    counted.append(Weighted(effective, kr.weight))
            children = [] if cyclic else [Weighted(obj[c], w) for c, w in node.children if c in obj]
            obj[oid] = objective_progress(counted, children, child_blend)
    return result
