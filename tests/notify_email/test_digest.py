"""The weekly digest against hand-computed values on the dashboard's scenario (a cycle exactly
half over): progress against expected, what moved, wins, risks, gone quiet, discipline; the page
(members only, another organisation's team a 404), the email, the text for chat, the producer,
and a constant number of queries per team."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from ambit.accounts.models import Team
from ambit.notify import digest as digest_module
from ambit.notify.channels import CHANNELS
from ambit.notify.digest import build_digest, iso_week, produce_digests
from ambit.notify.digest_text import digest_sections, digest_text
from ambit.notify.models import Delivery, Kind, Notification
from ambit.okrs import services as okrs
from tests import factories as f
from tests.builders import DashboardScenario, World, build_dashboard_scenario, days_ago
from tests.notify_email.conftest import SITE, Inbox, part
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(world: World) -> DashboardScenario:
    return build_dashboard_scenario(world)


def _titles(items: list[digest_module.DigestItem]) -> list[str]:
    return [i["title"] for i in items]


def test_organisation_digest_matches_hand_computed_values(world: World, scenario: DashboardScenario) -> None:
    digest = build_digest(world.org)
    today = timezone.localdate()
    assert digest["week"] == iso_week(today)
    assert digest["week_ending"] == today.isoformat()
    assert digest["week_start"] == (today - dt.timedelta(days=6)).isoformat()
    (dash,) = [c for c in digest["cycles"] if c["name"] == "Dash cycle"]
    # Deploys (45% and 30%) = 37.5%, Deals (20% and not done) = 10%, Learn Rust = 0%: mean 15.83%.
    assert dash["progress"] == pytest.approx((0.375 + 0.1 + 0.0) / 3)
    assert dash["expected"] == pytest.approx(50 / 101)  # day 50 of a 101-day cycle (both ends count)
    assert dash["status"] == "behind"
    assert (dash["objectives"], dash["key_results"]) == (3, 5)

    # This week: Green builds 0 → 30%, Deploys a day 20 → 45%, Deals 0 → 20%.
    assert [(i["title"], round(i["gain"], 2)) for i in digest["moved"]] == [
        ("Green builds", 0.30),
        ("Deploys a day", 0.25),
        ("Deals", 0.20),
    ]
    assert digest["wins"] == []
    assert [(i["title"], i["reason"]) for i in digest["risks"]] == [("Deals", "Behind"), ("Green builds", "At risk")]
    assert _titles(digest["stale"]) == ["Chapters read", "Case study out"]  # the longest silence first
    assert digest["stale"][0]["reason"] == "Silent for 50 days"  # since the cycle began
    assert digest["discipline"] == {
        "key_results": 5,
        "key_results_checked_in": 3,
        "key_result_share": pytest.approx(0.6),
        "people": 3,  # lead, champion, member own them
        "people_checked_in": 2,
        "people_share": pytest.approx(2 / 3),
    }
    assert digest["totals"] == {"moved": 3, "wins": 0, "risks": 2, "stale": 2}


def test_wins_are_targets_reached_and_confidence_gains(world: World, scenario: DashboardScenario) -> None:
    okrs.check_in_record(actor=world.champion, key_result=scenario.k3, value=1, confidence=8)  # done
    # Deploys a day was at confidence 6 before the week (7 in it): now 8, two up on the week.
    okrs.check_in_record(actor=world.lead, key_result=scenario.k1, value=46, confidence=8)
    # Green builds had no check-in before the week: no baseline, so no confidence win.
    okrs.check_in_record(actor=world.lead, key_result=scenario.k5, value=35, confidence=9)
    digest = build_digest(world.org)
    assert [(i["title"], i["reason"]) for i in digest["wins"]] == [
        ("Case study out", "Reached its target"),
        ("Deploys a day", "Confidence up from 6 to 8"),
    ]
    assert "Case study out" not in _titles(digest["stale"])


def test_low_confidence_is_a_risk_with_the_engines_words(world: World, scenario: DashboardScenario) -> None:
    okrs.check_in_record(actor=world.lead, key_result=scenario.k1, value=50, confidence=2)
    (risk,) = [i for i in build_digest(world.org)["risks"] if i["title"] == "Deploys a day"]
    # Compared with where it stood before the week (6, forty days ago), as the whole digest is.
    assert risk["reason"] == "Confidence fell from 6 to 2; Confidence is low: 2 out of 10"


def test_team_digest_holds_the_teams_and_its_peoples_objectives(world: World, scenario: DashboardScenario) -> None:
    digest = build_digest(world.org, world.team)
    assert digest["scope"] == "team" and digest["team"] == "Platform"
    (dash,) = [c for c in digest["cycles"] if c["name"] == "Dash cycle"]
    assert (dash["objectives"], dash["key_results"]) == (2, 3)  # Faster deploys, and the member's Learn Rust
    assert dash["progress"] == pytest.approx((0.375 + 0.0) / 2)
    assert _titles(digest["moved"]) == ["Green builds", "Deploys a day"]
    assert _titles(digest["stale"]) == ["Chapters read"]
    assert digest["discipline"]["people"] == 2


def test_private_objectives_stay_out(world: World, scenario: DashboardScenario) -> None:
    okrs.objective_update(actor=world.member, objective=scenario.rust, visibility="private")
    digest = build_digest(world.org)
    assert "Chapters read" not in _titles(digest["stale"])


def test_text_for_chat_has_every_section(world: World, scenario: DashboardScenario) -> None:
    digest = build_digest(world.org)
    headings = [h for h, _ in digest_sections(digest)]
    assert headings == ["Progress against expected", "What moved", "Wins", "Risks", "Gone quiet", "Check-in discipline"]
    text = digest_text(digest, base_url=SITE)
    lead = world.lead.user.get_full_name()
    assert f"- Green builds (Faster deploys, {lead}): 30% — +30%" in text
    assert "- Dash cycle: 16% against 50% expected (Behind)" in text
    assert "Current quarter" not in text  # nothing public runs in it
    assert "- 3 of 5 key results checked in (60%)" in text
    assert f"The whole digest: {SITE}/digest/?week=" in text


def _team_of(world: World, n: int, start: int) -> None:
    cycle = world.cycle
    for i in range(start, start + n):
        person = f.MembershipFactory.create(
            user=f.UserFactory.create(email=f"p{i}@acme.test"), organisation=world.org, role="member"
        )
        f.TeamMemberFactory.create(team=world.team, membership=person)
        objective = okrs.objective_create(actor=person, cycle=cycle, title=f"Mine {i}", state="active")
        kr = okrs.key_result_create(actor=person, objective=objective, title=f"KR {i}", start_value=0, target_value=10)
        okrs.check_in_record(actor=person, key_result=kr, value=i % 10, confidence=3 + i % 6, at=days_ago(1))


def test_queries_per_team_do_not_grow_with_its_people(world: World) -> None:
    _team_of(world, 3, 0)
    build_digest(world.org, world.team)
    with count_queries() as three:
        small = build_digest(world.org, world.team)
    assert small["discipline"]["people"] == 3
    _team_of(world, 27, 3)
    with assert_queries(three, label="a team of 30 against a team of 3"):
        big = build_digest(world.org, world.team)
    assert big["discipline"]["people"] == 30
    # The organisation's digest: the same statements less the team tree's.
    with assert_queries(len(three) - 1, label="the organisation's digest"):
        build_digest(world.org)


def test_page_for_members_and_404_across_organisations(world: World, scenario: DashboardScenario) -> None:
    client = Client()
    client.force_login(world.viewer.user)
    page = client.get("/digest/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Green builds" in html and "Gone quiet" in html and "3 of 5 key results checked in" in html
    team = client.get("/teams/platform/digest/")
    assert team.status_code == 200 and "Platform: weekly digest" in team.content.decode()
    assert client.get("/teams/platform/digest/?week=nonsense").status_code == 200
    assert client.get("/teams/nope/digest/").status_code == 404

    outsider = Client()
    outsider.force_login(world.outsider.user)
    assert outsider.get("/teams/platform/digest/").status_code == 404
    assert "Green builds" not in outsider.get("/digest/").content.decode()
    assert Client().get("/digest/").status_code == 302


def test_producer_sends_each_member_the_org_and_their_teams_digests_once(
    world: World, scenario: DashboardScenario, smtp: Inbox
) -> None:
    org = world.org
    org.reminder_weekday, org.reminder_hour, org.time_zone = 4, 10, "Europe/Berlin"
    org.save()
    friday = timezone.localdate() + dt.timedelta(days=(4 - timezone.localdate().weekday()) % 7)
    before = dt.datetime.combine(friday, dt.time(8, 59), tzinfo=dt.UTC)  # 09:59 in Berlin (winter: +1)
    assert produce_digests(before) == 0  # not yet: the charter's hour has not come
    at = dt.datetime.combine(friday, dt.time(12), tzinfo=dt.UTC)
    produced = produce_digests(at)
    week = iso_week(friday)
    org_keys = set(
        Notification.objects.filter(kind=Kind.DIGEST, key=f"org:{week}").values_list("recipient_id", flat=True)
    )
    assert org_keys == {world.admin.pk, world.champion.pk, world.lead.pk, world.member.pk, world.viewer.pk}
    team_keys = set(
        Notification.objects.filter(kind=Kind.DIGEST, key=f"team:{world.team.pk}:{week}").values_list(
            "recipient_id", flat=True
        )
    )
    assert team_keys == {world.lead.pk, world.member.pk}
    assert produced == 7
    assert produce_digests(at + dt.timedelta(hours=1)) == 0
    assert Notification.objects.filter(kind=Kind.DIGEST).count() == 7
    assert not Notification.objects.filter(recipient=world.outsider).exists()


def test_digest_email_carries_the_digest(world: World, scenario: DashboardScenario, smtp: Inbox) -> None:
    notification = Notification.objects.create(
        organisation=world.org,
        recipient=world.member,
        kind=Kind.DIGEST,
        key="org:test",
        title="Weekly digest for Acme",
        url="/digest/",
        data={"scope": "organisation", "team_id": None, "week_ending": timezone.localdate().isoformat()},
    )
    delivery = Delivery.objects.create(notification=notification, channel="email")
    CHANNELS["email"].send(delivery)
    (message,) = smtp.messages
    text, html = part(message, "text/plain"), part(message, "text/html")
    assert "What moved" in text and "- Green builds (Faster deploys" in text
    assert "Gone quiet" in html and "Chapters read" in html
    assert f'href="{SITE}/digest/?week=' in html


def test_a_teams_digest_from_the_producer_is_the_one_built_for_the_team(
    world: World, scenario: DashboardScenario
) -> None:
    """The producer builds the organisation's week once and gives each team its share: the same
    digest ``build_digest`` makes for the team alone (what its page shows)."""
    now = timezone.now()
    week_ending = timezone.localdate()
    drafts = digest_module.digest_drafts(world.org, week_ending, now=now)
    team_keys = {d.key for d in drafts if d.key.startswith("team:")}
    assert f"team:{world.team.pk}:{iso_week(week_ending)}" in team_keys
    for key in team_keys:
        team = Team.objects.get(pk=int(key.split(":")[1]))
        shared = cache.get(digest_module._cache_key(world.org, team, week_ending))  # what the producer kept
        assert shared is not None, key
        assert shared == build_digest(world.org, team, week_ending, now=now), key
