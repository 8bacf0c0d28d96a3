"""What a check-in costs the request that writes it (issue 13): a fixed number of statements,
whatever stands above the key result and however many key results the weekly form saves.

Counted as in production (``TASKS_BACKEND=database``): the roll-up of the objectives above is
queued as one task row inside the check-in's transaction (it commits with it: one commit, not
two) and recomputed by the worker, not in the request. In these tests the service's transaction
is a SAVEPOINT inside the test's own one; in production the same two statements are the
transaction's BEGIN and COMMIT.

Where the API check-in's statements go (9 here, 7 besides the savepoint pair):
  1. the token, with its membership, organisation and user;
  2. the key result with its objective and cycle (visibility read from them: public or own);
  3. SAVEPOINT;  4. UPDATE of the key result's latest reading and count;  5. INSERT check-in;
  6. INSERT audit entry;  7. INSERT of the one roll-up task;  8. RELEASE;
  9. the key result's check-ins, for the forecast in the answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from pytest_django import DjangoCaptureOnCommitCallbacks

from ambit.accounts.models import Organisation, Role
from ambit.core.models import AuditEntry
from ambit.okrs import services
from ambit.okrs.models import CheckIn, KeyResult, Objective, ObjectiveState
from tests import factories as f
from tests.api.conftest import ApiClient, token_for
from tests.builders import World, key_results_for
from tests.querycount import Queries, check_count, count_queries

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
API_CHECK_IN = 9  # 7 without the test's SAVEPOINT / RELEASE (see above)
QUICK_CHECK_IN = 10  # session, user, membership; the key result; the write (5); the task
QUICK_CHECK_IN_HTMX = 11  # + the check-ins for the refreshed row's forecast
WEEKLY_WRITE = 6  # SAVEPOINT, UPDATE key results, INSERT check-ins, INSERT audit entries, RELEASE, task
# The submit validates against the form's rows alone (front.week.check_in_candidates): session,
# user, membership; the cycles; their key results with objectives (+ the visibility rule when one
# of those objectives is neither public nor their own, + the live child objectives when one follows
# them, + milestones when one is a checklist: none here). Then the write's 6. My week's numbers are
# only computed when the form comes back with errors.
WEEKLY_SUBMIT = 11


def _chain(world: World, objective: Objective, depth: int) -> list[Objective]:
    """``depth`` company objectives above ``objective``, each aligned to the next."""
    above = []
    for level in range(depth):
        parent = services.objective_create(
            actor=world.champion, cycle=world.cycle, title=f"Level {level}", team=world.company, state="active"
        )
        services.alignment_add(actor=world.champion, child=objective, parent=parent)
        above.append(parent)
        objective = parent
    return above


@pytest.fixture
def blended(world: World) -> World:
    """Parents take half their progress from aligned children: a check-in moves the whole chain."""
    Organisation.objects.filter(pk=world.org.pk).update(child_blend=0.5)
    world.org.refresh_from_db()
    return world


@pytest.fixture
def committed(django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> Iterator[Any]:
    """Run a block's on-commit work (the roll-up task) as a commit would, and queue tasks in the
    database as production does; the set-up's own refreshes run first, so they are not counted."""

    def run() -> Any:
        return django_capture_on_commit_callbacks(execute=True)

    with override_settings(TASKS=DATABASE_TASKS):
        yield run


def _write_statements(queries: Queries) -> list[str]:
    """The statements from the write's transaction on: what the service costs."""
    first = next(i for i, sql in enumerate(queries.statements) if sql.startswith("SAVEPOINT"))
    return queries.statements[first:]


def _tasks() -> list[dict[str, Any]]:
    return [t.args_kwargs for t in DBTaskResult.objects.order_by("enqueued_at")]


def _api_check_in(world: World, committed: Any, depth: int) -> tuple[Queries, KeyResult, list[Objective]]:
    with committed():
        (kr,) = key_results_for(world.member, world.cycle, world.admin, 1)
        above = _chain(world, kr.objective, depth)
    client = ApiClient(token_for(world.member))
    client.get("organisation")  # the token's first use records last_used_at (once a minute)
    DBTaskResult.objects.all().delete()
    with count_queries() as queries, committed():
        response = client.post(f"key-results/{kr.pk}/check-ins", {"value": 250, "confidence": 7})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["key_result"]["current_value"] == 250
    assert body["key_result"]["checkin_count"] == 1
    assert body["key_result"]["metrics"]["progress"] == pytest.approx(0.25)
    return queries, kr, above


