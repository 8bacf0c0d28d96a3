"""seed_demo, demo_logins and seed_synthetic: what they build, that it follows the rules, and that
it is deterministic."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpRequest
from django.test import RequestFactory
from pytest_django import Settings

from ambit.accounts.models import Membership, Organisation, Role, Team, TeamMember, User
from ambit.core.models import AuditEntry
from ambit.okrs.metrics import compute_metrics
from ambit.okrs.models import Alignment, CheckIn, Cycle, CycleState, KeyResult, Objective, ObjectiveState
from ambit.okrs.selectors import cycle_current, objective_list
from ambit.strategy.models import BigMove, Strategy, Value

pytestmark = pytest.mark.django_db

# A Thursday seven weeks into Q2 2026: every status of the mix is reachable by then.
AS_OF = "2026-05-21"
AS_OF_NOW = dt.datetime(2026, 5, 21, 12, tzinfo=dt.UTC)


def _login_request() -> HttpRequest:
    """django-axes counts sign-in attempts per request, so authenticate() needs one."""
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR="127.0.0.1")


@pytest.fixture(autouse=True)
def fast_hashing(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AMBIT_DEMO_PASSWORD = "demo-pass-for-tests"


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _northwind_admin() -> Membership:
    return Membership.objects.select_related("organisation").get(
        user__email="admin@northwind.test", organisation__slug="northwind"
    )


def test_seed_demo_builds_a_believable_company_and_rebuilds_on_reset() -> None:
    output = _run("seed_demo", "--if-empty", "--as-of", AS_OF)
    assert "Built Northwind Labs: 40 people, 8 teams" in output
    org = Organisation.objects.get(slug="northwind")
    assert org.checkin_cadence == "weekly" and org.confidence_scale == "0-10"
    assert org.setup_completed_at is not None  # a running company: no set-up wizard nagging its admins

    # People and teams: about 40 people, 8 teams in 3 levels, leads everywhere, managers set.
    members = Membership.objects.filter(organisation=org)
    assert members.count() == 40
    assert members.exclude(manager=None).count() >= 37
    teams = Team.objects.filter(organisation=org)
    assert teams.count() == 8
    assert sorted(teams.values_list("kind", flat=True)) == ["company"] + ["department"] * 3 + ["team"] * 4
    root = teams.get(kind="company")
    assert set(teams.filter(kind="department").values_list("name", flat=True)) == {
        "Product & Engineering",
        "Go-to-market",
        "Operations",
    }
    assert all(t.parent is not None and t.parent.kind == "department" for t in teams.filter(kind="team"))
    assert all(t.parent_id == root.pk for t in teams.filter(kind="department"))
    for team in teams:
        assert TeamMember.objects.filter(team=team, is_lead=True).count() == 1, team.name
    platform = teams.get(name="Platform")

    # Strategy.
    strategy = Strategy.objects.get(organisation=org)
    assert strategy.mission and strategy.vision
    assert Value.objects.filter(organisation=org).count() == 4
    moves = BigMove.objects.filter(organisation=org)
    assert moves.count() == 3
    assert {(m.horizon_start, m.horizon_end) for m in moves} == {(2026, 2028)}

    # Personas.
    admin = _northwind_admin()
    assert admin.role == Role.ADMIN and admin.is_executive_sponsor
    assert admin.user.is_staff and admin.user.is_superuser
    lead = Membership.objects.get(user__email="lead@northwind.test", organisation=org)
    assert lead.role == Role.MEMBER
    assert TeamMember.objects.filter(team=platform, membership=lead, is_lead=True).exists()
    member = Membership.objects.get(user__email="member@northwind.test", organisation=org)
    assert member.manager_id == lead.pk
    assert TeamMember.objects.filter(team=platform, membership=member, is_lead=False).exists()
    assert Membership.objects.get(user__email="champion@northwind.test", organisation=org).role == Role.CHAMPION
    globex = Organisation.objects.get(slug="globex")
    assert Membership.objects.get(user__email="admin@globex.test", organisation=globex).role == Role.ADMIN
    assert Membership.objects.get(user=admin.user, organisation=globex).role == Role.VIEWER
    for email in ("admin@northwind.test", "lead@northwind.test", "member@northwind.test", "champion@northwind.test"):
        assert authenticate(_login_request(), email=email, password="demo-pass-for-tests") is not None, email
    assert authenticate(_login_request(), email="admin@globex.test", password="demo-pass-for-tests") is not None
    assert authenticate(_login_request(), email="admin@northwind.test", password="wrong") is None

    # Cycles: the year, its quarters, the one around today active, earlier closed, next planning.
    cycles = {c.name: c for c in Cycle.objects.filter(organisation=org)}
    assert cycles["2026"].kind == "annual" and cycles["2026"].state == CycleState.ACTIVE
    assert [cycles[f"Q{i} 2026"].state for i in (1, 2, 3, 4)] == ["closed", "active", "planning", "planning"]
    assert all(cycles[f"Q{i} 2026"].parent_id == cycles["2026"].pk for i in (1, 2, 3, 4))
    assert cycles["Q2 2026"].sprints.count() >= 6
    previous = Objective.objects.filter(cycle=cycles["Q1 2026"])
    assert previous.exists() and not previous.filter(score=None).exists()
    assert set(previous.values_list("state", flat=True)) == {ObjectiveState.CLOSED}
    assert CheckIn.objects.filter(key_result__objective__cycle=cycles["Q1 2026"]).count() >= 11 * 12

    # The current quarter: 3 company objectives, all kinds, both cascade methods, individuals.
    current = cycle_current(actor=admin, on=AS_OF_NOW.date())
    assert current == cycles["Q2 2026"]
    objectives = list(objective_list(actor=admin, cycle=current))
    company = [o for o in objectives if o.level == "company"]
    assert len(company) == 3
    assert all(3 <= len(o.key_results.all()) <= 4 for o in company)
    kinds = {kr.kind for o in objectives for kr in o.key_results.all()}
    assert kinds == {"increase", "decrease", "stay_above", "stay_below", "milestones", "binary"}
    assert {o.level for o in objectives} == {"company", "department", "team", "individual"}
    assert {o.ambition for o in objectives} == {"committed", "aspirational"}
    assert Alignment.objects.filter(child__cycle=current, parent__level="company").exists()
    dual = [o for o in objectives if o.source_key_result_id]
    assert dual and all(o.source_key_result is not None and o.source_key_result.progress_from_children for o in dual)
    individual = [o for o in objectives if o.level == "individual"]
    assert len({o.owner_id for o in individual}) >= 3
    assert all(Alignment.objects.filter(child=o, parent__level="team").exists() for o in individual)
    annual = Objective.objects.filter(cycle=cycles["2026"])
    assert annual.count() == 3 and not annual.filter(theme=None).exists()

    # Check-ins: weekly since the quarter started (seven weeks), backdated, through the services.
    dispatchers = KeyResult.objects.get(organisation=org, title__startswith="Grow weekly active dispatchers")
    history = list(CheckIn.objects.filter(key_result=dispatchers).order_by("created_at"))
    assert len(history) >= 6
    assert history[0].created_at.date() >= current.start_date
    assert all((b.created_at - a.created_at) == dt.timedelta(days=7) for a, b in itertools.pairwise(history))
    assert (
        AuditEntry.objects.filter(organisation=org, action="check_in.record").count()
        == CheckIn.objects.filter(organisation=org).count()
    )

    # The mix, as the product computes it.
    metrics = compute_metrics(organisation=org, objectives=objectives, now=AS_OF_NOW)
    statuses = {m.status for m in metrics.krs.values()} | {m.status for m in metrics.objectives.values()}
    assert {"on_track", "at_risk", "behind", "stale", "cancelled"} <= statuses
    cancelled = [o for o in objectives if o.state == ObjectiveState.CANCELLED]
    assert len(cancelled) == 1 and cancelled[0].cancel_reason
    drops = [kr for o in objectives for kr in o.key_results.all() if kr.current_confidence <= 4]
    assert any(
        list(CheckIn.objects.filter(key_result=kr).order_by("-created_at").values_list("confidence", flat=True)[:2])
        == [4, 8]
        for kr in drops
    )
    mine = [kr for o in objectives for kr in o.key_results.all() if kr.owner_id == member.pk]
    assert len(mine) >= 3
    assert any(metrics.kr(kr).due for kr in mine) and not all(metrics.kr(kr).due for kr in mine)

    # --if-empty is a no-op the second time; without it the command refuses to build twice.
    counts = (Organisation.objects.count(), User.objects.count(), CheckIn.objects.count(), AuditEntry.objects.count())
    assert "left the database as it is" in _run("seed_demo", "--if-empty")
    with pytest.raises(CommandError, match="--reset"):
        _run("seed_demo")
    assert counts == (
        Organisation.objects.count(),
        User.objects.count(),
        CheckIn.objects.count(),
        AuditEntry.objects.count(),
    )

    # demo_logins lists the personas with the password.
    logins = _run("demo_logins", "--url", "http://127.0.0.1:8000/")
    assert "http://127.0.0.1:8000/" in logins and "demo-pass-for-tests" in logins
    for email in ("admin@northwind.test", "lead@northwind.test", "member@northwind.test", "admin@globex.test"):
        assert email in logins

    # --reset rebuilds in place. Nine days into Q3 the active quarter has barely started, so the
    # closed Q2 carries a full history.
    users = User.objects.count()
    _run("seed_demo", "--reset", "--as-of", "2026-07-10")
    assert User.objects.count() == users
    assert Organisation.objects.filter(slug__in=["northwind", "globex"]).count() == 2
    org = Organisation.objects.get(slug="northwind")
    assert Membership.objects.filter(organisation=org).count() == 40
    cycles = {c.name: c for c in Cycle.objects.filter(organisation=org)}
    assert [cycles[f"Q{i} 2026"].state for i in (1, 2, 3, 4)] == ["closed", "closed", "active", "planning"]
    assert CheckIn.objects.filter(key_result__objective__cycle=cycles["Q2 2026"]).count() >= 11 * 12
    young = CheckIn.objects.filter(key_result__objective__cycle=cycles["Q3 2026"]).order_by("created_at")
    first_young = young.first()
    assert young.exists() and first_young is not None and first_young.created_at.date() >= dt.date(2026, 7, 1)


def test_seed_demo_refuses_a_future_date_and_demo_logins_hints_when_empty() -> None:
    with pytest.raises(CommandError, match="future"):
        _run("seed_demo", "--as-of", "2999-01-01")
    assert not Organisation.objects.exists()
    assert "seed_demo" in _run("demo_logins")


def _digest(slug: str) -> str:
    h = hashlib.sha256()
    objectives = Objective.objects.filter(organisation__slug=slug).order_by("cycle__start_date", "position")
    for row in objectives.values_list("title", "cycle__name", "level", "state", "score"):
        h.update(repr(row).encode())
    for check_in in (
        CheckIn.objects.filter(organisation__slug=slug)
        .order_by(
            "key_result__objective__cycle__start_date",
            "key_result__objective__position",
            "key_result__position",
            "created_at",
        )
        .values_list("key_result__title", "value", "confidence", "created_at", "note")
    ):
        h.update(repr(check_in).encode())
    return h.hexdigest()


def test_seed_synthetic_is_deterministic_and_consistent() -> None:
    out = _run("seed_synthetic", "--people", "60", "--seed", "7", "--org-slug", "bench")
    assert "admin@bench.test" in out and "ambit-bench" in out
    org = Organisation.objects.get(slug="bench")
    assert Membership.objects.filter(organisation=org).count() == 60
    assert org.setup_completed_at is not None
    assert Team.objects.filter(organisation=org).count() == 8
    first = _digest("bench")

    with pytest.raises(CommandError, match="--replace"):
        _run("seed_synthetic", "--people", "60", "--seed", "7", "--org-slug", "bench")
    assert _digest("bench") == first

    _run("seed_synthetic", "--people", "60", "--seed", "7", "--org-slug", "bench", "--replace")
    assert _digest("bench") == first
    assert Organisation.objects.filter(slug="bench").count() == 1
    assert User.objects.filter(email__endswith="@bench.test").count() == 60
    org = Organisation.objects.get(slug="bench")

    # Structure: a year of quarters, the current one active; every level; alignment both ways.
    quarters = Cycle.objects.filter(organisation=org, kind="quarter").order_by("start_date")
    assert [q.state for q in quarters] == ["closed", "closed", "closed", "active"]
    assert Cycle.objects.get(organisation=org, kind="annual").state == "active"
    objectives = Objective.objects.filter(organisation=org)
    assert set(objectives.values_list("level", flat=True)) == {"company", "department", "team", "individual"}
    assert Alignment.objects.filter(organisation=org).exists()
    assert objectives.exclude(source_key_result=None).exists()
    assert not objectives.filter(cycle__state="closed", score=None).exists()
    assert authenticate(_login_request(), email="admin@bench.test", password="ambit-bench") is not None

    # Denormalised latest check-in on every key result equals the real latest check-in.
    latest: dict[int, CheckIn] = {}
    counts: dict[int, int] = {}
    for c in CheckIn.objects.filter(organisation=org).order_by("created_at", "id"):
        latest[c.key_result_id] = c
        counts[c.key_result_id] = counts.get(c.key_result_id, 0) + 1
    krs = list(KeyResult.objects.filter(organisation=org))
    assert sum(counts.values()) > len(krs) * 4
    for kr in krs:
        last = latest.get(kr.pk)
        if last is None:
            assert (kr.checkin_count, kr.last_checkin_at, kr.current_value) == (0, None, None)
            continue
        assert kr.checkin_count == counts[kr.pk]
        assert kr.last_checkin_at == last.created_at
        assert kr.current_value == last.value
        assert kr.current_confidence == last.confidence
        assert kr.current_milestones_done == last.milestones_done
    assert any(kr.current_milestones_done for kr in krs)

    # Another seed gives other data.
    _run("seed_synthetic", "--people", "60", "--seed", "8", "--org-slug", "bench", "--replace")
    assert _digest("bench") != first
