"""The quality check's feeder: loads the facts the pure rules (``ambit.okrs.engine.quality``) need
for a set of objectives, in a constant number of queries whatever their number, and calls them.

- ``assess_objectives(objectives)``: saved objectives (pages, the API, the readiness board, the
  approval queue) → ``{objective id: Assessment}``;
- ``assess_draft(...)``: what is being typed in a form, in the team and cycle it is for;
- ``draft_facts_from_rows(...)``: the sheet's dry run, rows not saved yet.

Context rules (too many objectives, duplicate or competing key results) look at the live
objectives of the same team in the same cycle; for an individual objective (no team), at the same
owner's individual objectives in the cycle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q

from ambit.okrs.engine.quality import (
    Assessment,
    Context,
    Finding,
    KRFacts,
    Limits,
    ObjectiveFacts,
    PeerKR,
    assess,
    team_score,
)
from ambit.okrs.models import KeyResult, KeyResultState, Objective, ObjectiveState, Visibility

__all__ = [
    "Assessment",
    "DraftScope",
    "Finding",
    "QualityView",
    "assess_draft",
    "assess_loaded",
    "assess_objectives",
    "bar_status",
    "kr_facts_from_row",
    "limits_for",
    "loaded_facts",
    "quality_view",
    "team_score",
]

LIVE_OBJECTIVE_STATES = (ObjectiveState.DRAFT, ObjectiveState.PROPOSED, ObjectiveState.ACTIVE)
_KR_FIELDS = (
    "id",
    "objective_id",
    "title",
    "kind",
    "start_value",
    "target_value",
    "stretch_target",
    "unit",
    "unit_kind",
    "owner__is_active",
    "position",
)


def limits_for(organisation: Any) -> Limits:
    """The charter's limits on objectives per team and per person."""
    return Limits(
        max_objectives_per_team=organisation.max_objectives_per_team,
        max_objectives_per_person=organisation.max_objectives_per_person,
    )


def _kr_facts(row: dict[str, Any], position: int) -> KRFacts:
    return KRFacts(
        id=row["id"],
        position=position,
        title=row["title"],
        kind=row["kind"],
        start=row["start_value"],
        target=row["target_value"],
        stretch=row["stretch_target"],
        unit=row["unit"] or "",
        unit_kind=row["unit_kind"],
        has_owner=bool(row["owner__is_active"]),
        milestone_count=row["milestone_count"],
    )


@dataclass
class _Peer:
    id: int
    scope: _Scope
    title: str
    hidden: bool
    key_results: list[KRFacts] = field(default_factory=list)


@dataclass(frozen=True)
class _Scope:
    cycle_id: int
    team_id: int | None
    owner_id: int

    @property
    def key(self) -> tuple[int, str, int]:
        if self.team_id is not None:
            return (self.cycle_id, "team", self.team_id)
        return (self.cycle_id, "person", self.owner_id)


def _load_key_results(objective_ids: Iterable[int]) -> dict[int, list[KRFacts]]:
    rows = (
        KeyResult.objects.filter(objective_id__in=list(objective_ids), state=KeyResultState.ACTIVE)
        .annotate(milestone_count=Count("milestones"))
        .order_by("objective_id", "position", "id")
        .values(*_KR_FIELDS, "milestone_count")
    )
    by_objective: dict[int, list[KRFacts]] = defaultdict(list)
    for row in rows:
        krs = by_objective[row["objective_id"]]
        krs.append(_kr_facts(row, len(krs)))
    return by_objective


_PEER_KR = "key_results__"


