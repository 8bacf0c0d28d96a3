"""What a cycle report says, gathered once for every format (PDF, XLSX, the page).

``cycle_report_data`` reads a fixed number of queries whatever the number of objectives: the
objectives, their key results (with milestones and checkpoints) in three, the engine's metrics for
all of them in one batch (``compute_metrics``), the team tree, the check-ins of the objectives that
get a chart, the organisation's progress line (``dashboards.trends``), reflections and check-in
discipline through their apps' contracts. Every number comes from the engine; nothing here
recomputes progress, score, band or verdict its own way.

Visibility: with a ``viewer``, what that member may see (``okrs.selectors.objective_base``);
without one (the command, the closing announcement), only objectives visible to everyone in the
organisation. A team report covers the team's subtree: objectives of those teams and the
individual objectives of their people.
"""

from __future__ import annotations

import copy
import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from ambit.accounts.models import Membership, Organisation, Team, TeamMember
from ambit.accounts.selectors import subtree_ids
from ambit.dashboards.discipline import DisciplineRow, discipline_by_team
from ambit.dashboards.trends import history_samples, progress_history, readings
from ambit.okrs import charts, engine
from ambit.okrs.history import CheckInRow, compact_history
from ambit.okrs.metrics import KRMetrics, ObjectiveMetrics, compute_metrics
from ambit.okrs.metrics_initiatives import InitiativeHistory, initiative_histories
from ambit.okrs.metrics_then import aligned
from ambit.okrs.models import Alignment, Cycle, KeyResult, Objective, ObjectiveState, Visibility
from ambit.okrs.prefetch import attach_key_results
from ambit.okrs.selectors import objective_base
from ambit.retros.selectors import Reflection, reflections_for_report

# Drafts and proposals were never committed to: a report is about the work the cycle ran.
REPORTED_STATES = (ObjectiveState.ACTIVE, ObjectiveState.CLOSED, ObjectiveState.CANCELLED)
# A chart costs the PDF about a tenth of a second and 5 kB: a 10,000-person organisation has
# 5,000 objectives a quarter, so charts go to the first ones in report order (company and
# department objectives come first) and every other objective keeps its bar and numbers.
MAX_OBJECTIVE_CHARTS = 40
# Past this many objectives the PDF lists key results without their own bars (a bar is a box,
# and boxes are what WeasyPrint's time goes by): the 10,000-person report stays within a minute.
COMPACT_FROM = 300
LEVEL_ORDER = {"company": 0, "department": 1, "team": 2, "individual": 3}
# met/partial/missed: the engine's five verdicts read for the summary (success counts as met,
# a miss as missed).
VERDICT_GROUPS = {
    engine.VERDICT_MET: "met",
    engine.VERDICT_SUCCESS: "met",
    engine.VERDICT_PARTIAL: "partial",
    engine.VERDICT_MISSED: "missed",
    engine.VERDICT_MISS: "missed",
}
VERDICT_ORDER = ("met", "partial", "missed")

Point = tuple[dt.date | dt.datetime, float]


@dataclass(frozen=True)
class ReportKeyResult:
    id: int
    title: str
    owner: str
    kind: str
    unit: str
    start: float | None
    target: float | None
    current: float | None
    weight: float
    progress: float
    status: str
    suggested_score: float
    score: float | None  # recorded (None: not scored yet)
    shown_score: float  # the recorded score, else the suggestion: what band and verdict read
    band: str
    verdict: str
    confidence: float | str  # the final confidence on the organisation's scale
    score_note: str
    cancelled: bool


@dataclass(frozen=True)
class ReportObjective:
    id: int
    title: str
    team: str
    team_id: int | None
    owner: str
    level: str
    ambition: str
    state: str
    progress: float
    expected: float
    status: str
    suggested_score: float | None
    score: float | None
    shown_score: float | None
    band: str | None
    verdict: str | None
    confidence: float | None  # mean of the live key results' confidence, stored 0–10 scale
    reading: str  # how to read the score for this ambition
    score_note: str
    key_results: list[ReportKeyResult]
    series: list[Point] | None = None  # progress over time, for the objectives that get a chart

    @property
    def cancelled(self) -> bool:
        return self.state == ObjectiveState.CANCELLED


