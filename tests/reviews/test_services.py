"""The monthly review's writes: who may open and close it, that only a key result's owner writes
its commentary (champions cannot write it for them), the required answers' messages, a closed
review refusing, reminders once per person per day, decisions, and each write's audit entry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from ambit.core.errors import Conflict
from ambit.core.models import AuditAction, AuditEntry
from ambit.notify.models import Kind, Notification
from ambit.reviews import services
from ambit.reviews.models import Commentary, Decision, Review, ReviewState
from tests.builders import World
from tests.helpers import db_digest
from tests.reviews.helpers import CHANGE, HAPPENED, HELP, build_scene, item_of, open_review, write

pytestmark = pytest.mark.django_db


def test_a_champion_opens_the_review_and_each_owner_is_asked_once(world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    assert (review.state, review.month, review.opened_by_id) == (
        ReviewState.OPEN,
        review.meeting_on.replace(day=1),
        world.champion.pk,
    )
    entry = AuditEntry.objects.get(action=AuditAction.REVIEW_OPEN, object_id=str(review.pk))
    assert entry.changes["key_results"] == [None, [scene.private.pk, scene.behind.pk, scene.at_risk.pk]]
    asked = Notification.objects.filter(kind=Kind.REVIEW_COMMENTARY, key=f"review:{review.pk}:opened")
    assert sorted(asked.values_list("recipient_id", flat=True)) == sorted(
        [world.member.pk, world.lead.pk, world.champion.pk]
    )
    assert "1 key result you own is behind or at risk" in asked.get(recipient=world.member).body


@pytest.mark.parametrize("persona", ["lead", "member", "viewer"])
def test_only_champions_and_admins_open_a_review(world: World, persona: str) -> None:
    build_scene(world)
    before = db_digest()
    with pytest.raises(PermissionDenied):
        services.review_open(actor=getattr(world, persona))
    assert db_digest() == before


def test_one_review_per_month_and_no_meeting_in_the_past(world: World) -> None:
    build_scene(world)
    review = open_review(world)
    with pytest.raises(Conflict, match=f"The review for {review.month:%B %Y} is already opened"):
        services.review_open(actor=world.admin, meeting_on=review.meeting_on)
    with pytest.raises(ValidationError) as exc:
        services.review_open(actor=world.admin, meeting_on=timezone.localdate() - dt.timedelta(days=1))
    assert exc.value.message_dict == {"meeting_on": ["The meeting cannot be in the past: pick today or a later day."]}
    with pytest.raises(ValidationError) as exc:
        services.review_open(actor=world.admin, meeting_on=timezone.localdate() + dt.timedelta(days=40), hour=24)
    assert exc.value.message_dict == {"hour": ["Enter the hour as a whole number from 0 to 23."]}
    assert Review.objects.count() == 1


def test_the_owner_writes_and_rewrites_their_commentary(world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    write(world.member, review, scene.behind)
    commentary = Commentary.objects.get(item__key_result=scene.behind)
    assert (commentary.what_happened, commentary.what_will_change, commentary.help_needed) == (HAPPENED, CHANGE, HELP)
    assert commentary.author_id == world.member.pk and not commentary.edited
    services.commentary_write(
        actor=world.member,
        item=item_of(review, scene.behind),
        what_happened=HAPPENED,
        what_will_change=CHANGE,
        help_needed="  None, thanks.  ",
    )
    commentary.refresh_from_db()
    assert commentary.help_needed == "None, thanks." and commentary.edited
    entries = AuditEntry.objects.filter(action=AuditAction.REVIEW_COMMENTARY).order_by("pk")
    assert [e.changes.get("help_needed") for e in entries] == [[None, HELP], [HELP, "None, thanks."]]
    assert entries[1].changes["key_result"] == [scene.behind.pk, scene.behind.pk]


@pytest.mark.parametrize("persona", ["champion", "admin", "lead"])
def test_nobody_writes_the_commentary_for_the_owner(world: World, persona: str) -> None:
    scene = build_scene(world)
    review = open_review(world)
    before = db_digest()
    with pytest.raises(PermissionDenied, match=r"Only the key result's owner writes its commentary\."):
        write(getattr(world, persona), review, scene.behind)
    assert db_digest() == before


def test_every_answer_is_required_with_its_own_message(world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    with pytest.raises(ValidationError) as exc:
        services.commentary_write(
            actor=world.member,
            item=item_of(review, scene.behind),
            what_happened=" ",
            what_will_change="",
            help_needed="",
        )
    assert exc.value.message_dict == {
        "what_happened": ["Enter the what happened."],
        "what_will_change": ["Enter the what will change."],
        "help_needed": ["Enter the help needed (write “none” if you need none)."],
    }
    with pytest.raises(ValidationError) as exc:
        services.commentary_write(
            actor=world.member,
            item=item_of(review, scene.behind),
            what_happened="x" * 2001,
            what_will_change=CHANGE,
            help_needed=HELP,
        )
    assert exc.value.message_dict == {
        "what_happened": ["The what happened is 2,001 characters long: keep it within 2,000."]
    }
    assert not Commentary.objects.exists()


def test_a_closed_review_refuses_commentary_and_decisions(world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    write(world.member, review, scene.behind)
    services.review_close(actor=world.champion, review=review)
    review.refresh_from_db()
    assert review.state == ReviewState.CLOSED and review.closed_by_id == world.champion.pk
    close = AuditEntry.objects.get(action=AuditAction.REVIEW_CLOSE)
    assert close.changes == {"state": ["open", "closed"], "written": [None, 1], "missing": [None, 2]}
    before = db_digest()
    with pytest.raises(Conflict, match="This review is closed"):
        write(world.lead, review, scene.at_risk)
    with pytest.raises(Conflict, match="This review is closed"):
        services.decision_add(actor=world.champion, review=review, text="Too late")
    with pytest.raises(Conflict, match="This review is closed"):
        services.review_close(actor=world.champion, review=review)
    with pytest.raises(Conflict, match="This review is closed"):
        services.review_remind(actor=world.champion, review=review)
    assert db_digest() == before


def test_another_organisation_gets_404(world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    before = db_digest()
    with pytest.raises(Http404):
        write(world.outsider, review, scene.behind)
    with pytest.raises(Http404):
        services.review_close(actor=world.outsider, review=review)
    with pytest.raises(Http404):
        services.review_remind(actor=world.outsider, review=review)
    with pytest.raises(Http404):
        services.decision_add(actor=world.outsider, review=review, text="Mine")
    assert db_digest() == before


def test_reminders_go_once_a_day_to_those_who_have_not_written(world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    write(world.member, review, scene.behind)
    done = services.review_remind(actor=world.champion, review=review)
    assert done.reminded == sorted([world.lead.pk, world.champion.pk]) and done.already == []
    again = services.review_remind(actor=world.admin, review=review)
    assert again.reminded == [] and again.already == sorted([world.lead.pk, world.champion.pk])
    today = timezone.localdate().isoformat()
    nudges = Notification.objects.filter(kind=Kind.REVIEW_COMMENTARY, key=f"review:{review.pk}:nudge:{today}")
    assert sorted(nudges.values_list("recipient_id", flat=True)) == sorted([world.lead.pk, world.champion.pk])
    entries = AuditEntry.objects.filter(action=AuditAction.REVIEW_REMIND)
    assert [e.changes for e in entries] == [{"reminded": [None, sorted([world.lead.pk, world.champion.pk])]}]
    tomorrow = timezone.now() + dt.timedelta(days=1)
    assert services.review_remind(actor=world.champion, review=review, now=tomorrow).reminded == sorted(
        [world.lead.pk, world.champion.pk]
    )


def test_a_lead_reminds_the_people_of_their_teams_and_a_member_nobody(world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    done = services.review_remind(actor=world.lead, review=review)
    assert done.reminded == sorted([world.member.pk, world.lead.pk])
    assert world.champion.pk not in done.reminded  # not in the lead's team
    with pytest.raises(PermissionDenied):
        services.review_remind(actor=world.lead, review=review, owner_ids=[world.champion.pk])
    with pytest.raises(PermissionDenied):
        services.review_remind(actor=world.member, review=review)
    with pytest.raises(ValidationError):
        services.review_remind(actor=world.champion, review=review, owner_ids=[world.viewer.pk])
    write(world.member, review, scene.behind)
    assert services.review_remind(actor=world.lead, review=review, owner_ids=None).reminded == []


def test_decisions_are_recorded_changed_and_removed(world: World) -> None:
    scene = build_scene(world)
    review = open_review(world)
    due = timezone.localdate() + dt.timedelta(days=14)
    decision = services.decision_add(
        actor=world.lead,
        review=review,
        text="Pair on the migration",
        owner=world.member,
        due_on=due,
        key_result=scene.behind,
    )
    assert (decision.owner_id, decision.due_on, decision.key_result_id, decision.author_id) == (
        world.member.pk,
        due,
        scene.behind.pk,
        world.lead.pk,
    )
    services.decision_update(actor=world.champion, decision=decision, text="Pair daily", owner=None)
    decision.refresh_from_db()
    assert (decision.text, decision.owner_id) == ("Pair daily", None)
    update = AuditEntry.objects.get(action=AuditAction.REVIEW_DECISION_UPDATE)
    assert update.changes["text"] == ["Pair on the migration", "Pair daily"]
    assert update.changes["owner"] == [world.member.pk, None]
    with pytest.raises(ValidationError) as exc:
        services.decision_add(actor=world.champion, review=review, text=" ", key_result=scene.on_track)
    assert exc.value.message_dict == {
        "text": ["Enter the decision."],
        "key_result": ["Pick one of the key results on this review's agenda."],
    }
    with pytest.raises(PermissionDenied, match="Only OKR champions, admins and team leads"):
        services.decision_add(actor=world.member, review=review, text="Mine")
    services.decision_delete(actor=world.champion, decision=decision)
    assert not Decision.objects.exists()
    actions = list(AuditEntry.objects.filter(action__startswith="review.decision").values_list("action", flat=True))
    assert sorted(actions) == sorted(
        [AuditAction.REVIEW_DECISION_ADD, AuditAction.REVIEW_DECISION_UPDATE, AuditAction.REVIEW_DECISION_DELETE]
    )
