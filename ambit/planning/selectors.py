"""Reads of the approval workflow and the quarterly OKR meeting, scoped to the acting member.

Every list here costs a fixed number of queries whatever its length (the pages pin them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.http import Http404

from ambit.accounts.models import Membership
from ambit.core.models import AuditAction, AuditEntry
from ambit.okrs.approvers import approvers_for, can_approve, is_council
from ambit.okrs.models import Alignment, Cycle, CycleState, KeyResult, KeyResultState, Objective, ObjectiveState
from ambit.okrs.quality import Assessment, assess_objectives
from ambit.okrs.selectors import objective_get
from ambit.planning.models import MeetingNote

LEVEL_ORDER = {"company": 0, "department": 1, "team": 2, "individual": 3}
OPEN_CYCLES = (CycleState.PLANNING, CycleState.ACTIVE)
PENDING_STATES = (ObjectiveState.DRAFT, ObjectiveState.PROPOSED)


@dataclass
class Row:
    """An objective in a queue or in the meeting, with what the page shows beside it."""

    objective: Objective
    kr_count: int = 0
    score: int | None = None
    findings: list[Any] = field(default_factory=list)
    proposed_at: Any = None
    sent_back: AuditEntry | None = None
    can_approve: bool = False

    @property
    def finding_count(self) -> int:
        return len(self.findings)

    @property
    def problems(self) -> list[Any]:
        return [f for f in self.findings if getattr(f, "severity", "") != "info"]


def _objectives(actor: Membership) -> Any:
    return (
        Objective.objects.filter(organisation_id=actor.organisation_id)
        .select_related("owner__user", "team", "cycle")
        .annotate(kr_count=Count("key_results", filter=~Q(key_results__state=KeyResultState.CANCELLED)))
        .defer("description")
    )


def _assess(objectives: Sequence[Objective]) -> dict[int, Assessment]:
    return assess_objectives(list(objectives)) if objectives else {}


def latest_entries(objective_ids: Sequence[int], actions: Sequence[str]) -> dict[tuple[int, str], AuditEntry]:
    """The latest audit entry of each action about each objective (one query)."""
    if not objective_ids:
        return {}
    out: dict[tuple[int, str], AuditEntry] = {}
    for entry in (
        AuditEntry.objects.filter(
            object_type=Objective._meta.label_lower,
            object_id__in=[str(i) for i in objective_ids],
            action__in=list(actions),
        )
        .select_related("actor")
        .order_by("created_at", "id")
    ):
        out[(int(entry.object_id), entry.action)] = entry
    return out


def open_send_back(entries: dict[tuple[int, str], AuditEntry], objective: Objective) -> AuditEntry | None:
    """The send-back comment the owner still has to answer: the latest one, while the objective is
    a draft that was not proposed again since."""
    back = entries.get((objective.pk, AuditAction.OBJECTIVE_SENT_BACK))
    if back is None or objective.state != ObjectiveState.DRAFT:
        return None
    again = entries.get((objective.pk, AuditAction.OBJECTIVE_PROPOSED))
    if again is not None and (again.created_at, again.pk) > (back.created_at, back.pk):
        return None
    return back


def rows_for(actor: Membership, objectives: list[Objective], *, with_approval: bool = True) -> list[Row]:
    assessments = _assess(objectives)
    entries = latest_entries(
        [o.pk for o in objectives], [AuditAction.OBJECTIVE_PROPOSED, AuditAction.OBJECTIVE_SENT_BACK]
    )
    approvers = approvers_for(objectives) if with_approval else {}
    rows = []
    for o in objectives:
        a = assessments.get(o.pk)
        proposed = entries.get((o.pk, AuditAction.OBJECTIVE_PROPOSED))
        rows.append(
            Row(
                objective=o,
                kr_count=getattr(o, "kr_count", 0),
                score=a.score if a else None,
                findings=list(a.findings) if a else [],
                proposed_at=proposed.created_at if proposed else None,
                sent_back=open_send_back(entries, o),
                can_approve=with_approval and can_approve(actor, o, approvers.get(o.pk, [])),
            )
        )
    return rows


def objective_row(*, actor: Membership, objective: Objective) -> Row:
    """One row of a queue, for the row an HTMX action answers with."""
    loaded = _objectives(actor).filter(pk=objective.pk).first() or objective
    (row,) = rows_for(actor, [loaded])
    return row


def approval_queue(*, actor: Membership) -> list[Row]:
    """Proposals waiting for ``actor``: those whose designated approvers (``okrs.approvers``)
    include them. A lead sees their members' individual proposals, the council the teams' and the
    company's (and those of people without a lead)."""
    if not actor.can_write:
        return []
    candidates = _objectives(actor).filter(state=ObjectiveState.PROPOSED, cycle__state__in=OPEN_CYCLES)
    if not is_council(actor):
        people = actor.led_member_ids() | set(actor.reports.values_list("pk", flat=True))
        if not people:
            return []
        candidates = candidates.filter(team__isnull=True, owner_id__in=people)
    objectives = list(candidates.order_by("cycle__start_date", "level", "title", "id"))
    approvers = approvers_for(objectives)
    mine = [o for o in objectives if any(m.pk == actor.pk for m in approvers.get(o.pk, []))]
    rows = rows_for(actor, mine, with_approval=False)
    for row in rows:
        row.can_approve = can_approve(actor, row.objective, approvers.get(row.objective.pk, []))
    return [r for r in rows if r.can_approve]


