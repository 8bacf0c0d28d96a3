"""A key result may count its initiatives toward its progress (issue 16 item 2): the option on the
key result, the numbers that follow from it (metrics, the one-key-result path, the API, the stored
roll-up), what it costs in queries, the rule that refuses it, and the form and the objective page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks

from ambit.accounts.models import Organisation
from ambit.core.models import AuditAction, AuditEntry
from ambit.initiatives import services as initiatives
from ambit.initiatives.models import Initiative, InitiativeStatus
from ambit.okrs import engine, selectors
from ambit.okrs import services as okrs
from ambit.okrs.metrics import Metrics, compute_metrics
from ambit.okrs.metrics_initiatives import DONE, DROPPED, OPTION_ERROR, Tally, initiative_tallies
from ambit.okrs.metrics_one import key_result_metrics
from ambit.okrs.models import KeyResult, Objective
from ambit.trash.models import TrashItem
from ambit.trash.services import trash_restore
from tests.api.conftest import ApiClient, token_for
from tests.builders import World, days_ago
from tests.initiatives.helpers import Board, build_board
from tests.okrs.conftest import login
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> Board:
    # Roll-ups run when a write commits: run those of the set-up, so later writes schedule their own.
    with django_capture_on_commit_callbacks(execute=True):
        return build_board(world)


def _initiatives(world: World, kr: KeyResult, statuses: list[str]) -> list[Initiative]:
    return [
        initiatives.initiative_create(actor=world.lead, key_result=kr, title=f"Step {n}", status=status)
        for n, status in enumerate(statuses, start=1)
    ]


def _metrics(world: World, objective: Objective, *, with_forecast: bool = False) -> Metrics:
    loaded = selectors.objective_get(actor=world.champion, objective_id=objective.pk)
    return compute_metrics(organisation=world.org, objectives=[loaded], with_forecast=with_forecast)


def _rolled(objective: Objective) -> float | None:
    return Objective.objects.values_list("rolled_progress", flat=True).get(pk=objective.pk)


def test_statuses_named_in_okrs_are_the_initiatives_own() -> None:
    assert (InitiativeStatus.DONE.value, InitiativeStatus.DROPPED.value) == (DONE, DROPPED)


def test_progress_is_the_share_done_and_everything_follows_it(world: World, board: Board) -> None:
    okrs.key_result_update(actor=world.lead, key_result=board.kr, progress_from_initiatives=True)
    # Its check-in value (90 of 100) no longer moves it; its confidence still counts.
    okrs.check_in_record(actor=world.member, key_result=board.kr, value=90, confidence=7)
    _initiatives(world, board.kr, [DONE, DONE, DONE, "planned", "in_progress", DROPPED])
    km = _metrics(world, board.objective, with_forecast=True).kr(board.kr)
    assert km.initiatives == Tally(done=3, counted=5)
    assert km.progress == pytest.approx(0.6) and km.attainment == pytest.approx(0.6)
    assert km.suggested_score == engine.suggest_score(0.6)
    # Half the cycle gone: 0.6 against 0.5 expected is on track; 0.9 would have been too.
    assert km.status == engine.STATUS_ON_TRACK
    assert km.stretch_progress is None
    # The forecast projects the share done (from the key result's start to the three done today,
    # ahead of pace: all five finished by the end), read back as the value it would show.
    assert km.forecast is not None and (km.forecast.progress, km.forecast.end_value) == (1.0, 100.0)
    assert km.forecast.score == engine.suggest_score(1.0)
    # The one-key-result path (the check-in's answer) gives the same numbers.
    loaded = selectors.key_result_for_check_in(actor=world.champion, key_result_id=board.kr.pk)
    assert key_result_metrics(organisation=world.org, key_result=loaded) == km
    # Only one initiative of five done: behind, the suggestion drops with it.
    for i in Initiative.objects.filter(key_result=board.kr, status=DONE).order_by("pk")[:2]:
        initiatives.initiative_set_status(actor=world.lead, initiative=i, status="in_progress")
    km = _metrics(world, board.objective).kr(board.kr)
    assert km.progress == pytest.approx(0.2) and km.status == engine.STATUS_BEHIND
    assert km.suggested_score == engine.suggest_score(0.2)


def test_no_initiative_counted_is_not_measurable_yet(world: World, board: Board) -> None:
    okrs.key_result_update(actor=world.lead, key_result=board.kr, progress_from_initiatives=True)
    _initiatives(world, board.kr, [DROPPED])
    km = _metrics(world, board.objective).kr(board.kr)
    assert km.initiatives == Tally(done=0, counted=0)
    assert (km.progress, km.attainment, km.suggested_score) == (0.0, None, 0.0)


def test_marking_an_initiative_done_moves_the_stored_roll_up(
    world: World, board: Board, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        okrs.key_result_update(actor=world.lead, key_result=board.kr, progress_from_initiatives=True)
    with django_capture_on_commit_callbacks(execute=True):
        (first, second) = _initiatives(world, board.kr, ["planned", "planned"])
    assert _rolled(board.objective) == 0.0
    version = Organisation.objects.values_list("rollup_version", flat=True).get(pk=world.org.pk)
    with django_capture_on_commit_callbacks(execute=True):
        initiatives.initiative_set_status(actor=world.member, initiative=first, status=DONE)
    # One of two done on one key result of two (the other at 0): the objective is at a quarter.
    assert _rolled(board.objective) == pytest.approx(0.25)
    assert Organisation.objects.values_list("rollup_version", flat=True).get(pk=world.org.pk) > version
    with django_capture_on_commit_callbacks(execute=True):
        initiatives.initiative_delete(actor=world.lead, initiative=second)
    assert _rolled(board.objective) == pytest.approx(0.5)
    # The same number the objective page and the API compute.
    assert _metrics(world, board.objective).objective(board.objective).progress == pytest.approx(0.5)
    with django_capture_on_commit_callbacks(execute=True):
        initiatives.initiative_set_status(actor=world.member, initiative=first, status=DROPPED)
    assert _rolled(board.objective) == 0.0


def test_without_the_option_initiatives_move_nothing(
    world: World, board: Board, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        okrs.check_in_record(actor=world.member, key_result=board.kr, value=10, confidence=6)
        (one,) = _initiatives(world, board.kr, ["planned"])
        initiatives.initiative_set_status(actor=world.member, initiative=one, status=DONE)
    km = _metrics(world, board.objective).kr(board.kr)
    assert km.progress == pytest.approx(0.1) and km.initiatives is None
    assert _rolled(board.objective) == pytest.approx(0.05)


def test_the_tally_is_one_grouped_query_and_only_with_the_option(world: World, board: Board) -> None:
    _initiatives(world, board.kr, [DONE, "planned"])
    loaded = selectors.objective_get(actor=world.champion, objective_id=board.objective.pk)
    with count_queries() as without:
        compute_metrics(organisation=world.org, objectives=[loaded], with_forecast=True)
    assert without.matching("initiative") == []
    okrs.key_result_update(actor=world.lead, key_result=board.kr, progress_from_initiatives=True)
    loaded = selectors.objective_get(actor=world.champion, objective_id=board.objective.pk)
    with count_queries() as plain:
        compute_metrics(organisation=world.org, objectives=[loaded])
    with count_queries() as with_forecast:
        metrics = compute_metrics(organisation=world.org, objectives=[loaded], with_forecast=True)
    # The tally; with forecasts, when the done ones were done too.
    assert len(plain) == 2 and len(plain.matching("initiative")) == 1
    assert len(with_forecast) == len(without) + 2 and len(with_forecast.matching("initiative")) == 2
    assert metrics.kr(board.kr).initiatives == Tally(done=1, counted=2)
    # One key result: its tally and done times instead of its kept check-in history.
    one = selectors.key_result_for_check_in(actor=world.champion, key_result_id=board.kr.pk)
    with count_queries() as single:
        key_result_metrics(organisation=world.org, key_result=one)
    assert len(single) == 2 and single.matching("initiative") == single.statements


def test_refused_on_a_key_result_that_follows_its_child_objectives(world: World, board: Board) -> None:
    okrs.key_result_update(actor=world.lead, key_result=board.kr, progress_from_children=True)
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        okrs.key_result_update(actor=world.lead, key_result=board.kr, progress_from_initiatives=True)
    assert caught.value.message_dict == {k: [v] for k, v in OPTION_ERROR.items()}
    assert not KeyResult.objects.get(pk=board.kr.pk).progress_from_initiatives
    assert AuditEntry.objects.count() == entries
    with pytest.raises(ValidationError, match="milestone checklist"):
        okrs.key_result_create(
            actor=world.lead,
            objective=board.objective,
            title="Ship it",
            kind="milestones",
            milestones=["Beta"],
            progress_from_initiatives=True,
        )


def test_form_round_trip_and_the_objective_page(world: World, board: Board) -> None:
    client = login(world.lead)
    url = reverse("okrs:kr-edit", args=[board.kr.pk])
    page = client.get(url).content.decode()
    assert 'name="progress_from_initiatives"' in page and "Progress = share of its initiatives done" in page
    body = {
        "title": board.kr.title,
        "kind": "increase",
        "start_value": "0",
        "target_value": "100",
        "weight": 1,
        "unit_kind": "number",
        "owner": board.kr.owner_id,
        "progress_from_initiatives": "on",
    }
    response = client.post(url, body)
    assert response.status_code == 302, response.context["form"].errors
    assert KeyResult.objects.get(pk=board.kr.pk).progress_from_initiatives
    entry = AuditEntry.objects.filter(action=AuditAction.KEY_RESULT_UPDATE).latest("pk")
    assert entry.changes["progress_from_initiatives"] == [False, True]
    assert client.get(url).context["form"]["progress_from_initiatives"].value() is True
    _initiatives(world, board.kr, [DONE, DONE, DONE, "planned", "planned", DROPPED])
    html = client.get(reverse("okrs:objective-detail", args=[board.objective.pk])).content.decode()
    assert "progress from initiatives: 3 of 5 done" in html
    # Refused on a key result that follows its children: the message on the field, nothing saved.
    okrs.key_result_update(actor=world.lead, key_result=board.other_kr, progress_from_children=True)
    other = reverse("okrs:kr-edit", args=[board.other_kr.pk])
    body |= {"title": board.other_kr.title, "kind": "decrease", "start_value": "400", "target_value": "200"}
    response = client.post(other, body)
    assert response.status_code == 400
    assert OPTION_ERROR["progress_from_initiatives"] in response.content.decode()


def test_api_round_trip(world: World, board: Board) -> None:
    api = ApiClient(token_for(world.lead))
    response = api.patch(f"key-results/{board.kr.pk}", {"progress_from_initiatives": True})
    assert response.status_code == 200, response.content
    assert response.json()["progress_from_initiatives"] is True
    _initiatives(world, board.kr, [DONE, "planned"])
    got = api.get(f"key-results/{board.kr.pk}").json()
    assert (got["metrics"]["initiatives_done"], got["metrics"]["initiatives_counted"]) == (1, 2)
    assert got["metrics"]["progress"] == pytest.approx(0.5)
    created = api.post(
        f"objectives/{board.objective.pk}/key-results",
        {"title": "Ship the plan", "kind": "binary", "progress_from_initiatives": True},
    )
    assert created.status_code == 201, created.content
    assert created.json()["progress_from_initiatives"] is True
    assert created.json()["metrics"]["initiatives_counted"] == 0
    plain = api.get(f"key-results/{board.other_kr.pk}").json()
    assert plain["progress_from_initiatives"] is False and plain["metrics"]["initiatives_done"] is None
    okrs.key_result_update(actor=world.lead, key_result=board.other_kr, progress_from_children=True)
    refused = api.patch(f"key-results/{board.other_kr.pk}", {"progress_from_initiatives": True})
    assert refused.status_code == 422
    assert refused.json()["errors"][0] == {
        "field": "progress_from_initiatives",
        "message": OPTION_ERROR["progress_from_initiatives"],
    } | {k: v for k, v in refused.json()["errors"][0].items() if k not in ("field", "message")}


def test_a_counted_initiative_back_from_the_trash_moves_the_roll_up_again(
    world: World, board: Board, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        okrs.key_result_update(actor=world.lead, key_result=board.kr, progress_from_initiatives=True)
        (done,) = _initiatives(world, board.kr, [DONE])
    assert _rolled(board.objective) == pytest.approx(0.5)
    with django_capture_on_commit_callbacks(execute=True):
        initiatives.initiative_delete(actor=world.lead, initiative=done)
    assert _rolled(board.objective) == 0.0
    with django_capture_on_commit_callbacks(execute=True):
        trash_restore(actor=world.admin, item=TrashItem.objects.get())
    assert _rolled(board.objective) == pytest.approx(0.5)


def test_at_a_past_moment_only_what_existed_and_was_done_then_counts(world: World, board: Board) -> None:
    okrs.key_result_update(actor=world.lead, key_result=board.kr, progress_from_initiatives=True)
    early, late, _newer = _initiatives(world, board.kr, [DONE, DONE, "planned"])
    Initiative.objects.filter(pk=early.pk).update(created_at=days_ago(10), done_at=days_ago(8))
    Initiative.objects.filter(pk=late.pk).update(created_at=days_ago(10), done_at=days_ago(2))
    kr = KeyResult.objects.get(pk=board.kr.pk)
    then = initiative_tallies([kr], moment=days_ago(5), with_times=True)[kr.pk]
    assert (then.done, then.counted) == (1, 2) and then.done_at is not None and len(then.done_at) == 1
    now = initiative_tallies([kr], with_times=True)[kr.pk]
    assert (now.done, now.counted) == (2, 3) and now.done_at is not None and len(now.done_at) == 2
    assert initiative_tallies([board.other_kr]) == {}
