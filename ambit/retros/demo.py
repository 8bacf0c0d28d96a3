"""The demo's reflections (``seed_demo`` sends ``okrs.signals.demo_seeded``): the last reviewed or
closed quarter has a few objectives reflected and one team's reflection with its lessons (so the
next quarter's planning grid of that team shows them), and the running quarter one dependency
between two teams' objectives.

Written in a few bulk inserts with their audit entries: the quarter is closed, where the services
refuse to write, and a loop of services would slow the seeding for nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from ambit.accounts.models import Organisation, TeamKind
from ambit.core.audit import audit_entry, audit_record_all
from ambit.core.models import AuditAction
from ambit.okrs.models import Cycle, CycleKind, CycleState, Objective, ObjectiveState
from ambit.retros.models import Dependency, ObjectiveReflection, TeamReflection

ANSWERS = (
    {
        "achieved": "Mostly: the first key result landed, the second stopped at about two thirds of the way.",
        "aligned": "Yes, it served the company objective directly; the big move was clear to everyone.",
        "dependencies": "Not all: we needed the data team's export two weeks earlier than we asked for it.",
        "unexpected": "A large customer asked for a custom integration mid-quarter and took a third of our time.",
        "lessons": "Ask other teams for what we need in the planning week, with a date, not when we hit the wall.",
    },
    {
        "achieved": "Yes: both key results were met, one of them a week early.",
        "aligned": "Well aligned with the company's objective; two teams below us aligned theirs to it.",
        "dependencies": "Yes: the one on the platform team was declared in planning and tracked weekly.",
        "unexpected": "Hiring was faster than planned, so onboarding took more of the seniors' time.",
        "lessons": "Keep a buffer of about 20% for onboarding whenever the team grows by more than one person.",
    },
    {
        "achieved": "Partly: we were too ambitious on the second key result, as an aspirational OKR should be.",
        "aligned": "Partly: one key result was really a task and did not move the objective.",
        "dependencies": "No: legal review was a dependency nobody wrote down.",
        "unexpected": "A pricing change in the market moved our baseline in week four.",
        "lessons": "Write key results as outcomes, and list reviews (legal, security) as dependencies up front.",
    },
)
TEAM_ANSWERS = {
    "achieved": "Two of our three objectives were met or nearly; the tech-debt one fell short.",
    "aligned": "Our objectives served the company's; the individual ones were harder to connect.",
    "dependencies": "We missed the one on the data team: it cost us two weeks.",
    "unexpected": "The support escalations in the second month, after the release.",
    "lessons": "Plan 20% less, declare every dependency on another team in the planning week, and check them weekly.",
}
DEPENDENCY_NOTE = "Their API must be ready before our release: agreed in the planning meeting."


def _last_reviewed_quarter(organisation: Organisation) -> Cycle | None:
    return (
        Cycle.objects.filter(
            organisation=organisation, kind=CycleKind.QUARTER, state__in=[CycleState.REVIEW, CycleState.CLOSED]
        )
        .order_by("-start_date")
        .first()
    )


def _team_objectives(cycle: Cycle) -> list[Objective]:
    return list(
        Objective.objects.filter(cycle=cycle, team__isnull=False)
        .exclude(state=ObjectiveState.CANCELLED)
        .select_related("team")
        .order_by("pk")
    )


def seed_reflections(*, organisation: Organisation, now: dt.datetime | None = None) -> int:
    """Write the demo's reflections and dependency; return how many rows were written."""
    now = now or timezone.now()
    entries = []
    written = 0
    past = _last_reviewed_quarter(organisation)
    objectives = [o for o in _team_objectives(past) if o.team and o.team.kind != TeamKind.COMPANY] if past else []
    if past is not None and objectives:
        picked = objectives[: len(ANSWERS)]
        rows = ObjectiveReflection.objects.bulk_create(
            [
                ObjectiveReflection(
                    organisation=organisation, objective=o, author_id=o.owner_id, created_at=now, **answers
                )
                for o, answers in zip(picked, ANSWERS, strict=False)
            ]
        )
        team = picked[0].team
        assert team is not None
        team_row = TeamReflection.objects.create(
            organisation=organisation,
            cycle=past,
            team=team,
            author_id=picked[0].owner_id,
            created_at=now,
            **TEAM_ANSWERS,
        )
        entries += [
            audit_entry(
                actor=None,
                organisation=organisation,
                action=AuditAction.OBJECTIVE_REFLECTION_SAVE,
                obj=r,
                changes={"objective": [r.objective_id, r.objective_id]},
            )
            for r in rows
        ]
        entries.append(
            audit_entry(
                actor=None,
                organisation=organisation,
                action=AuditAction.TEAM_REFLECTION_SAVE,
                obj=team_row,
                changes={"cycle": [past.pk, past.pk], "team": [team.pk, team.pk]},
            )
        )
        written += len(rows) + 1
    current = Cycle.objects.filter(organisation=organisation, kind=CycleKind.QUARTER, state=CycleState.ACTIVE).first()
    live = [o for o in _team_objectives(current) if o.team and o.team.kind != TeamKind.COMPANY] if current else []
    source = live[0] if live else None
    target = next((o for o in live if source and o.team_id != source.team_id), None)
    if source is not None and target is not None:
        dep = Dependency.objects.create(
            organisation=organisation,
            objective=source,
            target_objective=target,
            note=DEPENDENCY_NOTE,
            author_id=source.owner_id,
        )
        entries.append(
            audit_entry(
                actor=None,
                organisation=organisation,
                action=AuditAction.DEPENDENCY_ADD,
                obj=dep,
                changes={"objective": [None, source.pk], "target_objective": [None, target.pk]},
            )
        )
        written += 1
    audit_record_all(entries)
    return written


def on_demo_seeded(
    sender: Any, *, organisations: Sequence[Organisation], now: dt.datetime | None, **kwargs: Any
) -> None:
    for organisation in organisations:
        seed_reflections(organisation=organisation, now=now)
