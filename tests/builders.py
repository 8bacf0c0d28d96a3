"""The one place tests build organisations and OKR trees.

Everything except the personas is built through the services, the way people build it, so audit
entries, alignments and stored roll-ups exist exactly as in production. Each builder returns the
objects its tests reach for by name, and the names and numbers below are what the tests assert on:
change one and expected values change with it.

- ``build_world()`` — Acme with its company team and two teams (Platform, Sales), one persona per
  role (admin, champion, lead, member, viewer), an outsider from Globex, and the current quarter.
  Served as the ``world`` fixture.
- ``objective_with_krs(...)`` — one objective and its key results, the building block of the rest.
- ``key_results_for(owner, cycle, admin, n)`` — ``n`` increase-to key results of one person, three
  per objective ("my week" and check-in pages).
- ``build_tree(world)`` — a company objective themed on a big move, Platform's objective aligned to
  it with a latency and a milestones key result (two check-ins), a member's objective below it and
  a duality child of the latency key result. The ``tree`` fixture; the web pages' tests.
- ``build_okr_data(world)`` — one object of every kind the API serves (values, big moves, a sprint,
  an invitation, objectives and key results with a check-in). The ``okr_data`` fixture; the API.
- ``build_plan(world)`` — a cycle planned for export: a company objective, two team objectives
  aligned to it with key results of several kinds, an objective without key results. The ``plan``
  fixture; the planning sheets.
- ``build_dashboard_scenario(world)`` — a cycle exactly half over with key results on track, at
  risk, behind and stale (``backdate``, ``days_ago``); the dashboard and its CSV exports.
- ``build_annual_over_quarters(world)`` — an annual objective over quarterly ones, with duality
  links both ways; the roll-up refresh and the background worker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone

from ambit.accounts import invitations
from ambit.accounts import services as accounts
from ambit.accounts.models import Invitation, Membership, Organisation, Role, Team, TeamKind
from ambit.discussion.models import Comment
from ambit.initiatives.models import Initiative
from ambit.kpis.models import Kpi
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, CycleKind, KeyResult, Objective, ObjectiveState, Sprint
from ambit.oneonones.models import Item, Meeting, OneOnOne
from ambit.present.models import PresentationLink, token_hash
from ambit.retros.models import Dependency
from ambit.reviews.models import Decision as ReviewDecision
from ambit.reviews.models import Review, ReviewItem
from ambit.rituals.models import Standup
from ambit.rituals.selectors import local_today
from ambit.strategy import selectors as strategy_selectors
from ambit.strategy import services as strategy
from ambit.strategy.models import BigMove, Value
from ambit.teammeetings.models import TeamMeeting, TeamMeetingItem
from ambit.trash import capture as trash_capture
from ambit.trash.models import TrashItem
from tests import factories as f

# --- The organisation and its people ----------------------------------------------------------


@dataclass
class World:
    org: Organisation
    company: Team
    team: Team
    other_team: Team
    admin: Membership
    champion: Membership
    lead: Membership
    member: Membership
    viewer: Membership
    outsider: Membership
    other_org: Organisation
    cycle: Cycle


def _member(org: Organisation, email: str, role: str) -> Membership:
    return f.MembershipFactory.create(user=f.UserFactory.create(email=email), organisation=org, role=role)


def build_world() -> World:
    """Personas per organisation, so permission tests are one-liners (factories: no audit entries)."""
    org = f.OrganisationFactory.create(name="Acme", slug="acme")
    other = f.OrganisationFactory.create(name="Globex", slug="globex")
    company = f.TeamFactory.create(organisation=org, name="Acme", slug="acme-co", kind=TeamKind.COMPANY)
    team = f.TeamFactory.create(organisation=org, name="Platform", slug="platform", parent=company)
    other_team = f.TeamFactory.create(organisation=org, name="Sales", slug="sales", parent=company)
    admin = _member(org, "admin@acme.test", Role.ADMIN)
    champion = _member(org, "champion@acme.test", Role.CHAMPION)
    lead = _member(org, "lead@acme.test", Role.MEMBER)
    member = _member(org, "member@acme.test", Role.MEMBER)
    member.manager = lead
    member.save()
    viewer = _member(org, "viewer@acme.test", Role.VIEWER)
    outsider = _member(other, "outsider@globex.test", Role.ADMIN)
    f.TeamMemberFactory.create(team=team, membership=lead, is_lead=True)
    f.TeamMemberFactory.create(team=team, membership=member)
    cycle = f.CycleFactory.create(organisation=org, name="Current quarter")
    return World(org, company, team, other_team, admin, champion, lead, member, viewer, outsider, other, cycle)


# --- Objectives and key results ---------------------------------------------------------------


def objective_with_krs(
    *,
    actor: Membership,
    cycle: Cycle,
    title: str,
    key_results: Sequence[Mapping[str, Any]] = (),
    kr_actor: Membership | None = None,
    **fields: Any,
) -> tuple[Objective, list[KeyResult]]:
    """An objective (``fields`` go to ``objective_create``), then its key results in order.

    Each key result is the keyword arguments of ``key_result_create``; they are created by
    ``kr_actor`` (default: whoever created the objective).
    """
    objective = okrs.objective_create(actor=actor, cycle=cycle, title=title, **fields)
    krs = [okrs.key_result_create(actor=kr_actor or actor, objective=objective, **kr) for kr in key_results]
    return objective, krs


def key_results_for(
    owner: Membership,
    cycle: Cycle,
    admin: Membership,
    n: int = 1,
    *,
    per_objective: int = 3,
    prefix: str = "Grow signups",
) -> list[KeyResult]:
    """``n`` increase-to key results owned by ``owner``, spread over objectives of ``per_objective``.

    Titled "<prefix> 1" … "<prefix> n", 0 → 1000 users, in active objectives
    "<prefix>: objective 1", … owned by ``owner``; ``admin`` creates them all.
    """
    krs: list[KeyResult] = []
    for first in range(0, n, per_objective):
        _, chunk = objective_with_krs(
            actor=admin,
            cycle=cycle,
            title=f"{prefix}: objective {first // per_objective + 1}",
            owner=owner,
            state=ObjectiveState.ACTIVE,
            key_results=[
                {"title": f"{prefix} {i + 1}", "start_value": 0, "target_value": 1000, "unit": "users", "owner": owner}
                for i in range(first, min(n, first + per_objective))
            ],
        )
        krs += chunk
    return krs


# --- The web pages' tree ----------------------------------------------------------------------


@dataclass
class Tree:
    big_move: BigMove
    value: Value
    company_obj: Objective
    team_obj: Objective
    member_obj: Objective
    duality_child: Objective
    latency: KeyResult
    launch: KeyResult
    member_kr: KeyResult


def build_tree(world: World) -> Tree:
    """Company → Platform → member objectives, a duality child of latency; latency checked in twice."""
    move = strategy.big_move_create(
        actor=world.champion, title="Own the mid-market", horizon_start=2026, horizon_end=2028
    )
    value = strategy.value_create(actor=world.champion, name="Candour", description="Say it early")
    company_obj, _ = objective_with_krs(
        actor=world.champion,
        cycle=world.cycle,
        title="Win the mid-market",
        team=world.company,
        state="active",
        theme=move,
    )
    team_obj, (latency, launch) = objective_with_krs(
        actor=world.lead,
        cycle=world.cycle,
        title="A platform customers trust",
        team=world.team,
        state="active",
        parents=[(company_obj, 1.0)],
        key_results=[
            {"title": "p95 latency", "kind": "decrease", "start_value": 800, "target_value": 200, "unit": "ms"},
            {"title": "Launch status page", "kind": "milestones", "milestones": ["Design", "Build"]},
        ],
    )
    earlier = timezone.now() - dt.timedelta(hours=30)
    okrs.check_in_record(actor=world.lead, key_result=latency, value=650, confidence=6, note="Cache <warm>", at=earlier)
    okrs.check_in_record(actor=world.lead, key_result=latency, value=500, confidence=7, note="CDN on")
    member_obj, (member_kr,) = objective_with_krs(
        actor=world.member,
        cycle=world.cycle,
        title="Grow as an engineer",
        state="active",
        parents=[(team_obj, 1.0)],
        key_results=[{"title": "Ship talks", "start_value": 0, "target_value": 4, "unit": "talks"}],
    )
    duality_child = okrs.objective_create_from_key_result(
        actor=world.lead, key_result=latency, owner=world.lead, team=world.team, title="Halve latency", state="active"
    )
    return Tree(move, value, company_obj, team_obj, member_obj, duality_child, latency, launch, member_kr)


# --- One of everything the API serves ---------------------------------------------------------


@dataclass
class OkrData:
    company_obj: Objective
    team_obj: Objective
    kr: KeyResult
    milestone_kr: KeyResult
    child_obj: Objective
    value: Value
    big_move: BigMove
    spare_move: BigMove
    spare_obj: Objective
    sprint: Sprint
    invitation: Invitation


def _trash_directly(world: World, objective: Objective) -> None:
    """``objective`` deleted into the trash without the services (no audit entry)."""
    kept = trash_capture.capture(objective)
    TrashItem.objects.create(
        organisation=world.org,
        model_label="okrs.Objective",
        object_id=str(objective.pk),
        kind="objective",
        title=objective.title,
        owner_id=objective.owner_id,
        deleted_by=world.admin,
        purge_after=timezone.now() + dt.timedelta(days=30),
        payload=kept.payload,
        nulled=kept.nulled,
        counts=kept.counts,
    )
    Objective.objects.filter(pk=objective.pk).delete()


def build_okr_data(world: World) -> OkrData:
    """Strategy, a company and a team objective with a checked-in key result, spares to delete."""
    # Reading a strategy creates its row on first read; create both now so reads change nothing.
    strategy_selectors.strategy_get(actor=world.admin)
    strategy_selectors.strategy_get(actor=world.outsider)
    value = strategy.value_create(actor=world.champion, name="Customers first")
    move = strategy.big_move_create(
        actor=world.champion, title="Own the mid-market", horizon_start=2026, horizon_end=2028
    )
    company_obj, _ = objective_with_krs(
        actor=world.champion,
        cycle=world.cycle,
        title="Grow revenue",
        team=world.company,
        state="active",
        theme=move,
        key_results=[{"title": "ARR", "start_value": 10, "target_value": 20, "unit": "M€"}],
    )
    team_obj, (kr,) = objective_with_krs(
        actor=world.lead,
        cycle=world.cycle,
        title="Ship the platform",
        team=world.team,
        state="active",
        parents=[(company_obj, 1.0)],
        key_results=[{"title": "Weekly users", "start_value": 0, "target_value": 200, "owner": world.member}],
    )
    okrs.check_in_record(actor=world.member, key_result=kr, value=50, confidence=7, note="steady")
    milestone_kr = okrs.key_result_create(
        actor=world.lead,
        objective=team_obj,
        title="Launch",
        kind="milestones",
        milestones=["Beta", ("GA", 2.0)],
    )
    # The key result keeps its own check-ins (the API tests record some): a linked one refuses them.
    child_obj = okrs.objective_create_from_key_result(
        actor=world.lead, key_result=kr, team=world.team, progress_from_child=False
    )
    spare_move = strategy.big_move_create(
        actor=world.champion, title="Enter Japan", horizon_start=2027, horizon_end=2029
    )
    cycle = world.cycle
    sprint = Sprint.objects.create(
        organisation=world.org, cycle=cycle, number=1, start_date=cycle.start_date, end_date=cycle.end_date
    )
    # The quarter after it, in planning (issue 17), made directly (no audit entry): the API walk's
    # rollover target (``tests/api/operations.py``).
    Cycle.objects.create(
        organisation=world.org,
        name="Rollover quarter",
        start_date=cycle.end_date + dt.timedelta(days=1),
        end_date=cycle.end_date + dt.timedelta(days=91),
        state="planning",
    )
    spare_obj = okrs.objective_create(actor=world.champion, cycle=cycle, title="Keep costs flat", team=world.company)
    invitation = invitations.invitation_create(actor=world.admin, email="pending@acme.test", send=False).invitation
    # A comment of the admin's for the API walks to edit and delete (issue 16; no audit entry).
    Comment.objects.create(organisation=world.org, kind="objective", objective=team_obj, author=world.admin, body="Hi")
    # A team KPI the member owns (issue 16), made directly (no audit entry): the API walk's ``kpi_id``.
    Kpi.objects.create(
        organisation=world.org,
        team=world.team,
        owner=world.member,
        name="Churn",
        unit="%",
        direction="lower",
        healthy_threshold=3,
        critical_threshold=5,
    )
    # Today's standup of the admin's (issue 16), made directly (no audit entry): the API walk's ``standup_id``.
    Standup.objects.create(organisation=world.org, author=world.admin, day=local_today(world.org))
    # The lead's 1:1 with the member, with one action item (issue 16), made directly (no audit
    # entry): the API walk's ``one_on_one_id`` and ``item_id``; private, so anyone else gets 404.
    one_on_one = OneOnOne.objects.create(
        organisation=world.org, manager=world.lead, report=world.member, next_on=local_today(world.org)
    )
    meeting = Meeting.objects.create(organisation=world.org, one_on_one=one_on_one, date=one_on_one.next_on)
    Item.objects.create(organisation=world.org, meeting=meeting, kind="action", text="Plan Q3", author=world.lead)
    # An initiative on the member's key result (issue 16), made directly (no audit entry): the API
    # walk's ``initiative_id``; the member may change it (they own the key result).
    Initiative.objects.create(organisation=world.org, key_result=kr, title="Instrument sign-ups", position=1)
    # Platform's open check-in with the lead's action item for the member (issue 16), made directly
    # (no audit entry): the API walk's ``team_meeting_id`` and ``team_meeting_item_id``.
    check_in = TeamMeeting.objects.create(
        organisation=world.org,
        team=world.team,
        held_on=local_today(world.org),
        started_at=timezone.now(),
        since=timezone.now() - dt.timedelta(days=14),
        started_by=world.lead,
    )
    TeamMeetingItem.objects.create(
        organisation=world.org,
        meeting=check_in,
        team=world.team,
        kind="action",
        text="Write the runbook",
        owner=world.member,
        author=world.lead,
    )
    # An open monthly review with the member's key result on its agenda and one decision (issue
    # 16), made directly (no audit entry): the API walk's ``review_id`` and ``decision_id``; only
    # the member, who owns the key result, writes its commentary.
    review = Review.objects.create(
        organisation=world.org,
        month=local_today(world.org).replace(day=1),
        meeting_on=local_today(world.org),
        opened_by=world.champion,
    )
    ReviewItem.objects.create(
        organisation=world.org, review=review, key_result=kr, status="behind", progress=0.25, expected=0.5, confidence=7
    )
    ReviewDecision.objects.create(organisation=world.org, review=review, text="Pair on sign-ups", author=world.champion)
    # Platform's objective depends on the company's ARR key result (issue 17), made directly (no
    # audit entry): the API walk's ``dependency_id``.
    Dependency.objects.create(
        organisation=world.org, objective=team_obj, target_key_result=company_obj.key_results.get(), author=world.lead
    )
    # A deleted objective of the member's in the trash (issue 17), made directly (no audit entry):
    # the API walk's ``trash_item_id``.
    _trash_directly(
        world, f.ObjectiveFactory.create(organisation=world.org, cycle=cycle, owner=world.member, title="Old pricing")
    )
    # A live presentation link to the cycle (issue 17), made directly (no audit entry): the API
    # walk's ``link_id``.
    PresentationLink.objects.create(
        organisation=world.org,
        cycle=cycle,
        created_by=world.champion,
        token_hash=token_hash("walk-presentation-link"),
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    return OkrData(
        company_obj, team_obj, kr, milestone_kr, child_obj, value, move, spare_move, spare_obj, sprint, invitation
    )


# --- A cycle planned for the sheets -----------------------------------------------------------


@dataclass
class Plan:
    company: Objective
    platform: Objective
    sales: Objective
    empty: Objective
    kr_users: KeyResult
    kr_latency: KeyResult
    kr_launch: KeyResult
    kr_revenue: KeyResult


def build_plan(world: World) -> Plan:
    """Two team objectives aligned to a company one, key results of five kinds, one empty objective."""
    ch = world.champion
    company, (kr_revenue,) = objective_with_krs(
        actor=ch,
        cycle=world.cycle,
        title="Win the mid-market",
        team=world.company,
        owner=world.admin,
        key_results=[
            {
                "title": "Grow ARR",
                "start_value": 1000000,
                "target_value": 1500000,
                "unit": "€",
                "unit_kind": "currency",
                "stretch_target": 1800000,
            }
        ],
    )
    platform, (kr_users, kr_latency, kr_launch) = objective_with_krs(
        actor=ch,
        cycle=world.cycle,
        title="Make the platform fast",
        team=world.team,
        owner=world.lead,
        description="Latency hurts conversion.",
        parents=[(company, 1.0)],
        key_results=[
            {
                "title": "Weekly active users",
                "start_value": 200,
                "target_value": 137,
                "kind": "decrease",
                "owner": world.member,
            },
            {"title": "p95 latency under 300 ms", "kind": "stay_below", "target_value": 300, "unit": "ms", "weight": 2},
            {"title": "Launch the new cache", "kind": "binary"},
        ],
    )
    sales = okrs.objective_create(
        actor=ch,
        cycle=world.cycle,
        title="Sell to bigger customers",
        team=world.other_team,
        owner=world.champion,
        ambition="aspirational",
        visibility="team",
        parents=[(company, 1.0)],
    )
    empty = okrs.objective_create(actor=world.member, cycle=world.cycle, title="Learn Rust", owner=world.member)
    return Plan(company, platform, sales, empty, kr_users, kr_latency, kr_launch, kr_revenue)


# --- The dashboard's half-over cycle ----------------------------------------------------------


def days_ago(n: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)


def backdate(*objs: Objective | KeyResult, days: int = 60) -> None:
    """Move ``created_at`` back, so a key result created today is not "new" to the stale rules."""
    for obj in objs:
        type(obj).objects.filter(pk=obj.pk).update(created_at=days_ago(days))
        obj.refresh_from_db()


@dataclass
class DashboardScenario:
    cycle: Cycle
    deploys: Objective
    deals: Objective
    rust: Objective
    k1: KeyResult  # 45% of 50% expected: on track
    k5: KeyResult  # 30%: at risk
    k2: KeyResult  # 20%: behind
    k3: KeyResult  # last heard 30 days ago: stale
    k4: KeyResult  # never heard of: stale

    @property
    def url(self) -> str:
        return f"{reverse('dashboards:organisation')}?cycle={self.cycle.pk}"


def build_dashboard_scenario(world: World) -> DashboardScenario:
    """A cycle exactly half over (expected 50%), three objectives in two teams and one person."""
    today = timezone.localdate()
    cycle = f.CycleFactory.create(
        organisation=world.org,
        name="Dash cycle",
        start_date=today - dt.timedelta(days=50),
        end_date=today + dt.timedelta(days=50),
    )
    deploys = okrs.objective_create(
        actor=world.lead, cycle=cycle, title="Faster deploys", team=world.team, state="active"
    )
    deals = okrs.objective_create(
        actor=world.champion, cycle=cycle, title="More deals", team=world.other_team, state="active"
    )
    rust = okrs.objective_create(actor=world.member, cycle=cycle, title="Learn Rust", state="active")
    k1 = okrs.key_result_create(
        actor=world.lead, objective=deploys, title="Deploys a day", start_value=0, target_value=100
    )
    k5 = okrs.key_result_create(
        actor=world.lead, objective=deploys, title="Green builds", target_value=100, start_value=0
    )
    k2 = okrs.key_result_create(actor=world.champion, objective=deals, title="Deals", start_value=0, target_value=10)
    k3 = okrs.key_result_create(actor=world.champion, objective=deals, title="Case study out", kind="binary")
    k4 = okrs.key_result_create(
        actor=world.member, objective=rust, title="Chapters read", start_value=0, target_value=4
    )
    backdate(deploys, deals, rust, k1, k5, k2, k3, k4)
    okrs.check_in_record(actor=world.lead, key_result=k1, value=20, confidence=6, at=days_ago(40))
    okrs.check_in_record(actor=world.lead, key_result=k1, value=45, confidence=7, at=days_ago(2))
    okrs.check_in_record(actor=world.lead, key_result=k5, value=30, confidence=5, at=days_ago(1))
    okrs.check_in_record(actor=world.champion, key_result=k2, value=2, confidence=4, at=days_ago(1))
    okrs.check_in_record(actor=world.champion, key_result=k3, value=0, confidence=5, at=days_ago(30))
    return DashboardScenario(cycle, deploys, deals, rust, k1, k5, k2, k3, k4)


# --- Roll-ups across cycles -------------------------------------------------------------------


def build_annual_over_quarters(world: World) -> list[Objective]:
    """Annual A (starts before the quarter) ← quarterly Q1, Q2 (aligned); A's key result ← quarterly
    D (duality); Q1's key result ← I (duality). Child blend 0.5. Returns them leaves first."""
    accounts.organisation_update(actor=world.admin, child_blend=0.5)
    world.org.refresh_from_db()
    quarter = world.cycle
    year = f.CycleFactory.create(
        organisation=world.org,
        name="Year",
        kind=CycleKind.ANNUAL,
        start_date=quarter.start_date - dt.timedelta(days=90),
        end_date=quarter.end_date + dt.timedelta(days=180),
    )
    a, (a_kr, a_own) = objective_with_krs(
        actor=world.champion,
        cycle=year,
        title="A",
        team=world.company,
        state="active",
        key_results=[
            {"title": "A1", "start_value": 0, "target_value": 10},
            {"title": "A2", "start_value": 0, "target_value": 10},
        ],
    )
    okrs.check_in_record(actor=world.champion, key_result=a_own, value=4, confidence=7)
    q1, (q1_kr, q1_own) = objective_with_krs(
        actor=world.lead,
        cycle=quarter,
        title="Q1",
        team=world.team,
        state="active",
        parents=[(a, 2.0)],
        key_results=[
            {"title": "Q1a", "start_value": 0, "target_value": 100},
            {"title": "Q1b", "start_value": 0, "target_value": 4},
        ],
    )
    okrs.check_in_record(actor=world.lead, key_result=q1_own, value=1, confidence=7)
    q2, (q2_kr,) = objective_with_krs(
        actor=world.lead,
        cycle=quarter,
        title="Q2",
        team=world.team,
        state="active",
        parents=[(a, 1.0)],
        key_results=[{"title": "Q2a", "start_value": 0, "target_value": 8}],
    )
    okrs.check_in_record(actor=world.lead, key_result=q2_kr, value=6, confidence=7)
    d = okrs.objective_create_from_key_result(
        actor=world.champion, key_result=a_kr, owner=world.lead, title="D", cycle=quarter, progress_from_child=True
    )
    okrs.objective_set_state(actor=world.champion, objective=d, state="active")
    d_kr = okrs.key_result_create(actor=world.lead, objective=d, title="D1", start_value=0, target_value=10)
    okrs.check_in_record(actor=world.lead, key_result=d_kr, value=3, confidence=7)
    i = okrs.objective_create_from_key_result(
        actor=world.lead, key_result=q1_kr, owner=world.member, title="I", progress_from_child=True
    )
    okrs.objective_set_state(actor=world.lead, objective=i, state="active")
    i_kr = okrs.key_result_create(actor=world.member, objective=i, title="I1", start_value=0, target_value=20)
    okrs.check_in_record(actor=world.member, key_result=i_kr, value=15, confidence=7)
    return [i, d, q2, q1, a]
