"""The parent picker on the objective and align pages: a bounded search (title or team name) and
a few suggestions instead of a list of every objective; works with HTMX and without JavaScript."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from ambit.accounts.models import Team, TeamKind
from ambit.okrs import services
from ambit.okrs.models import Alignment, Objective
from ambit.okrs.selectors import objective_descendant_ids
from ambit.okrs.selectors_align import (
    SEARCH_LIMIT,
    SUGGESTION_LIMIT,
    AlignChoices,
    alignment_search,
    alignment_suggestions,
)
from tests import factories as f
from tests.builders import Tree, World
from tests.okrs.conftest import login

pytestmark = pytest.mark.django_db

HX: dict[str, Any] = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "align-results"}


def _align_url(objective: Objective) -> str:
    return reverse("okrs:objective-align", args=[objective.pk])


def _titles(choices: AlignChoices) -> list[str]:
    return [o.title for o in choices.objectives]


def _new(world: World, title: str, team: Team | None = None, **kwargs: Any) -> Objective:
    kwargs.setdefault("state", "active")
    return services.objective_create(actor=world.champion, cycle=world.cycle, title=title, team=team, **kwargs)


def _search(world: World, objective: Objective, text: str) -> AlignChoices:
    return alignment_search(actor=world.champion, objective=objective, text=text)


# --- Search -------------------------------------------------------------------------------------


def test_search_finds_by_title_and_by_team_name(world: World, tree: Tree) -> None:
    deals = _new(world, "Close forty deals", team=world.other_team)
    fresh = _new(world, "Fresh objective", team=world.team)
    assert _titles(_search(world, fresh, "mid-MARKET")) == ["Win the mid-market"]
    assert _titles(_search(world, fresh, "sales")) == [deals.title]  # the team's name, not the title
    # Every word must match, each in the title or the team name.
    assert _titles(_search(world, fresh, "platform trust")) == ["A platform customers trust"]
    assert _titles(_search(world, fresh, "sales trust")) == []


def test_search_is_limited_to_twenty_and_says_there_is_more(world: World) -> None:
    fresh = _new(world, "Fresh objective", team=world.team)
    for i in range(SEARCH_LIMIT + 5):
        _new(world, f"Bulk {i:02d}", team=world.company)
    choices = _search(world, fresh, "bulk")
    assert len(choices.objectives) == SEARCH_LIMIT == 20
    assert choices.has_more
    assert _titles(choices) == [f"Bulk {i:02d}" for i in range(20)]  # level, then title

    html = login(world.champion).get(_align_url(fresh), {"q": "bulk"}).content.decode()
    assert html.count('name="parent"') == 20
    assert "More objectives match" in html


def test_search_leaves_out_itself_its_descendants_its_parents_cancelled_and_other_cycles(
    world: World, tree: Tree
) -> None:
    target = tree.team_obj  # aligned to the company objective; member_obj and duality_child below it
    grand_classic = _new(world, "Zed grandchild classic", parents=[(tree.duality_child, 1.0)])
    member_kr_child = services.objective_create_from_key_result(
        actor=world.champion, key_result=tree.member_kr, owner=world.member, title="Zed grandchild duality"
    )
    cancelled = _new(world, "Zed cancelled", team=world.company)
    services.objective_cancel(actor=world.champion, objective=cancelled, reason="Dropped")
    elsewhere = f.CycleFactory.create(organisation=world.org, name="Next quarter", state="planning")
    services.objective_create(actor=world.champion, cycle=elsewhere, title="Zed elsewhere", team=world.company)
    ok = _new(world, "Zed fine", team=world.other_team)

    assert objective_descendant_ids(objective=target) == {
        tree.member_obj.pk,
        tree.duality_child.pk,
        grand_classic.pk,
        member_kr_child.pk,
    }
    assert _titles(_search(world, target, "zed")) == [ok.title]
    for left_out in (target, tree.member_obj, tree.duality_child, tree.company_obj):
        assert _titles(_search(world, target, left_out.title)) == [], left_out.title
    html = login(world.lead).get(_align_url(target), {"q": "zed"}).content.decode()
    assert f'value="{ok.pk}"' in html
    for other in (grand_classic, member_kr_child, cancelled):
        assert f'value="{other.pk}"' not in html


def test_search_covers_the_annual_cycle_above(world: World) -> None:
    annual = f.CycleFactory.create(
        organisation=world.org,
        name="This year",
        kind="annual",
        start_date=world.cycle.start_date - dt.timedelta(days=200),
        end_date=world.cycle.end_date + dt.timedelta(days=200),
    )
    world.cycle.parent = annual
    world.cycle.save()
    yearly = services.objective_create(
        actor=world.champion, cycle=annual, title="Yearly ambition", team=world.company, state="active"
    )
    fresh = _new(world, "Fresh objective", team=world.team)
    assert _titles(_search(world, fresh, "yearly")) == [yearly.title]


def test_search_respects_visibility(world: World) -> None:
    hidden = services.objective_create(
        actor=world.champion, cycle=world.cycle, title="Secret plan", visibility="private", state="active"
    )
    mine = services.objective_create(actor=world.member, cycle=world.cycle, title="My own", state="active")
    assert _titles(alignment_search(actor=world.member, objective=mine, text="secret")) == []
    assert _titles(_search(world, mine, "secret")) == [hidden.title]  # a champion sees everything


# --- Suggestions --------------------------------------------------------------------------------


@pytest.fixture
def deep(world: World) -> tuple[Team, Team]:
    """Acme (company) → Engineering (department) → Core (team), beside Platform and Sales."""
    eng = f.TeamFactory.create(organisation=world.org, name="Engineering", slug="eng", kind=TeamKind.DEPARTMENT)
    eng.parent = world.company
    eng.save()
    core = f.TeamFactory.create(organisation=world.org, name="Core", slug="core", parent=eng)
    f.TeamMemberFactory.create(team=core, membership=world.member)
    return eng, core


def test_suggestions_are_the_teams_above_and_the_company_by_level_then_title(
    world: World, deep: tuple[Team, Team]
) -> None:
    eng, core = deep
    _new(world, "Win the year", team=world.company)
    _new(world, "Be profitable", team=world.company)
    _new(world, "Engineering excellence", team=eng)
    _new(world, "Sales target", team=world.other_team)  # a sibling branch: not suggested
    _new(world, "Core sibling", team=core)  # its own team: not suggested for a team objective
    _new(world, "Someone's own", owner=world.lead)  # individual: not suggested
    gone = _new(world, "Cancelled company goal", team=world.company)
    services.objective_cancel(actor=world.champion, objective=gone, reason="Dropped")
    squad = _new(world, "Core objective", team=core)

    choices = alignment_suggestions(actor=world.champion, objective=squad)
    assert not choices.is_search
    assert _titles(choices) == ["Be profitable", "Win the year", "Engineering excellence"]

    # An individual objective: its owner's teams and the teams above them.
    personal = services.objective_create(actor=world.member, cycle=world.cycle, title="Learn Rust", state="active")
    choices = alignment_suggestions(actor=world.member, objective=personal)
    company, department, team = ["Be profitable", "Win the year"], ["Engineering excellence"], ["Core objective"]
    assert _titles(choices) == [*company, *department, *team, "Core sibling"]


def test_suggestions_leave_out_current_parents_and_are_limited_to_ten(world: World, deep: tuple[Team, Team]) -> None:
    _, core = deep
    parent = _new(world, "Aaa parent", team=world.company)
    squad = _new(world, "Core objective", team=core, parents=[(parent, 1.0)])
    for i in range(SUGGESTION_LIMIT + 3):
        _new(world, f"Company goal {i:02d}", team=world.company)
    choices = alignment_suggestions(actor=world.champion, objective=squad)
    assert len(choices.objectives) == SUGGESTION_LIMIT == 10
    assert parent.title not in _titles(choices)


def test_objective_page_shows_suggestions_and_a_search_not_a_select(world: World, tree: Tree) -> None:
    fresh = _new(world, "Fresh objective", team=world.team)
    for i in range(30):
        _new(world, f"Noise {i}", team=world.other_team)
    response = login(world.champion).get(reverse("okrs:objective-detail", args=[fresh.pk]))
    html = response.content.decode()
    assert '<select name="parent"' not in html and 'name="parent" id="id_parent"' not in html
    assert html.count("<select") == 1  # the cycle switcher only
    assert "Noise" not in html  # no list of every objective
    assert [o.title for o in response.context["align_choices"].objectives] == ["Win the mid-market"]
    align = _align_url(fresh)
    assert f'<form method="get" action="{align}" role="search"' in html
    assert '<label for="align-q">Find an objective to align to</label>' in html
    assert f'hx-get="{align}" hx-trigger="input changed delay:250ms, search"' in html
    assert 'hx-target="#align-results"' in html
    button = f'name="parent" value="{tree.company_obj.pk}">Align<span class="sr-only"> to Win the mid-market</span>'
    assert button in html


def test_no_picker_for_those_who_cannot_edit_or_on_a_closed_objective(world: World, tree: Tree) -> None:
    html = login(world.member).get(reverse("okrs:objective-detail", args=[tree.team_obj.pk])).content.decode()
    assert "Find an objective to align to" not in html
    services.objective_set_state(actor=world.lead, objective=tree.team_obj, state="closed")
    response = login(world.lead).get(reverse("okrs:objective-detail", args=[tree.team_obj.pk]))
    assert response.context["align_choices"] is None


# --- The align page: without JavaScript, with HTMX, and posting a choice -----------------------


def test_without_javascript_the_search_is_a_get_to_the_align_page(world: World, tree: Tree) -> None:
    client = login(world.member)
    response = client.get(_align_url(tree.member_obj), {"q": "  mid-market  "})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<!doctype html>")
    assert 'value="mid-market"' in html  # the search stays in the box
    assert "1 match for “mid-market”" in html
    assert f'name="parent" value="{tree.company_obj.pk}"' in html
    assert 'name="weight"' in html and 'type="number"' in html  # the weight is chosen here
    assert "<select" not in html.split('id="main"')[1]  # nothing but the cycle switcher, if any


def test_htmx_search_answers_with_the_list_only(world: World, tree: Tree) -> None:
    client = login(world.member)
    response = client.get(_align_url(tree.member_obj), {"q": "mid"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<form" not in html
    assert f'name="parent" value="{tree.company_obj.pk}"' in html
    assert 'id="align-status" hx-swap-oob="innerHTML"' in html
    # Another HTMX target (or none) gets the whole page.
    other = client.get(_align_url(tree.member_obj), {"q": "mid"}, HTTP_HX_REQUEST="true")
    assert "<html" in other.content.decode()


def test_align_with_a_result_button(world: World, tree: Tree) -> None:
    client = login(world.member)
    url = _align_url(tree.member_obj)
    response = client.post(url, {"parent": tree.company_obj.pk, "weight": "0.5", "q": "mid"})
    assert response.status_code == 302
    assert response["Location"] == reverse("okrs:objective-detail", args=[tree.member_obj.pk])
    assert Alignment.objects.get(child=tree.member_obj, parent=tree.company_obj).weight == 0.5
    html = client.get(response["Location"]).content.decode()
    assert "Aligned to “Win the mid-market”." in html
    assert f'name="remove" value="{tree.company_obj.pk}"' in html


def test_weight_is_validated_and_the_search_kept(world: World, tree: Tree) -> None:
    client = login(world.member)
    before = Alignment.objects.count()
    response = client.post(_align_url(tree.member_obj), {"parent": tree.company_obj.pk, "weight": "0", "q": "mid"})
    assert response.status_code == 400
    assert "weight" in response.context["form"].errors
    html = response.content.decode()
    assert f'name="parent" value="{tree.company_obj.pk}"' in html  # the results are still there
    assert Alignment.objects.count() == before


def test_a_loop_is_refused_with_its_message(world: World, tree: Tree) -> None:
    client = login(world.champion)
    before = Alignment.objects.count()
    response = client.post(_align_url(tree.company_obj), {"parent": tree.member_obj.pk, "weight": "1"})
    assert response.status_code == 400
    assert "would make a loop" in response.content.decode()
    assert '<a href="#align-q">Align to: ' in response.content.decode()
    assert Alignment.objects.count() == before


def test_a_parent_the_member_cannot_see_is_404(world: World, tree: Tree) -> None:
    hidden = services.objective_create(
        actor=world.champion, cycle=world.cycle, title="Secret plan", visibility="private", state="active"
    )
    before = Alignment.objects.count()
    response = login(world.member).post(_align_url(tree.member_obj), {"parent": hidden.pk, "weight": "1"})
    assert response.status_code == 404
    assert Alignment.objects.count() == before


def test_outsider_gets_404_and_nothing_changes(world: World, tree: Tree) -> None:
    client = login(world.outsider)
    url = _align_url(tree.team_obj)
    before = Alignment.objects.count()
    assert client.get(url, {"q": "mid"}).status_code == 404
    assert client.get(url, {"q": "mid"}, **HX).status_code == 404
    assert client.post(url, {"parent": tree.company_obj.pk, "weight": "1"}).status_code == 404
    assert Alignment.objects.count() == before


def test_viewer_gets_403_on_the_search(world: World, tree: Tree) -> None:
    assert login(world.viewer).get(_align_url(tree.team_obj), {"q": "mid"}).status_code == 403
