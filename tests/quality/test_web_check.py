"""The quality check on the objective page and while writing (the HTMX live check)."""

from __future__ import annotations

from django.urls import reverse

from ambit.okrs import services
from ambit.okrs.models import Cycle, KeyResultKind
from tests import factories as f
from tests.builders import World, objective_with_krs
from tests.quality.conftest import login

CHECK = reverse("okrs:quality-check")


def _rows(*rows: dict[str, str]) -> dict[str, str]:
    data = {"kr-TOTAL_FORMS": "5", "kr-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        data |= {f"kr-{i}-{k}": v for k, v in row.items()}
    return data


def test_objective_page_shows_the_quality_panel(world: World) -> None:
    objective, _ = objective_with_krs(
        actor=world.lead,
        cycle=world.cycle,
        title="Reach $2M ARR",
        team=world.team,
        key_results=[{"title": "Launch the pricing page", "kind": KeyResultKind.BINARY}],
    )
    html = login(world.member).get(reverse("okrs:objective-detail", args=[objective.pk])).content.decode()
    assert 'id="quality-h"' in html
    assert 'data-code="objective_is_number"' in html
    assert 'data-code="kr_is_task"' in html
    assert "Launch the pricing page" in html
    # problem (task) 25, warnings (number, one key result) 20, tip (no description) 3
    assert 'data-quality-score="52"' in html
    assert 'aria-label="Quality score"' in html


def test_live_check_on_a_new_objective(world: World) -> None:
    client = login(world.member)
    data = {
        "title": "Reach $2M ARR",
        "cycle": str(world.cycle.pk),
        "owner": str(world.member.pk),
        "ambition": "committed",
        **_rows(
            {"title": "Implement SSO", "kind": "binary"},
            {"title": "Grow paying accounts", "kind": "increase", "start_value": "10", "target_value": "10"},
        ),
    }
    response = client.post(CHECK, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    for code in ("objective_is_number", "kr_is_task", "kr_no_target", "kr_no_unit", "kr_few"):
        assert f'data-code="{code}"' in html, code
    assert "Implement SSO" in html and "measure that" in html
    # fixed as the person types: a measured outcome, a qualitative objective
    data |= {
        "title": "Make enterprise buyers trust us",
        "description": "Security reviews stall deals.",
        "kr-0-title": "Grow SSO-enabled accounts",
        "kr-0-kind": "increase",
        "kr-0-start_value": "0",
        "kr-0-target_value": "40",
        "kr-0-unit": "accounts",
        "kr-1-target_value": "25",
        "kr-1-unit": "accounts",
        "kr-2-title": "Cut security review time",
        "kr-2-kind": "decrease",
        "kr-2-start_value": "30",
        "kr-2-target_value": "10",
        "kr-2-unit": "days",
    }
    html = client.post(CHECK, data).content.decode()
    assert "data-code=" not in html and "No findings" in html


def test_live_check_on_a_key_result_form(world: World) -> None:
    objective, krs = objective_with_krs(
        actor=world.lead,
        cycle=world.cycle,
        title="Make enterprise buyers trust us",
        team=world.team,
        key_results=[{"title": "Grow SSO-enabled accounts", "start_value": 0, "target_value": 40, "unit": "accounts"}],
    )
    client = login(world.lead)
    typed = {"title": "Deploy audit logs", "kind": "binary", "unit_kind": "number"}
    html = client.post(f"{CHECK}?objective={objective.pk}", typed).content.decode()
    assert 'data-code="kr_is_task"' in html and "Deploy audit logs" in html
    assert 'data-code="kr_few"' in html  # two key results with the one being typed
    # editing the saved key result replaces it instead of adding one
    typed = {"title": "Grow SSO-enabled accounts", "kind": "increase", "start_value": "50", "target_value": "40"}
    html = client.post(f"{CHECK}?key_result={krs[0].pk}", typed | {"unit": "accounts"}).content.decode()
    assert 'data-code="kr_target_already_met"' in html and 'data-code="kr_too_few"' in html


def test_live_check_edit_form_loads_saved_key_results(world: World) -> None:
    objective, _ = objective_with_krs(
        actor=world.lead, cycle=world.cycle, title="Make enterprise buyers trust us", team=world.team
    )
    services.key_result_create(actor=world.lead, objective=objective, title="Ship SSO", kind=KeyResultKind.BINARY)
    html = login(world.lead).post(f"{CHECK}?objective={objective.pk}", {"title": "Trust"}).content.decode()
    assert 'data-code="kr_is_task"' in html and 'data-code="objective_vague"' in html


def test_live_check_refusals(world: World) -> None:
    objective, _ = objective_with_krs(actor=world.outsider, cycle=_other_cycle(world), title="Globex things to do")
    client = login(world.member)
    assert client.post(f"{CHECK}?objective={objective.pk}", {"title": "x"}).status_code == 404
    assert client.post(f"{CHECK}?objective=abc", {"title": "x"}).status_code == 404
    assert client.get(CHECK).status_code == 405
    assert login(world.viewer).post(CHECK, {"title": "x"}).status_code == 403
    # another organisation's team typed into the form is ignored, not used as context
    html = client.post(CHECK, {"title": "A fine objective title", "team": str(objective.pk)}).content.decode()
    assert "kr_none" in html
    # an owner from another organisation is no owner
    html = client.post(CHECK, {"title": "A fine objective title", "owner": str(world.outsider.pk)}).content.decode()
    assert 'data-code="objective_no_owner"' in html


def test_forms_carry_the_live_region(world: World) -> None:
    objective, krs = objective_with_krs(
        actor=world.lead,
        cycle=world.cycle,
        title="Make enterprise buyers trust us",
        team=world.team,
        key_results=[{"title": "Grow SSO-enabled accounts", "start_value": 0, "target_value": 40, "unit": "accounts"}],
    )
    client = login(world.lead)
    for url in (
        reverse("okrs:objective-create"),
        reverse("okrs:objective-edit", args=[objective.pk]),
        reverse("okrs:kr-create", args=[objective.pk]),
        reverse("okrs:kr-edit", args=[krs[0].pk]),
    ):
        html = client.get(url).content.decode()
        assert 'id="quality-live"' in html and 'aria-live="polite"' in html, url
        assert "input changed delay:500ms" in html and CHECK in html, url


def _other_cycle(world: World) -> Cycle:
    return f.CycleFactory.create(organisation=world.other_org, name="Globex Q")