@dataclass(frozen=True)
class ReportSummary:
    objective_count: int  # not cancelled
    cancelled_count: int
    key_result_count: int  # live key results of those objectives
    progress: float | None
    mean_score: float | None
    verdicts: dict[str, int]  # met / partial / missed
    statuses: dict[str, int]  # objective status → count, in the engine's order, zeros left out


@dataclass(frozen=True)
class CycleReport:
    organisation: Organisation
    cycle: Cycle
    team: Team | None
    viewer_name: str  # whose view it is; "" for everyone's (only objectives everyone may see)
    generated_at: dt.datetime
    summary: ReportSummary
    objectives: list[ReportObjective]
    reflections: list[Reflection] = field(default_factory=list)
    discipline: list[DisciplineRow] = field(default_factory=list)
    history: list[tuple[dt.datetime, float]] = field(default_factory=list)  # the scope's progress line
    confidence_scale: str = engine.SCALE_0_10

    @property
    def scope(self) -> str:
        return f"{self.team.name} and the teams below it" if self.team is not None else self.organisation.name

    @property
    def audience(self) -> str:
        return self.viewer_name or f"everyone in {self.organisation.name}"

    @property
    def compact(self) -> bool:
        return len(self.objectives) > COMPACT_FROM

    @property
    def in_full(self) -> list[ReportObjective]:
        """The objectives the PDF shows with their key results: all of them, or in a compact
        report the company, department and team ones."""
        if not self.compact:
            return self.objectives
        return [o for o in self.objectives if o.level != "individual"]

    @property
    def in_one_line(self) -> list[ReportObjective]:
        """In a compact report, the individual objectives: one line each (their key results are in
        the XLSX). Half of a large organisation's objectives, and most of its PDF's pages."""
        return [o for o in self.objectives if o.level == "individual"] if self.compact else []

    @property
    def charted(self) -> int:
        return sum(1 for o in self.objectives if o.series is not None)


# --- Scope -------------------------------------------------------------------------------------


def team_subtree_ids(team: Team, teams: Sequence[tuple[int, int | None]]) -> set[int]:
    """``team`` and every team below it, from the organisation's (id, parent id) pairs."""
    return subtree_ids(team.pk, teams)


def _objectives(cycle: Cycle, viewer: Membership | None, team_ids: set[int] | None) -> QuerySet[Objective]:
    if viewer is not None:
        qs = objective_base(actor=viewer)
    else:
        qs = Objective.objects.filter(organisation_id=cycle.organisation_id, visibility=Visibility.PUBLIC)
    qs = qs.filter(cycle_id=cycle.pk, state__in=REPORTED_STATES)
    if team_ids is not None:
        people = TeamMember.objects.filter(team_id__in=team_ids).values("membership_id")
        qs = qs.filter(Q(team_id__in=team_ids) | Q(team__isnull=True, owner_id__in=people))
    return qs.select_related("team", "owner__user").defer("description")


def _name(member: Membership) -> str:
    return str(member.user.get_full_name() or member.user.email)


def _order(o: Objective) -> tuple[int, str, int, int]:
    return (LEVEL_ORDER.get(o.level, 9), o.team.name.lower() if o.team else "~", o.position, o.pk)


# --- Gathering ---------------------------------------------------------------------------------