def _load_peers(organisation_id: int, scopes: Sequence[_Scope]) -> dict[tuple[int, str, int], list[_Peer]]:
    """The live objectives sharing each scope (team or person, in a cycle) with their live key
    results: one query (objectives left-joined to their key results)."""
    if not scopes:
        return {}
    cycles = {s.cycle_id for s in scopes}
    teams = {s.team_id for s in scopes if s.team_id is not None}
    owners = {s.owner_id for s in scopes if s.team_id is None}
    rows = (
        Objective.objects.filter(
            Q(team_id__in=teams) | Q(team__isnull=True, owner_id__in=owners),
            organisation_id=organisation_id,
            cycle_id__in=cycles,
            state__in=LIVE_OBJECTIVE_STATES,
        )
        .order_by("id", "key_results__position", "key_results__id")
        .values(
            "id",
            "cycle_id",
            "team_id",
            "owner_id",
            "title",
            "visibility",
            *(_PEER_KR + name for name in ("id", "title", "kind", "unit", "unit_kind", "state")),
            *(_PEER_KR + name for name in ("start_value", "target_value", "stretch_target")),
        )
    )
    by_id: dict[int, _Peer] = {}
    for row in rows:
        peer = by_id.get(row["id"])
        if peer is None:
            scope = _Scope(row["cycle_id"], row["team_id"], row["owner_id"])
            hidden = row["visibility"] != Visibility.PUBLIC
            peer = by_id[row["id"]] = _Peer(row["id"], scope, row["title"], hidden)
        if row[_PEER_KR + "id"] is not None and row[_PEER_KR + "state"] == KeyResultState.ACTIVE:
            peer.key_results.append(
                KRFacts(
                    id=row[_PEER_KR + "id"],
                    position=len(peer.key_results),
                    title=row[_PEER_KR + "title"],
                    kind=row[_PEER_KR + "kind"],
                    start=row[_PEER_KR + "start_value"],
                    target=row[_PEER_KR + "target_value"],
                    stretch=row[_PEER_KR + "stretch_target"],
                    unit=row[_PEER_KR + "unit"] or "",
                    unit_kind=row[_PEER_KR + "unit_kind"],
                )
            )
    peers: dict[tuple[int, str, int], list[_Peer]] = defaultdict(list)
    for peer in by_id.values():
        peers[peer.scope.key].append(peer)
    return peers


def _context(
    scope: _Scope, objective_id: int | None, peers: dict[tuple[int, str, int], list[_Peer]], limits: Limits
) -> Context:
    others = [p for p in peers.get(scope.key, []) if p.id != objective_id]
    count = len(others) + 1  # itself, saved or being written
    return Context(
        team_objective_count=count if scope.team_id is not None else 0,
        person_objective_count=count if scope.team_id is None else 0,
        peers=tuple(PeerKR(p.title, kr, p.hidden) for p in others for kr in p.key_results),
        limits=limits,
    )


def assess_objectives(objectives: Iterable[Objective | int]) -> dict[int, Assessment]:
    """Score and findings for each objective (instances or ids of one organisation), keyed by
    id, in three queries whatever their number."""
    ids = sorted({o if isinstance(o, int) else o.pk for o in objectives})
    if not ids:
        return {}
    rows = list(Objective.objects.filter(pk__in=ids).select_related("organisation", "owner"))
    if not rows:
        return {}
    organisation = rows[0].organisation
    rows = [r for r in rows if r.organisation_id == organisation.pk]  # one organisation only
    scopes = {r.pk: _Scope(r.cycle_id, r.team_id, r.owner_id) for r in rows}
    peers = _load_peers(organisation.pk, list(set(scopes.values())))
    krs = _load_key_results(ids)
    limits = limits_for(organisation)
    result: dict[int, Assessment] = {}
    for row in rows:
        facts = ObjectiveFacts(
            id=row.pk,
            title=row.title,
            description=row.description,
            ambition=row.ambition,
            has_owner=bool(row.owner.is_active),
            key_results=tuple(krs.get(row.pk, [])),
        )
        result[row.pk] = assess(facts, _context(scopes[row.pk], row.pk, peers, limits))
    return result


@dataclass(frozen=True)
class DraftScope:
    """Where an objective being written will sit (ids already checked against the organisation)."""

    organisation: Any
    cycle_id: int | None
    team_id: int | None
    owner_id: int | None
    objective_id: int | None = None


def assess_draft(scope: DraftScope, facts: ObjectiveFacts) -> Assessment:
    """The check for an objective not saved yet (or being edited): ``facts`` as typed, its
    context from the saved objectives of the same team (or owner) and cycle — two queries."""
    if scope.cycle_id is None or (scope.team_id is None and scope.owner_id is None):
        return assess(facts, Context(limits=limits_for(scope.organisation)))
    key = _Scope(scope.cycle_id, scope.team_id, scope.owner_id or 0)
    peers = _load_peers(scope.organisation.pk, [key])
    return assess(facts, _context(key, scope.objective_id, peers, limits_for(scope.organisation)))


