"""The close-out's rules in the services: owners asked to score when the cycle enters review (once),
the note a far-off score needs (objectives too), who may score, scores locked by closing and
reopened only by an admin, the close checklist, closing with its results told once, reminders."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import override_settings
from django_tasks_db.models import DBTaskResult
from pytest_django import DjangoCaptureOnCommitCallbacks

from ambit.closeout import selectors, services
from ambit.closeout.tasks import announce_cycle_closed
from ambit.core.errors import Conflict
from ambit.core.models import AuditAction, AuditEntry
from ambit.notify.models import Kind, Notification
from ambit.notify.selectors import active_members
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, KeyResult, Objective, ObjectiveState
from tests.builders import World
from tests.closeout.helpers import NOTE, Contracts, build_quarter, score_all
from tests.helpers import db_digest

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

pytestmark = pytest.mark.django_db


def _reminders() -> dict[int, tuple[str, str]]:
    return {
        n.recipient_id: (n.key, n.url) for n in Notification.objects.filter(kind=Kind.SCORING_REMINDER).order_by("pk")
    }


def test_entering_review_asks_each_owner_of_an_unscored_key_result_once(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    q = build_quarter(world, review=False)
    okrs.key_result_score(actor=world.lead, key_result=q.latency, score=0.5)  # scored before review: not asked
    with django_capture_on_commit_callbacks(execute=True):
        okrs.cycle_transition(actor=world.champion, cycle=q.cycle, state="review")
    url = f"/cycles/{q.cycle.pk}/scoring/"
    assert _reminders() == {world.member.pk: (f"scoring:{q.cycle.pk}:open", url)}
    body = Notification.objects.get(kind=Kind.SCORING_REMINDER).body
    assert body.startswith("3 key results you own have no score yet")
    with django_capture_on_commit_callbacks(execute=True):
        okrs.cycle_transition(actor=world.champion, cycle=q.cycle, state="active")
        okrs.cycle_transition(actor=world.champion, cycle=q.cycle, state="review")
    assert Notification.objects.filter(kind=Kind.SCORING_REMINDER).count() == 1


def test_a_score_far_from_the_suggestion_needs_a_note(world: World) -> None:
    q = build_quarter(world)
    before = db_digest()
    with pytest.raises(ValidationError) as exc:
        okrs.key_result_score(actor=world.member, key_result=q.signups, score=0.6)
    assert exc.value.message_dict == {
        "note": ["This score is more than 0.1 away from the suggested 0.8: add a note saying why."]
    }
    with pytest.raises(ValidationError) as exc:
        okrs.objective_score(actor=world.lead, objective=q.team_obj, score=0.9)
    assert "suggested 0.65" in exc.value.message_dict["note"][0]
    assert db_digest() == before
    okrs.key_result_score(actor=world.member, key_result=q.signups, score=0.7)  # within 0.1: no note needed
    okrs.key_result_score(actor=world.member, key_result=q.docs, score=0.5, note=NOTE)
    # The objective's suggestion now follows the recorded scores: (0.5 + 0.1) / 2.
    okrs.objective_score(actor=world.member, objective=q.member_obj, score=0.3)
    assert (KeyResult.objects.get(pk=q.signups.pk).score, KeyResult.objects.get(pk=q.docs.pk).score_note) == (0.7, NOTE)
    assert Objective.objects.get(pk=q.member_obj.pk).score == 0.3


def test_a_key_results_owner_scores_it_under_someone_elses_objective(world: World) -> None:
    q = build_quarter(world)
    services.key_result_score_set(actor=world.member, cycle=q.cycle, key_result=q.signups, score=None, accept=True)
    assert KeyResult.objects.get(pk=q.signups.pk).score == 0.8
    before = db_digest()
    with pytest.raises(PermissionDenied):
        okrs.key_result_score(actor=world.member, key_result=q.latency, score=0.5)
    with pytest.raises(PermissionDenied):
        okrs.key_result_score(actor=world.viewer, key_result=q.signups, score=0.8)
    with pytest.raises(Http404):
        okrs.key_result_score(actor=world.outsider, key_result=q.signups, score=0.8)
    assert db_digest() == before


def test_the_scoring_page_scores_only_while_the_cycle_is_in_review(world: World) -> None:
    q = build_quarter(world, review=False)
    with pytest.raises(Conflict, match="Scoring opens when the cycle enters review"):
        services.key_result_score_set(actor=world.member, cycle=q.cycle, key_result=q.signups, score=None, accept=True)
    assert KeyResult.objects.get(pk=q.signups.pk).score is None


def test_cycle_update_never_moves_a_cycle_into_or_out_of_closed(world: World) -> None:
    q = build_quarter(world)
    with pytest.raises(Conflict) as exc:
        okrs.cycle_update(actor=world.admin, cycle=q.cycle, state="closed")
    assert f"close checklist (/cycles/{q.cycle.pk}/close/)" in exc.value.message
    assert Cycle.objects.get(pk=q.cycle.pk).state == "review"


def test_closing_needs_the_checklist_done_and_tells_everyone_the_results_once(
    world: World, contracts: Contracts
) -> None:
    q = build_quarter(world)
    checklist = selectors.close_checklist(q.cycle)
    assert (checklist.scores_done, checklist.scores_total) == (0, 4)
    assert {m.member_id: m.count for m in checklist.missing} == {world.lead.pk: 1, world.member.pk: 3}
    before = db_digest()
    with pytest.raises(Conflict) as exc:
        services.cycle_close(actor=world.champion, cycle=q.cycle)
    assert exc.value.message == (
        "Current quarter cannot close yet: 4 key results still without a score; reflections not all written; "
        "rollover not decided."
    )
    assert db_digest() == before
    score_all(world, q)
    contracts.reflections_done = True
    with pytest.raises(Conflict, match="rollover not decided"):
        services.cycle_close(actor=world.champion, cycle=q.cycle)
    contracts.rollover_done = True
    assert selectors.close_checklist(q.cycle).ready
    with pytest.raises(PermissionDenied):
        services.cycle_close(actor=world.lead, cycle=q.cycle)

    results = services.cycle_close(actor=world.champion, cycle=q.cycle)

    assert (results.score, results.met, results.partial, results.missed) == (0.6, 2, 1, 1)
    assert Cycle.objects.get(pk=q.cycle.pk).state == "closed"
    assert set(Objective.objects.filter(cycle=q.cycle).values_list("state", flat=True)) == {ObjectiveState.CLOSED}
    closed_audits = AuditEntry.objects.filter(action=AuditAction.OBJECTIVE_CLOSED).count()
    assert closed_audits == 2
    entry = AuditEntry.objects.get(action=AuditAction.CYCLE_CLOSE)
    assert entry.changes["score"] == [None, 0.6] and entry.changes["missed"] == [None, 1]
    told = Notification.objects.filter(kind=Kind.CYCLE_CLOSED)
    members = {world.admin.pk, world.champion.pk, world.lead.pk, world.member.pk, world.viewer.pk}
    assert set(told.values_list("recipient_id", flat=True)) == members
    note = told.first()
    assert note is not None
    assert note.body == (
        "Current quarter is closed: organisation score 0.6; 2 key results met, 1 partial, 1 missed. "
        "Wins of the quarter: Docs site shipped."
    )
    assert note.url == f"/cycles/{q.cycle.pk}/report/"

    with pytest.raises(Conflict, match="already closed"):
        services.cycle_close(actor=world.champion, cycle=q.cycle)
    with pytest.raises(Conflict, match="scores are locked"):
        okrs.key_result_score(actor=world.member, key_result=q.signups, score=0.8)
    with pytest.raises(Conflict, match="scores are locked"):
        okrs.objective_score(actor=world.member, objective=q.member_obj, score=None)

    with pytest.raises(PermissionDenied):
        services.cycle_reopen(actor=world.champion, cycle=q.cycle)
    services.cycle_reopen(actor=world.admin, cycle=q.cycle)
    assert Cycle.objects.get(pk=q.cycle.pk).state == "review"
    assert AuditEntry.objects.filter(action=AuditAction.CYCLE_REOPEN, object_id=str(q.cycle.pk)).count() == 1
    okrs.key_result_score(actor=world.member, key_result=q.signups, score=0.8)  # scoring again
    services.cycle_close(actor=world.champion, cycle=q.cycle)
    assert Notification.objects.filter(kind=Kind.CYCLE_CLOSED).count() == len(members)  # never twice


def test_closing_queues_the_announcement_with_the_close_and_it_tells_each_member_once(
    world: World, contracts: Contracts
) -> None:
    """With a worker (the database backend) the closing request does not build the wins or the
    notifications: it queues one task in its own transaction, and the task, run twice (a worker
    killed after sending), tells each active member once."""
    q = build_quarter(world)
    score_all(world, q)
    contracts.reflections_done = contracts.rollover_done = True
    with override_settings(TASKS=DATABASE_TASKS):
        results = services.cycle_close(actor=world.champion, cycle=q.cycle)
    assert Notification.objects.filter(kind=Kind.CYCLE_CLOSED).count() == 0
    queued = list(DBTaskResult.objects.filter(task_path="ambit.closeout.tasks.announce_cycle_closed"))
    assert len(queued) == 1
    cycle_id, told, at = queued[0].args_kwargs["args"]
    assert cycle_id == q.cycle.pk and told == dataclasses.asdict(results)
    members = list(active_members(q.cycle.organisation))
    assert announce_cycle_closed.call(cycle_id, told, at) == len(members)
    assert announce_cycle_closed.call(cycle_id, told, at) == 0
    note = Notification.objects.filter(kind=Kind.CYCLE_CLOSED, recipient=world.member).get()
    assert note.body.startswith("Current quarter is closed: organisation score 0.6; 2 key results met")
    assert Notification.objects.filter(kind=Kind.CYCLE_CLOSED).count() == len(members)


def test_an_announcement_that_runs_after_a_reopening_tells_nobody(world: World, contracts: Contracts) -> None:
    q = build_quarter(world)
    score_all(world, q)
    contracts.reflections_done = contracts.rollover_done = True
    with override_settings(TASKS=DATABASE_TASKS):
        services.cycle_close(actor=world.champion, cycle=q.cycle)
        services.cycle_reopen(actor=world.admin, cycle=q.cycle)
    cycle_id, told, at = DBTaskResult.objects.get().args_kwargs["args"]
    assert announce_cycle_closed.call(cycle_id, told, at) == 0
    assert Notification.objects.filter(kind=Kind.CYCLE_CLOSED).count() == 0


def test_a_close_that_fails_queues_nothing(world: World) -> None:
    q = build_quarter(world)  # nothing scored: the checklist refuses
    with override_settings(TASKS=DATABASE_TASKS), pytest.raises(Conflict):
        services.cycle_close(actor=world.champion, cycle=q.cycle)
    assert not DBTaskResult.objects.exists()


def test_leads_remind_the_late_of_their_teams_once_a_day(world: World) -> None:
    q = build_quarter(world)
    company = okrs.objective_create(
        actor=world.champion, cycle=q.cycle, title="Win the market", team=world.company, state="active"
    )
    okrs.key_result_create(actor=world.champion, objective=company, title="Revenue", start_value=0, target_value=9)
    before = db_digest()
    with pytest.raises(PermissionDenied):
        services.scoring_remind(actor=world.member, cycle=q.cycle)
    with pytest.raises(PermissionDenied):  # the champion is not in a team the lead leads
        services.scoring_remind(actor=world.lead, cycle=q.cycle, owner_ids=[world.champion.pk, world.member.pk])
    assert db_digest() == before
    done = services.scoring_remind(actor=world.lead, cycle=q.cycle)
    # The lead leads Platform: its people are the lead and the member.
    assert (done.reminded, done.already) == (sorted([world.lead.pk, world.member.pk]), [])
    again = services.scoring_remind(actor=world.champion, cycle=q.cycle)
    assert (again.reminded, again.already) == ([world.champion.pk], sorted([world.lead.pk, world.member.pk]))
    assert AuditEntry.objects.filter(action=AuditAction.SCORING_REMIND).count() == 2
    assert Notification.objects.filter(kind=Kind.SCORING_REMINDER, recipient=world.member).count() == 1
    okrs.cycle_transition(actor=world.champion, cycle=q.cycle, state="active")
    with pytest.raises(Conflict, match="Scoring opens"):
        services.scoring_remind(actor=world.champion, cycle=q.cycle)


def test_closing_a_cycles_objectives_writes_them_in_bulk_with_each_its_audit_entry(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    """``okrs.cycle_objectives_close``: what ``objective_set_state`` does to each active objective,
    in a fixed number of statements whatever their number; drafts stay drafts."""
    from tests.querycount import count_queries

    def objectives(n: int, prefix: str) -> list[Objective]:
        return [
            okrs.objective_create(actor=world.champion, cycle=world.cycle, title=f"{prefix} {i}", state="active")
            for i in range(n)
        ]

    draft = okrs.objective_create(actor=world.champion, cycle=world.cycle, title="Still a draft")
    few = objectives(2, "Few")
    with count_queries() as small:
        assert okrs.cycle_objectives_close(actor=world.champion, cycle=world.cycle, note="Cycle closed.") == 2
    Objective.objects.filter(pk__in=[o.pk for o in few]).update(state=ObjectiveState.ACTIVE)
    many = objectives(30, "Many")
    with count_queries() as large:
        assert okrs.cycle_objectives_close(actor=world.champion, cycle=world.cycle, note="Cycle closed.") == 32
    assert len(large.statements) == len(small.statements)
    closed = Objective.objects.filter(pk__in=[o.pk for o in few + many])
    assert set(closed.values_list("state", flat=True)) == {ObjectiveState.CLOSED}
    assert Objective.objects.get(pk=draft.pk).state == ObjectiveState.DRAFT
    entries = AuditEntry.objects.filter(action=AuditAction.OBJECTIVE_CLOSED, object_id=str(many[0].pk))
    [entry] = entries
    assert entry.changes == {"state": ["active", "closed"], "note": "Cycle closed."}
    assert entry.actor == world.champion.user and entry.object_repr == "Many 0"
    with pytest.raises(PermissionDenied):
        okrs.cycle_objectives_close(actor=world.lead, cycle=world.cycle)
    with pytest.raises(Http404):
        okrs.cycle_objectives_close(actor=world.outsider, cycle=world.cycle)
