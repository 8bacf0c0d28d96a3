"""Writes of rollover: rolling unfinished objectives into a later cycle, and recording that nothing
rolls over. Pages, the API and the sheet's users all come through here.

``rollover`` copies each chosen objective into the target through the okrs services
(``objective_create``, ``key_result_create``, ``alignment_add``), so their rules, audit entries and
roll-up refreshes apply as if someone had typed the copies; then it links each copy to its source
(``rolled_over_from``, audited as ``objective.rollover`` on the copy) and records the cycle's
decision (``rollover.decide``). All in one transaction: one refusal and nothing is saved.

What a copy keeps: title, description, owner, team, ambition, visibility, big move (unless
archived), contributors still active, its unfinished key results (progress below 1, not
cancelled) with their target, stretch, unit, kind, weight, owner and KPI link, each starting from
its **last reading** (the latest check-in, else the old start; a checklist keeps the milestones
not yet done) and a fresh confidence (PRODUCT.md §3: new key results start at 5). Open
initiatives move to the new key result. Alignment: to the parent's copy when the parent rolls
over in the same run, else to the same parent when the alignment rules allow it from the target
cycle, else none (said in the result). The source keeps its history and check-ins untouched.

Who: champions and admins any objective; team leads their teams' objectives (and their people's
individual ones). "Nothing to roll over" is the cycle's decision: champions and admins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.audit import audit_record
from ambit.core.errors import Conflict
from ambit.core.models import AuditAction
from ambit.core.permissions import require_org_editor, require_same_org, require_writer
from ambit.core.validation import MAX_REASON, clean_text
from ambit.dashboards.selectors import org_today
from ambit.initiatives.models import Initiative, InitiativeStatus, SprintEntry
from ambit.initiatives.services import require_can_write
from ambit.kpis.models import KpiLink
from ambit.kpis.services import can_manage as can_manage_kpi
from ambit.kpis.services import kpi_link
from ambit.okrs import engine
from ambit.okrs import services as okrs
from ambit.okrs.models import Alignment, Cycle, CycleState, KeyResult, Objective, ObjectiveState
from ambit.okrs.selectors import objective_base
from ambit.okrs.selectors_tree import alignment_candidates
from ambit.rollover import selectors
from ambit.rollover.models import RolloverDecision
from ambit.rollover.selectors import Candidate, KrPlan

ROLL_DENIED = "Only OKR champions, admins and team leads roll OKRs over (team leads: their teams' OKRs)."
NOTHING = "Nothing to roll over."
CHOOSE = "Choose the objectives to roll over, or a threshold (one of the two)."


@dataclass
class Rolled:
    source: Objective
    copy: Objective
    key_results: list[tuple[KeyResult, KeyResult]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class RolloverResult:
    source: Cycle
    target: Cycle
    rolled: list[Rolled]
    decision: RolloverDecision

    @property
    def notes(self) -> list[str]:
        return [n for r in self.rolled for n in r.notes]


# --- Checks --------------------------------------------------------------------------------------


def check_target(source: Cycle, target: Cycle) -> None:
    if target.pk == source.pk or target.start_date <= source.start_date:
        raise ValidationError(
            {"target_cycle_id": f"Roll over into a cycle that starts after {source.name}: {target.name} does not."}
        )
    if target.state == CycleState.CLOSED:
        raise ValidationError({"target_cycle_id": f"{target.name} is closed: roll over into an open cycle."})


def check_threshold(threshold: Any) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 < threshold <= 1:
        raise ValidationError({"threshold": "A threshold is a share above 0 and at most 1 (0.5 for 50%)."})
    return float(threshold)


def _already(candidate: Candidate, target: Cycle) -> str:
    copy = candidate.rolled_to
    assert copy is not None
    title = candidate.objective.title
    if copy.cycle_id == target.pk:
        return f"“{title}” is already rolled over into {target.name}."
    return f"“{title}” is already rolled over into {copy.cycle.name}: roll over that copy instead."


def _chosen(
    actor: Membership, source: Cycle, target: Cycle, objective_ids: Sequence[int] | None, threshold: float | None
) -> list[Candidate]:
    """The candidates to roll over: those named (each checked), or every one below ``threshold``
    that the actor may roll over and that has no copy yet."""
    found = selectors.candidates(actor=actor, cycle=source)
    if objective_ids is None:
        assert threshold is not None
        picked = [c for c in found if c.below(threshold) and c.can_roll and c.rolled_to is None]
        if not picked:
            raise ValidationError({"threshold": f"No objective you may roll over is below {threshold:.0%}."})
        return picked
    by_id = {c.objective.pk: c for c in found}
    wanted = list(dict.fromkeys(objective_ids))
    if not wanted:
        raise ValidationError({"objective_ids": CHOOSE})
    picked = []
    for pk in wanted:
        candidate = by_id.get(pk)
        if candidate is None:
            existing = objective_base(actor=actor).filter(pk=pk, cycle_id=source.pk).first()
            if existing is not None:
                raise ValidationError(
                    {"objective_ids": f"“{existing.title}” is finished or cancelled: there is nothing to roll over."}
                )
            raise ValidationError({"objective_ids": f"There is no objective #{pk} in {source.name}."})
        if not candidate.can_roll:
            raise PermissionDenied(f"You may not roll over “{candidate.objective.title}”. {ROLL_DENIED}")
        if candidate.rolled_to is not None:
            raise Conflict(_already(candidate, target), field="objective_ids")
        picked.append(candidate)
    return picked


def _parents_first(picked: list[Candidate], links: list[Alignment]) -> list[Candidate]:
    """Order the run so a parent (aligned, or the objective of a cascaded key result) is copied
    before its children: they then link to its copy."""
    ids = {c.objective.pk for c in picked}
    above: dict[int, set[int]] = {pk: set() for pk in ids}
    for link in links:
        if link.parent_id in ids:
            above[link.child_id].add(link.parent_id)
    for c in picked:
        skr = c.objective.source_key_result
        if skr is not None and skr.objective_id in ids:
            above[c.objective.pk].add(skr.objective_id)
    done: list[Candidate] = []
    seen: set[int] = set()
    by_id = {c.objective.pk: c for c in picked}

    def visit(pk: int, path: frozenset[int]) -> None:
        if pk in seen or pk in path:
            return
        for parent in sorted(above[pk]):
            visit(parent, path | {pk})
        seen.add(pk)
        done.append(by_id[pk])

    for c in picked:
        visit(c.objective.pk, frozenset())
    return done


@contextmanager
def _about(objective: Objective) -> Iterator[None]:
    """A refusal from an okrs service, prefixed with the objective it was about."""
    prefix = f"“{objective.title}”: "
    try:
        yield
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise ValidationError({k: [prefix + m for m in v] for k, v in exc.message_dict.items()}) from exc
        raise ValidationError([prefix + m for m in exc.messages]) from exc
    except Conflict as exc:
        raise Conflict(prefix + exc.message, field=exc.field) from exc


# --- The copy -----------------------------------------------------------------------------------


@dataclass
class _Run:
    actor: Membership
    source: Cycle
    target: Cycle
    links: dict[int, list[Alignment]]
    kpi_links: dict[int, KpiLink]
    today: dt.date
    copies: dict[int, Objective] = field(default_factory=dict)
    kr_copies: dict[int, KeyResult] = field(default_factory=dict)


def _copy_objective(run: _Run, c: Candidate) -> Rolled:
    o = c.objective
    notes: list[str] = []
    theme = o.theme
    if theme is not None and theme.is_archived:
        notes.append(f"“{o.title}”: its big move “{theme.title}” is archived, so the copy has none.")
        theme = None
    source_kr = None
    if o.source_key_result_id is not None:
        source_kr = run.kr_copies.get(o.source_key_result_id)
        if source_kr is None:
            notes.append(f"“{o.title}”: the key result it was cascaded from did not roll over: the copy is not linked.")
    state = ObjectiveState.ACTIVE if run.target.state == CycleState.ACTIVE else ObjectiveState.DRAFT
    with _about(o):
        copy = okrs.objective_create(
            actor=run.actor,
            cycle=run.target,
            title=o.title,
            description=o.description,
            owner=o.owner,
            team=o.team,
            theme=theme,
            ambition=o.ambition,
            visibility=o.visibility,
            state=state,
            contributors=[m for m in o.contributors.all() if m.is_active],
            source_key_result=source_kr,
        )
    copy.rolled_over_from = o
    copy.save(update_fields=["rolled_over_from", "updated_at"])
    run.copies[o.pk] = copy
    rolled = Rolled(source=o, copy=copy, notes=notes)
    _align(run, o, copy, notes)
    for plan in c.key_results:
        rolled.key_results.append((plan.key_result, _copy_key_result(run, o, copy, plan, notes)))
    audit_record(
        actor=run.actor,
        organisation=run.actor.organisation,
        action=AuditAction.OBJECTIVE_ROLLOVER,
        obj=copy,
        changes={
            "rolled_over_from": [None, o.pk],
            "source_cycle": [None, run.source.pk],
            "cycle": [None, run.target.pk],
            "key_results": [None, [[old.pk, new.pk] for old, new in rolled.key_results]],
        },
    )
    return rolled


def _align(run: _Run, source: Objective, copy: Objective, notes: list[str]) -> None:
    for link in run.links.get(source.pk, []):
        parent = run.copies.get(link.parent_id)
        if parent is None and alignment_candidates(actor=run.actor, objective=copy).filter(pk=link.parent_id).exists():
            parent = link.parent
        if parent is None:
            notes.append(
                f"“{source.title}”: its parent “{link.parent.title}” ({link.parent.cycle.name}) cannot be aligned to "
                f"from {run.target.name}: the copy is left unaligned there."
            )
            continue
        try:
            okrs.alignment_add(actor=run.actor, child=copy, parent=parent, weight=link.weight)
        except (Conflict, ValidationError, PermissionDenied) as exc:
            reason = exc.message if isinstance(exc, Conflict) else " ".join(getattr(exc, "messages", [str(exc)]))
            notes.append(f"“{source.title}”: not aligned to “{parent.title}” ({reason})")


def _copy_key_result(run: _Run, source: Objective, copy: Objective, plan: KrPlan, notes: list[str]) -> KeyResult:
    kr = plan.key_result
    with _about(source):
        new = okrs.key_result_create(
            actor=run.actor,
            objective=copy,
            title=kr.title,
            description=kr.description,
            kind=kr.kind,
            start_value=plan.start,
            target_value=kr.target_value,
            stretch_target=kr.stretch_target,
            unit=kr.unit,
            unit_kind=kr.unit_kind,
            weight=kr.weight,
            owner=kr.owner,
            milestones=plan.milestones,
            confidence=engine.DEFAULT_CONFIDENCE,
        )
        if kr.progress_from_children:
            okrs.key_result_update(actor=run.actor, key_result=new, progress_from_children=True)
    run.kr_copies[kr.pk] = new
    link = run.kpi_links.get(kr.pk)
    if link is not None:
        kpi = link.kpi
        if kpi.is_archived:
            notes.append(f"“{kr.title}”: the KPI “{kpi.name}” is archived, so the copy does not feed it.")
        elif not can_manage_kpi(run.actor, kpi.team_id):
            notes.append(f"“{kr.title}”: you may not link KPI “{kpi.name}”: ask its team lead to link the copy.")
        else:
            kpi_link(actor=run.actor, kpi=kpi, key_result=new)
    _move_initiatives(run, kr, new)
    return new


def _move_initiatives(run: _Run, old: KeyResult, new: KeyResult) -> None:
    """The open initiatives of ``old`` carry on under ``new``; a sprint of the old cycle is left
    (its record stays once that sprint has ended, as when an initiative leaves a sprint)."""
    moving = list(
        Initiative.objects.filter(key_result=old, status__in=[InitiativeStatus.PLANNED, InitiativeStatus.IN_PROGRESS])
        .select_related("sprint")
        .order_by("position", "pk")
    )
    for position, initiative in enumerate(moving, start=1):
        require_can_write(run.actor, old, initiative)
        sprint = initiative.sprint
        fields = ["key_result", "position", "updated_at"]
        changes: dict[str, list[Any]] = {"key_result": [old.pk, new.pk]}
        if sprint is not None and sprint.cycle_id != run.target.pk:
            if sprint.end_date >= run.today:
                SprintEntry.objects.filter(sprint=sprint, initiative=initiative).delete()
            initiative.sprint = None
            fields.append("sprint")
            changes["sprint"] = [sprint.pk, None]
        initiative.key_result = new
        initiative.position = position
        initiative.save(update_fields=fields)
        audit_record(
            actor=run.actor,
            organisation=run.actor.organisation,
            action=AuditAction.INITIATIVE_UPDATE,
            obj=initiative,
            changes=changes,
        )


# --- The services ---------------------------------------------------------------------------------


@transaction.atomic
def rollover(
    actor: Membership,
    *,
    source: Cycle,
    target: Cycle,
    objective_ids: Sequence[int] | None = None,
    threshold: float | None = None,
    now: dt.datetime | None = None,
) -> RolloverResult:
    """Roll the chosen objectives of ``source`` (``objective_ids``, or every one below
    ``threshold`` the actor may roll over) into ``target``; see the module's docstring."""
    require_same_org(actor, source.organisation_id)
    require_same_org(actor, target.organisation_id)
    require_writer(actor)
    if not selectors.can_roll_over_any(actor):
        raise PermissionDenied(ROLL_DENIED)
    check_target(source, target)
    if (objective_ids is None) == (threshold is None):
        raise ValidationError({"objective_ids": CHOOSE})
    if objective_ids is None:
        threshold = check_threshold(threshold)
    # One run per source cycle at a time: a retry or a second click waits, then finds the copies.
    Cycle.objects.select_for_update().filter(pk=source.pk).first()
    picked = _chosen(actor, source, target, objective_ids, threshold)
    ids = [c.objective.pk for c in picked]
    links = list(Alignment.objects.filter(child_id__in=ids).select_related("parent__cycle").order_by("pk"))
    kr_ids = [p.key_result.pk for c in picked for p in c.key_results]
    now = now or timezone.now()
    run = _Run(
        actor=actor,
        source=source,
        target=target,
        links={},
        kpi_links={k.key_result_id: k for k in KpiLink.objects.filter(key_result_id__in=kr_ids).select_related("kpi")},
        today=org_today(actor.organisation, now),
    )
    for link in links:
        run.links.setdefault(link.child_id, []).append(link)
    _prefetch(picked)
    rolled = [_copy_objective(run, c) for c in _parents_first(picked, links)]
    decision = _decide(actor, source, target, rolled, now)
    return RolloverResult(source=source, target=target, rolled=rolled, decision=decision)


