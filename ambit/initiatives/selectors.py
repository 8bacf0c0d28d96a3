"""Reads of initiatives and of a team's sprint plan, scoped to what the acting member may see.

An initiative is visible exactly when its key result's objective is (``okrs.selectors.visibility_q``):
anything else, another organisation's included, is a 404 like an id that does not exist.

The sprint board (``sprint_board``) costs a fixed number of queries however many key results,
initiatives, check-ins or blockers the team has: the objectives and their key results, the
engine's metrics, then one query each for initiatives, recent check-ins, blockers, the sprint goal
and the last sprint's plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils.safestring import SafeString, mark_safe

from ambit.accounts.models import Membership, Team
from ambit.dashboards.selectors import org_time_zone, org_today
from ambit.initiatives.models import Initiative, InitiativeStatus, SprintEntry, SprintPlan
from ambit.initiatives.services import can_set_sprint_goal, can_write_initiatives
from ambit.okrs import engine
from ambit.okrs.metrics import KRMetrics, compute_metrics
from ambit.okrs.models import CheckIn, Cycle, KeyResult, KeyResultState, Objective, Sprint
from ambit.okrs.selectors import objective_base, objective_list

# Behind pace first, then at risk, then gone quiet, then not started, then on track.
STATUS_ORDER = {
    engine.STATUS_BEHIND: 0,
    engine.STATUS_AT_RISK: 1,
    engine.STATUS_STALE: 2,
    engine.STATUS_NOT_STARTED: 3,
    engine.STATUS_ON_TRACK: 4,
}
TREND_POINTS = 5  # check-ins in a key result's confidence trend
BLOCKER_DAYS = 14  # standup blockers shown: the last two weeks


def initiative_base(*, actor: Membership) -> QuerySet[Initiative]:
    """The initiatives the actor may see: those of key results of objectives they may see."""
    if not actor.is_active:
        return Initiative.objects.none()
    return Initiative.objects.filter(
        organisation_id=actor.organisation_id, key_result__objective__in=objective_base(actor=actor)
    )


def initiative_list(
    *,
    actor: Membership,
    key_result: KeyResult | None = None,
    sprint: Sprint | None = None,
    team: Team | None = None,
    status: str | None = None,
) -> QuerySet[Initiative]:
    qs = initiative_base(actor=actor)
    if key_result is not None:
        qs = qs.filter(key_result=key_result)
    if sprint is not None:
        qs = qs.filter(sprint=sprint)
    if team is not None:
        qs = qs.filter(key_result__objective__team=team)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("owner__user", "sprint").order_by("key_result_id", "position", "pk")


def initiative_get(*, actor: Membership, initiative_id: int) -> Initiative:
    found = (
        initiative_base(actor=actor)
        .filter(pk=initiative_id)
        .select_related("key_result__objective__cycle", "owner__user", "sprint")
        .first()
    )
    if found is None:
        raise Http404("No such initiative.")
    return found


def sprints_of(*, actor: Membership, cycle: Cycle) -> list[Sprint]:
    if cycle.organisation_id != actor.organisation_id:
        raise Http404("No such cycle.")
    return list(Sprint.objects.filter(cycle=cycle).order_by("number"))


def sprint_get(*, actor: Membership, sprint_id: int) -> Sprint:
    found = Sprint.objects.filter(organisation_id=actor.organisation_id, pk=sprint_id).select_related("cycle").first()
    if found is None:
        raise Http404("No such sprint.")
    return found


def current_sprint(sprints: list[Sprint], today: dt.date) -> Sprint | None:
    """The sprint running today, else the next to start, else the last one (an ended cycle)."""
    for sprint in sprints:
        if sprint.start_date <= today <= sprint.end_date:
            return sprint
    upcoming = [s for s in sprints if s.start_date > today]
    if upcoming:
        return upcoming[0]
    return sprints[-1] if sprints else None


@dataclass
class Blocker:
    text: str
    day: dt.date
    author: str


@dataclass
class BoardRow:
    key_result: KeyResult
    objective: Objective
    metrics: KRMetrics
    confidence_trend: list[int]
    blockers: list[Blocker]
    planned: list[Initiative]
    backlog: list[Initiative]
    can_plan: bool
    scale: str = engine.SCALE_0_10

    @property
    def trend_display(self) -> list[float | str]:
        """The trend on the organisation's confidence scale (what the page prints)."""
        return [engine.to_scale(c, self.scale) for c in self.confidence_trend]

    @property
    def trend_svg(self) -> SafeString:
        """A small decorative line of the trend (0–10 bottom to top); the page prints the numbers too."""
        points = self.confidence_trend
        if len(points) < 2:
            return mark_safe("")
        width, height = 80, 20
        step = (width - 4) / (len(points) - 1)
        coords = " ".join(
            f"{round(2 + n * step, 1)},{round(height - 2 - c / 10 * (height - 4), 1)}" for n, c in enumerate(points)
        )
        # Only numbers go into the markup, so it is safe as it is.
        return mark_safe(
            f'<svg class="confidence-spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'aria-hidden="true" focusable="false"><polyline fill="none" stroke="currentColor" stroke-width="1.5" '
            f'points="{coords}"/></svg>'
        )

    @property
    def flagged(self) -> bool:
        return self.metrics.status in (engine.STATUS_BEHIND, engine.STATUS_AT_RISK)