def test_an_api_check_in_costs_the_same_under_one_level_or_three(blended: World, committed: Any) -> None:
    shallow, _, _ = _api_check_in(blended, committed, depth=1)
    deep, kr, above = _api_check_in(blended, committed, depth=3)
    check_count(shallow, API_CHECK_IN, label="API check-in under 1 level")
    check_count(deep, shallow, label="API check-in under 3 levels against 1")
    without_savepoints = [sql for sql in deep.statements if "SAVEPOINT" not in sql]
    assert len(without_savepoints) <= 8, "\n".join(without_savepoints)
    # One task row for the roll-up of the key result's objective; the worker walks up from it.
    assert len(deep.matching('INSERT INTO "django_tasks_database_dbtaskresult"')) == 1
    assert _tasks() == [{"args": [blended.org.pk, [kr.objective_id]], "kwargs": {}}]
    # The write happened, with its audit entry.
    kr.refresh_from_db()
    assert (kr.current_value, kr.current_confidence, kr.checkin_count) == (Decimal(250), 7, 1)
    assert CheckIn.objects.filter(key_result=kr).count() == 1
    assert AuditEntry.objects.filter(action="check_in.record", object_id=str(kr.pk)).count() == 1
    # Running the queued task moves every level above (children before parents).
    from ambit.okrs.tasks import refresh_rollups

    refresh_rollups.call(*_tasks()[0]["args"])
    stored = [o.rolled_progress for o in Objective.objects.filter(pk__in=[o.pk for o in above]).order_by("pk")]
    assert all(value is not None and value > 0 for value in stored), stored


def _quick(world: World, committed: Any, depth: int, *, htmx: bool) -> Queries:
    with committed():
        (kr,) = key_results_for(world.member, world.cycle, world.admin, 1, prefix=f"Quick {depth} {htmx}")
        _chain(world, kr.objective, depth)
    client = Client()
    client.force_login(world.member.user)
    url = reverse("front:kr-checkin", args=[kr.pk])
    client.get(url)  # the session's first request stores the chosen membership
    headers = {"HX-Request": "true"} if htmx else {}
    data = {f"kr-{kr.pk}-value": "300", f"kr-{kr.pk}-confidence": "6"}
    with count_queries() as queries, committed():
        response = client.post(url, data, headers=headers)
    assert response.status_code == (200 if htmx else 302), response.content.decode()[:2000]
    if htmx:
        html = response.content.decode()
        assert "✓ Checked in." in html and "30%" in html
    kr.refresh_from_db()
    assert (kr.current_value, kr.checkin_count) == (Decimal(300), 1)
    return queries


@pytest.mark.parametrize("htmx", [False, True])
def test_the_quick_check_in_costs_the_same_under_one_level_or_three(blended: World, committed: Any, htmx: bool) -> None:
    shallow = _quick(blended, committed, 1, htmx=htmx)
    deep = _quick(blended, committed, 3, htmx=htmx)
    check_count(shallow, QUICK_CHECK_IN_HTMX if htmx else QUICK_CHECK_IN, label=f"quick check-in, htmx={htmx}")
    check_count(deep, shallow, label=f"quick check-in under 3 levels against 1, htmx={htmx}")


def _weekly(world: World, committed: Any, n: int) -> tuple[Queries, list[KeyResult]]:
    # A member of their own for each run, so the form lists exactly these key results.
    person = f.MembershipFactory.create(
        user=f.UserFactory.create(email=f"week{n}@acme.test"), organisation=world.org, role=Role.MEMBER
    )
    with committed():
        krs = key_results_for(person, world.cycle, world.admin, n, prefix=f"Week {n}")
        _chain(world, krs[0].objective, 3)
    client = Client()
    client.force_login(person.user)
    url = reverse("front:checkin")
    client.get(url + "?all=1")
    data = {"all": "1"}
    for i, kr in enumerate(krs):
        data[f"kr-{kr.pk}-value"] = str(100 + i)
        data[f"kr-{kr.pk}-confidence"] = "7"
    DBTaskResult.objects.all().delete()
    with count_queries() as queries, committed():
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return queries, krs


def test_the_weekly_submit_costs_the_same_for_1_or_10_key_results(blended: World, committed: Any) -> None:
    # Constant total (b = 0 in a + b·N): one UPDATE, one INSERT of check-ins and one of audit
    # entries for all the rows, and one roll-up task for every objective they touch.
    one, _ = _weekly(blended, committed, 1)
    ten, krs = _weekly(blended, committed, 10)
    check_count(ten, one, label="weekly submit, 10 key results against 1")
    check_count(one, WEEKLY_SUBMIT, label="weekly submit")
    assert len(_write_statements(ten)) == WEEKLY_WRITE, "\n".join(_write_statements(ten))
    objectives = sorted({kr.objective_id for kr in krs})
    assert len(objectives) == 4
    assert _tasks() == [{"args": [blended.org.pk, objectives], "kwargs": {}}]
    for i, kr in enumerate(krs):
        kr.refresh_from_db()
        assert (kr.current_value, kr.current_confidence, kr.checkin_count) == (Decimal(100 + i), 7, 1)
    assert CheckIn.objects.filter(key_result__in=krs).count() == 10
    audited = AuditEntry.objects.filter(action="check_in.record", object_id__in=[str(kr.pk) for kr in krs])
    assert sorted(int(a.object_id) for a in audited) == sorted(kr.pk for kr in krs)
    assert sorted(float(a.changes["value"]) for a in audited) == [100.0 + i for i in range(10)]


# --- The write without a locked re-read keeps every rule ---------------------------------------


