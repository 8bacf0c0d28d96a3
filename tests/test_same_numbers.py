"""One number per thing, whatever the surface (issue 11).

On the demo organisation (``manage.py seed_demo``), every objective, key result, big move, team
and the organisation itself must show the same progress on the company tree, the strategy page,
the team pages, the dashboard (and its teams spreadsheet), the objective page, the REST API and
the stored roll-ups. The reference is the API's per-objective progress aggregated by the engine's
own functions, so a surface that averages for itself (or over other objectives) fails here.

The planning sheet (``ambit/sheets/exporter.py``) carries the plan — titles, targets and
weights — and, for reading only, each score, verdict and forecast: the forecasts are checked here
against My week, the objective page and the API (issue 12).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pytest_django import Settings

from ambit.accounts.models import Membership, Team
from ambit.core.display import pct
from ambit.okrs import engine
from ambit.okrs.models import Alignment, Cycle, KeyResult, Objective, ObjectiveState
from ambit.sheets.exporter import export_workbook
from ambit.sheets.layout import SHEET_COLUMNS
from ambit.strategy.models import BigMove
from tests.api.conftest import ApiClient, token_for

pytestmark = pytest.mark.django_db

AS_OF = "2026-05-21"  # as in tests/test_seeds.py: seven weeks into Q2 2026
SAME = 1e-9  # every surface calls the same engine function on the same inputs


@pytest.fixture(autouse=True)
def _quick(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AMBIT_DEMO_PASSWORD = "demo-pass-for-tests"
    cache.clear()  # dashboard summaries and API rate limits live in the process-wide cache


@pytest.fixture
def demo() -> dict[str, Any]:
    call_command("seed_demo", "--if-empty", "--as-of", AS_OF, stdout=io.StringIO())
    admin = Membership.objects.select_related("organisation", "user").get(
        user__email="admin@northwind.test", organisation__slug="northwind"
    )
    web = Client()
    web.force_login(admin.user)
    cycle = Cycle.objects.get(organisation=admin.organisation, name="Q2 2026")
    annual = Cycle.objects.get(organisation=admin.organisation, name="2026")
    return {"admin": admin, "web": web, "api": ApiClient(token_for(admin)), "cycle": cycle, "annual": annual}


def _api_pages(api: ApiClient, path: str, **query: Any) -> Iterator[dict[str, Any]]:
    cursor = None
    while True:
        params = {**query, "limit": 200, **({"cursor": cursor} if cursor is not None else {})}
        response = api.get(path, **params)
        assert response.status_code == 200, response.content
        body = response.json()
        yield from body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return


def _api_objectives(demo: dict[str, Any], cycle: Cycle) -> dict[int, dict[str, Any]]:
    """Live objectives of ``cycle`` as the API reports them (metrics included)."""
    items = _api_pages(demo["api"], "objectives", cycle_id=cycle.pk)
    return {o["id"]: o for o in items if o["state"] != ObjectiveState.CANCELLED}


def _walk(nodes: list[Any], children: str = "children") -> Iterator[Any]:
    for node in nodes:
        yield node
        yield from _walk(node[children] if isinstance(node, dict) else node.children, children)


def _page(demo: dict[str, Any], url: str, **query: Any) -> Any:
    response = demo["web"].get(url, {"cycle": demo["cycle"].pk, **query})
    assert response.status_code == 200
    return response


def test_every_objective_shows_one_progress_on_every_surface(demo: dict[str, Any]) -> None:
    live = _api_objectives(demo, demo["cycle"]) | _api_objectives(demo, demo["annual"])
    assert len(live) >= 15
    api_progress = {pk: o["metrics"]["progress"] for pk, o in live.items()}

    # The stored roll-ups (what the team pages and feeders read) hold the same numbers.
    stored = dict(Objective.objects.filter(pk__in=api_progress).values_list("pk", "rolled_progress"))
    for pk, progress in api_progress.items():
        assert stored[pk] == pytest.approx(progress, abs=SAME), pk

    # The API tree, walked in full from the company objectives and from the unaligned ones.
    tree = demo["api"].get(f"cycles/{demo['cycle'].pk}/tree", depth=10).json()
    unaligned = demo["api"].get(f"cycles/{demo['cycle'].pk}/tree", unaligned="true", depth=10, limit=200).json()
    seen: set[int] = set()
    for node in [*_walk(tree["roots"]), *_walk(unaligned["roots"])]:
        pk = node["objective"]["id"]
        seen.add(pk)
        assert node["objective"]["metrics"]["progress"] == pytest.approx(api_progress[pk], abs=SAME), pk
        kids = [api_progress[c["objective"]["id"]] for c in node["children"]]
        expected = engine.supporters_progress(kids)
        if expected is None:
            assert node["children_progress"] is None
        else:
            assert node["children_progress"] == pytest.approx(expected, abs=SAME), pk
    assert seen == set(api_progress)

    # The company page's roots and each lazily loaded level below them.
    groups = _page(demo, reverse("okrs:company")).context["groups"]
    frontier = [node for group in groups for node in group.nodes]
    shown = 0
    while frontier:
        node = frontier.pop()
        shown += 1
        assert node.metrics.progress == pytest.approx(api_progress[node.objective.pk], abs=SAME)
        if node.child_count:
            url = reverse("okrs:tree-children", args=[node.objective.pk])
            response = demo["web"].get(url, {"cycle": demo["cycle"].pk}, headers={"HX-Request": "true"})
            frontier.extend(response.context["nodes"])
    assert shown >= len(tree["roots"])

    # Each objective's own page: its number, its parents' and its children's (of any cycle).
    everywhere = {o["id"]: o["metrics"]["progress"] for o in _api_pages(demo["api"], "objectives")}
    for pk, progress in api_progress.items():
        context = demo["web"].get(reverse("okrs:objective-detail", args=[pk])).context
        assert context["metrics"].progress == pytest.approx(progress, abs=SAME), pk
        for parent, _weight, metrics in context["parents"]:
            assert metrics.progress == pytest.approx(everywhere[parent.pk], abs=SAME)
        for child, metrics in [*context["classic_children"], *context["duality_children"]]:
            assert metrics.progress == pytest.approx(everywhere[child.pk], abs=SAME)

    # The strategy page's objectives under each big move.
    for _move, items, _progress in _page(demo, reverse("strategy:detail")).context["rows"]:
        for objective, metrics in items:
            assert metrics.progress == pytest.approx(api_progress[objective.pk], abs=SAME)


def test_every_key_result_shows_one_progress_on_every_surface(demo: dict[str, Any]) -> None:
    api = demo["api"]
    krs = {
        kr["id"]: kr
        for o in _api_objectives(demo, demo["cycle"]).values()
        for kr in _api_pages(api, f"objectives/{o['id']}/key-results")
    }
    assert len(krs) >= 30
    pages: dict[int, Any] = {}
    for kr in krs.values():
        objective_id = kr["objective_id"]
        if objective_id not in pages:
            pages[objective_id] = demo["web"].get(reverse("okrs:objective-detail", args=[objective_id])).context
        view = next(v for v in pages[objective_id]["kr_views"] if v.key_result.pk == kr["id"])
        assert view.metrics.progress == pytest.approx(kr["metrics"]["progress"], abs=SAME), kr["title"]

    # The objective's progress is the engine's weighted mean of its live key results (no blend
    # in the demo's charter), and its forecast the engine's objective forecast.
    by_objective: dict[int, list[dict[str, Any]]] = {}
    for kr in krs.values():
        by_objective.setdefault(kr["objective_id"], []).append(kr)
    for objective_id, context in pages.items():
        live = [kr for kr in by_objective[objective_id] if kr["state"] != "cancelled"]
        weighted = [engine.Weighted(kr["metrics"]["progress"], kr["weight"]) for kr in live]
        assert context["metrics"].progress == pytest.approx(engine.objective_progress(weighted), abs=SAME)

    summary = _page(demo, reverse("dashboards:organisation")).context["summary"]
    listed = [*summary.at_risk, *summary.stale]
    assert listed
    for entry in listed:
        assert entry.progress == pytest.approx(krs[entry.kr_id]["metrics"]["progress"], abs=SAME)


def _company_roots(cycle: Cycle, annual: Cycle) -> set[int]:
    """Company objectives of the tree's cycles with no live parent there: the tops of the tree."""
    live = Objective.objects.filter(cycle__in=[cycle, annual]).exclude(state=ObjectiveState.CANCELLED)
    under = set(Alignment.objects.filter(parent__in=live).values_list("child_id", flat=True))
    under |= set(live.filter(source_key_result__objective__in=live).values_list("pk", flat=True))
    return set(live.filter(level="company").exclude(pk__in=under).values_list("pk", flat=True))