def _prefetch(picked: list[Candidate]) -> None:
    prefetch_related_objects([c.objective for c in picked], "contributors", "source_key_result")


def _decide(
    actor: Membership, source: Cycle, target: Cycle, rolled: list[Rolled], now: dt.datetime
) -> RolloverDecision:
    decision = RolloverDecision.objects.select_for_update().filter(cycle_id=source.pk).first()
    before: dict[str, Any] = {"target": None, "rolled_count": 0, "note": ""}
    if decision is None:
        decision = RolloverDecision.objects.create(
            organisation_id=actor.organisation_id,
            cycle=source,
            target=target,
            decided_by=actor,
            decided_at=now,
            rolled_count=len(rolled),
        )
    else:
        before = {"target": decision.target_id, "rolled_count": decision.rolled_count, "note": decision.note}
        decision.target, decision.decided_by, decision.decided_at = target, actor, now
        decision.rolled_count += len(rolled)
        decision.note = ""
        decision.save(update_fields=["target", "decided_by", "decided_at", "rolled_count", "note", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.ROLLOVER_DECIDE,
        obj=decision,
        changes={
            "target": [before["target"], target.pk],
            "rolled_count": [before["rolled_count"], decision.rolled_count],
            **({"note": [before["note"], ""]} if before["note"] else {}),
            "objectives": [None, [[r.source.pk, r.copy.pk] for r in rolled]],
        },
    )
    return decision


@transaction.atomic
def rollover_nothing(
    actor: Membership, *, cycle: Cycle, note: str = "", now: dt.datetime | None = None
) -> RolloverDecision:
    """Record that nothing of ``cycle`` rolls over (champions and admins). Again: no change."""
    require_same_org(actor, cycle.organisation_id)
    require_org_editor(actor, "decide that nothing rolls over")
    extra = clean_text(note, field="note", max_length=MAX_REASON)
    Cycle.objects.select_for_update().filter(pk=cycle.pk).first()
    decision = RolloverDecision.objects.filter(cycle_id=cycle.pk).first()
    if decision is not None:
        if decision.rolled_count:
            n = decision.rolled_count
            raise Conflict(
                f"{n} objective{'' if n == 1 else 's'} of {cycle.name} {'was' if n == 1 else 'were'} already rolled "
                "over: the rollover is decided.",
                field="cycle",
            )
        return decision
    text = f"{NOTHING} {extra}".strip() if extra else NOTHING
    decision = RolloverDecision.objects.create(
        organisation_id=actor.organisation_id,
        cycle=cycle,
        decided_by=actor,
        decided_at=now or timezone.now(),
        note=text,
    )
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.ROLLOVER_DECIDE,
        obj=decision,
        changes={"target": [None, None], "rolled_count": [None, 0], "note": [None, text]},
    )
    return decision
