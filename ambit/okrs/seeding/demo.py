"""Builds the demo organisation through the services, so every rule holds and every write has its
audit entry. Deterministic for a given ``now``: one ``random.Random`` with a fixed seed.

Time matters here: the quarter around ``now`` is active with weekly, backdated check-ins from its
start; the previous quarter gets a full history, scores and is closed; the next one is in planning.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from ambit.accounts import services as accounts
from ambit.accounts.models import Membership, Organisation, Team, User
from ambit.accounts.setup import setup_finish
from ambit.core.models import AuditAction, AuditEntry
from ambit.core.permissions import can_create_objective_for, can_edit_objective
from ambit.okrs import engine
from ambit.okrs import services as okrs
from ambit.okrs.models import CheckIn, Cycle, CycleKind, CycleState, KeyResult, Objective, ObjectiveState
from ambit.okrs.rollups import refresh_all
from ambit.okrs.seeding import demo_content as content
from ambit.okrs.seeding import demo_okrs as okr_specs
from ambit.strategy import services as strategy
from ambit.strategy.models import BigMove

SEED = 20260101
UTC = dt.UTC


def quarter_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    nxt = dt.date(day.year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1)
    return start, nxt - dt.timedelta(days=1)


def _quarter_name(start: dt.date) -> str:
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


def _at(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC)


def demo_password() -> str:
    return getattr(settings, "AMBIT_DEMO_PASSWORD", "") or "ambit-demo"


def _email(person: content.Person) -> str:
    if person.email:
        return person.email
    first, *rest = person.name.lower().replace("'", "").split()
    return f"{slugify(first)}.{slugify(''.join(rest))}@{content.DOMAIN}"


class DemoBuilder:
    def __init__(self, *, now: dt.datetime | None = None) -> None:
        self.now = now or timezone.now()
        self.today = self.now.astimezone(UTC).date()
        self.rng = random.Random(SEED)
        self.password = demo_password()
        # Argon2 is slow on purpose; one hash shared by the demo logins keeps seeding quick.
        self.hashed_password = make_password(self.password)
        self.people: dict[str, Membership] = {}
        self.teams: dict[str, Team] = {}
        self.moves: list[BigMove] = []
        self.objectives: dict[str, Objective] = {}
        # Attainment each key result reached at its last check-in, for end-of-quarter scores.
        self.finals: dict[int, float] = {}
        self.built = content.Built()

    # --- people, teams, strategy ---------------------------------------------------------------

    def build(self) -> content.Built:
        with transaction.atomic():
            self._organisation()
            self._teams()
            self._strategy()
            self._cycles_and_okrs()
            self._globex()
            for org in Organisation.objects.filter(slug__in=[content.ORG_SLUG, content.GLOBEX_SLUG]):
                refresh_all(organisation=org)
        self.built.people = len(self.people)
        self.built.teams = len(self.teams)
        return self.built

    def _login_user(self, email: str, full_name: str, *, superuser: bool = False) -> User:
        user = User(
            email=email, full_name=full_name, password=self.hashed_password, is_staff=superuser, is_superuser=superuser
        )
        user.full_clean(exclude=["password"])
        user.save()
        return user

    def _organisation(self) -> None:
        ceo = content.PEOPLE[0]
        user = self._login_user(_email(ceo), ceo.name, superuser=True)
        self.org = accounts.organisation_create(name=content.ORG_NAME, slug=content.ORG_SLUG, creator=user)
        admin = Membership.objects.select_related("organisation").get(user=user, organisation=self.org)
        self.admin = accounts.membership_update(
            actor=admin, membership=admin, title=ceo.title, is_executive_sponsor=True
        )
        setup_finish(actor=self.admin)  # a running organisation: its set-up is long done
        self.people[ceo.key] = self.admin
        for person in content.PEOPLE[1:]:
            if person.email:
                # membership_add adopts an existing user, so the login keeps the shared hash.
                self._login_user(_email(person), person.name)
            self.people[person.key] = accounts.membership_add(
                actor=self.admin,
                organisation=self.org,
                email=_email(person),
                full_name=person.name,
                role=person.role,
                # Only the published logins can log in; the rest are colleagues to look at.
                password=None,
                title=person.title,
                manager=self.people[person.manager] if person.manager else None,
            )
        self.built.logins = [(_email(p), p.role) for p in content.PEOPLE if p.email]

    def _teams(self) -> None:
        for key, (name, kind, parent) in content.TEAMS.items():
            self.teams[key] = accounts.team_create(
                actor=self.admin, name=name, kind=kind, parent=self.teams[parent] if parent else None
            )
        for person in content.PEOPLE:
            accounts.team_member_set(
                actor=self.admin, team=self.teams[person.team], membership=self.people[person.key], is_lead=person.lead
            )

    def _strategy(self) -> None:
        champion = self.people["champion"]
        strategy.strategy_update(actor=champion, mission=content.MISSION, vision=content.VISION)
        for name, description in content.VALUES:
            strategy.value_create(actor=champion, name=name, description=description)
        for title, description, owner in content.BIG_MOVES:
            self.moves.append(
                strategy.big_move_create(
                    actor=champion,
                    title=title,
                    description=description,
                    horizon_start=2026,
                    horizon_end=2028,
                    owner=self.people[owner],
                )
            )

    # --- cycles --------------------------------------------------------------------------------

    def _annual(self, year: int, state: str) -> Cycle:
        cycle = Cycle.objects.filter(organisation=self.org, kind=CycleKind.ANNUAL, name=str(year)).first()
        if cycle is None:
            cycle = okrs.cycle_create(
                actor=self.admin,
                name=str(year),
                kind=CycleKind.ANNUAL,
                start_date=dt.date(year, 1, 1),
                end_date=dt.date(year, 12, 31),
                state=state,
            )
        return cycle

    def _quarter(self, start: dt.date, state: str) -> Cycle:
        _, end = quarter_bounds(start)
        return okrs.cycle_create(
            actor=self.admin,
            name=_quarter_name(start),
            start_date=start,
            end_date=end,
            parent=self._annual(start.year, CycleState.ACTIVE if start.year == self.today.year else state),
            state=state,
        )

    def _close(self, cycle: Cycle) -> None:
        # Into closed only through ``cycle_set_closed`` (the close checklist's way; the demo has no
        # reflections or rollover to check).
        okrs.cycle_transition(actor=self.admin, cycle=cycle, state=CycleState.REVIEW)
        okrs.cycle_set_closed(actor=self.admin, cycle=cycle, closed=True)

    def _cycles_and_okrs(self) -> None:
        q_start, q_end = quarter_bounds(self.today)
        prev_start, _ = quarter_bounds(q_start - dt.timedelta(days=1))
        next_start = q_end + dt.timedelta(days=1)
        # Built active so it takes check-ins, then scored and closed like a real quarter.
        previous = self._quarter(prev_start, CycleState.ACTIVE)
        for start in (dt.date(self.today.year, m, 1) for m in (1, 4, 7, 10)):
            if start < prev_start:
                self._quarter(start, CycleState.CLOSED)
        self.current = self._quarter(q_start, CycleState.ACTIVE)
        upcoming = self._quarter(next_start, CycleState.PLANNING)
        for start in (dt.date(self.today.year, m, 1) for m in (1, 4, 7, 10)):
            if start > next_start:
                self._quarter(start, CycleState.PLANNING)

        annual = self._annual(self.today.year, CycleState.ACTIVE)
        self._okrs(content.ANNUAL, annual, step_days=28)
        self._okrs(content.PREVIOUS, previous, step_days=7)
        self._score_and_close(previous)
        if previous.parent is not None and previous.parent.start_date.year < self.today.year:
            self._close(previous.parent)
        self._okrs(okr_specs.CURRENT, self.current, step_days=7)
        self._okrs(content.NEXT, upcoming, step_days=0)

    # --- objectives and key results ------------------------------------------------------------

    def _creator(self, owner: Membership, team: Team | None) -> Membership:
        if can_create_objective_for(owner, team_id=team.pk if team else None, owner_id=owner.pk):
            return owner
        return self.people["champion"]

    def _okrs(self, specs: Sequence[content.Obj], cycle: Cycle, *, step_days: int) -> None:
        sources: dict[str, KeyResult] = {}
        for spec in specs:
            owner = self.people[spec.owner]
            team = self.teams[spec.team] if spec.team else None
            creator = self._creator(owner, team)
            state = ObjectiveState.ACTIVE if spec.state == "active" else spec.state
            if spec.key in sources:
                # Cascading also takes edit rights on the source key result's objective.
                if not can_edit_objective(creator, sources[spec.key].objective):
                    creator = self.people["champion"]
                obj = okrs.objective_create_from_key_result(
                    actor=creator,
                    key_result=sources[spec.key],
                    owner=owner,
                    team=team,
                    title=spec.title,
                    ambition=spec.ambition,
                    state=state,
                )
            else:
                obj = okrs.objective_create(
                    actor=creator,
                    cycle=cycle,
                    title=spec.title,
                    owner=owner,
                    team=team,
                    theme=self.moves[spec.theme] if spec.theme is not None else None,
                    ambition=spec.ambition,
                    state=state,
                )
            for parent in spec.parents:
                okrs.alignment_add(actor=owner, child=obj, parent=self.objectives[parent])
            self.objectives[spec.key] = obj
            self.built.objectives += 1
            for kr_spec in spec.krs:
                kr = okrs.key_result_create(
                    actor=owner,
                    objective=obj,
                    title=kr_spec.title,
                    kind=kr_spec.kind,
                    start_value=kr_spec.start,
                    target_value=kr_spec.target,
                    unit=kr_spec.unit,
                    unit_kind=kr_spec.unit_kind,
                    owner=self.people[kr_spec.owner],
                    milestones=kr_spec.milestones,
                    confidence=7,
                )
                self.built.key_results += 1
                if kr_spec.cascade:
                    sources[kr_spec.cascade] = kr
                if step_days:
                    self._check_ins(kr, kr_spec, cycle, step_days=step_days, stop_early=bool(spec.cancel))
            if step_days:
                self._backdate(obj, cycle)
            if spec.cancel:
                okrs.objective_cancel(actor=owner, objective=obj, reason=spec.cancel)
                if step_days:
                    self._backdate_cancel(obj, cycle)

    def _backdate(self, obj: Objective, cycle: Cycle) -> None:
        """OKRs with a history were written in the planning week before their cycle, not today:
        their creation dates agree with their back-dated check-ins (plan start, time travel)."""
        planned = min(_at(cycle.start_date - dt.timedelta(days=7), 9), self.now)
        Objective.objects.filter(pk=obj.pk).update(created_at=planned)
        KeyResult.objects.filter(objective_id=obj.pk).update(created_at=planned)
        # So do the audit entries that wrote them: the dashboard's past days read the log back
        # from today (dashboards/rewind.py), and a link logged today did not exist last month.
        kr_ids = [str(pk) for pk in KeyResult.objects.filter(objective_id=obj.pk).values_list("pk", flat=True)]
        written = (AuditAction.OBJECTIVE_CREATE, AuditAction.ALIGNMENT_ADD)
        AuditEntry.objects.filter(
            Q(object_type="okrs.objective", object_id=str(obj.pk), action__in=written)
            | Q(object_type="okrs.keyresult", object_id__in=kr_ids, action=AuditAction.KEY_RESULT_CREATE),
            organisation_id=obj.organisation_id,
        ).update(created_at=planned)

    def _backdate_cancel(self, obj: Objective, cycle: Cycle) -> None:
        """A cancelled OKR of the story was cancelled at the mid-cycle review (after its last
        check-in), not today: its past days show it running until then."""
        mid = _at(cycle.start_date + (cycle.end_date - cycle.start_date) / 2, 11)
        last = CheckIn.objects.filter(key_result__objective=obj).order_by("-created_at").values("created_at").first()
        when = max(min(mid, self.now), last["created_at"] if last else mid)
        AuditEntry.objects.filter(
            organisation_id=obj.organisation_id,
            object_type="okrs.objective",
            object_id=str(obj.pk),
            action=AuditAction.OBJECTIVE_CANCEL,
        ).update(created_at=min(when, self.now))

    def _score_and_close(self, cycle: Cycle) -> None:
        for obj in Objective.objects.filter(cycle=cycle).select_related("organisation").prefetch_related("key_results"):
            owner = self.people_by_pk[obj.owner_id]
            scores = []
            for kr in obj.key_results.all():
                spec_final = self.finals.get(kr.pk, 0.0)
                score = round(engine.suggest_score(spec_final), 1)
                okrs.key_result_score(actor=owner, key_result=kr, score=score)
                scores.append(score)
            total = round(sum(scores) / len(scores), 1) if scores else None
            okrs.objective_score(actor=owner, objective=obj, score=total, note="Scored at the quarterly review.")
            okrs.objective_set_state(actor=owner, objective=obj, state=ObjectiveState.CLOSED)
        self._close(cycle)

    @property
    def people_by_pk(self) -> dict[int, Membership]:
        return {m.pk: m for m in self.people.values()}

    # --- check-ins -----------------------------------------------------------------------------

    def _schedule(self, cycle: Cycle, spec: content.KR, step_days: int, stop_early: bool) -> list[dt.datetime]:
        first = _at(cycle.start_date + dt.timedelta(days=1), 10)
        if cycle.end_date < self.today:
            last = _at(cycle.end_date - dt.timedelta(days=1), 16)
        elif spec.profile == "stale":
            last = _at((self.now - dt.timedelta(days=16)).date(), 11)
        else:
            week_start = _at(self.today - dt.timedelta(days=self.today.weekday()))
            if spec.fresh:
                last = min(
                    week_start + dt.timedelta(hours=9, minutes=self.rng.randrange(50)),
                    self.now - dt.timedelta(minutes=10),
                )
            else:
                last = week_start - dt.timedelta(days=3) + dt.timedelta(hours=16)
        out: list[dt.datetime] = []
        cursor = last
        while cursor >= first:
            out.append(cursor)
            cursor -= dt.timedelta(days=step_days)
        out.reverse()
        if stop_early:
            out = out[:2]
        return out

    def _target_progress(self, spec: content.KR, expected_now: float) -> float:
        if spec.final is not None:
            return spec.final
        delta = {
            "on_track": self.rng.uniform(0.0, 0.06),
            "ahead": 0.15,
            "at_risk": -0.17,
            "behind": -0.38,
            "stale": -0.2,
            "drop": 0.02,
            "done": 1.0,
        }[spec.profile]
        return min(1.0, max(0.0, expected_now + delta))

    def _check_ins(self, kr: KeyResult, spec: content.KR, cycle: Cycle, *, step_days: int, stop_early: bool) -> None:
        times = self._schedule(cycle, spec, step_days, stop_early)
        if not times:
            return
        expected_now = engine.expected_progress(start=cycle.start_date, end=cycle.end_date, on=self.today)
        final = self._target_progress(spec, expected_now)
        self.finals[kr.pk] = final
        milestone_ids = list(kr.milestones.values_list("pk", flat=True)) if spec.milestones else []
        owner = self.people[spec.owner]
        n = len(times)
        profile = "on_track" if spec.final is not None else spec.profile
        c_first, c_last = {"ahead": (7, 9), "at_risk": (7, 5), "behind": (6, 3), "stale": (6, 6)}.get(profile, (7, 8))
        for i, at in enumerate(times):
            share = (i + 1) / n
            last = i == n - 1
            progress = final * share if last else max(0.0, final * share + self.rng.uniform(-0.03, 0.03))
            value, done = self._value(spec, progress, last, i, n, milestone_ids)
            confidence = round(c_first + (c_last - c_first) * share)
            if profile == "drop":
                confidence = 4 if last else 8
            if last and profile in content.LAST_NOTES:
                note = content.LAST_NOTES[profile]
            else:
                note = self.rng.choice(content.NOTES.get(profile, content.NOTES["on_track"]))
                if profile == "done":
                    note = content.NOTES["done"][1 if value == 1 else 0]
            okrs.check_in_record(
                actor=owner, key_result=kr, value=value, milestones_done=done, confidence=confidence, note=note, at=at
            )
            self.built.check_ins += 1

    def _value(
        self, spec: content.KR, progress: float, last: bool, i: int, n: int, milestone_ids: list[int]
    ) -> tuple[Decimal | None, list[int] | None]:
        kind = spec.kind
        if kind == "milestones":
            # Rounding up keeps a key result that is on pace from reading as behind.
            count = min(len(milestone_ids), math.ceil(progress * len(milestone_ids) - 1e-9))
            return None, milestone_ids[:count]
        if kind == "binary":
            done = (spec.profile == "done" or (spec.final or 0) >= 1) and i >= n // 2
            return Decimal(int(done)), None
        quant = Decimal(1).scaleb(-spec.dp)
        if kind in ("stay_above", "stay_below"):
            target = float(spec.target or 0)
            span = max(abs(target) * 0.05, 10**-spec.dp * 3)
            sign = 1 if kind == "stay_above" else -1
            fails = spec.profile == "behind" and last
            margin = -self.rng.uniform(0.3, 1.0) * span if fails else self.rng.uniform(0.2, 1.0) * span
            return Decimal(str(target + sign * margin)).quantize(quant), None
        start, target = float(spec.start or 0), float(spec.target or 0)
        return Decimal(str(start + (target - start) * progress)).quantize(quant), None

    # --- the second organisation ---------------------------------------------------------------

    def _globex(self) -> None:
        user = self._login_user(f"admin@{content.GLOBEX_DOMAIN}", "Hank Scorpio")
        org = accounts.organisation_create(name=content.GLOBEX_NAME, slug=content.GLOBEX_SLUG, creator=user)
        admin = Membership.objects.select_related("organisation").get(user=user, organisation=org)
        accounts.membership_update(actor=admin, membership=admin, title="Chief Executive Officer")
        setup_finish(actor=admin)
        accounts.membership_add(
            actor=admin, organisation=org, email=self.admin.user.email, role="viewer", title="Board member"
        )
        company = accounts.team_create(actor=admin, name="Globex Corporation", kind="company")
        accounts.team_member_set(actor=admin, team=company, membership=admin, is_lead=True)
        q_start, q_end = quarter_bounds(self.today)
        cycle = okrs.cycle_create(
            actor=admin, name=_quarter_name(q_start), start_date=q_start, end_date=q_end, state=CycleState.ACTIVE
        )
        obj = okrs.objective_create(
            actor=admin, cycle=cycle, title="Expand to the east coast", team=company, state=ObjectiveState.ACTIVE
        )
        okrs.key_result_create(
            actor=admin, objective=obj, title="Open 3 regional offices", kind="increase", start_value=0, target_value=3
        )
        self.built.logins.append((user.email, "admin"))
