"""How objectives fed each other at a past moment, for ``compute_metrics`` (the dashboard's time
travel; ``dashboards/rewind.py`` works the values out of the audit log).

Today an objective's progress takes in its live duality children and, when the charter blends
them, its aligned children. At a past moment only those that existed then count, with the state
they had then, and the alignment links as they were then: a link made since did not exist, one
removed since did (with the weight it had).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import QuerySet

from ambit.okrs.models import Alignment, KeyResult, Objective, ObjectiveState


@dataclass(frozen=True)
class LinksThen:
    """``links[(child, parent)]``: the weight an alignment link had at ``moment``, None where it
    did not exist then; ``states[objective]``: the state then of objectives whose state changed
    since. What is not named is as today."""

    moment: dt.datetime
    links: Mapping[tuple[int, int], float | None] = field(default_factory=dict)
    states: Mapping[int, str] = field(default_factory=dict)
    # Feeders (objectives outside the asked set, such as another cycle's children) are loaded and
    # read as they were, never from their stored roll-up (today's): ``key_results`` narrows and
    # annotates their key results' queryset, ``rewind`` sets each loaded feeder's values then.
    key_results: Callable[[QuerySet[KeyResult]], QuerySet[KeyResult]] | None = None
    rewind: Callable[[Sequence[Objective]], None] | None = None


def links_then(
    links: Iterable[tuple[int, int, float]], then: LinksThen | None, *, parents: Iterable[int]
) -> list[tuple[int, int, float]]:
    """Alignment links ``(child, parent, weight)``: today's ``links`` as they were then (those made
    since left out, the others with their weight then), plus those removed since whose parent is
    one of ``parents``. Pure."""
    if then is None:
        return list(links)
    out = []
    for child, parent, weight in links:
        was = then.links.get((child, parent), weight)
        if was is not None:
            out.append((child, parent, was))
    wanted = set(parents)
    have = {(c, p) for c, p, _ in out}
    for (child, parent), was in then.links.items():
        if was is not None and parent in wanted and (child, parent) not in have:
            out.append((child, parent, was))
    return out


def aligned(links: QuerySet[Alignment], then: LinksThen | None, parents: Iterable[int]) -> list[tuple[int, int, float]]:
    """The ``(child, parent, weight)`` rows of ``links`` (filtered on ``parents``), as they were then."""
    return links_then(links.values_list("child_id", "parent_id", "weight"), then, parents=parents)


def feeding(objectives: QuerySet[Objective], then: LinksThen | None) -> list[tuple[int, int | None]]:
    """``(id, source key result)`` of those ``objectives`` that are not cancelled (at ``then``:
    that existed then, and were not cancelled then)."""
    if then is None:
        return list(objectives.exclude(state=ObjectiveState.CANCELLED).values_list("pk", "source_key_result_id"))
    rows = objectives.filter(created_at__lt=then.moment).values_list("pk", "source_key_result_id", "state")
    return [(pk, source) for pk, source, state in rows if then.states.get(pk, state) != ObjectiveState.CANCELLED]


def feeder_key_results(key_results: QuerySet[KeyResult], then: LinksThen | None) -> QuerySet[KeyResult]:
    """The queryset a feeder's key results load from (with milestones and checkpoints)."""
    key_results = key_results.prefetch_related("milestones", "checkpoints")
    return then.key_results(key_results) if then is not None and then.key_results is not None else key_results


def rewind_feeders(feeders: Sequence[Objective], then: LinksThen | None) -> None:
    if then is not None and then.rewind is not None:
        then.rewind(feeders)