@dataclass
class LastSprintLine:
    initiative: Initiative
    done: bool  # done by the sprint's last day
    where_now: str  # "done", "this sprint", "backlog", "sprint N", "dropped"


@dataclass
class SprintBoard:
    team: Team
    cycle: Cycle
    sprint: Sprint
    sprints: list[Sprint]
    rows: list[BoardRow]
    goal: str
    can_edit_goal: bool
    previous: Sprint | None
    following: Sprint | None
    last_sprint: list[LastSprintLine] = field(default_factory=list)
    today: dt.date | None = None

    @property
    def planned_count(self) -> int:
        return sum(len(r.planned) for r in self.rows)

    @property
    def last_done_count(self) -> int:
        return sum(1 for line in self.last_sprint if line.done)

    @property
    def is_past(self) -> bool:
        return self.today is not None and self.sprint.end_date < self.today

    @property
    def is_current(self) -> bool:
        return self.today is not None and self.sprint.start_date <= self.today <= self.sprint.end_date


def _trends(key_results: list[KeyResult]) -> dict[int, list[int]]:
    """The confidence of each key result's last few check-ins, oldest first (one query, reading
    only those few: a key result checked in daily has hundreds by the end of a quarter)."""
    trends: dict[int, list[int]] = {}
    newest_first = [F("created_at").desc(), F("pk").desc()]
    rows = (
        CheckIn.objects.filter(key_result_id__in=[kr.pk for kr in key_results])
        .annotate(rank=Window(RowNumber(), partition_by=[F("key_result_id")], order_by=newest_first))
        .filter(rank__lte=TREND_POINTS)
        .order_by("key_result_id", "created_at", "pk")
        .values_list("key_result_id", "confidence")
    )
    for kr_id, confidence in rows:
        trends.setdefault(kr_id, []).append(confidence)
    return trends


def _blockers(key_results: list[KeyResult], since: dt.date) -> dict[int, list[Blocker]]:
    """Blockers raised in standups on these key results since ``since``, newest first (one query,
    through the key result's ``standup_lines``: this app does not import the rituals app)."""
    found: dict[int, list[Blocker]] = {}
    rows = (
        KeyResult.objects.filter(
            pk__in=[kr.pk for kr in key_results],
            standup_lines__section="blockers",
            standup_lines__standup__day__gte=since,
        )
        .order_by("pk", "-standup_lines__standup__day", "standup_lines__pk")
        .values_list(
            "pk",
            "standup_lines__text",
            "standup_lines__standup__day",
            "standup_lines__standup__author__user__full_name",
            "standup_lines__standup__author__user__email",
        )
    )
    for kr_id, text, day, name, email in rows:
        found.setdefault(kr_id, []).append(Blocker(text=text, day=day, author=name or email))
    return found


