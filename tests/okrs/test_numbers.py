"""Issue 12, "the numbers" (items 4, 5, 6, 9) through the services, metrics and pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import ConfidenceScale
from ambit.core.errors import Conflict
from ambit.core.models import AuditEntry
from ambit.okrs import services
from ambit.okrs.metrics import Metrics, compute_metrics
from ambit.okrs.models import CheckIn, Cycle, KeyResult, Objective
from ambit.okrs.selectors import objective_list
from tests.builders import Tree, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def half_way(world: World) -> World:
    """A 100-day cycle, 50 days in: the cycle's own pace expects 0.5 today."""
    today = timezone.localdate()
    Cycle.objects.filter(pk=world.cycle.pk).update(
        start_date=today - dt.timedelta(days=50), end_date=today + dt.timedelta(days=50)
    )
    world.cycle.refresh_from_db()
    return world


def _metrics(world: World, *, with_forecast: bool = False) -> Metrics:
    return compute_metrics(
        organisation=world.org,
        objectives=objective_list(actor=world.member, cycle=world.cycle),
        with_forecast=with_forecast,
    )


def _objective(world: World, title: str = "Added today", **kw: Any) -> tuple[Objective, KeyResult]:
    obj = services.objective_create(actor=world.member, cycle=world.cycle, title=title, state="active", **kw)
    kr = services.key_result_create(actor=world.member, objective=obj, title="Signups", start_value=0, target_value=100)
    return obj, kr


# --- Item 4: plan start --------------------------------------------------------------------------


def test_objective_added_mid_cycle_is_judged_from_its_own_plan_start(half_way: World) -> None:
    w = half_way
    obj, kr = _objective(w)
    m = _metrics(w)
    assert m.objective(obj).expected == 0.0 and m.kr(kr).expected == 0.0
    assert m.objective(obj).plan_start == timezone.localdate()
    services.check_in_record(actor=w.member, key_result=kr, value=10)
    m = _metrics(w)
    # Against the cycle's pace (0.5 expected) 10 % would be "behind"; it began today.
    assert m.kr(kr).status == "on_track"
    assert m.objective(obj).status == "on_track"


def test_explicit_plan_start_sets_the_pace(half_way: World) -> None:
    w = half_way
    obj, kr = _objective(w, plan_start=w.cycle.start_date)
    services.key_result_update(actor=w.member, key_result=kr, plan_start=w.cycle.start_date.isoformat())
    services.check_in_record(actor=w.member, key_result=kr, value=10)
    m = _metrics(w)
    assert m.kr(kr).expected == pytest.approx(0.5, abs=0.01)
    assert m.objective(obj).expected == pytest.approx(0.5, abs=0.01)
    assert m.kr(kr).status == "behind"
    kr.refresh_from_db()
    assert kr.plan_start == w.cycle.start_date
    entry = AuditEntry.objects.filter(action="key_result.update", object_id=str(kr.pk)).latest("id")
    assert entry.changes["plan_start"] == [None, w.cycle.start_date.isoformat()]


def test_plan_start_outside_the_cycle_is_refused_with_the_cycles_dates(half_way: World) -> None:
    w = half_way
    obj, kr = _objective(w)
    late = w.cycle.end_date + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.key_result_update(actor=w.member, key_result=kr, plan_start=late)
    message = exc.value.message_dict["plan_start"][0]
    assert w.cycle.start_date.isoformat() in message and w.cycle.end_date.isoformat() in message
    with pytest.raises(ValidationError) as exc:
        services.objective_update(actor=w.member, objective=obj, plan_start="next tuesday")
    assert "YYYY-MM-DD" in exc.value.message_dict["plan_start"][0]
    obj.refresh_from_db()
    kr.refresh_from_db()
    assert obj.plan_start is None and kr.plan_start is None


def test_a_reading_from_before_the_cycle_does_not_make_it_stale_on_day_two(world: World) -> None:
    today = timezone.localdate()
    Cycle.objects.filter(pk=world.cycle.pk).update(
        start_date=today - dt.timedelta(days=1), end_date=today + dt.timedelta(days=89)
    )
    world.cycle.refresh_from_db()
    _obj, kr = _objective(world)
    services.check_in_record(actor=world.member, key_result=kr, value=5, at=timezone.now() - dt.timedelta(days=30))
    assert _metrics(world).kr(kr).status != "stale"


def test_plan_start_is_editable_in_the_web_form(client: Client, half_way: World) -> None:
    w = half_way
    _obj, kr = _objective(w)
    client.force_login(w.member.user)
    url = reverse("okrs:kr-edit", args=[kr.pk])
    page = client.get(url).content.decode()
    assert 'name="plan_start"' in page and 'type="date"' in page
    data = {
        "title": kr.title,
        "kind": "increase",
        "start_value": "0",
        "target_value": "100",
        "unit_kind": "number",
        "weight": "1",
        "owner": w.member.pk,
        "plan_start": w.cycle.start_date.isoformat(),
    }
    assert client.post(url, data).status_code == 302
    kr.refresh_from_db()
    assert kr.plan_start == w.cycle.start_date
    data["plan_start"] = (w.cycle.end_date + dt.timedelta(days=3)).isoformat()
    response = client.post(url, data)
    assert response.status_code == 400
    assert "The plan start must be a day of" in response.content.decode()


# --- Item 5: duality ------------------------------------------------------------------------------