def test_every_big_move_shows_one_progress_on_the_tree_and_the_strategy_page(demo: dict[str, Any]) -> None:
    live = _api_objectives(demo, demo["cycle"]) | _api_objectives(demo, demo["annual"])
    roots = _company_roots(demo["cycle"], demo["annual"])
    moves = list(BigMove.objects.filter(organisation=demo["admin"].organisation))
    expected = {
        m.pk: engine.big_move_progress(live[pk]["metrics"]["progress"] for pk in roots if live[pk]["theme_id"] == m.pk)
        for m in moves
    }
    assert len(expected) == 3 and all(value is not None for value in expected.values())

    tree = {g.big_move.pk: g.progress for g in _page(demo, reverse("okrs:company")).context["groups"] if g.big_move}
    strategy = {move.pk: progress for move, _items, progress in _page(demo, reverse("strategy:detail")).context["rows"]}
    assert tree.keys() == strategy.keys() == expected.keys()
    for pk, value in expected.items():
        assert tree[pk] == pytest.approx(value, abs=SAME)
        assert strategy[pk] == pytest.approx(value, abs=SAME)


def _subtree(team: Team, teams: list[Team]) -> set[int]:
    ids, frontier = {team.pk}, {team.pk}
    while frontier:
        frontier = {t.pk for t in teams if t.parent_id in frontier} - ids
        ids |= frontier
    return ids


