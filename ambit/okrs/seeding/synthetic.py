"""A large, deterministic organisation for benchmarks (``manage.py seed_synthetic``).

Raw data generation with ``bulk_create``, not the services: at 10,000 people the services'
per-row checks and audit entries would take hours. The data is still consistent: every key
result's denormalised latest check-in (value, ticked milestones, confidence, time, count) equals
its last ``CheckIn`` row, and structure follows the rules (a tree of teams, leads, managers,
alignment without loops, closed quarters scored).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from ambit.accounts.models import Membership, Organisation, Role, Team, TeamKind, TeamMember, User
from ambit.accounts.setup import LAST_STEP
from ambit.core.models import AuditEntry
from ambit.okrs.models import (
    Alignment,
    CheckIn,
    Cycle,
    CycleKind,
    CycleState,
    KeyResult,
    Milestone,
    Objective,
    ObjectiveState,
    Sprint,
)
from ambit.okrs.rollups import refresh_all
from ambit.okrs.seeding.demo import quarter_bounds
from ambit.okrs.seeding.synthetic_words import (
    DEPARTMENTS,
    FIRST,
    KINDS,
    LAST,
    METRICS,
    NOTES,
    TEAM_WORDS,
    THINGS,
    TITLES,
    VERBS,
)
from ambit.okrs.services import sprint_dates
from ambit.strategy.models import BigMove, Strategy

BENCH_PASSWORD = "ambit-bench"
BATCH = 2000
UTC = dt.UTC


@dataclass
class Report:
    users: int = 0
    teams: int = 0
    objectives: int = 0
    key_results: int = 0
    check_ins: int = 0
    audit_entries: int = 0
    seconds: float = 0.0
    database_bytes: int | None = None


@dataclass
class Series:
    """A key result's check-ins before they are saved: (time, value, milestones ticked, confidence, note)."""

    points: list[tuple[dt.datetime, Decimal | None, int, int, str]]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=UTC)


def _numbered(words: list[str], i: int) -> str:
    """Names cycle through ``words``; later rounds get a number: Atlas, …, Zephyr, Atlas 2."""
    word, lap = words[i % len(words)], i // len(words)
    return f"{word} {lap + 1}" if lap else word


