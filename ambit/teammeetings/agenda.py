"""The agenda of a team check-in: the team's key results in the running cycle(s), behind and at
risk first, each with what moved since the last meeting.

Status, progress, pace and confidence are the metrics the team page shows (``okrs.metrics``, fed
by the pure engine); "then" is the key result's latest check-in before the meeting's ``since``
read through the engine's own attainment rule. Each key result also carries the notes of the
check-ins since (with their authors), the blockers raised on it in the standups of the last two
weeks, and its owner's note for this meeting.

A fixed number of queries however many key results, people or teams: the running cycles, the
visible objectives with their key results (prefetched), the metrics' own reads, one for the
check-ins since, one for each key result's reading then, one for the blockers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, OuterRef, Subquery, Window
from django.db.models.functions import RowNumber, Trim

from ambit.accounts.models import Membership, Team
from ambit.notify.schedule import zone
from ambit.okrs import engine
from ambit.okrs.metrics import KRMetrics, compute_metrics
from ambit.okrs.metrics_initiatives import progress_then as initiatives_then
from ambit.okrs.models import (
    CheckIn,
    Cycle,
    CycleState,
    KeyResult,
    KeyResultKind,
    KeyResultState,
    Objective,
    ObjectiveState,
)
from ambit.okrs.selectors import objective_base, objective_list
from ambit.rituals.models import Section, StandupLine

BLOCKER_DAYS = 14
NOTES_SHOWN = 5
# Behind first, then at risk, then gone quiet, then not started, then the rest.
STATUS_ORDER = {
    engine.STATUS_BEHIND: 0,
    engine.STATUS_AT_RISK: 1,
    engine.STATUS_STALE: 2,
    engine.STATUS_NOT_STARTED: 3,
}


@dataclass
class CheckInNote:
    author: str
    at: dt.datetime
    text: str


@dataclass
class Blocker:
    author: str
    day: dt.date
    text: str


@dataclass
class AgendaRow:
    key_result: KeyResult
    objective: Objective
    metrics: KRMetrics
    progress_then: float | None
    confidence_then: int | None
    confidence_then_display: float | str | None
    checkins_since: int = 0
    notes: list[CheckInNote] = field(default_factory=list)  # newest first
    blockers: list[Blocker] = field(default_factory=list)  # newest first
    owner_note: Any = None  # the owner's note for this meeting (a TeamMeetingItem)
    can_note: bool = False  # the actor may write the owner's note now

    @property
    def progress_change(self) -> float | None:
        return None if self.progress_then is None else self.metrics.progress - self.progress_then

    @property
    def confidence_change(self) -> int | None:
        return None if self.confidence_then is None else self.metrics.confidence - self.confidence_then

    @property
    def flagged(self) -> bool:
        return self.metrics.status in (engine.STATUS_BEHIND, engine.STATUS_AT_RISK)

    @property
    def moved(self) -> bool:
        return self.checkins_since > 0


@dataclass
class Agenda:
    since: dt.datetime
    cycles: list[Cycle]
    rows: list[AgendaRow]

    @property
    def flagged_count(self) -> int:
        return sum(1 for r in self.rows if r.flagged)

    @property
    def moved_count(self) -> int:
        return sum(1 for r in self.rows if r.moved)


def _name(member: Membership) -> str:
    return str(member.user.get_full_name() or member.user.email)


def running_cycles(*, actor: Membership, on: dt.date) -> list[Cycle]:
    """The organisation's active cycles covering ``on`` (a quarter and its year, say)."""
    return list(
        Cycle.objects.filter(
            organisation_id=actor.organisation_id, state=CycleState.ACTIVE, start_date__lte=on, end_date__gte=on
        ).order_by("start_date", "pk")
    )


def agenda_key_results(*, actor: Membership, team: Team, on: dt.date) -> list[KeyResult]:
    """The key results the agenda shows, without their numbers (one query): what an item may be about."""
    visible = objective_base(actor=actor).filter(
        team=team, state=ObjectiveState.ACTIVE, cycle__in=[c.pk for c in running_cycles(actor=actor, on=on)]
    )
    return list(
        KeyResult.objects.filter(objective__in=visible, state=KeyResultState.ACTIVE).order_by(
            "objective__position", "objective_id", "position", "pk"
        )
    )


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _then_progress(kr: KeyResult, value: object, milestones_done: Sequence[int] | None) -> float | None:
    milestones: tuple[engine.MilestoneState, ...] = ()
    if kr.kind == KeyResultKind.MILESTONES:
        done = set(milestones_done or [])
        milestones = tuple(engine.MilestoneState(weight=m.weight, done=m.pk in done) for m in kr.milestones.all())
    attainment = engine.kr_attainment(
        kr.kind,
        start=_float(kr.start_value),
        target=_float(kr.target_value),
        current=_float(value),
        milestones=milestones,
    )
    return None if attainment is None else engine.clamp01(attainment)


