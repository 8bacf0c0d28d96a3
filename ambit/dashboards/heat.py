"""The heat map at any depth: every team under some roots, depth first, each with the engine's
``team_progress`` of the objectives anywhere in its subtree (pure: no queries).

The organisation dashboard's grid shows the top two levels; this is the full tree behind it (and
the team dashboard's subtree), rows indented by depth.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ambit.accounts.selectors import subtree_ids as accounts_subtree_ids
from ambit.okrs import engine

NO_DATA = "none"
# (id, parent id, name, slug) of every team that may appear, as ``values_list`` returns them.
TeamTuple = tuple[int, int | None, str, str]


@dataclass
class HeatRow:
    team_id: int
    name: str
    slug: str
    progress: float | None
    objective_count: int
    status: str  # a pace status, or NO_DATA without objectives
    depth: int  # 0 for the roots
    parent_id: int | None
    has_children: bool


def children_of(teams: Iterable[TeamTuple]) -> dict[int | None, list[int]]:
    out: dict[int | None, list[int]] = {}
    for tid, pid, _name, _slug in teams:
        out.setdefault(pid, []).append(tid)
    return out


def heat_rows(
    teams: Sequence[TeamTuple],
    roots: Sequence[int],
    objectives: Iterable[tuple[int | None, float]],
    *,
    expected: float,
    thresholds: engine.PaceThresholds,
) -> list[HeatRow]:
    """Rows for ``roots`` and every team below them, depth first, siblings by name.
    ``objectives``: ``(team id, progress)`` of each objective counted."""
    info = {tid: (name, slug) for tid, _pid, name, slug in teams}
    children = children_of(teams)
    order: list[tuple[int, int, int | None]] = []  # (team, depth, parent)
    ancestors: dict[int, list[int]] = {}  # team → itself and its ancestors up to its root
    seen: set[int] = set()

    def by_name(ids: Iterable[int]) -> list[int]:
        return sorted((t for t in ids if t in info), key=lambda t: (info[t][0].lower(), t))

    for root in by_name(roots):
        stack: list[tuple[int, int, int | None, list[int]]] = [(root, 0, None, [])]
        while stack:
            tid, depth, parent, above = stack.pop()
            if tid in seen:
                continue  # a loop the services refuse; never walk forever on bad data
            seen.add(tid)
            order.append((tid, depth, parent))
            ancestors[tid] = [tid, *above]
            for child in reversed(by_name(children.get(tid, []))):
                stack.append((child, depth + 1, tid, ancestors[tid]))
    values: dict[int, list[float]] = {}
    for team_id, share in objectives:
        for tid in ancestors.get(team_id, []) if team_id is not None else []:
            values.setdefault(tid, []).append(share)
    rows = []
    for tid, depth, parent in order:
        progress = engine.team_progress(values.get(tid, []))
        status = NO_DATA
        if progress is not None:
            status = engine.pace_status(progress=progress, expected=expected, thresholds=thresholds)
        name, slug = info[tid]
        has_children = any(c in seen for c in children.get(tid, []))
        rows.append(HeatRow(tid, name, slug, progress, len(values.get(tid, [])), status, depth, parent, has_children))
    return rows


def subtree_ids(teams: Sequence[TeamTuple], root: int) -> set[int]:
    """``root`` and every team below it."""
    return accounts_subtree_ids(root, ((t[0], t[1]) for t in teams))
