"""Which key results a monthly review asks commentary on, and when its meeting is by default.

In scope: every active key result of an active objective in a running (active) cycle whose
status is behind or at risk — the status the dashboards show (``ambit.okrs.metrics`` over the
engine's pace rule, the same ``AT_RISK_STATUSES`` the dashboard's at-risk list uses), read as it
is at the moment the review opens, never re-derived here. The whole organisation, whatever the
opener may see: the review is the organisation's agenda; what each reader sees of it is filtered
by objective visibility when it is read (``selectors``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ambit.accounts.models import Organisation
from ambit.dashboards.selectors import AT_RISK_STATUSES
from ambit.okrs.metrics import compute_metrics
from ambit.okrs.models import CycleState, KeyResult, KeyResultState, Objective, ObjectiveState
from ambit.okrs.prefetch import attach_key_results
from ambit.reviews.models import DEFAULT_WEEKDAY


@dataclass(frozen=True)
class ScopeRow:
    key_result: KeyResult
    status: str
    progress: float
    expected: float
    confidence: int

    @property
    def gap(self) -> float:
        return self.progress - self.expected


def first_weekday_of(month: dt.date, weekday: int = DEFAULT_WEEKDAY) -> dt.date:
    first = month.replace(day=1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7)


def next_month(day: dt.date) -> dt.date:
    first = day.replace(day=1)
    return (first + dt.timedelta(days=32)).replace(day=1)


def default_meeting_on(today: dt.date) -> dt.date:
    """The first Tuesday of this month, or of the next one when this month's has passed."""
    this = first_weekday_of(today)
    return this if this >= today else first_weekday_of(next_month(today))


def key_results_in_scope(*, organisation: Organisation, now: dt.datetime | None = None) -> list[ScopeRow]:
    """The behind and at-risk key results of the running cycles, the largest shortfall first
    (a fixed number of queries: the objectives, their key results, milestones and checkpoints,
    and the metrics' own reads)."""
    objectives = list(
        Objective.objects.filter(
            organisation_id=organisation.pk, state=ObjectiveState.ACTIVE, cycle__state=CycleState.ACTIVE
        )
        .select_related("cycle")
        .defer("description")
        .order_by("pk")
    )
    if not objectives:
        return []
    attach_key_results(objectives)
    metrics = compute_metrics(organisation=organisation, objectives=objectives, now=now)
    rows: list[ScopeRow] = []
    for objective in objectives:
        for kr in objective.key_results.all():
            if kr.state != KeyResultState.ACTIVE or kr.pk not in metrics.krs:
                continue
            km = metrics.kr(kr)
            if km.status in AT_RISK_STATUSES:
                rows.append(ScopeRow(kr, km.status, km.progress, km.expected, km.confidence))
    rows.sort(key=lambda r: (r.gap, r.key_result.pk))
    return rows
