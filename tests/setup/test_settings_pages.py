"""The charter, team-tree and people pages: permissions, writes through the services, query counts."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ambit.accounts import services as accounts
from ambit.accounts.models import Membership, Role, Team
from ambit.okrs.models import Cycle
from ambit.okrs.services.periods import charter_periods
from tests import factories as f
from tests.builders import World
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db


def _as(client: Client, member: Membership) -> Client:
    client.force_login(member.user)
    return client


PAGES = ["setup:charter", "setup:teams", "setup:people"]


@pytest.mark.parametrize("name", PAGES)
def test_members_and_viewers_get_a_403_with_the_reason(client: Client, world: World, name: str) -> None:
    for persona in (world.member, world.viewer, world.lead):
        response = _as(client, persona).get(reverse(name))
        assert response.status_code == 403
        assert "Only OKR champions and admins may" in response.content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_champions_read_and_admins_edit(client: Client, world: World, name: str) -> None:
    assert _as(client, world.champion).get(reverse(name)).status_code == 200
    assert _as(client, world.admin).get(reverse(name)).status_code == 200


def test_other_organisations_ids_are_404(client: Client, world: World) -> None:
    foreign_team = f.TeamFactory.create(organisation=world.other_org)
    _as(client, world.admin)
    assert client.get(reverse("setup:team-edit", args=[foreign_team.pk])).status_code == 404
    assert client.post(reverse("setup:team-archive", args=[foreign_team.pk])).status_code == 404
    assert client.post(reverse("setup:team-member-add", args=[foreign_team.pk])).status_code == 404
    assert client.get(reverse("setup:person-edit", args=[world.outsider.pk])).status_code == 404
    assert (
        client.post(reverse("setup:team-member-change", args=[world.team.pk, world.outsider.pk]), {"action": "remove"})
    ).status_code == 404


# --- charter ------------------------------------------------------------------------------------


def test_admin_saves_the_charter_and_sees_what_changed(client: Client, world: World) -> None:
    _as(client, world.admin)
    page = client.get(reverse("setup:charter")).content.decode()
    for label in (
        "Fiscal year starts in",
        "Cycle cadence",
        "Reminder day",
        "Time zone",
        "Confidence scale",
        "On track from a gap of",
        "Stale after",
        "Sprint length",
        "Levels in use",
        "Cascade method",
        "OKRs need approval",
        "Blend with aligned children",
    ):
        assert label in page, label
    data = {
        "name": "Acme",
        "time_zone": "Europe/Paris",
        "fiscal_year_start_month": "4",
        "cycle_cadence": "quarterly",
        "checkin_cadence": "weekly",
        "reminder_weekday": "4",
        "reminder_hour": "10",
        "confidence_scale": "0-10",
        "pace_on_track": "-0.1",
        "pace_at_risk": "-0.25",
        "stale_grace_days": "3",
        "sprint_length_days": "14",
        "levels": ["company", "team", "individual"],
        "cascade_method": "both",
        "max_objectives_per_team": "5",
        "max_objectives_per_person": "3",
        "child_blend": "0",
    }
    response = client.post(reverse("setup:charter"), data, follow=True)
    html = response.content.decode()
    assert "Time zone: UTC → Europe/Paris" in html and "Fiscal year starts in: January → April" in html
    assert "Levels in use: Company, Department, Team, Individual → Company, Team, Individual" in html
    world.org.refresh_from_db()
    assert (world.org.time_zone, world.org.fiscal_year_start_month, world.org.levels) == (
        "Europe/Paris",
        4,
        ["company", "team", "individual"],
    )
    # The service validates: thresholds out of order name the field and nothing is saved.
    response = client.post(reverse("setup:charter"), {**data, "pace_at_risk": "-0.01"})
    assert response.status_code == 400 and "at-risk threshold must be at or below" in response.content.decode()
    world.org.refresh_from_db()
    assert world.org.pace_at_risk == -0.25


CHAMPION_POST = {
    "time_zone": "Europe/Paris",
    "fiscal_year_start_month": "1",
    "cycle_cadence": "quarterly",
    "checkin_cadence": "weekly",
    "reminder_weekday": "4",
    "reminder_hour": "10",
    "confidence_scale": "0-10",
    "pace_on_track": "-0.1",
    "pace_at_risk": "-0.25",
    "stale_grace_days": "3",
    "sprint_length_days": "14",
    "levels": ["company", "department", "team", "individual"],
    "cascade_method": "both",
    "max_objectives_per_team": "5",
    "max_objectives_per_person": "3",
    "child_blend": "0",
}


def test_a_champion_changes_the_charter_but_not_the_name(client: Client, world: World) -> None:
    """PRODUCT.md: the OKR champion configures the charter; renaming stays the admins'."""
    _as(client, world.champion)
    page = client.get(reverse("setup:charter")).content.decode()
    assert "Save the charter" in page
    # The name field is disabled for a champion: a posted name is ignored, not applied.
    response = client.post(reverse("setup:charter"), {**CHAMPION_POST, "name": "Renamed"}, follow=True)
    assert "Time zone: UTC → Europe/Paris" in response.content.decode()
    world.org.refresh_from_db()
    assert (world.org.time_zone, world.org.name) == ("Europe/Paris", "Acme")