class SyntheticBuilder:
    def __init__(
        self, *, people: int, seed: int, slug: str, now: dt.datetime | None = None, log: Callable[[str], None] = print
    ) -> None:
        if people < 20:
            raise ValueError("--people must be at least 20 (a company, departments and teams need people).")
        self.n, self.slug, self.log = people, slug, log
        self.rng = random.Random(seed)
        self.now = now or timezone.now()
        self.today = self.now.astimezone(UTC).date()
        self.report = Report()

    # --- structure -----------------------------------------------------------------------------

    def build(self) -> Report:
        with transaction.atomic():
            self._organisation()
            self._people_and_teams()
            self._cycles()
            for cycle in self.quarters:
                self._quarter(cycle)
            # Bulk inserts bypass the services, so the stored roll-ups are computed here once.
            refresh_all(organisation=self.org)
            self.report.audit_entries = AuditEntry.objects.filter(organisation=self.org).count()
        return self.report

    def _organisation(self) -> None:
        self.org = Organisation.objects.create(
            name=f"Synthetic {self.n:,}", slug=self.slug, setup_step=LAST_STEP, setup_completed_at=timezone.now()
        )
        Strategy.objects.create(organisation=self.org, mission="Benchmark everything.", vision="Fast at any size.")
        self.moves = BigMove.objects.bulk_create(
            BigMove(organisation=self.org, title=f"Big move {i + 1}", horizon_start=2026, horizon_end=2028, position=i)
            for i in range(3)
        )

    def _people_and_teams(self) -> None:
        rng, n = self.rng, self.n
        n_teams = max(3, round(n / 8))
        n_depts = max(1, round(math.sqrt(n_teams)))
        n_leaf = max(0, n_teams - 1 - n_depts)
        password = make_password(BENCH_PASSWORD)  # once: hashing per user would take hours
        users = [
            User(
                email=f"admin@{self.slug}.test" if i == 0 else f"person{i}@{self.slug}.test",
                full_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                password=password,
                date_joined=self.now,
            )
            for i in range(n)
        ]
        User.objects.bulk_create(users, batch_size=BATCH)
        self.report.users = n

        company = Team.objects.create(organisation=self.org, name=self.org.name, slug="company", kind=TeamKind.COMPANY)
        depts = Team.objects.bulk_create(
            Team(
                organisation=self.org,
                name=_numbered(DEPARTMENTS, d),
                slug=f"dept-{d + 1}",
                kind=TeamKind.DEPARTMENT,
                parent=company,
            )
            for d in range(n_depts)
        )
        leaves = Team.objects.bulk_create(
            (
                Team(
                    organisation=self.org,
                    name=_numbered(TEAM_WORDS, t),
                    slug=f"team-{t + 1}",
                    kind=TeamKind.TEAM,
                    parent=depts[t % n_depts],
                )
                for t in range(n_leaf)
            ),
            batch_size=BATCH,
        )
        self.report.teams = 1 + n_depts + n_leaf
        self.company, self.depts, self.leaves = company, depts, leaves

        # Tiers, so each manager exists (and has an id) before their reports.
        n_champions = max(1, n // 500)
        head_i = list(range(1, 1 + n_depts))
        lead_i = list(range(1 + n_depts, 1 + n_depts + n_leaf))
        champ_i = list(range(1 + n_depts + n_leaf, 1 + n_depts + n_leaf + n_champions))
        rest_i = list(range(1 + n_depts + n_leaf + n_champions, n))

        def member(i: int, role: str, title: str, manager: Membership | None) -> Membership:
            return Membership(
                user=users[i], organisation=self.org, role=role, title=title, manager=manager, created_at=self.now
            )

        ceo = Membership.objects.create(
            user=users[0], organisation=self.org, role=Role.ADMIN, title="Chief Executive", is_executive_sponsor=True
        )
        heads = Membership.objects.bulk_create(
            [member(i, Role.MEMBER, f"Head of {depts[k].name}", ceo) for k, i in enumerate(head_i)]
            + [member(i, Role.CHAMPION, "OKR champion", ceo) for i in champ_i],
            batch_size=BATCH,
        )
        leads = Membership.objects.bulk_create(
            [member(i, Role.MEMBER, f"Lead, {leaves[k].name}", heads[k % n_depts]) for k, i in enumerate(lead_i)],
            batch_size=BATCH,
        )
        homes = leaves or depts  # where everyone else works
        home_leads = leads or heads[:n_depts]
        assignment = [k % len(homes) for k in range(len(rest_i))]
        rng.shuffle(assignment)
        rest = Membership.objects.bulk_create(
            [
                member(
                    i,
                    Role.VIEWER if rng.random() < 0.02 else Role.MEMBER,
                    rng.choice(TITLES),
                    home_leads[assignment[k]],
                )
                for k, i in enumerate(rest_i)
            ],
            batch_size=BATCH,
        )
        links = [TeamMember(team=company, membership=ceo, is_lead=True)]
        links += [TeamMember(team=company, membership=m) for m in heads[n_depts:]]
        links += [TeamMember(team=depts[k], membership=m, is_lead=True) for k, m in enumerate(heads[:n_depts])]
        links += [TeamMember(team=leaves[k], membership=m, is_lead=True) for k, m in enumerate(leads)]
        links += [TeamMember(team=homes[assignment[k]], membership=m) for k, m in enumerate(rest)]
        TeamMember.objects.bulk_create(links, batch_size=BATCH)

        self.ceo = ceo
        self.heads = heads[:n_depts]
        self.dept_members: dict[int, list[Membership]] = {d.pk: [self.heads[k]] for k, d in enumerate(depts)}
        self.team_lead: dict[int, Membership] = {t.pk: m for t, m in zip(leaves, leads, strict=True)}
        self.team_lead.update({d.pk: self.heads[k] for k, d in enumerate(depts)})
        self.team_members: dict[int, list[Membership]] = {t.pk: [self.team_lead[t.pk]] for t in homes}
        self.home_of: dict[int, Team] = {}
        for k, m in enumerate(rest):
            team = homes[assignment[k]]
            self.team_members[team.pk].append(m)
            self.home_of[m.pk] = team
        self.individuals = [m for m in rest if m.role == Role.MEMBER and rng.random() < 1 / 3]
        AuditEntry.objects.create(
            organisation=self.org,
            actor=users[0],
            action="organisation.create",
            object_type="accounts.organisation",
            object_id=str(self.org.pk),
            object_repr=self.org.name,
            changes={"name": self.org.name, "slug": self.slug, "synthetic": True},
        )

    def _cycles(self) -> None:
        q_start, _ = quarter_bounds(self.today)
        starts = [q_start]
        for _ in range(3):
            starts.insert(0, quarter_bounds(starts[0] - dt.timedelta(days=1))[0])
        end = quarter_bounds(q_start)[1]
        annual = Cycle.objects.create(
            organisation=self.org,
            name=f"Year {starts[0]:%b %Y} – {end:%b %Y}",
            kind=CycleKind.ANNUAL,
            start_date=starts[0],
            end_date=end,
            state=CycleState.ACTIVE,
        )
        self.quarters = Cycle.objects.bulk_create(
            Cycle(
                organisation=self.org,
                name=f"Q{(s.month - 1) // 3 + 1} {s.year}",
                kind=CycleKind.QUARTER,
                parent=annual,
                start_date=s,
                end_date=quarter_bounds(s)[1],
                state=CycleState.ACTIVE if s == q_start else CycleState.CLOSED,
            )
            for s in starts
        )
        Sprint.objects.bulk_create(
            Sprint(organisation=self.org, cycle=c, number=i, start_date=a, end_date=b)
            for c in self.quarters
            for i, (a, b) in enumerate(sprint_dates(c.start_date, c.end_date, self.org.sprint_length_days), start=1)
        )

    # --- OKRs ----------------------------------------------------------------------------------

    def _quarter(self, cycle: Cycle) -> None:
        """One quarter, level by level: a level's key results are saved before the next level's
        objectives, so duality children can point at them."""
        rng = self.rng
        self.cycle, self.position = cycle, 0
        self.closed = cycle.state == CycleState.CLOSED
        self.created = _at(cycle.start_date - dt.timedelta(days=5), 9)
        company_objs = [
            self._objective(
                f"{rng.choice(VERBS)} {rng.choice(THINGS)}", self.company, rng.choice([self.ceo, *self.heads])
            )
            for _ in range(3 + self.n // 5000)
        ]
        pending = self._save_level(company_objs, [], krs_each=3)
        dept_objs, dept_links = [], []
        for k, dept in enumerate(self.depts):
            for _ in range(2):
                obj = self._objective(f"{rng.choice(VERBS)} {rng.choice(THINGS)}", dept, self.heads[k])
                dept_objs.append(obj)
                dept_links.append(self._link(obj, company_objs, pending))
        pending = self._save_level(dept_objs, dept_links, krs_each=3, pending=pending)
        by_dept: dict[int, list[Objective]] = {}
        for obj in dept_objs:
            by_dept.setdefault(obj.team_id or 0, []).append(obj)
        team_objs, team_links = [], []
        for team in self.leaves:
            for _ in range(2):
                obj = self._objective(f"{rng.choice(VERBS)} {rng.choice(THINGS)}", team, self.team_lead[team.pk])
                team_objs.append(obj)
                team_links.append(self._link(obj, by_dept[team.parent_id or 0], pending))
        pending = self._save_level(team_objs, team_links, krs_each=3, pending=pending)
        by_team: dict[int, list[Objective]] = {}
        for obj in team_objs or dept_objs:
            by_team.setdefault(obj.team_id or 0, []).append(obj)
        ind_objs, ind_links = [], []
        for person in self.individuals:
            obj = self._objective(f"My part: {rng.choice(VERBS).lower()} {rng.choice(THINGS)}", None, person)
            ind_objs.append(obj)
            ind_links.append(self._link(obj, by_team[self.home_of[person.pk].pk], pending, duality=0.0))
        self._save_level(ind_objs, ind_links, krs_each=2, pending=pending, last=True)

    def _objective(self, title: str, team: Team | None, owner: Membership) -> Objective:
        self.position += 1
        cancelled = not self.closed and self.rng.random() < 0.01
        return Objective(
            organisation=self.org,
            cycle=self.cycle,
            title=f"{title} ({self.cycle.name}, #{self.position})",
            owner=owner,
            team=team,
            level=str(team.kind) if team else "individual",
            theme=self.moves[self.position % 3] if team is self.company else None,
            ambition="aspirational" if self.rng.random() < 0.25 else "committed",
            state=ObjectiveState.CLOSED
            if self.closed
            else (ObjectiveState.CANCELLED if cancelled else ObjectiveState.ACTIVE),
            cancel_reason="Priorities changed mid-quarter." if cancelled else "",
            position=self.position,
            created_at=self.created,
        )

    def _link(
        self, child: Objective, parents: list[Objective], pending: list[KeyResult], duality: float = 0.2
    ) -> tuple[Objective, KeyResult | None]:
        """Classic alignment to a parent, or (duality) creation from the parent's first key result."""
        parent = self.rng.choice(parents)
        if self.rng.random() < duality:
            source = next(kr for kr in pending if kr.objective is parent)
            source.progress_from_children = True
            return parent, source
        return parent, None

    def _save_level(
        self,
        objs: list[Objective],
        links: list[tuple[Objective, KeyResult | None]],
        *,
        krs_each: int,
        pending: list[KeyResult] | None = None,
        last: bool = False,
    ) -> list[KeyResult]:
        """Save the previous level's key results (now that duality flags are known), then this
        level's objectives and alignment; return this level's key results, not yet saved."""
        if pending:
            self._save_key_results(pending)
        for obj, (_, source) in zip(objs, links, strict=False):
            obj.source_key_result = source
        Objective.objects.bulk_create(objs, batch_size=BATCH)
        Alignment.objects.bulk_create(
            (
                Alignment(organisation=self.org, child=obj, parent=parent)
                for obj, (parent, source) in zip(objs, links, strict=False)
                if source is None
            ),
            batch_size=BATCH,
        )
        AuditEntry.objects.bulk_create(
            (
                AuditEntry(
                    organisation=self.org,
                    actor_id=obj.owner.user_id,
                    action="objective.create",
                    object_type="okrs.objective",
                    object_id=str(obj.pk),
                    object_repr=obj.title[:300],
                    changes={"title": obj.title, "cycle": self.cycle.pk, "synthetic": True},
                    created_at=self.created,
                )
                for obj in objs
            ),
            batch_size=BATCH,
        )
        self.report.objectives += len(objs)
        krs = [self._key_result(obj, i) for obj in objs for i in range(krs_each)]
        if last:
            self._save_key_results(krs)
            return []
        return krs

    def _key_result(self, obj: Objective, position: int) -> KeyResult:
        rng = self.rng
        kind = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
        metric, unit = rng.choice(METRICS)
        if obj.team_id is None:
            owner = obj.owner
        else:
            owner = rng.choice(self.team_members.get(obj.team_id) or [obj.owner])
            if owner.role == Role.VIEWER:
                owner = obj.owner
        start: float | None = None
        target: float | None = None
        if kind == "increase":
            start = float(rng.choice((0, 10, 50, 100, 1000)))
            target = start + rng.choice((10, 20, 50, 100, 500))
            title = f"Grow {metric} from {start:g} to {target:g}"
        elif kind == "decrease":
            start = float(rng.choice((40, 100, 300, 1000)))
            target = start * rng.choice((0.25, 0.5, 0.75))
            title = f"Cut {metric} from {start:g} to {target:g}"
        elif kind == "stay_above":
            target = float(rng.choice((80, 90, 95)))
            title, unit = f"Keep {metric} above {target:g}", "%"
        elif kind == "stay_below":
            target = float(rng.choice((2, 5, 10)))
            title = f"Keep {metric} below {target:g}"
        elif kind == "milestones":
            title, unit = f"Deliver {rng.choice(THINGS)} in stages", ""
        else:
            start, target, unit = 0.0, 1.0, ""
            title = f"Ship {rng.choice(THINGS)}"
        kr = KeyResult(
            organisation=self.org,
            objective=obj,
            title=title,
            kind=kind,
            start_value=None if start is None else Decimal(str(start)),
            target_value=None if target is None else Decimal(str(target)),
            unit=unit,
            unit_kind="percent" if unit == "%" else ("currency" if unit == "€" else "number"),
            owner=owner,
            position=position,
            created_at=self.created,
        )
        kr._milestones = rng.randint(3, 5) if kind == "milestones" else 0  # type: ignore[attr-defined]
        kr._series = self._series(kr)  # type: ignore[attr-defined]
        return kr

    # --- check-ins -----------------------------------------------------------------------------

    def _series(self, kr: KeyResult) -> Series:
        rng, cycle = self.rng, self.cycle
        first = _at(cycle.start_date + dt.timedelta(days=rng.randint(0, 6)), rng.randint(8, 17))
        # Up to the start of today, not to this minute: two runs on the same day give the same data.
        stop = min(_at(cycle.end_date, 18), _at(self.today, 0))
        roll = rng.random()
        if not self.closed and roll < 0.08:
            return Series([])  # never checked in: not started, or stale once the grace has passed
        if not self.closed and roll < 0.18:
            stop -= dt.timedelta(days=rng.randint(14, 35))  # went quiet: stale
        times: list[dt.datetime] = []
        cursor = first
        while cursor <= stop:
            times.append(cursor)
            cursor += dt.timedelta(days=7)
        span = (cycle.end_date - cycle.start_date).days or 1
        pace = rng.uniform(0.5, 1.2)
        confidence = rng.randint(5, 8)
        start, target = float(kr.start_value or 0), float(kr.target_value or 0)
        points = []
        for at in times:
            share = min(1.0, (at.date() - cycle.start_date).days / span)
            progress = max(0.0, min(1.2, pace * share + rng.uniform(-0.05, 0.05)))
            confidence = max(0, min(10, confidence + rng.choice((-1, 0, 0, 0, 1))))
            value: Decimal | None = None
            ticked = 0
            if kr.kind in ("increase", "decrease"):
                value = Decimal(f"{start + (target - start) * progress:.1f}")
            elif kr.kind == "stay_above":
                value = Decimal(f"{target + rng.uniform(-4, 6):.1f}")
            elif kr.kind == "stay_below":
                value = Decimal(f"{max(0.0, target + rng.uniform(-2, 1.5)):.1f}")
            elif kr.kind == "binary":
                value = Decimal(1 if pace > 0.7 and share > 0.6 else 0)
            else:
                ticked = min(kr._milestones, int(progress * kr._milestones))  # type: ignore[attr-defined]
            points.append((at, value, ticked, confidence, rng.choice(NOTES)))
        return Series(points)

    def _save_key_results(self, krs: list[KeyResult]) -> None:
        for kr in krs:
            points = kr._series.points  # type: ignore[attr-defined]
            if points:
                at, value, _, confidence, _ = points[-1]
                kr.current_value, kr.current_confidence, kr.last_checkin_at = value, confidence, at
                kr.checkin_count = len(points)
        KeyResult.objects.bulk_create(krs, batch_size=BATCH)
        self.report.key_results += len(krs)
        with_milestones = [kr for kr in krs if kr._milestones]  # type: ignore[attr-defined]
        milestones = Milestone.objects.bulk_create(
            (
                Milestone(key_result=kr, title=f"Stage {i + 1}", position=i)
                for kr in with_milestones
                for i in range(kr._milestones)  # type: ignore[attr-defined]
            ),
            batch_size=BATCH,
        )
        ids: dict[int, list[int]] = {}
        for m in milestones:
            ids.setdefault(m.key_result_id, []).append(m.pk)
        ticked_krs = []
        for kr in with_milestones:
            points = kr._series.points  # type: ignore[attr-defined]
            if points and points[-1][2]:
                kr.current_milestones_done = ids[kr.pk][: points[-1][2]]
                ticked_krs.append(kr)
        KeyResult.objects.bulk_update(ticked_krs, ["current_milestones_done"], batch_size=500)
        if self.closed:
            self._score([kr.objective for kr in krs], krs)
        batch: list[CheckIn] = []
        for kr in krs:
            for at, value, ticked, confidence, note in kr._series.points:  # type: ignore[attr-defined]
                batch.append(
                    CheckIn(
                        organisation_id=self.org.pk,
                        key_result_id=kr.pk,
                        author_id=kr.owner_id,
                        value=value,
                        milestones_done=ids[kr.pk][:ticked] if ticked else [],
                        confidence=confidence,
                        note=note,
                        created_at=at,
                    )
                )
            if len(batch) >= BATCH * 5:
                self._flush(batch)
        self._flush(batch)
        for kr in krs:
            del kr._series  # type: ignore[attr-defined]

    def _flush(self, batch: list[CheckIn]) -> None:
        CheckIn.objects.bulk_create(batch, batch_size=BATCH)
        self.report.check_ins += len(batch)
        batch.clear()

    def _score(self, objectives: list[Objective], krs: list[KeyResult]) -> None:
        """Closed quarters carry a score: the mean of their key results' final progress."""
        finals: dict[int, list[float]] = {}
        for kr in krs:
            points = kr._series.points  # type: ignore[attr-defined]
            progress = 0.0
            if points:
                _, value, ticked, _, _ = points[-1]
                if kr.kind in ("increase", "decrease") and value is not None:
                    span = float(kr.target_value - kr.start_value)  # type: ignore[operator]
                    progress = (float(value) - float(kr.start_value)) / span  # type: ignore[arg-type]
                elif kr.kind == "milestones":
                    progress = ticked / max(1, kr._milestones)  # type: ignore[attr-defined]
                elif value is not None:
                    above = kr.kind in ("stay_above", "binary")
                    progress = float(value >= kr.target_value if above else value <= kr.target_value)
            finals.setdefault(kr.objective_id, []).append(max(0.0, min(1.0, progress)))
        scored = []
        for obj in {o.pk: o for o in objectives}.values():
            values = finals.get(obj.pk, [])
            obj.score = round(sum(values) / len(values), 1) if values else None
            scored.append(obj)
        Objective.objects.bulk_update(scored, ["score"], batch_size=500)


def describe(report: Report) -> list[str]:
    lines = [
        f"users         {report.users:>10,}",
        f"teams         {report.teams:>10,}",
        f"objectives    {report.objectives:>10,}",
        f"key results   {report.key_results:>10,}",
        f"check-ins     {report.check_ins:>10,}",
        f"audit entries {report.audit_entries:>10,}",
        f"elapsed       {report.seconds:>10.1f} s",
    ]
    if report.database_bytes is not None:
        lines.append(f"database file {report.database_bytes / 1_048_576:>10.1f} MB")
    return lines