def cycle_report_data(
    cycle: Cycle,
    *,
    team: Team | None = None,
    viewer: Membership | None = None,
    now: dt.datetime | None = None,
    full: bool = True,
) -> CycleReport:
    """Everything a report of ``cycle`` shows, for the organisation or ``team``'s subtree, as
    ``viewer`` may see it (everyone's view without one). ``full=False`` leaves out what only the
    downloads show (per-objective charts, reflections, discipline): the report page's summary."""
    org = cycle.organisation
    now = now or timezone.now()
    team_ids = None
    if team is not None:
        pairs = list(Team.objects.filter(organisation_id=org.pk).values_list("id", "parent_id"))
        team_ids = team_subtree_ids(team, pairs)
    chosen = _objectives(cycle, viewer, team_ids)
    objectives = sorted(chosen, key=_order)
    shared = copy.copy(cycle)  # every objective is in ``cycle``: one copy instead of a join
    for o in objectives:
        o._state.fields_cache["cycle"] = shared
    # Subqueries, not lists of ids: thousands of ids would be a long ``IN`` (and past SQLite's limit).
    kr_qs = KeyResult.objects.filter(organisation_id=org.pk, objective_id__in=chosen.values("pk"))
    attach_key_results(
        objectives, kr_qs.select_related("owner__user").defer("description"), key_result_ids=kr_qs.values("pk")
    )
    metrics = compute_metrics(organisation=org, objectives=objectives, now=now)
    charted = {o.pk for o in objectives[:MAX_OBJECTIVE_CHARTS]} if full else set()
    history = compact_history([kr.pk for o in objectives if o.pk in charted for kr in o.key_results.all()])
    # Charted key results counting their initiatives: the share done over time (one query, only with them).
    histories = initiative_histories(kr for o in objectives if o.pk in charted for kr in o.key_results.all())
    tz = zoneinfo.ZoneInfo(org.time_zone or "UTC")
    rows = [
        _objective(
            o,
            metrics.objective(o),
            {kr.pk: metrics.kr(kr) for kr in o.key_results.all()},
            _series(o, history, tz, histories) if o.pk in charted else None,
        )
        for o in objectives
    ]
    shown = {o.pk for o in objectives}
    reflections: list[Reflection] = []
    discipline: list[DisciplineRow] = []
    if full:
        # Objective reflections only for objectives in the report: a private one stays private.
        reflections = [
            r
            for r in reflections_for_report(cycle, team_ids=team_ids)
            if r.objective_id is None or r.objective_id in shown
        ]
        # A viewer's report counts what they may see; everyone's counts every key result's
        # check-ins (numbers, no titles).
        discipline = discipline_by_team(cycle, team_ids=team_ids, actor=viewer)
    return CycleReport(
        organisation=org,
        cycle=cycle,
        team=team,
        viewer_name=_name(viewer) if viewer is not None else "",
        generated_at=now,
        summary=_summary(rows),
        objectives=rows,
        reflections=reflections,
        discipline=discipline,
        history=_progress_line(org, cycle, objectives, chosen, now, tz),
        confidence_scale=org.confidence_scale,
    )


def _kr(kr: KeyResult, km: KRMetrics) -> ReportKeyResult:
    shown = kr.score if kr.score is not None else km.suggested_score

    def number(value: Any) -> float | None:
        return None if value is None else float(value)

    return ReportKeyResult(
        id=kr.pk,
        title=kr.title,
        owner=_name(kr.owner),
        kind=kr.kind,
        unit=kr.unit,
        start=number(kr.start_value),
        target=number(kr.target_value),
        current=number(kr.current_value) if kr.last_checkin_at is not None else None,
        weight=kr.weight,
        progress=km.progress,
        status=km.status,
        suggested_score=km.suggested_score,
        score=kr.score,
        shown_score=shown,
        band=engine.score_band(shown),
        verdict=km.verdict,
        confidence=km.confidence_display,
        score_note=kr.score_note,
        cancelled=kr.is_cancelled,
    )


def _objective(
    o: Objective, om: ObjectiveMetrics, krs: dict[int, KRMetrics], series: list[Point] | None
) -> ReportObjective:
    shown = o.score if o.score is not None else om.suggested_score
    return ReportObjective(
        id=o.pk,
        title=o.title,
        team=o.team.name if o.team else "",
        team_id=o.team_id,
        owner=_name(o.owner),
        level=o.level,
        ambition=o.ambition,
        state=o.state,
        progress=om.progress,
        expected=om.expected,
        status=om.status,
        suggested_score=om.suggested_score,
        score=o.score,
        shown_score=shown,
        band=om.band,
        verdict=om.verdict,
        confidence=om.confidence,
        reading=om.reading,
        score_note=o.score_note,
        key_results=[_kr(kr, krs[kr.pk]) for kr in o.key_results.all()],
        series=series,
    )