def test_a_member_reads_nothing_and_saves_nothing_of_the_charter(client: Client, world: World) -> None:
    _as(client, world.member)
    assert client.post(reverse("setup:charter"), CHAMPION_POST).status_code == 403
    world.org.refresh_from_db()
    assert world.org.time_zone == "UTC"


def test_the_charter_page_creates_the_next_period_as_a_cycle(client: Client, world: World) -> None:
    periods = charter_periods(world.org)
    _as(client, world.champion)
    assert periods["next"].name in client.get(reverse("setup:charter")).content.decode()
    client.post(reverse("setup:charter-cycle"), {"period": "next"})
    cycle = Cycle.objects.get(organisation=world.org, name=periods["next"].name)
    assert (cycle.start_date, cycle.end_date) == (periods["next"].start, periods["next"].end)
    # Twice: refused with a message, nothing new.
    response = client.post(reverse("setup:charter-cycle"), {"period": "next"}, follow=True)
    assert "already exists" in response.content.decode()
    assert Cycle.objects.filter(organisation=world.org, name=periods["next"].name).count() == 1
    _as(client, world.member)
    assert client.post(reverse("setup:charter-cycle"), {"period": "current"}).status_code == 403


def test_the_cycle_list_form_is_prefilled_with_the_next_period(client: Client, world: World) -> None:
    org = accounts.organisation_update(actor=world.admin, fiscal_year_start_month=7, cycle_cadence="half_years")
    expected = charter_periods(org)
    html = _as(client, world.admin).get(reverse("okrs:cycle-list")).content.decode()
    # The world's "Current quarter" covers today, so the period after it is offered.
    assert world.cycle.end_date >= expected["current"].start
    assert f'value="{expected["next"].name}"' in html
    assert f'value="{expected["next"].start.isoformat()}"' in html


# --- team tree ----------------------------------------------------------------------------------


def test_admin_creates_renames_moves_and_archives_a_team(client: Client, world: World) -> None:
    _as(client, world.admin)
    response = client.post(
        reverse("setup:teams"), {"name": "Data", "kind": "team", "parent": world.team.pk, "description": "Numbers"}
    )
    assert response.status_code == 302
    data = Team.objects.get(name="Data")
    assert (data.parent_id, data.description) == (world.team.pk, "Numbers")
    url = reverse("setup:team-edit", args=[data.pk])
    response = client.post(url, {"name": "Data science", "kind": "team", "parent": world.other_team.pk})
    assert response.status_code == 302
    data.refresh_from_db()
    assert (data.name, data.parent_id) == ("Data science", world.other_team.pk)
    # Moving the company below its own sub-team is refused on the form.
    response = client.post(
        reverse("setup:team-edit", args=[world.company.pk]),
        {"name": "Acme", "kind": "company", "parent": world.team.pk},
    )
    assert response.status_code == 400 and "cannot sit below itself" in response.content.decode()
    client.post(reverse("setup:team-archive", args=[data.pk]))
    data.refresh_from_db()
    assert data.archived_at is not None
    # Archived teams leave the team list page and the pickers (the first page shows the message).
    client.get(reverse("okrs:team-list"))
    assert "Data science" not in client.get(reverse("okrs:team-list")).content.decode()
    assert "Data science" not in client.get(reverse("okrs:objective-create")).content.decode()
    client.post(reverse("setup:team-archive", args=[data.pk]), {"restore": "1"})
    data.refresh_from_db()
    assert data.archived_at is None


def test_archiving_a_team_in_use_says_what_to_do(client: Client, world: World) -> None:
    response = _as(client, world.admin).post(reverse("setup:team-archive", args=[world.company.pk]), follow=True)
    assert "still has sub-teams" in response.content.decode()


def test_admin_manages_leads_and_members(client: Client, world: World) -> None:
    _as(client, world.admin)
    add = reverse("setup:team-member-add", args=[world.other_team.pk])
    client.post(add, {"membership": world.member.pk})
    change = reverse("setup:team-member-change", args=[world.other_team.pk, world.member.pk])
    links = world.other_team.team_members
    assert links.get(membership=world.member).is_lead is False
    client.post(change, {"action": "lead"})
    assert links.get(membership=world.member).is_lead is True
    client.post(change, {"action": "unlead"})
    assert links.get(membership=world.member).is_lead is False
    client.post(change, {"action": "remove"})
    assert not links.filter(membership=world.member).exists()