def loaded_facts(objective: Objective) -> ObjectiveFacts:
    """Facts for an objective whose owner and key results (with their owners and milestones) are
    loaded (``objective_get``)."""
    krs = [kr for kr in objective.key_results.all() if kr.state == KeyResultState.ACTIVE]
    return ObjectiveFacts(
        id=objective.pk,
        title=objective.title,
        description=objective.description,
        ambition=objective.ambition,
        has_owner=bool(objective.owner.is_active),
        key_results=tuple(_from_instance(kr, i) for i, kr in enumerate(krs)),
    )


def _from_instance(kr: KeyResult, position: int) -> KRFacts:
    return KRFacts(
        id=kr.pk,
        position=position,
        title=kr.title,
        kind=kr.kind,
        start=kr.start_value,
        target=kr.target_value,
        stretch=kr.stretch_target,
        unit=kr.unit,
        unit_kind=kr.unit_kind,
        has_owner=bool(kr.owner.is_active),
        milestone_count=len(kr.milestones.all()),
    )


def scope_of(objective: Objective, organisation: Any) -> DraftScope:
    """Where a saved objective sits; ``organisation`` is the acting member's (already loaded)."""
    return DraftScope(organisation, objective.cycle_id, objective.team_id, objective.owner_id, objective.pk)


def assess_loaded(objective: Objective, organisation: Any) -> Assessment:
    """The check for one objective already loaded with its key results, as on the objective
    page: one query, for its team's (or owner's) other objectives in the cycle."""
    return assess_draft(scope_of(objective, organisation), loaded_facts(objective))


# The quality bar's colour: the progress bar's status classes, by score.
GOOD_SCORE_FROM = 80
FAIR_SCORE_FROM = 50


def bar_status(score: int | None) -> str:
    if score is None:
        return ""
    if score >= GOOD_SCORE_FROM:
        return "on_track"
    return "at_risk" if score >= FAIR_SCORE_FROM else "behind"


@dataclass(frozen=True)
class QualityView:
    """An assessment shaped for the findings partials: the objective's findings, then each key
    result's under its title."""

    score: int
    objective_findings: list[Finding]
    key_result_groups: list[tuple[str, list[Finding]]]

    @property
    def share(self) -> float:
        return self.score / 100

    @property
    def status(self) -> str:
        return bar_status(self.score)

    @property
    def count(self) -> int:
        return len(self.objective_findings) + sum(len(f) for _, f in self.key_result_groups)


def quality_view(assessment: Assessment, key_result_titles: Sequence[str]) -> QualityView:
    """``key_result_titles``: the titles in the order the facts listed them (their positions)."""
    groups: dict[int, list[Finding]] = defaultdict(list)
    for finding in assessment.findings:
        if finding.key_result_position is not None:
            groups[finding.key_result_position].append(finding)
    return QualityView(
        score=assessment.score,
        objective_findings=assessment.objective_findings,
        key_result_groups=[
            (key_result_titles[i] if i < len(key_result_titles) else f"Key result {i + 1}", groups[i])
            for i in sorted(groups)
        ],
    )


def _decimal(raw: object) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except ArithmeticError:
        return None
    return value if value.is_finite() else None


def kr_facts_from_row(
    position: int,
    *,
    title: str,
    kind: str,
    start: object = None,
    target: object = None,
    stretch: object = None,
    unit: str = "",
    unit_kind: str = "number",
    has_owner: bool = True,
    milestone_count: int = 0,
    key_result_id: int | None = None,
) -> KRFacts:
    """Facts for a key result typed in a form or a sheet row (numbers as text are fine)."""
    return KRFacts(
        id=key_result_id,
        position=position,
        title=title or "",
        kind=kind,
        start=_decimal(start),
        target=_decimal(target),
        stretch=_decimal(stretch),
        unit=unit or "",
        unit_kind=unit_kind or "number",
        has_owner=has_owner,
        milestone_count=milestone_count,
    )