def _summary(rows: list[ReportObjective]) -> ReportSummary:
    live = [o for o in rows if not o.cancelled]
    verdicts = dict.fromkeys(VERDICT_ORDER, 0)
    for o in live:
        if o.verdict is not None:
            verdicts[VERDICT_GROUPS[o.verdict]] += 1
    statuses: dict[str, int] = {}
    for status in engine.STATUSES:
        n = sum(1 for o in rows if o.status == status)
        if n:
            statuses[status] = n
    scores = [o.shown_score for o in live if o.shown_score is not None]
    mean = engine.mean(scores)
    return ReportSummary(
        objective_count=len(live),
        cancelled_count=len(rows) - len(live),
        key_result_count=sum(1 for o in live for kr in o.key_results if not kr.cancelled),
        progress=engine.organisation_progress(o.progress for o in live),
        mean_score=None if mean is None else engine.round_half_up(mean, 2),
        verdicts=verdicts,
        statuses=statuses,
    )


# --- Progress over time ------------------------------------------------------------------------


def _series(
    o: Objective,
    history: dict[int, list[CheckInRow]],
    tz: dt.tzinfo,
    initiatives: dict[int, InitiativeHistory] | None = None,
) -> list[Point]:
    """The objective's progress line as its page draws it: each key result's progress after each
    check-in (corrections in place, one point a day), their weighted mean at each moment; one
    counting its initiatives, the share done after each was done."""
    per_kr: list[tuple[float, Sequence[Point]]] = []
    for kr in o.key_results.all():
        if kr.is_cancelled:
            continue
        shares = (initiatives or {}).get(kr.pk)
        if shares is not None:
            per_kr.append((kr.weight, charts.daily([(timezone.localtime(at, tz), p) for at, p in shares.series()])))
            continue
        points = [
            charts.CheckInPoint(
                when=timezone.localtime(c.created_at, tz),
                value=float(c.value) if c.value is not None else None,
                milestones_done=c.milestones_done or [],
                id=c.pk,
                corrects=c.corrects_id,
            )
            for c in history.get(kr.pk, [])
        ]
        series = charts.kr_progress_series(
            kind=kr.kind,
            start=float(kr.start_value) if kr.start_value is not None else None,
            target=float(kr.target_value) if kr.target_value is not None else None,
            points=points,
            milestone_weights={m.pk: m.weight for m in kr.milestones.all()},
        )
        per_kr.append((kr.weight, charts.daily(series)))
    return charts.objective_progress_series(per_kr)


def _progress_line(
    org: Organisation,
    cycle: Cycle,
    objectives: list[Objective],
    chosen: QuerySet[Objective],
    now: dt.datetime,
    tz: dt.tzinfo,
) -> list[tuple[dt.datetime, float]]:
    """The scope's progress over the cycle, as the dashboard draws the organisation's: each key
    result's reading at each sample (two queries), aligned children blended in per the charter
    (one more when it blends them)."""
    live = [o for o in objectives if o.state != ObjectiveState.CANCELLED]
    samples = history_samples(start=cycle.start_date, end=cycle.end_date, moment=now, tz=tz)
    if not samples or not live:
        return []
    ids = {o.pk for o in live}
    classic: dict[int, list[tuple[int, float]]] = {}
    if org.child_blend > 0:
        links = Alignment.objects.filter(organisation_id=org.pk, parent_id__in=chosen.values("pk"))
        for child, parent, weight in aligned(links, None, ids):
            if child in ids:
                classic.setdefault(parent, []).append((child, weight))
    live_ids = chosen.exclude(state=ObjectiveState.CANCELLED).values("pk")
    krs = KeyResult.objects.filter(organisation_id=org.pk, objective_id__in=live_ids)
    read = readings(key_results=krs, samples=samples)
    return progress_history(organisation=org, objectives=live, samples=samples, read=read, classic=classic)