def test_a_champion_cannot_change_teams(client: Client, world: World) -> None:
    _as(client, world.champion)
    assert client.post(reverse("setup:teams"), {"name": "X", "kind": "team"}).status_code == 403
    assert client.post(reverse("setup:team-archive", args=[world.other_team.pk])).status_code == 403
    add = reverse("setup:team-member-add", args=[world.other_team.pk])
    assert client.post(add, {"membership": world.member.pk}).status_code == 403
    assert not Team.objects.filter(name="X").exists()


def test_the_team_kind_picker_offers_only_levels_in_use(client: Client, world: World) -> None:
    accounts.organisation_update(actor=world.admin, levels=["company", "team", "individual"])
    html = _as(client, world.admin).get(reverse("setup:teams")).content.decode()
    assert 'value="team"' in html and 'value="department"' not in html


# --- people ---------------------------------------------------------------------------------------


def test_people_list_filters_and_shows_teams(client: Client, world: World) -> None:
    _as(client, world.champion)
    html = client.get(reverse("setup:people")).content.decode()
    assert "member@acme.test" in html and "Platform (lead)" in html and "outsider@globex.test" not in html
    html = client.get(reverse("setup:people"), {"q": "platform"}).content.decode()
    assert "lead@acme.test" in html and "viewer@acme.test" not in html


def test_admin_edits_a_person_and_the_rules_show_on_the_form(client: Client, world: World) -> None:
    _as(client, world.admin)
    url = reverse("setup:person-edit", args=[world.viewer.pk])
    response = client.post(
        url, {"role": "member", "is_executive_sponsor": "on", "manager": world.lead.pk, "is_active": "on"}
    )
    assert response.status_code == 302
    world.viewer.refresh_from_db()
    assert (world.viewer.role, world.viewer.is_executive_sponsor, world.viewer.manager_id) == (
        "member",
        True,
        world.lead.pk,
    )
    # A loop: the lead reporting to their own report.
    response = client.post(
        reverse("setup:person-edit", args=[world.lead.pk]),
        {"role": "member", "manager": world.member.pk, "is_active": "on"},
    )
    assert response.status_code == 400 and "reporting loop" in response.content.decode()
    # The last admin.
    response = client.post(reverse("setup:person-edit", args=[world.admin.pk]), {"role": "member", "is_active": "on"})
    assert response.status_code == 400 and "at least one active admin" in response.content.decode()
    world.admin.refresh_from_db()
    assert world.admin.role == Role.ADMIN
    # Deactivate.
    client.post(reverse("setup:person-edit", args=[world.member.pk]), {"role": "member", "manager": world.lead.pk})
    world.member.refresh_from_db()
    assert world.member.is_active is False


def test_a_champion_sees_people_read_only(client: Client, world: World) -> None:
    _as(client, world.champion)
    url = reverse("setup:person-edit", args=[world.member.pk])
    assert "Only admins change roles" in client.get(url).content.decode()
    assert client.post(url, {"role": "admin"}).status_code == 403
    world.member.refresh_from_db()
    assert world.member.role == Role.MEMBER


# --- query counts ---------------------------------------------------------------------------------


def _more_people_and_teams(world: World, n: int) -> None:
    for i in range(n):
        m = f.MembershipFactory.create(organisation=world.org, manager=world.lead)
        team = f.TeamFactory.create(organisation=world.org, parent=world.team, name=f"Squad {i}")
        f.TeamMemberFactory.create(team=team, membership=m, is_lead=True)


@pytest.mark.parametrize("name", PAGES)
def test_query_counts_do_not_grow_with_the_organisation(client: Client, world: World, name: str) -> None:
    _as(client, world.admin)
    client.get(reverse(name))
    with count_queries() as small:
        assert client.get(reverse(name)).status_code == 200
    _more_people_and_teams(world, 6)
    with assert_queries(small):
        assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize(("name", "expected"), [("setup:charter", 5), ("setup:teams", 6), ("setup:people", 6)])
def test_pinned_query_counts(client: Client, world: World, name: str, expected: int) -> None:
    _as(client, world.admin)
    client.get(reverse(name))
    with assert_queries(expected):
        client.get(reverse(name))


def test_team_edit_query_count_is_pinned(client: Client, world: World) -> None:
    _as(client, world.admin)
    url = reverse("setup:team-edit", args=[world.team.pk])
    client.get(url)
    with count_queries() as small:
        client.get(url)
    _more_people_and_teams(world, 4)
    with assert_queries(small):
        client.get(url)
