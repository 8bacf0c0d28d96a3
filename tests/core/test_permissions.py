"""Role rules: viewer reads only; members their own OKRs; leads their teams'; champions and admins
everything in their organisation; another organisation gets 404 and nothing changes."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from ambit.accounts import services as accounts
from ambit.core.models import AuditEntry
from ambit.okrs import services
from ambit.okrs.models import KeyResult, Objective
from ambit.strategy import services as strategy
from tests.builders import World
from tests.helpers import db_digest

pytestmark = pytest.mark.django_db


@dataclass
class Okrs:
    own: Objective  # the member's own objective
    team: Objective  # Platform's, led by the lead
    sales: Objective  # Sales', which neither the member nor the lead may edit
    kr: KeyResult  # the member's key result on ``own``


@pytest.fixture
def okrs(world: World) -> Okrs:
    own = services.objective_create(actor=world.member, cycle=world.cycle, title="Member's own", state="active")
    team = services.objective_create(
        actor=world.lead, cycle=world.cycle, title="Platform OKR", team=world.team, state="active"
    )
    sales = services.objective_create(
        actor=world.champion, cycle=world.cycle, title="Sales OKR", team=world.other_team, state="active"
    )
    kr = services.key_result_create(actor=world.member, objective=own, title="KR", start_value=0, target_value=10)
    return Okrs(own=own, team=team, sales=sales, kr=kr)


@pytest.mark.parametrize(
    ("persona", "target", "allowed"),
    [
        ("member", "own", True),
        ("member", "team", False),
        ("member", "sales", False),
        ("lead", "own", True),  # the member's individual OKR: the lead leads their team
        ("lead", "team", True),
        ("lead", "sales", False),
        ("champion", "sales", True),
        ("admin", "sales", True),
        ("viewer", "own", False),
    ],
)
def test_who_may_edit_which_objective(world: World, okrs: Okrs, persona: str, target: str, allowed: bool) -> None:
    actor = getattr(world, persona)
    objective = {"own": okrs.own, "team": okrs.team, "sales": okrs.sales}[target]
    before = db_digest()
    if allowed:
        services.objective_update(actor=actor, objective=objective, title="Renamed")
        objective.refresh_from_db()
        assert objective.title == "Renamed"
    else:
        with pytest.raises(PermissionDenied):
            services.objective_update(actor=actor, objective=objective, title="Renamed")
        assert db_digest() == before
        objective.refresh_from_db()
        assert objective.title != "Renamed"


def test_outsider_gets_404_on_every_write_and_nothing_changes(world: World, okrs: Okrs) -> None:
    before = db_digest()
    o = world.outsider
    calls: list[Callable[[], object]] = [
        lambda: services.objective_update(actor=o, objective=okrs.own, title="x"),
        lambda: services.objective_cancel(actor=o, objective=okrs.own, reason="x"),
        lambda: services.objective_delete(actor=o, objective=okrs.own),
        lambda: services.key_result_update(actor=o, key_result=okrs.kr, title="x"),
        lambda: services.check_in_record(actor=o, key_result=okrs.kr, value=3),
        lambda: services.alignment_add(actor=o, child=okrs.own, parent=okrs.team),
        lambda: services.cycle_update(actor=o, cycle=world.cycle, name="x"),
        lambda: services.objective_create(actor=o, cycle=world.cycle, title="x"),
        lambda: accounts.team_update(actor=o, team=world.team, name="x"),
        lambda: accounts.membership_update(actor=o, membership=world.member, role="admin"),
    ]
    for call in calls:
        with pytest.raises(Http404):
            call()
    assert db_digest() == before


def test_viewer_cannot_write_anything(world: World, okrs: Okrs) -> None:
    before = db_digest()
    v = world.viewer
    calls: list[Callable[[], object]] = [
        lambda: services.objective_create(actor=v, cycle=world.cycle, title="x"),
        lambda: services.check_in_record(actor=v, key_result=okrs.kr, value=3),
        lambda: strategy.strategy_update(actor=v, mission="x"),
        lambda: services.cycle_create(
            actor=v, name="Q9", start_date=world.cycle.start_date, end_date=world.cycle.end_date
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert db_digest() == before


def test_member_cannot_check_in_on_someone_elses_key_result(world: World, okrs: Okrs) -> None:
    kr = services.key_result_create(
        actor=world.champion, objective=okrs.sales, title="Deals", start_value=0, target_value=5
    )
    with pytest.raises(PermissionDenied):
        services.check_in_record(actor=world.member, key_result=kr, value=1)
    # The owner of a key result may check in even on an objective they do not own.
    services.key_result_update(actor=world.champion, key_result=kr, owner=world.member)
    services.check_in_record(actor=world.member, key_result=kr, value=1)


def test_champions_change_the_charter_and_the_strategy_only_admins_rename(world: World) -> None:
    with pytest.raises(PermissionDenied):
        accounts.organisation_update(actor=world.member, checkin_cadence="biweekly")
    accounts.organisation_update(actor=world.champion, checkin_cadence="biweekly")
    world.org.refresh_from_db()
    assert world.org.checkin_cadence == "biweekly"
    with pytest.raises(PermissionDenied, match="Only admins may rename the organisation"):
        accounts.organisation_update(actor=world.champion, name="Renamed")
    # The same name is not a rename: a champion's form posting every field saves its charter.
    accounts.organisation_update(actor=world.champion, name=world.org.name, stale_grace_days=5)
    accounts.organisation_update(actor=world.admin, name="Renamed")
    world.org.refresh_from_db()
    assert (world.org.name, world.org.stale_grace_days) == ("Renamed", 5)
    strategy.strategy_update(actor=world.champion, mission="Make goals visible")
    with pytest.raises(PermissionDenied):
        strategy.strategy_update(actor=world.member, mission="x")


def test_every_write_records_who_and_the_before_after(world: World, okrs: Okrs) -> None:
    services.objective_update(actor=world.member, objective=okrs.own, title="Better title", ambition="aspirational")
    entry = AuditEntry.objects.filter(action="objective.update").latest("id")
    assert entry.actor_id == world.member.user_id
    assert entry.organisation_id == world.org.pk
    assert entry.object_id == str(okrs.own.pk)
    assert entry.changes == {
        "title": ["Member's own", "Better title"],
        "ambition": ["committed", "aspirational"],
    }


def test_an_update_that_changes_nothing_writes_no_audit_entry(world: World, okrs: Okrs) -> None:
    count = AuditEntry.objects.count()
    services.objective_update(actor=world.member, objective=okrs.own, title="Member's own")
    assert AuditEntry.objects.count() == count


def test_last_admin_cannot_be_demoted(world: World) -> None:
    from ambit.core.errors import Conflict

    with pytest.raises(Conflict):
        accounts.membership_update(actor=world.admin, membership=world.admin, role="member")
    world.admin.refresh_from_db()
    assert world.admin.role == "admin"


def test_team_slug_must_be_unique_with_a_clear_message(world: World) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        accounts.team_create(actor=world.admin, name="Another platform", slug="platform")
    assert "already exists" in exc.value.message_dict["slug"][0]


def test_reading_the_strategy_writes_nothing(world: World) -> None:
    from ambit.strategy.models import Strategy
    from ambit.strategy.selectors import strategy_get

    assert not Strategy.objects.filter(organisation=world.org).exists()
    assert strategy_get(actor=world.member).mission == ""
    assert not Strategy.objects.filter(organisation=world.org).exists()


def test_renaming_onto_an_existing_team_slug_or_cycle_name_is_refused(world: World) -> None:
    from django.core.exceptions import ValidationError

    before = db_digest()
    with pytest.raises(ValidationError) as exc:
        accounts.team_update(actor=world.admin, team=world.other_team, slug="platform")
    assert "already exists" in exc.value.message_dict["slug"][0]
    other = services.cycle_create(
        actor=world.champion,
        name="Next quarter",
        start_date=world.cycle.end_date,
        end_date=world.cycle.end_date.replace(year=world.cycle.end_date.year + 1),
    )
    with pytest.raises(ValidationError) as exc:
        services.cycle_update(actor=world.champion, cycle=other, name="current QUARTER")
    assert "already exists" in exc.value.message_dict["name"][0]
    other.refresh_from_db()
    assert other.name == "Next quarter"
    assert db_digest()["accounts.Team"] == before["accounts.Team"]