def test_a_key_result_cancelled_after_it_was_loaded_takes_no_check_in(world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1)
    loaded = KeyResult.objects.select_related("objective__cycle").get(pk=kr.pk)
    services.key_result_cancel(actor=world.admin, key_result=kr, reason="Dropped")
    from ambit.core.errors import Conflict

    with pytest.raises(Conflict, match="cancelled"):
        services.check_in_record(actor=world.member, key_result=loaded, value=5)
    assert not CheckIn.objects.filter(key_result=kr).exists()
    assert not AuditEntry.objects.filter(action="check_in.record", object_id=str(kr.pk)).exists()


def test_a_weekly_submit_on_an_objective_closed_meanwhile_saves_nothing(world: World) -> None:
    from django.core.exceptions import ValidationError

    krs = key_results_for(world.member, world.cycle, world.admin, 4)
    loaded = list(KeyResult.objects.select_related("objective__cycle").filter(pk__in=[k.pk for k in krs]))
    Objective.objects.filter(pk=krs[3].objective_id).update(state=ObjectiveState.CLOSED)
    entries = [services.CheckInEntry(key_result=k, value=10) for k in loaded]
    with pytest.raises(ValidationError) as caught:
        services.check_in_many(actor=world.member, entries=entries)
    assert caught.value.message_dict == {
        f"{krs[3].pk}.key_result": ["The objective is closed: it takes no more check-ins."]
    }
    assert not CheckIn.objects.filter(key_result__in=krs).exists()
    assert KeyResult.objects.filter(pk__in=[k.pk for k in krs], checkin_count=0).count() == 4


def test_two_writers_holding_the_same_stale_row_both_count(world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1)
    first = KeyResult.objects.select_related("objective__cycle").get(pk=kr.pk)
    second = KeyResult.objects.select_related("objective__cycle").get(pk=kr.pk)
    services.check_in_record(actor=world.member, key_result=first, value=10, confidence=8)
    services.check_in_record(actor=world.member, key_result=second, value=20, confidence=6)
    kr.refresh_from_db()
    assert (kr.checkin_count, kr.current_value, kr.current_confidence) == (2, Decimal(20), 6)


def test_a_back_dated_check_in_adds_history_without_moving_the_latest(world: World) -> None:
    import datetime as dt

    from django.utils import timezone

    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1)
    services.check_in_record(actor=world.member, key_result=kr, value=40, confidence=7)
    stale = KeyResult.objects.select_related("objective__cycle").get(pk=kr.pk)
    stale.last_checkin_at = None  # as a writer that loaded it before the first check-in sees it
    earlier = timezone.now() - dt.timedelta(days=3)
    services.check_in_record(actor=world.member, key_result=stale, value=15, confidence=3, at=earlier)
    kr.refresh_from_db()
    # The database's latest reading decides, not the writer's copy.
    assert (kr.current_value, kr.current_confidence, kr.checkin_count) == (Decimal(40), 7, 2)
    assert list(CheckIn.objects.filter(key_result=kr).order_by("created_at").values_list("value", flat=True)) == [
        15,
        40,
    ]


def test_a_key_result_under_an_objective_the_actor_cannot_see_is_not_found(world: World) -> None:
    # The member owns the key result, but its objective is the lead's private one: 404, as on read.
    objective = services.objective_create(
        actor=world.lead, cycle=world.cycle, title="Private", visibility="private", state="active"
    )
    kr = services.key_result_create(
        actor=world.lead, objective=objective, title="Theirs", start_value=0, target_value=10, owner=world.member
    )
    response = ApiClient(token_for(world.member)).post(f"key-results/{kr.pk}/check-ins", {"value": 5})
    assert response.status_code == 404
    client = Client()
    client.force_login(world.member.user)
    url = reverse("front:kr-checkin", args=[kr.pk])
    assert client.post(url, {f"kr-{kr.pk}-value": "5", f"kr-{kr.pk}-confidence": "5"}).status_code == 404
    assert not CheckIn.objects.filter(key_result=kr).exists()


def test_with_the_database_queue_the_roll_up_task_commits_and_rolls_back_with_the_check_in(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    """One commit per check-in: the roll-up task is written in the check-in's own transaction, so
    it is there exactly when the check-in is, and nothing waits for the commit."""
    with django_capture_on_commit_callbacks(execute=True):  # the set-up commits
        (kr,) = key_results_for(world.member, world.cycle, world.admin, 1)
    DBTaskResult.objects.all().delete()
    with override_settings(TASKS=DATABASE_TASKS), django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.check_in_record(actor=world.member, key_result=kr, value=100, confidence=6)
            assert [t["args"] for t in _tasks()] == [[world.org.pk, [kr.objective_id]]]
            raise RuntimeError("the request failed after the check-in")
        assert DBTaskResult.objects.count() == 0
        assert not CheckIn.objects.filter(key_result=kr).exists()
        services.check_in_record(actor=world.member, key_result=kr, value=120, confidence=6)
    assert callbacks == []
    assert [t["args"] for t in _tasks()] == [[world.org.pk, [kr.objective_id]]]
    assert CheckIn.objects.get(key_result=kr).value == Decimal(120)