def approval_queue_count(*, actor: Membership) -> int:
    return len(approval_queue(actor=actor))


def my_proposals(*, actor: Membership) -> list[Row]:
    """The actor's own objectives going through approval in open cycles: proposed, sent back, or
    drafts and approvals that were proposed at least once."""
    objectives = list(
        _objectives(actor)
        .filter(owner=actor, cycle__state__in=OPEN_CYCLES, state__in=[*PENDING_STATES, ObjectiveState.ACTIVE])
        .order_by("cycle__start_date", "title", "id")
    )
    entries = latest_entries([o.pk for o in objectives], [AuditAction.OBJECTIVE_PROPOSED])
    through = [
        o for o in objectives if o.state == ObjectiveState.PROPOSED or (o.pk, AuditAction.OBJECTIVE_PROPOSED) in entries
    ]
    return rows_for(actor, through, with_approval=False)


# --- The quarterly OKR meeting ---------------------------------------------------------------------


def cycle_for(*, actor: Membership, cycle_id: int) -> Cycle:
    cycle = Cycle.objects.filter(pk=cycle_id, organisation_id=actor.organisation_id).first()
    if cycle is None:
        raise Http404("No such cycle.")
    return cycle


def _top_down(objectives: list[Objective], links: list[tuple[int, int]]) -> list[Objective]:
    """Depth first from the roots (objectives without a parent among these), company level first,
    so each objective follows the one it supports."""
    by_id = {o.pk: o for o in objectives}
    children: dict[int, list[int]] = {}
    has_parent: set[int] = set()
    for child, parent in links:
        if child in by_id and parent in by_id and child != parent:
            children.setdefault(parent, []).append(child)
            has_parent.add(child)

    def key(pk: int) -> tuple[int, str, int, int]:
        o = by_id[pk]
        return (LEVEL_ORDER.get(o.level, 9), o.team.name if o.team else "~", o.position, o.pk)

    out: list[Objective] = []
    seen: set[int] = set()

    def visit(pk: int) -> None:
        if pk in seen:
            return
        seen.add(pk)
        out.append(by_id[pk])
        for c in sorted(children.get(pk, []), key=key):
            visit(c)

    for pk in sorted((pk for pk in by_id if pk not in has_parent), key=key):
        visit(pk)
    for pk in sorted(by_id, key=key):  # anything left in a loop of links
        visit(pk)
    return out


def meeting_walk(*, actor: Membership, cycle: Cycle) -> list[Objective]:
    """The cycle's drafts and proposals, top-down through the alignment tree (two queries)."""
    objectives = list(_objectives(actor).filter(cycle=cycle, state__in=PENDING_STATES).order_by("position", "id"))
    links = list(
        Alignment.objects.filter(organisation_id=actor.organisation_id, child__cycle=cycle).values_list(
            "child_id", "parent_id"
        )
    )
    return _top_down(objectives, links)


@dataclass
class MeetingItem:
    row: Row
    key_results: list[KeyResult]
    parents: list[Objective]
    notes: list[MeetingNote]


def meeting_item(*, actor: Membership, objective: Objective, notes: Sequence[MeetingNote]) -> MeetingItem:
    """One objective of the walk with its key results, parents, quality and notes."""
    (row,) = rows_for(actor, [objective])
    key_results = list(
        KeyResult.objects.filter(objective=objective)
        .exclude(state=KeyResultState.CANCELLED)
        .select_related("owner__user")
        .order_by("position", "id")
    )
    parents = list(
        Objective.objects.filter(organisation_id=actor.organisation_id, child_links__child=objective)
        .select_related("owner__user", "team")
        .defer("description")
    )
    return MeetingItem(
        row=row,
        key_results=key_results,
        parents=parents,
        notes=[n for n in notes if n.objective_id == objective.pk],
    )


def meeting_notes(*, actor: Membership, cycle: Cycle) -> list[MeetingNote]:
    if cycle.organisation_id != actor.organisation_id:
        raise Http404("No such cycle.")
    return list(
        MeetingNote.objects.filter(organisation_id=actor.organisation_id, cycle=cycle)
        .select_related("owner__user", "author__user", "objective")
        .order_by("created_at", "id")
    )


def meeting_note_get(*, actor: Membership, note_id: int) -> MeetingNote:
    note = (
        MeetingNote.objects.filter(pk=note_id, organisation_id=actor.organisation_id)
        .select_related("cycle", "owner__user", "objective")
        .first()
    )
    if note is None:
        raise Http404("No such meeting note.")
    return note


def objective_for_approval(*, actor: Membership, objective_id: int) -> Objective:
    """An objective for an approval action: one the actor may see, or one they approve (a private
    objective proposed to its owner's lead); anything else, and other organisations', is a 404."""
    try:
        return objective_get(actor=actor, objective_id=objective_id)
    except Http404:
        objective = (
            Objective.objects.filter(pk=objective_id, organisation_id=actor.organisation_id)
            .select_related("cycle", "owner__user", "team", "organisation")
            .first()
        )
        if objective is None or not can_approve(actor, objective):
            raise
        return objective