def _last_sprint(team: Team, previous: Sprint, current: Sprint, zone: dt.tzinfo) -> list[LastSprintLine]:
    entries = (
        SprintEntry.objects.filter(sprint=previous, initiative__key_result__objective__team=team)
        .select_related("initiative__owner__user", "initiative__sprint", "initiative__key_result")
        .order_by("initiative__key_result_id", "initiative__position", "pk")
    )
    lines: list[LastSprintLine] = []
    for entry in entries:
        i = entry.initiative
        done_at = i.done_at
        done = (
            i.status == InitiativeStatus.DONE
            and done_at is not None
            and done_at.astimezone(zone).date() <= previous.end_date
        )
        if i.status == InitiativeStatus.DONE:
            where = "done"
        elif i.status == InitiativeStatus.DROPPED:
            where = "dropped"
        elif i.sprint_id == current.pk:
            where = "this sprint"
        elif i.sprint is None:
            where = "backlog"
        else:
            where = f"sprint {i.sprint.number}"
        lines.append(LastSprintLine(initiative=i, done=done, where_now=where))
    return lines


def sprint_board(*, actor: Membership, team: Team, cycle: Cycle, sprint: Sprint) -> SprintBoard:
    """The team's plan for ``sprint``: its key results of the cycle, behind pace first, each with
    progress, confidence trend, open blockers and initiatives (in this sprint / backlog)."""
    if (
        team.organisation_id != actor.organisation_id
        or cycle.organisation_id != actor.organisation_id
        or sprint.cycle_id != cycle.pk
    ):
        raise Http404("No such sprint.")
    today = org_today(actor.organisation)
    objectives = list(objective_list(actor=actor, cycle=cycle, include_cancelled=False).filter(team_id=team.pk))
    metrics = compute_metrics(organisation=actor.organisation, objectives=objectives)
    pairs = [
        (o, kr)
        for o in objectives
        for kr in o.key_results.all()
        if kr.state == KeyResultState.ACTIVE and kr.pk in metrics.krs
    ]
    krs = [kr for _, kr in pairs]
    initiatives: dict[int, list[Initiative]] = {}
    if krs:
        for i in (
            Initiative.objects.filter(key_result__in=krs)
            .select_related("owner__user", "sprint")
            .order_by("key_result_id", "position", "pk")
        ):
            initiatives.setdefault(i.key_result_id, []).append(i)
    trends = _trends(krs) if krs else {}
    blockers = _blockers(krs, today - dt.timedelta(days=BLOCKER_DAYS - 1)) if krs else {}
    rows: list[BoardRow] = []
    for o, kr in pairs:
        kr.objective = o
        mine = initiatives.get(kr.pk, [])
        rows.append(
            BoardRow(
                key_result=kr,
                objective=o,
                metrics=metrics.kr(kr),
                confidence_trend=trends.get(kr.pk, []),
                blockers=blockers.get(kr.pk, []),
                planned=[i for i in mine if i.sprint_id == sprint.pk],
                backlog=[i for i in mine if i.sprint_id is None and i.is_open],
                can_plan=can_write_initiatives(actor, kr, o),
                scale=actor.organisation.confidence_scale,
            )
        )
    rows.sort(
        key=lambda r: (
            STATUS_ORDER.get(r.metrics.status, 5),
            r.metrics.gap,
            r.key_result.title.lower(),
            r.key_result.pk,
        )
    )
    sprints = sprints_of(actor=actor, cycle=cycle)
    by_number = {s.number: s for s in sprints}
    previous = by_number.get(sprint.number - 1)
    plan = SprintPlan.objects.filter(team=team, sprint=sprint).values_list("goal", flat=True).first()
    return SprintBoard(
        team=team,
        cycle=cycle,
        sprint=sprint,
        sprints=sprints,
        rows=rows,
        goal=plan or "",
        can_edit_goal=can_set_sprint_goal(actor, team),
        previous=previous,
        following=by_number.get(sprint.number + 1),
        last_sprint=_last_sprint(team, previous, sprint, org_time_zone(actor.organisation))
        if previous is not None
        else [],
        today=today,
    )
