"""The rollover page: candidates with bars and status, selecting below a threshold, the preview,
rolling over (and its refusals on the page), "nothing to roll over", the markers on both objective
pages, another organisation's 404, and query counts that stay flat."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ambit.okrs import services as okrs
from ambit.okrs.models import Objective
from ambit.rollover import services
from ambit.rollover.models import RolloverDecision
from tests import factories as f
from tests.builders import World
from tests.querycount import assert_queries, count_queries
from tests.rollover.helpers import build_scene, digest

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
# Pinned for a team lead; a change here needs a reason. Session, user, membership, the cycle, the
# teams for the filter, later cycles, the lead's teams (one recursive query); objectives with key
# results, milestones, checkpoints and copies (prefetches), the metrics' feeders; the decision;
# the copies made; the layout's memberships; with no team chosen, how many objectives the cycle
# has (a large one asks for a team instead of listing them all).
PAGE_QUERIES = 17


def _url(cycle_id: int) -> str:
    return reverse("rollover:cycle", args=[cycle_id])


def _client(member: object) -> Client:
    client = Client()
    client.force_login(member.user)  # type: ignore[attr-defined]
    return client


def test_the_page_lists_unfinished_objectives_with_bars_and_a_preview(world: World) -> None:
    s = build_scene(world)
    html = _client(world.lead).get(_url(s.source.pk)).content.decode()
    assert "Grow revenue" in html and "Ship the platform" in html and "Sell more" in html
    assert "Finished thing" not in html  # done: not a candidate
    assert html.count('role="progressbar"') == 3
    assert f'<option value="{s.target.pk}" selected>' in html  # the next cycle by default
    # The lead ticks only their team's objective; the others are shown, not selectable.
    assert f'value="{s.platform.pk}" id="rollover-pick-{s.platform.pk}">' in html
    assert f'value="{s.sales.pk}" id="rollover-pick-{s.sales.pk}" disabled>' in html
    assert "A draft objective “Ship the platform” in Next quarter with 2 key results" in html
    assert "Weekly users — from 40 (last reading) to 100 users" in html
    assert "milestones left: Build, Ship" in html
    assert "Nothing to roll over?" not in html  # the cycle's decision: champions and admins


def test_select_all_below_a_threshold_ticks_what_may_be_rolled(world: World) -> None:
    s = build_scene(world)
    client = _client(world.champion)
    html = client.get(_url(s.source.pk), {"threshold": "100", "target": str(s.target.pk)}).content.decode()
    for o in (s.company, s.platform, s.sales):
        assert f'value="{o.pk}" id="rollover-pick-{o.pk}" checked>' in html
    platform = client.get(_url(s.source.pk), {"team": "platform", "threshold": "100"}).content.decode()
    assert html.count('role="progressbar"') == 3 and platform.count('role="progressbar"') == 1
    assert f'value="{s.platform.pk}" id="rollover-pick-{s.platform.pk}" checked>' in platform
    assert "Unfinished objectives: Platform and the teams below it" in platform
    kept = client.get(_url(s.source.pk), {"threshold": "100", "apply": "target"}).content.decode()
    assert (
        "checked>" not in kept and 'name="threshold" min="1" max="100" step="1" inputmode="numeric" value="100"' in kept
    )
    part = client.get(_url(s.source.pk), {"threshold": "abc"}, headers=HX)
    assert part.status_code == 400
    body = part.content.decode()
    assert body.startswith('<section class="card" id="rollover-candidates"')  # only the part, by HTMX
    assert "Enter the threshold as a whole percent from 1 to 100." in body


def test_rolling_over_from_the_page_then_shows_where_they_went(world: World) -> None:
    s = build_scene(world)
    client = _client(world.lead)
    response = client.post(_url(s.source.pk), {"target": s.target.pk, "objective": [s.platform.pk]})
    assert response.status_code == 302
    copy = Objective.objects.get(rolled_over_from=s.platform)
    page = client.get(response["Location"]).content.decode()
    assert "Rolled 1 objective over into Next quarter: “Ship the platform”." in page
    assert "“Ship the platform”: its parent “Grow revenue”" in page  # the note, as a warning
    assert reverse("okrs:objective-detail", args=[copy.pk]) in page.split('id="rollover-rolled"')[1]
    assert "Already rolled over to" in page
    assert "1 objective rolled over into Next quarter." in page
    # A second post of the same form is refused on the page and changes nothing.
    before = digest()
    again = client.post(_url(s.source.pk), {"target": s.target.pk, "objective": [s.platform.pk]})
    assert again.status_code == 400
    assert "“Ship the platform” is already rolled over into Next quarter." in again.content.decode()
    assert digest() == before
    empty = client.post(_url(s.source.pk), {"target": s.target.pk})
    assert "Tick the objectives to roll over" in empty.content.decode()


def test_both_objective_pages_show_the_marker_at_no_extra_cost(world: World) -> None:
    s = build_scene(world)
    client = _client(world.champion)
    services.rollover(world.champion, source=s.source, target=s.target, objective_ids=[s.platform.pk])
    copy = Objective.objects.get(rolled_over_from=s.platform)
    new_page = client.get(reverse("okrs:objective-detail", args=[copy.pk])).content.decode()
    old_page = client.get(reverse("okrs:objective-detail", args=[s.platform.pk])).content.decode()
    assert "Rolled over from</dt>" in new_page and "Current quarter</a>" in new_page.split('data-rollover="from"')[1]
    assert reverse("okrs:objective-detail", args=[s.platform.pk]) in new_page.split('data-rollover="from"')[1]
    to = old_page.split('data-rollover="to"')[1]
    assert "Rolled over to</dt>" in to and "Next quarter</a>" in to
    assert reverse("okrs:objective-detail", args=[copy.pk]) in to

    # The marker is joined to the objective's own read: both pages cost what they cost unlinked.
    def cost() -> list[int]:
        counts = []
        for o in (copy, s.platform):
            url = reverse("okrs:objective-detail", args=[o.pk])
            cache.clear()
            with count_queries() as queries:
                client.get(url)
            counts.append(len(queries))
        return counts

    linked = cost()
    Objective.objects.filter(pk=copy.pk).update(rolled_over_from=None)
    assert cost() == linked


def test_nothing_to_roll_over_is_recorded_by_a_champion(world: World) -> None:
    s = build_scene(world)
    url = reverse("rollover:nothing", args=[s.source.pk])
    before = digest()
    assert _client(world.lead).post(url, {"note": "x"}).status_code == 403
    assert digest() == before
    client = _client(world.champion)
    assert "Nothing to roll over?" in client.get(_url(s.source.pk)).content.decode()
    response = client.post(url, {"note": "All met."}, follow=True)
    html = response.content.decode()
    assert "Recorded for Current quarter: nothing to roll over." in html
    assert "Nothing to roll over. All met." in html and "Nothing to roll over?" not in html
    assert RolloverDecision.objects.get(cycle=s.source).decided_by_id == world.champion.pk


def test_another_organisations_cycle_is_a_404_everywhere(world: World) -> None:
    s = build_scene(world)
    client = _client(world.outsider)
    other = f.CycleFactory.create(
        organisation=world.other_org, name="Theirs", start_date=s.target.start_date, end_date=s.target.end_date
    )
    before = digest()
    assert client.get(_url(s.source.pk)).status_code == 404
    assert client.post(_url(s.source.pk), {"target": s.target.pk, "objective": [s.platform.pk]}).status_code == 404
    assert client.post(reverse("rollover:nothing", args=[s.source.pk])).status_code == 404
    # Nor may a target of another organisation be named.
    response = _client(world.champion).post(_url(s.source.pk), {"target": other.pk, "objective": [s.platform.pk]})
    assert response.status_code == 404
    assert digest() == before


def test_the_page_costs_the_same_with_one_or_many_candidates(world: World) -> None:
    s = build_scene(world)
    client = _client(world.lead)
    url = _url(s.source.pk)
    client.get(url)
    with assert_queries(PAGE_QUERIES, label="rollover page, 3 candidates"):
        assert client.get(url).status_code == 200
    for i in range(8):
        o = okrs.objective_create(actor=world.lead, cycle=s.source, title=f"More {i}", team=world.team)
        kr = okrs.key_result_create(actor=world.lead, objective=o, title=f"KR {i}", start_value=0, target_value=9)
        okrs.check_in_record(actor=world.lead, key_result=kr, value=i, confidence=5)
    services.rollover(world.lead, source=s.source, target=s.target, objective_ids=[s.platform.pk])
    with assert_queries(PAGE_QUERIES, label="rollover page, 11 candidates and a copy"):
        html = client.get(url).content.decode()
    assert html.count('role="progressbar"') == 11


def test_past_the_limit_the_page_lists_the_first_and_asks_for_a_team(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ambit.rollover import views

    s = build_scene(world)
    monkeypatch.setattr(views, "SHOWN", 1)
    html = _client(world.champion).get(_url(s.source.pk)).content.decode()
    assert html.count('name="objective"') == 1
    assert 'id="rollover-hidden"' in html and "2 more are not. Choose a team above" in html
    narrowed = _client(world.champion).get(_url(s.source.pk), {"team": world.team.slug}).content.decode()
    assert narrowed.count('name="objective"') == 1 and 'id="rollover-hidden"' not in narrowed  # Platform's one


def test_a_large_cycle_asks_for_a_team_before_listing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from ambit.rollover import views

    s = build_scene(world)
    monkeypatch.setattr(views, "WHOLE_LIST_UP_TO", 2)
    client = _client(world.champion)
    html = client.get(_url(s.source.pk)).content.decode()
    assert 'id="rollover-pick-team"' in html and "choose a team above" in html
    assert 'name="objective"' not in html and "Nothing is unfinished" not in html
    team = client.get(_url(s.source.pk), {"team": world.team.slug}).content.decode()
    assert 'id="rollover-pick-team"' not in team and f'id="rollover-pick-{s.platform.pk}"' in team
