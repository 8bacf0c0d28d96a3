"""Pages kept between writes (``core.page_cache``): a page seen since the last write costs only
the lookups; any write, stored roll-up or release draws it again; each viewer gets their own; each
session its own CSRF token; another organisation still gets 404."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from ambit.accounts.models import Membership
from ambit.api.services import api_token_create
from ambit.core import page_cache
from ambit.okrs import rollups, services
from ambit.okrs.models import Objective
from tests.builders import Tree, World
from tests.okrs.conftest import login
from tests.querycount import Queries, check_count, count_queries

pytestmark = pytest.mark.django_db

# A page seen since the last write: the session, the user, the membership, the data version, the
# organisations for the switcher, and what the parts around the body need: the cycles (the team
# page reads them twice: the chosen one and the switcher's); a lead's teams; the objective's head,
# which answers 404 before anything is looked up; the team.
CACHED_QUERIES = {
    "my week": 6,
    "check-in page": 6,
    "objective page": 8,
    "team page": 9,
    "company tree": 7,
}
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _urls(world: World, tree: Tree) -> dict[str, str]:
    return {
        "my week": reverse("front:home"),
        "check-in page": reverse("front:checkin") + "?all=1",
        "objective page": reverse("okrs:objective-detail", args=[tree.team_obj.pk]),
        "team page": reverse("okrs:team-detail", args=[world.team.slug]),
        "company tree": reverse("okrs:company"),
    }


def _get(client: Client, url: str) -> tuple[str, Queries]:
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return _body(response.content.decode()), queries


def _body(html: str) -> str:
    """The page without its per-request parts (CSRF tokens, which differ on every response)."""
    return CSRF_INPUT.sub("", re.sub(r'"X-CSRFToken": "[^"]+"', "", html))


@pytest.mark.parametrize("page", list(CACHED_QUERIES))
def test_a_page_seen_since_the_last_write_costs_only_the_lookups(world: World, tree: Tree, page: str) -> None:
    client = login(world.member)
    url = _urls(world, tree)[page]
    first, computed = _get(client, url)
    again, cached = _get(client, url)
    assert again == first
    check_count(cached, CACHED_QUERIES[page], label=f"{page} seen again")
    assert len(computed) > len(cached) + 3
    assert cached.matching('FROM "okrs_keyresult"') == []


def test_a_check_in_shows_on_the_next_view(world: World, tree: Tree) -> None:
    client = login(world.member)
    url = reverse("front:home")
    before, _ = _get(client, url)
    assert "0 → 4 talks" in before
    services.check_in_record(actor=world.member, key_result=tree.member_kr, value=3, confidence=8)
    after, queries = _get(client, url)
    assert "3 → 4 talks" in after and "0 → 4 talks" not in after
    assert len(queries) > CACHED_QUERIES["my week"]


def test_an_edit_shows_in_the_header_and_the_body_on_the_next_view(world: World, tree: Tree) -> None:
    client = login(world.member)
    url = reverse("okrs:objective-detail", args=[tree.team_obj.pk])
    _get(client, url)
    services.objective_update(actor=world.lead, objective=tree.team_obj, title="A platform people rely on")
    after, _ = _get(client, url)
    assert "<h1>A platform people rely on</h1>" in after
    assert "<title>A platform people rely on" in after
    assert "A platform customers trust → A platform people rely on" in after  # the history of changes


def test_a_stored_roll_up_that_moves_draws_the_pages_again(world: World, tree: Tree) -> None:
    client = login(world.member)
    url = reverse("okrs:team-detail", args=[world.team.slug])
    _get(client, url)
    _, cached = _get(client, url)
    check_count(cached, CACHED_QUERIES["team page"])
    # The background roll-up writes no audit entry and no check-in; it moves the version itself.
    Objective.objects.filter(pk=tree.team_obj.pk).update(rolled_progress=0.987)
    assert rollups.refresh(organisation=world.org, objective_ids={tree.team_obj.pk}) >= 1
    _, after = _get(client, url)
    assert len(after) > len(cached)


def test_each_viewer_gets_the_page_drawn_for_them(world: World, tree: Tree) -> None:
    url = reverse("okrs:objective-detail", args=[tree.team_obj.pk])
    edit = reverse("okrs:objective-edit", args=[tree.team_obj.pk])
    lead, member = login(world.lead), login(world.member)
    assert edit in _get(lead, url)[0]
    assert edit not in _get(member, url)[0]
    assert edit in _get(lead, url)[0]
    assert edit not in _get(member, url)[0]


def test_another_organisation_gets_404_from_a_cached_page(world: World, tree: Tree) -> None:
    url = reverse("okrs:objective-detail", args=[tree.team_obj.pk])
    _get(login(world.lead), url)
    _get(login(world.lead), url)
    response = login(world.outsider).get(url)
    assert response.status_code == 404
    assert tree.team_obj.title not in response.content.decode()


def test_each_session_posts_with_its_own_csrf_token(world: World, tree: Tree) -> None:
    url = reverse("okrs:objective-detail", args=[tree.team_obj.pk])
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(world.lead.user)
    second.force_login(world.lead.user)
    html_first = first.get(url).content.decode()
    html_second = second.get(url).content.decode()  # drawn from what the first request cached
    assert page_cache.csrf_placeholder() not in html_first + html_second
    close = reverse("okrs:objective-state", args=[tree.team_obj.pk])
    form = re.search(
        rf'action="{close}">.*?value="([^"]+)">\s*<input type="hidden" name="state" value="(\w+)"', html_second, re.S
    )
    assert form is not None
    token, state = form.groups()
    response = second.post(close, {"csrfmiddlewaretoken": token, "state": state})
    assert response.status_code == 302
    tree.team_obj.refresh_from_db()
    assert tree.team_obj.state == state


def test_a_new_release_draws_the_pages_again(world: World, tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    client = login(world.member)
    url = reverse("okrs:company")
    _get(client, url)
    _, cached = _get(client, url)
    check_count(cached, CACHED_QUERIES["company tree"])
    monkeypatch.setattr(page_cache, "code_fingerprint", lambda: "another-release")
    _, after = _get(client, url)
    assert len(after) > len(cached)


def test_the_code_fingerprint_follows_the_source_files() -> None:
    page_cache.code_fingerprint.cache_clear()
    first = page_cache.code_fingerprint()
    assert re.fullmatch(r"[0-9a-f]{16}", first)
    assert page_cache.code_fingerprint() == first


def _api_client(member: Membership) -> Client:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(actor=member, name='cache').secret}")
    client.get("/api/v1/organisation")  # the token's first use records it
    return client


def _computed_then_cached(client: Client, url: str) -> tuple[Queries, Queries]:
    """The queries of an API answer computed, then of the same answer asked again (identical)."""
    with count_queries() as computed:
        first = client.get(url).json()
    with count_queries() as cached:
        again = client.get(url).json()
    assert again == first
    return computed, cached


def test_the_api_tree_is_kept_until_the_next_write_and_still_answers_through_its_schema(
    world: World, tree: Tree
) -> None:
    client = _api_client(world.member)
    url = f"/api/v1/cycles/{world.cycle.pk}/tree?depth=3"
    computed, cached = _computed_then_cached(client, url)
    assert len(cached) < len(computed) - 5
    assert cached.matching('FROM "okrs_objective"') == []
    services.objective_update(actor=world.lead, objective=tree.team_obj, title="A platform people rely on")
    after = client.get(url).json()
    titles = [child["objective"]["title"] for root in after["roots"] for child in root["children"]]
    assert "A platform people rely on" in titles
    assert _api_client(world.outsider).get(url).status_code == 404


def test_the_check_in_form_is_kept_per_number_locale_and_a_submitted_one_drawn_afresh(world: World, tree: Tree) -> None:
    services.check_in_record(actor=world.member, key_result=tree.member_kr, value=2.5, confidence=8)
    client = login(world.member)
    url = reverse("front:checkin") + "?all=1"
    field = f"kr-{tree.member_kr.pk}-value"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
    german = client.get(url, HTTP_ACCEPT_LANGUAGE="de-DE").content.decode()
    assert re.search(rf'name="{field}"[^>]*value="2\.5"', english)
    assert re.search(rf'name="{field}"[^>]*value="2,5"', german)
    with count_queries() as cached:
        again = client.get(url, HTTP_ACCEPT_LANGUAGE="de-DE")
    check_count(cached, CACHED_QUERIES["check-in page"])
    assert _body(again.content.decode()) == _body(german)
    # A form sent back with a mistake shows what was typed and the error, not the kept empty form.
    sent = {"all": "1", "kr": str(tree.member_kr.pk), field: "zwei", f"kr-{tree.member_kr.pk}-confidence": "8"}
    refused = client.post(reverse("front:checkin"), sent, HTTP_ACCEPT_LANGUAGE="de-DE")
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'value="zwei"' in html
    assert 'class="error-summary"' in html


def test_the_api_objective_list_is_kept_until_the_next_write_and_still_checks_its_filters(
    world: World, tree: Tree
) -> None:
    client = _api_client(world.member)
    url = f"/api/v1/objectives?cycle_id={world.cycle.pk}&expand=key_results"
    computed, cached = _computed_then_cached(client, url)
    assert len(cached) < len(computed) - 3
    assert cached.matching('FROM "okrs_keyresult"') == []
    services.check_in_record(actor=world.member, key_result=tree.member_kr, value=3, confidence=8)
    after = client.get(url).json()
    current = {kr["id"]: kr["current_value"] for o in after["items"] for kr in o["key_results"]}
    assert current[tree.member_kr.pk] == 3
    # Another organisation's cycle is refused before anything is looked up in the cache.
    assert _api_client(world.outsider).get(url).status_code == 404
