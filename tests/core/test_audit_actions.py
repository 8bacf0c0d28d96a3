"""Audit actions are an enumeration whose values are what the log has always stored, and the
roll-up refresh is set off by the services that move progress, never by the audit writer."""

from __future__ import annotations

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks

from ambit.accounts import services as accounts
from ambit.core.audit import AuditAction, audit_record
from ambit.core.models import AuditEntry
from ambit.okrs import services
from ambit.okrs.models import KeyResult, Objective
from tests.builders import World

pytestmark = pytest.mark.django_db

# Every value stored before the enumeration existed: changing one would split an object's history.
STORED_VALUES = {
    "cycle.close",
    "cycle.reopen",
    "scoring.remind",
    "objective_reflection.save",
    "team_reflection.save",
    "dependency.add",
    "dependency.remove",
    "objective.rollover",
    "rollover.decide",
    "presentation_link.create",
    "presentation_link.revoke",
    "trash.move",
    "trash.restore",
    "trash.purge",
    "trash.delete",
    "kpi.create",
    "kpi.update",
    "kpi.delete",
    "kpi.reading",
    "comment.add",
    "comment.edit",
    "comment.delete",
    "standup.post",
    "standup.edit",
    "week.commitments",
    "week.wins",
    "one_on_one.create",
    "one_on_one.update",
    "one_on_one.item_add",
    "one_on_one.item_update",
    "one_on_one.item_delete",
    "initiative.create",
    "initiative.update",
    "initiative.delete",
    "sprint.plan",
    "sprint.update",
    "team_meeting.start",
    "team_meeting.end",
    "team_meeting.item_add",
    "team_meeting.item_update",
    "team_meeting.item_delete",
    "review.open",
    "review.close",
    "review.commentary",
    "review.remind",
    "review.decision_add",
    "review.decision_update",
    "review.decision_delete",
    "reflection.save",
    "ritual_settings.update",
    "team.archive",
    "team.restore",
    "people.import",
    "objective.sent_back",
    "cycle.publish",
    "planning.remind",
    "meeting.note_add",
    "meeting.note_update",
    "meeting.note_delete",
    "template.create",
    "template.update",
    "template.delete",
    "organisation.create",
    "organisation.update",
    "membership.add",
    "membership.update",
    "user.update_profile",
    "team.create",
    "team.update",
    "team.member_set",
    "team.member_remove",
    "team.delete",
    "invitation.create",
    "invitation.accept",
    "invitation.revoke",
    "api_token.create",
    "api_token.revoke",
    "strategy.update",
    "value.create",
    "value.update",
    "value.delete",
    "big_move.create",
    "big_move.update",
    "big_move.delete",
    "cycle.create",
    "cycle.update",
    "objective.create",
    "objective.update",
    "objective.draft",
    "objective.proposed",
    "objective.active",
    "objective.closed",
    "objective.cancel",
    "objective.delete",
    "objective.score",
    "alignment.add",
    "alignment.remove",
    "key_result.create",
    "key_result.update",
    "key_result.cancel",
    "key_result.delete",
    "key_result.score",
    "key_result.cascade",
    "key_result.milestone_add",
    "check_in.record",
    "notification.read",
    "notification.read_all",
    "notification.links_revoke",
    "notification.preferences_update",
    "notification.email_stop",
    "webhook.create",
    "webhook.update",
    "webhook.delete",
    "webhook.rotate_secret",
    "webhook.disable",
    "webhook.test",
    "calendar_feed.create",
    "calendar_feed.revoke",
    "chat_webhook.create",
    "chat_webhook.update",
    "chat_webhook.delete",
    "chat_webhook.disable",
    "chat_webhook.test",
}


def test_the_enumeration_keeps_every_stored_action_value() -> None:
    assert set(AuditAction.values) == STORED_VALUES
    assert AuditAction.CHECK_IN_RECORD.value == "check_in.record"


def test_each_objective_state_move_records_its_own_action(world: World) -> None:
    o = services.objective_create(actor=world.champion, cycle=world.cycle, title="Grow", team=world.company)
    for state in ("proposed", "active", "closed", "active", "draft"):
        services.objective_set_state(actor=world.champion, objective=o, state=state)
    entries = AuditEntry.objects.filter(object_type="okrs.objective", object_id=str(o.pk)).order_by("id")
    assert list(entries.values_list("action", flat=True)) == [
        "objective.create",
        "objective.proposed",
        "objective.active",
        "objective.closed",
        "objective.active",
        "objective.draft",
    ]


def _objective_with_key_result(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> tuple[Objective, KeyResult]:
    # Executed, so no refresh batch is left pending for later writes to join.
    with django_capture_on_commit_callbacks(execute=True):
        o = services.objective_create(
            actor=world.champion, cycle=world.cycle, title="Grow", team=world.company, state="active"
        )
        kr = services.key_result_create(actor=world.champion, objective=o, title="Sign", start_value=0, target_value=10)
    return o, kr


def test_the_audit_writer_sets_off_no_refresh(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    _o, kr = _objective_with_key_result(world, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks() as callbacks:
        audit_record(actor=world.champion, organisation=world.org, action=AuditAction.KEY_RESULT_UPDATE, obj=kr)
    assert callbacks == []


def test_a_check_in_schedules_one_refresh_that_stores_the_progress(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    o, kr = _objective_with_key_result(world, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks() as callbacks:
        services.check_in_record(actor=world.champion, key_result=kr, value=5, confidence=7)
        services.key_result_update(actor=world.champion, key_result=kr, title="Sign up")
    assert len(callbacks) == 1  # the transaction's writes share one refresh
    assert Objective.objects.get(pk=o.pk).rolled_progress == pytest.approx(0.0)
    callbacks[0]()
    assert Objective.objects.get(pk=o.pk).rolled_progress == pytest.approx(0.5)


def test_scoring_moves_no_progress_so_schedules_no_refresh(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    o, kr = _objective_with_key_result(world, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks() as callbacks:
        services.key_result_score(actor=world.champion, key_result=kr, score=0.7, note="Agreed at the review")
        services.objective_score(actor=world.champion, objective=o, score=0.7)
    assert callbacks == []
    assert AuditEntry.objects.filter(action=AuditAction.OBJECTIVE_SCORE, object_id=str(o.pk)).count() == 1


def test_changing_the_blend_forgets_every_stored_progress_until_the_refresh(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    o, _kr = _objective_with_key_result(world, django_capture_on_commit_callbacks)
    assert Objective.objects.get(pk=o.pk).rolled_progress == pytest.approx(0.0)
    with django_capture_on_commit_callbacks() as callbacks:
        accounts.organisation_update(actor=world.admin, child_blend=0.5)
    assert Objective.objects.get(pk=o.pk).rolled_progress is None
    assert len(callbacks) == 1
    callbacks[0]()
    assert Objective.objects.get(pk=o.pk).rolled_progress == pytest.approx(0.0)
