"""Issue 15's check for the grid: the same plan entered as an uploaded workbook (the sheet's upload
page), as a grid post and through the API gives identical OKRs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ambit.okrs import services as okrs
from ambit.okrs.models import Alignment, Cycle, KeyResult, Objective
from ambit.sheets.grid import KEYS
from tests import factories as f
from tests.api.conftest import ApiClient, token_for
from tests.builders import World
from tests.sheets.helpers import row, xlsx

pytestmark = pytest.mark.django_db

COMPANY = "Win the mid-market"

# The plan, once: objectives with their columns, each with its key results' columns.
PLAN: list[dict[str, Any]] = [
    {
        "team": "platform",
        "objective": "Make the platform fast",
        "objective_description": "Latency hurts conversion.",
        "owner": "lead@acme.test",
        "ambition": "committed",
        "visibility": "public",
        "parent": COMPANY,
        "krs": [
            {"kr": "Weekly active users", "kr_owner": "member@acme.test", "kind": "decrease", "start": "200",
             "target": "137", "unit": "", "weight": "1"},
            {"kr": "p95 latency", "kr_owner": "lead@acme.test", "kind": "stay_below", "start": "", "target": "300",
             "unit": "ms", "weight": "2"},
        ],
    },
    {
        "team": "sales",
        "objective": "Sell to bigger customers",
        "objective_description": "",
        "owner": "champion@acme.test",
        "ambition": "aspirational",
        "visibility": "team",
        "parent": COMPANY,
        "krs": [
            {"kr": "New enterprise logos", "kr_owner": "champion@acme.test", "kind": "increase", "start": "0",
             "target": "10", "stretch": "15", "unit": "", "weight": "1"},
            {"kr": "Average deal size", "kr_owner": "champion@acme.test", "kind": "increase", "start": "20000",
             "target": "35000", "unit": "€", "weight": "1.5"},
        ],
    },
]  # fmt: skip


def _cycle(world: World, name: str) -> Cycle:
    cycle = f.CycleFactory.create(organisation=world.org, name=name)
    okrs.objective_create(actor=world.champion, cycle=cycle, title=COMPANY, team=world.company, owner=world.admin)
    return cycle


def _parent_ref(cycle: Cycle) -> str:
    company = Objective.objects.get(cycle=cycle, title=COMPANY)
    return f"#{company.pk} {company.title}"


def _grid_rows(cycle: Cycle) -> list[dict[str, str]]:
    rows = []
    for o in PLAN:
        for kr in o["krs"]:
            cells = dict.fromkeys(KEYS, "")
            cells.update({k: v for k, v in o.items() if k != "krs"}, parent=_parent_ref(cycle))
            cells.update(kr)
            rows.append(cells)
    return rows


def dump(cycle: Cycle) -> list[dict[str, Any]]:
    """The cycle's OKRs as a reader compares them: no ids, no dates of creation."""
    out = []
    for o in Objective.objects.filter(cycle=cycle).exclude(title=COMPANY).order_by("title"):
        parents = sorted(a.parent.title for a in Alignment.objects.filter(child=o).select_related("parent"))
        krs = [
            {
                "title": kr.title,
                "owner": kr.owner.user.email,
                "kind": kr.kind,
                "unit": kr.unit,
                "unit_kind": kr.unit_kind,
                "start": kr.start_value,
                "target": kr.target_value,
                "stretch": kr.stretch_target,
                "weight": Decimal(str(kr.weight)),
            }
            for kr in KeyResult.objects.filter(objective=o).select_related("owner__user").order_by("position", "id")
        ]
        out.append(
            {
                "title": o.title,
                "description": o.description,
                "owner": o.owner.user.email,
                "team": o.team.slug if o.team else None,
                "ambition": o.ambition,
                "visibility": o.visibility,
                "state": o.state,
                "parents": parents,
                "key_results": krs,
            }
        )
    return out


def _via_upload(client: Client, cycle: Cycle) -> None:
    keys = [k for k in KEYS]
    data = xlsx([row(**{k: cells[k] or None for k in keys}) for cells in _grid_rows(cycle)])
    res = client.post(reverse("sheets:upload", args=[cycle.pk]), {"file": SimpleUploadedFile("plan.xlsx", data)})
    assert res.status_code == 200, res.content.decode()
    res = client.post(reverse("sheets:apply", args=[cycle.pk]), {"token": res.context["token"]})
    assert res.status_code == 200 and res.context["report"].applied


def _via_grid(client: Client, cycle: Cycle) -> None:
    rows = _grid_rows(cycle)
    url = reverse("sheets:grid", args=[cycle.pk])
    fields: dict[str, Any] = {"rows": str(len(rows))}
    for i, cells in enumerate(rows):
        fields.update({f"r-{i}-{k}": v for k, v in cells.items()})
    res = client.post(url, {**fields, "action": "check"})
    assert res.status_code == 200, res.context["report"].problems
    res = client.post(url, {**fields, "action": "apply", "digest": res.context["digest"]})
    assert res.status_code == 302


def _via_api(world: World, cycle: Cycle) -> None:
    api = ApiClient(token_for(world.champion))
    people = {m.user.email: m.pk for m in (world.admin, world.champion, world.lead, world.member)}
    teams = {t.slug: t.pk for t in (world.team, world.other_team)}
    company = Objective.objects.get(cycle=cycle, title=COMPANY)

    def number(text: str) -> Any:
        return None if text in ("", None) else text

    for o in PLAN:
        res = api.post(
            "objectives",
            {
                "cycle_id": cycle.pk,
                "title": o["objective"],
                "description": o["objective_description"],
                "owner_id": people[o["owner"]],
                "team_id": teams[o["team"]],
                "ambition": o["ambition"],
                "visibility": o["visibility"],
                "parents": [{"parent_id": company.pk}],
            },
        )
        assert res.status_code == 201, res.content
        objective_id = res.json()["id"]
        for kr in o["krs"]:
            unit = kr.get("unit", "")
            res = api.post(
                f"objectives/{objective_id}/key-results",
                {
                    "title": kr["kr"],
                    "owner_id": people[kr["kr_owner"]],
                    "kind": kr["kind"],
                    "start_value": number(kr.get("start", "")),
                    "target_value": number(kr.get("target", "")),
                    "stretch_target": number(kr.get("stretch", "")),
                    "unit": unit,
                    "unit_kind": {"%": "percent", "€": "currency"}.get(unit, "number"),
                    "weight": float(kr["weight"]),
                },
            )
            assert res.status_code == 201, res.content


def test_the_sheet_the_grid_and_the_api_make_the_same_okrs(client: Client, world: World) -> None:
    by_sheet, by_grid, by_api = _cycle(world, "By sheet"), _cycle(world, "By grid"), _cycle(world, "By API")
    client.force_login(world.champion.user)
    _via_upload(client, by_sheet)
    _via_grid(client, by_grid)
    _via_api(world, by_api)
    expected = dump(by_sheet)
    assert len(expected) == 2 and sum(len(o["key_results"]) for o in expected) == 4
    assert expected[0]["parents"] == [COMPANY] and expected[1]["key_results"][1]["unit_kind"] == "currency"
    assert dump(by_grid) == expected
    assert dump(by_api) == expected