def _feed_child(world: World, tree: Tree, value: int) -> KeyResult:
    child_kr = services.key_result_create(
        actor=world.lead, objective=tree.duality_child, title="Cache hit rate", start_value=0, target_value=100
    )
    services.check_in_record(actor=world.lead, key_result=child_kr, value=value)
    return child_kr


def test_a_linked_key_result_follows_its_child_in_status_score_and_reminders(world: World, tree: Tree) -> None:
    _feed_child(world, tree, 90)
    m = compute_metrics(organisation=world.org, objectives=[tree.team_obj], with_forecast=True)
    km = m.kr(tree.latency)
    # Its own last reading (800 → 200, now 500) is 0.5; the child says 0.9.
    assert km.linked
    assert km.progress == pytest.approx(0.9)
    assert km.suggested_score == 0.9
    assert km.due is False
    assert km.status == "on_track"  # 0.9 is ahead of any expected pace
    assert km.forecast is not None and km.forecast.is_too_early  # the child has one reading today


def test_a_manual_check_in_on_a_linked_key_result_is_refused_naming_the_child(world: World, tree: Tree) -> None:
    before = CheckIn.objects.filter(key_result=tree.latency).count()
    with pytest.raises(Conflict) as exc:
        services.check_in_record(actor=world.lead, key_result=tree.latency, value=300)
    assert "“Halve latency”" in exc.value.message
    assert CheckIn.objects.filter(key_result=tree.latency).count() == before


def test_a_linked_key_result_offers_no_check_in_button(client: Client, world: World, tree: Tree) -> None:
    client.force_login(world.lead.user)
    html = client.get(reverse("okrs:objective-detail", args=[tree.team_obj.pk])).content.decode()
    assert reverse("front:kr-checkin", args=[tree.latency.pk]) not in html
    assert "Checked in on its child objective" in html


def test_the_weekly_check_in_leaves_out_a_linked_key_result(client: Client, world: World, tree: Tree) -> None:
    """Its input would only be refused on submit and hold back every other row with it."""
    _feed_child(world, tree, 90)
    client.force_login(world.lead.user)
    html = client.get(reverse("front:checkin") + "?all=1").content.decode()
    assert 'name="kr-' in html and '-value"' in html  # the form still lists the lead's other key results
    assert f'name="kr-{tree.latency.pk}-value"' not in html


# --- Item 6: verdict and stretch --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ambition", "score", "band", "verdict"),
    [
        ("committed", 0.9, "green", "missed"),
        ("committed", 1.0, "green", "met"),
        ("aspirational", 0.5, "yellow", "partial"),
        ("aspirational", 0.7, "green", "success"),
        ("aspirational", 0.2, "red", "miss"),
    ],
)
def test_objective_verdict_reads_the_score_against_the_ambition(
    client: Client, world: World, ambition: str, score: float, band: str, verdict: str
) -> None:
    obj, _ = _objective(world, ambition=ambition)
    services.objective_score(actor=world.member, objective=obj, score=score, note="End of cycle")
    m = _metrics(world).objective(obj)
    assert (m.band, m.verdict) == (band, verdict)
    client.force_login(world.member.user)
    html = client.get(reverse("okrs:objective-detail", args=[obj.pk])).content.decode()
    assert f'data-verdict="{verdict}"' in html


def test_stretch_target_is_shown_and_read_beyond_the_target(client: Client, world: World) -> None:
    obj = services.objective_create(actor=world.member, cycle=world.cycle, title="Grow", state="active")
    kr = services.key_result_create(
        actor=world.member, objective=obj, title="Users", start_value=0, target_value=100, stretch_target=150
    )
    services.check_in_record(actor=world.member, key_result=kr, value=120)
    km = _metrics(world).kr(kr)
    assert km.progress == 1.0 and km.stretch_progress == pytest.approx(0.4)
    client.force_login(world.member.user)
    html = client.get(reverse("okrs:objective-detail", args=[obj.pk])).content.decode()
    assert "Stretch 150" in html and "40% of the way past the target" in html


# --- Item 9: messages -----------------------------------------------------------------------------------


def test_audited_numbers_print_plainly_not_in_exponent_form(client: Client, world: World) -> None:
    obj, kr = _objective(world)
    services.key_result_update(actor=world.member, key_result=kr, target_value="50")
    entry = AuditEntry.objects.filter(action="key_result.update", object_id=str(kr.pk)).latest("id")
    assert entry.changes["target_value"] == ["100", "50"]
    client.force_login(world.member.user)
    html = client.get(reverse("okrs:objective-detail", args=[obj.pk])).content.decode()
    assert "E+" not in html


def test_early_warning_says_only_what_happens_on_the_organisations_scale(client: Client, world: World) -> None:
    world.org.confidence_scale = ConfidenceScale.RAG
    world.org.save(update_fields=["confidence_scale"])
    _obj, kr = _objective(world)
    services.check_in_record(actor=world.member, key_result=kr, value=10, confidence=8)
    client.force_login(world.member.user)
    response = client.post(
        reverse("front:checkin"),
        {f"kr-{kr.pk}-value": "20", f"kr-{kr.pk}-confidence": "red", "all": "1"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Early warning" in page
    assert "Confidence fell from green to red" in page and "Confidence is low: red" in page
    assert "out of 10" not in page
    assert "manager will see" not in page