def test_every_team_and_the_organisation_show_one_progress_everywhere(demo: dict[str, Any]) -> None:
    cycle = demo["cycle"]
    live = _api_objectives(demo, cycle)
    teams = list(Team.objects.filter(organisation=demo["admin"].organisation))

    def team_value(team: Team, *, subtree: bool) -> float | None:
        ids = _subtree(team, teams) if subtree else {team.pk}
        return engine.team_progress(o["metrics"]["progress"] for o in live.values() if o["team_id"] in ids)

    # The organisation's headline on the dashboard.
    summary = _page(demo, reverse("dashboards:organisation")).context["summary"]
    organisation = engine.organisation_progress(o["metrics"]["progress"] for o in live.values())
    assert summary.progress == pytest.approx(organisation, abs=SAME)
    assert summary.history[-1][1] == pytest.approx(organisation, abs=SAME)

    # The heat map: each department and team over its whole subtree.
    cells = {c.team_id: c for g in summary.heatmap for c in [g.cell, *g.children]}
    assert len(cells) >= 7
    for team_id, cell in cells.items():
        team = next(t for t in teams if t.pk == team_id)
        assert cell.progress == pytest.approx(team_value(team, subtree=True), abs=SAME), team.name

    # The same numbers in the dashboard's teams spreadsheet (percent, one decimal).
    response = demo["web"].get(reverse("dashboards:organisation"), {"cycle": cycle.pk, "export": "teams.csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_name = {row["Team"] or row["Department"]: row for row in rows}
    for cell in cells.values():
        shown = by_name[cell.name]["Progress (%)"]
        assert Decimal(shown) == Decimal(f"{cell.progress * 100:.1f}"), cell.name

    # Each team page: its own objectives, and each sub-team over its subtree (from the stored
    # roll-ups): the same figure as the heat map for the same team.
    for team in teams:
        overview = _page(demo, reverse("okrs:team-detail", args=[team.slug])).context["overview"]
        own = team_value(team, subtree=False)
        if own is None:
            assert overview.progress is None
        else:
            assert overview.progress == pytest.approx(own, abs=SAME), team.name
        for sub in overview.sub_teams:
            assert sub.progress == pytest.approx(team_value(sub.team, subtree=True), abs=SAME), sub.team.name
            if sub.team.pk in cells:
                assert sub.progress == pytest.approx(cells[sub.team.pk].progress, abs=SAME)


# --- Forecasts (issue 12 item 2) ---------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_SAID = re.compile(r"On course for (\d+%) by (?:\d{1,2} \w{3}|the end of the cycle) · score (\d\.\d)\b")


def _forecasts_said(html: str) -> dict[int, str | None]:
    """Each key-result row's forecast as the reader sees it (tags stripped), None when the row
    says none. A row runs from its ``kr-row`` item to the next one."""
    said: dict[int, str | None] = {}
    for chunk in html.split('class="kr-row')[1:]:
        found = re.match(r'[^"]*" id="kr-(\d+)"', chunk)
        assert found is not None, chunk[:200]
        text = re.search(r"<span class=\"forecast[^\"]*\" data-forecast>(.*?)</span>\s*</p>", chunk, re.DOTALL)
        said[int(found.group(1))] = None if text is None else " ".join(_TAG.sub("", text.group(1)).split())
    return said


def test_every_forecast_says_one_percentage_and_one_score_everywhere(demo: dict[str, Any]) -> None:
    """For every key result of the demo: My week (its owner's), the objective page, the API and
    the cycle's spreadsheet give the same projected percentage and the same projected score, and
    that score is the score rule applied to that progress. They used to say "land at 0.80" on My
    week and "Forecast: 75 %" on the objective page for the same key result."""
    cycle = demo["cycle"]
    live = _api_objectives(demo, cycle)
    api: dict[int, dict[str, Any]] = {}
    page: dict[int, str | None] = {}
    for objective_id in live:
        body = demo["api"].get(f"objectives/{objective_id}/metrics").json()
        api |= {kr["key_result_id"]: kr["metrics"] for kr in body["key_results"]}
        html = demo["web"].get(reverse("okrs:objective-detail", args=[objective_id])).content.decode()
        page |= _forecasts_said(html)
    assert api.keys() == page.keys()

    sheet = export_workbook(actor=demo["admin"], cycle=cycle)
    ws = load_workbook(io.BytesIO(sheet))["OKRs"]
    keys = [c.key for c in SHEET_COLUMNS]
    cells = {
        row["id"]: row for row in (dict(zip(keys, [c.value for c in r], strict=True)) for r in ws.iter_rows(min_row=2))
    }

    owners = dict(KeyResult.objects.filter(pk__in=api).values_list("pk", "owner__user_id"))
    week: dict[int, str | None] = {}
    for user_id in set(owners.values()):
        client = Client()
        client.force_login(Membership.objects.get(user_id=user_id, organisation=demo["admin"].organisation).user)
        response = client.get(reverse("front:home"), {"cycle": cycle.pk})
        assert response.status_code == 200
        week |= {pk: text for pk, text in _forecasts_said(response.content.decode()).items() if pk in api}

    projected = 0
    for pk, metrics in api.items():
        row = next(r for rid, r in cells.items() if rid.endswith(f"-KR{pk}"))
        fc = metrics["forecast"]
        if fc is None:
            note = metrics["forecast_note"]
            assert page[pk] == note, pk
            assert (row["forecast_progress"], row["forecast_score"], row["forecast_note"]) == (None, None, note), pk
            if pk in week:
                assert week[pk] == note, pk
            continue
        projected += 1
        said = _SAID.match(page[pk] or "")
        assert said is not None, (pk, page[pk])
        # The page: pct's percentage of the API's progress, and the API's score in tenths ...
        assert said.group(1) == pct(fc["progress"]), pk
        assert said.group(2) == f"{fc['score']:.1f}", pk
        # ... which is the score rule applied to that progress, nothing else.
        assert fc["score"] == engine.suggest_score(fc["progress"]), pk
        # The spreadsheet: the same progress (a percentage cell) and the same score.
        assert row["forecast_progress"] == pytest.approx(fc["progress"], abs=SAME), pk
        assert pct(row["forecast_progress"]) == said.group(1), pk
        assert row["forecast_score"] == fc["score"], pk
        assert row["forecast_note"] is None, pk
        # My week says it in the very same words.
        assert week[pk] == page[pk], pk
    assert projected >= 10
    assert set(week) >= {pk for pk, m in api.items() if m["forecast"] is not None}
