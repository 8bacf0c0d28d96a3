"""The new-objective form takes generic prefill from its link (an OKR template's "Use template"):
``title``, ``description``, ``ambition`` and key-result rows ``kr-<n>-<field>``, as initial values
that are shown, never validated, until the person submits."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from ambit.okrs.models import KeyResult, Objective
from tests.builders import World
from tests.okrs.conftest import login

pytestmark = pytest.mark.django_db

URL = reverse("okrs:objective-create")


def test_prefill_is_initial_with_rows_following_it(world: World) -> None:
    params = {
        "title": "Make every page feel instant",
        "description": "Speed is the first thing users notice.",
        "ambition": "aspirational",
        "team": world.team.pk,
        "kr-0-title": "p95 page load time",
        "kr-0-kind": "decrease",
        "kr-0-start_value": "2800",
        "kr-0-target_value": "1200",
        "kr-0-unit": "ms",
        "kr-1-title": "Good Core Web Vitals",
        "kr-1-start_value": "62",
        "kr-1-target_value": "90",
        "kr-1-unit": "%",
        "kr-2-title": "Old CDN retired",
        "kr-2-kind": "binary",
    }
    response = login(world.lead).get(f"{URL}?{urlencode(params)}")
    assert response.status_code == 200
    form, rows = response.context["form"], response.context["rows"]
    assert not form.is_bound and not rows.is_bound
    assert form.initial["title"] == "Make every page feel instant"
    assert form.initial["description"] == "Speed is the first thing users notice."
    assert form.initial["ambition"] == "aspirational"
    assert (form.initial["owner"], form.initial["team"], form.initial["cycle"]) == (
        world.lead.pk,
        world.team.pk,
        world.cycle.pk,
    )
    assert len(rows.forms) == 5
    assert [row.initial for row in rows.forms[:3]] == [
        {
            "title": "p95 page load time",
            "kind": "decrease",
            "start_value": "2800",
            "target_value": "1200",
            "unit": "ms",
        },
        {"title": "Good Core Web Vitals", "start_value": "62", "target_value": "90", "unit": "%"},
        {"title": "Old CDN retired", "kind": "binary"},
    ]
    assert rows.forms[3].initial == {} and rows.forms[4].initial == {}
    html = response.content.decode()
    assert 'value="Make every page feel instant"' in html and 'value="2800"' in html
    assert '<option value="aspirational" selected>' in html
    assert "field-error" not in html and "There is a problem" not in html


def test_unknown_choices_and_rows_beyond_the_form_are_left_out(world: World) -> None:
    params = {"ambition": "reckless", "kr-0-kind": "milestones", "kr-0-title": "Steps", "kr-5-title": "Sixth"}
    response = login(world.lead).get(f"{URL}?{urlencode(params)}")
    assert response.status_code == 200
    form, rows = response.context["form"], response.context["rows"]
    assert "ambition" not in form.initial and "title" not in form.initial
    assert rows.forms[0].initial == {"title": "Steps"}
    assert len(rows.forms) == 5 and all(not row.initial for row in rows.forms[1:])


def test_a_post_ignores_prefill_in_its_address_and_creates_what_was_submitted(world: World) -> None:
    data = {
        "title": "Submitted title",
        "cycle": world.cycle.pk,
        "owner": world.lead.pk,
        "team": world.team.pk,
        "ambition": "committed",
        "visibility": "public",
        "state": "draft",
        "kr-TOTAL_FORMS": "1",
        "kr-INITIAL_FORMS": "0",
        "kr-MIN_NUM_FORMS": "0",
        "kr-MAX_NUM_FORMS": "5",
        "kr-0-title": "Weekly active teams",
        "kr-0-kind": "increase",
        "kr-0-start_value": "40",
        "kr-0-target_value": "60",
        "kr-0-unit": "teams",
    }
    response = login(world.lead).post(f"{URL}?{urlencode({'title': 'From the link', 'kr-0-title': 'Linked'})}", data)
    assert response.status_code == 302
    objective = Objective.objects.get(title="Submitted title")
    assert not Objective.objects.filter(title="From the link").exists()
    assert list(KeyResult.objects.filter(objective=objective).values_list("title", flat=True)) == [
        "Weekly active teams"
    ]


def test_the_new_objective_form_offers_the_template_library_for_the_same_cycle_and_team(world: World) -> None:
    html = login(world.lead).get(f"{URL}?cycle={world.cycle.pk}&team={world.team.pk}").content.decode()
    assert f'href="/okr-templates/?cycle={world.cycle.pk}&amp;team={world.team.pk}"' in html
    assert "Start from an OKR template" in html