def _readings_then(ids: list[int], since: dt.datetime) -> dict[int, tuple[object, list[int], int]]:
    """Each key result's latest check-in before ``since``: (value, milestones done, confidence)."""
    latest = (
        CheckIn.objects.filter(key_result=OuterRef("pk"), created_at__lt=since)
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    then_ids = KeyResult.objects.filter(pk__in=ids).annotate(then_id=Subquery(latest)).values("then_id")
    return {
        kr_id: (value, done or [], confidence)
        for kr_id, value, done, confidence in CheckIn.objects.filter(pk__in=then_ids).values_list(
            "key_result_id", "value", "milestones_done", "confidence"
        )
    }


def build_agenda(
    *,
    actor: Membership,
    team: Team,
    since: dt.datetime,
    now: dt.datetime,
    cycles: list[Cycle] | None = None,
) -> Agenda:
    """The team's agenda as the actor may see it: what moved from ``since`` to ``now``."""
    organisation = actor.organisation
    today = now.astimezone(zone(organisation.time_zone)).date()
    cycles = running_cycles(actor=actor, on=today) if cycles is None else cycles
    if not cycles:
        return Agenda(since=since, cycles=[], rows=[])
    objectives = list(
        objective_list(actor=actor, team=team, state=ObjectiveState.ACTIVE).filter(cycle__in=[c.pk for c in cycles])
    )
    if not objectives:
        return Agenda(since=since, cycles=cycles, rows=[])
    metrics = compute_metrics(organisation=organisation, objectives=objectives, now=now)
    krs = [
        kr
        for o in objectives
        for kr in o.key_results.all()
        if kr.state == KeyResultState.ACTIVE and kr.pk in metrics.krs
    ]
    ids = [kr.pk for kr in krs]
    then = _readings_then(ids, since) if ids else {}
    # Key results counting their initiatives: the share done at ``since`` (one query, only with the option).
    shares = initiatives_then(krs, since)
    # How many check-ins since, and the newest few notes of each key result: bounded by the key
    # results, not by how often people checked in (two queries, whatever the traffic).
    moved = CheckIn.objects.filter(key_result_id__in=ids, created_at__gte=since, created_at__lte=now)
    counts = dict(moved.order_by().values("key_result_id").annotate(n=Count("pk")).values_list("key_result_id", "n"))
    recent: dict[int, list[CheckIn]] = {}
    newest_first = [F("created_at").desc(), F("pk").desc()]
    for checkin in (
        moved.annotate(text=Trim("note"))
        .exclude(text="")
        .annotate(rank=Window(RowNumber(), partition_by=[F("key_result_id")], order_by=newest_first))
        .filter(rank__lte=NOTES_SHOWN)
        .select_related("author__user")
        .order_by(*newest_first)
    ):
        recent.setdefault(checkin.key_result_id, []).append(checkin)
    blockers: dict[int, list[Blocker]] = {}
    for line in (
        StandupLine.objects.filter(
            section=Section.BLOCKERS,
            key_result_id__in=ids,
            standup__organisation_id=organisation.pk,
            standup__day__gte=today - dt.timedelta(days=BLOCKER_DAYS - 1),
        )
        .select_related("standup__author__user")
        .order_by("-standup__day", "pk")
    ):
        assert line.key_result_id is not None
        blockers.setdefault(line.key_result_id, []).append(
            Blocker(author=_name(line.standup.author), day=line.standup.day, text=line.text)
        )
    scale = str(organisation.confidence_scale)
    rows = []
    for kr in krs:
        km = metrics.krs[kr.pk]
        reading = then.get(kr.pk)
        moves = counts.get(kr.pk, 0)
        progress_then: float | None
        if kr.pk in shares:
            progress_then = shares[kr.pk]
        elif reading is not None and not km.linked:
            progress_then = _then_progress(kr, reading[0], reading[1])
        else:
            # No check-in before: it started from nothing; a linked one moves with its children.
            progress_then = None if km.linked else (0.0 if moves else None)
        rows.append(
            AgendaRow(
                key_result=kr,
                objective=kr.objective,
                metrics=km,
                progress_then=progress_then,
                confidence_then=reading[2] if reading is not None else None,
                confidence_then_display=engine.to_scale(reading[2], scale) if reading is not None else None,
                checkins_since=moves,
                notes=[
                    CheckInNote(author=_name(c.author), at=c.created_at, text=c.note.strip())
                    for c in recent.get(kr.pk, [])
                ],
                blockers=blockers.get(kr.pk, []),
            )
        )
    rows.sort(key=lambda r: (STATUS_ORDER.get(r.metrics.status, 4), r.metrics.gap, r.key_result.title, r.key_result.pk))
    return Agenda(since=since, cycles=cycles, rows=rows)
