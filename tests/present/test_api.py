"""Presentation in the API: the quarter's wins (the caller's visibility, a team filter), and
presentation links: champions and admins list, create (the secret once) and revoke them; members
are refused; another organisation's cycle or link is a 404 and nothing changes."""

from __future__ import annotations

import pytest

from ambit.core.models import AuditAction, AuditEntry
from ambit.present.models import PresentationLink
from tests import factories as f
from tests.api.conftest import ApiClient, token_for
from tests.builders import World
from tests.helpers import db_digest
from tests.present.helpers import build_scene
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db


def test_the_wins_follow_the_caller_s_visibility(world: World) -> None:
    scene = build_scene(world)
    body = ApiClient(token_for(world.member)).get(f"cycles/{scene.cycle.pk}/wins").json()
    assert body["cycle_id"] == scene.cycle.pk
    assert [w["text"] for w in body["friday_wins"]] == ["Closed the Initech deal", "Fixed the flaky build"]
    assert [w["text"] for w in body["key_results_met"]] == [
        "Activation rate 40% → 61% (target 60%)",
        "Uptime: 99.9% (stay above 99.5%) · scored 0.8",
    ]
    assert body["biggest_gains"][0] | {"gain": 0, "on": None} == {
        "text": "Activation rate: 10% → 100%",
        "who": world.lead.user.get_full_name(),
        "team_name": "Acme",
        "on": None,
        "url": f"/objectives/{scene.company_obj.pk}/",
        "progress": 1.0,
        "gain": 0,
    }
    team = ApiClient(token_for(world.champion)).get(f"cycles/{scene.cycle.pk}/wins", team_id=scene.department.pk)
    assert [w["text"] for w in team.json()["biggest_gains"]] == ["Deploys a day: 20% → 70%"]


def test_the_key_results_met_come_in_pages(world: World) -> None:
    scene = build_scene(world)
    client = ApiClient(token_for(world.member))
    url = f"cycles/{scene.cycle.pk}/wins"
    first = client.get(url, met_limit=1).json()
    assert [w["text"] for w in first["key_results_met"]] == ["Activation rate 40% → 61% (target 60%)"]
    assert first["key_results_met_total"] == 2
    assert first["behind"] is False and first["figures_from"]
    second = client.get(url, met_limit=1, met_offset=1).json()
    assert [w["text"] for w in second["key_results_met"]] == ["Uptime: 99.9% (stay above 99.5%) · scored 0.8"]
    past = client.get(url, met_offset=2).json()
    assert past["key_results_met"] == [] and past["key_results_met_total"] == 2
    assert past["biggest_gains"] == first["biggest_gains"] and past["friday_wins"] == first["friday_wins"]
    for bad in ({"met_limit": 0}, {"met_limit": 501}, {"met_offset": -1}):
        refused = client.get(url, **bad)
        assert refused.status_code == 422, bad
        assert next(iter(bad)) in refused.content.decode()


def test_another_organisation_s_cycle_team_and_link_are_404(world: World) -> None:
    scene = build_scene(world)
    outsider = ApiClient(token_for(world.outsider))
    assert outsider.get(f"cycles/{scene.cycle.pk}/wins").status_code == 404
    assert outsider.get(f"cycles/{scene.cycle.pk}/presentation-links").status_code == 404
    assert outsider.post(f"cycles/{scene.cycle.pk}/presentation-links", {"days": 3}).status_code == 404
    champion = ApiClient(token_for(world.champion))
    created = champion.post(f"cycles/{scene.cycle.pk}/presentation-links", {}).json()
    other_team = f.TeamFactory.create(organisation=world.other_org, name="Globex team", slug="globex-team")
    before = db_digest()
    assert outsider.delete(f"presentation-links/{created['id']}").status_code == 404
    assert champion.get(f"cycles/{scene.cycle.pk}/wins", team_id=other_team.pk).status_code == 404
    assert db_digest() == before


def test_champions_create_list_and_revoke_links(world: World) -> None:
    champion = ApiClient(token_for(world.champion))
    created = champion.post(f"cycles/{world.cycle.pk}/presentation-links", {"days": 3})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "live" and body["url"].endswith(f"/p/{body['token']}/")
    assert body["created_by_id"] == world.champion.pk and body["cycle_id"] == world.cycle.pk
    link = PresentationLink.objects.get()
    assert body["token"] not in link.token_hash
    listed = champion.get(f"cycles/{world.cycle.pk}/presentation-links").json()
    assert [row["id"] for row in listed] == [link.pk] and "token" not in listed[0]
    revoked = champion.delete(f"presentation-links/{link.pk}")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert champion.delete(f"presentation-links/{link.pk}").status_code == 409
    actions = list(
        AuditEntry.objects.filter(object_type="present.presentationlink", object_id=str(link.pk)).values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == sorted([AuditAction.PRESENTATION_LINK_CREATE, AuditAction.PRESENTATION_LINK_REVOKE])


def test_bad_days_and_members_are_refused_and_nothing_changes(world: World) -> None:
    before = db_digest()
    bad = ApiClient(token_for(world.admin)).post(f"cycles/{world.cycle.pk}/presentation-links", {"days": 31})
    assert bad.status_code == 422
    assert "a whole number of days from 1 to 30" in bad.content.decode()
    member = ApiClient(token_for(world.member))
    assert member.post(f"cycles/{world.cycle.pk}/presentation-links", {"days": 3}).status_code == 403
    assert member.get(f"cycles/{world.cycle.pk}/presentation-links").status_code == 403
    assert PresentationLink.objects.count() == 0
    assert db_digest()["present.PresentationLink"] == before["present.PresentationLink"]


def test_the_lists_cost_the_same_with_one_or_many_rows(world: World) -> None:
    scene = build_scene(world)
    champion = ApiClient(token_for(world.champion))
    champion.post(f"cycles/{scene.cycle.pk}/presentation-links", {})
    with count_queries() as wins_small:
        champion.get(f"cycles/{scene.cycle.pk}/wins")
    with count_queries() as links_small:
        champion.get(f"cycles/{scene.cycle.pk}/presentation-links")
    for _ in range(3):
        champion.post(f"cycles/{scene.cycle.pk}/presentation-links", {})
    with assert_queries(links_small):
        assert len(champion.get(f"cycles/{scene.cycle.pk}/presentation-links").json()) == 4
    with assert_queries(wins_small):
        champion.get(f"cycles/{scene.cycle.pk}/wins")
