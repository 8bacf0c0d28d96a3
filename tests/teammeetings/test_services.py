"""The team check-in's services: who may start, end, add, change and tick; what is refused and with
which message; the audit entries; open actions carried to every later meeting until done; the
action's owner notified once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from ambit.core.errors import Conflict
from ambit.core.models import AuditAction, AuditEntry
from ambit.notify.models import Kind, Notification
from ambit.teammeetings import selectors, services
from ambit.teammeetings.models import ItemKind, TeamMeeting, TeamMeetingItem
from tests.builders import World
from tests.helpers import db_digest
from tests.teammeetings.helpers import build_scenario

pytestmark = pytest.mark.django_db


def _open(world: World, **kwargs: object) -> TeamMeeting:
    return services.meeting_start(actor=world.lead, team=world.team, **kwargs)  # type: ignore[arg-type]


def test_the_lead_starts_and_ends_the_check_in_with_audit_entries(world: World) -> None:
    now = timezone.now()
    meeting = _open(world, now=now)
    assert (meeting.team_id, meeting.started_by_id, meeting.ended_at) == (world.team.pk, world.lead.pk, None)
    # The first check-in looks back two weeks, from local midnight.
    assert (now - meeting.since).days == 14
    services.item_add(actor=world.lead, meeting=meeting, kind="decision", text="Latency first")
    ended = services.meeting_end(actor=world.lead, meeting=meeting, now=now + dt.timedelta(minutes=30))
    assert ended.ended_at == now + dt.timedelta(minutes=30) and ended.ended_by_id == world.lead.pk
    start, end = (
        AuditEntry.objects.get(action=AuditAction.TEAM_MEETING_START),
        AuditEntry.objects.get(action=AuditAction.TEAM_MEETING_END),
    )
    assert start.object_id == end.object_id == str(meeting.pk)
    assert start.changes["team"] == [None, world.team.pk] and start.actor_id == world.lead.user_id
    assert end.changes["decisions"] == [None, 1] and end.changes["actions"] == [None, 0]
    # The next one looks back to the end of this one.
    following = _open(world, now=now + dt.timedelta(days=14))
    assert following.since == ended.ended_at


def test_champions_and_admins_run_any_team_members_and_viewers_do_not(world: World) -> None:
    services.meeting_start(actor=world.champion, team=world.other_team)
    before = db_digest()
    for persona in (world.member, world.viewer):
        with pytest.raises(PermissionDenied):
            services.meeting_start(actor=persona, team=world.team)
    with pytest.raises(PermissionDenied, match="Only the team's leads"):
        services.meeting_start(actor=world.lead, team=world.other_team)  # not the lead of Sales
    with pytest.raises(Http404):
        services.meeting_start(actor=world.outsider, team=world.team)
    assert db_digest() == before


def test_only_one_check_in_is_open_at_a_time_and_an_ended_one_takes_no_more_items(world: World) -> None:
    meeting = _open(world)
    with pytest.raises(Conflict, match="already open"):
        services.meeting_start(actor=world.admin, team=world.team)
    services.meeting_end(actor=world.lead, meeting=meeting)
    with pytest.raises(Conflict, match="already ended"):
        services.meeting_end(actor=world.lead, meeting=meeting)
    before = db_digest()
    with pytest.raises(Conflict, match="has ended"):
        services.item_add(actor=world.member, meeting=meeting, kind="decision", text="Too late")
    assert db_digest() == before


def test_members_add_items_viewers_and_other_teams_do_not(world: World) -> None:
    meeting = _open(world)
    decision = services.item_add(actor=world.member, meeting=meeting, kind="decision", text="  Ship on Tuesday ")
    assert (decision.text, decision.author_id, decision.team_id) == ("Ship on Tuesday", world.member.pk, world.team.pk)
    entry = AuditEntry.objects.get(action=AuditAction.TEAM_MEETING_ITEM_ADD)
    assert entry.changes["text"] == "Ship on Tuesday" and entry.changes["kind"] == "decision"
    sales = services.meeting_start(actor=world.champion, team=world.other_team)
    before = db_digest()
    with pytest.raises(PermissionDenied, match="Only the team's members"):
        services.item_add(actor=world.member, meeting=sales, kind="decision", text="Not my team")
    with pytest.raises(PermissionDenied, match="Viewers"):
        services.item_add(actor=world.viewer, meeting=meeting, kind="decision", text="Read only")
    with pytest.raises(Http404):
        services.item_add(actor=world.outsider, meeting=meeting, kind="decision", text="Elsewhere")
    assert db_digest() == before


def test_bad_input_is_refused_with_one_message_per_field_and_nothing_written(world: World) -> None:
    scenario = build_scenario(world)
    meeting = _open(world)
    before = db_digest()
    with pytest.raises(ValidationError) as empty:
        services.item_add(actor=world.lead, meeting=meeting, kind="decision", text="   ")
    assert empty.value.message_dict == {"text": ["Enter the text."]}
    with pytest.raises(ValidationError) as wrong:
        services.item_add(
            actor=world.lead, meeting=meeting, kind="decision", text="x", owner=world.member, due_on="2030-01-01"
        )
    assert wrong.value.message_dict == {
        "owner": ["Only an action item has an owner: choose “action item” or clear the owner."],
        "due_on": ["Only an action item has a due date."],
    }
    with pytest.raises(ValidationError) as due:
        services.item_add(actor=world.lead, meeting=meeting, kind="action", text="x", due_on="next week")
    assert due.value.message_dict == {"due_on": [services.DUE_INVALID]}
    with pytest.raises(ValidationError) as note:
        services.item_add(actor=world.lead, meeting=meeting, kind="note", text="x")
    assert note.value.message_dict == {"key_result": ["An owner's note is about one key result: pick it."]}
    with pytest.raises(ValidationError) as kind:
        services.item_add(actor=world.lead, meeting=meeting, kind="wish", text="x")
    assert list(kind.value.message_dict) == ["kind"]
    with pytest.raises(ValidationError) as long:
        services.item_add(actor=world.lead, meeting=meeting, kind="decision", text="x" * (services.MAX_ITEM + 1))
    assert "keep it within 2,000" in long.value.message_dict["text"][0]
    with pytest.raises(ValidationError) as inactive:
        world.viewer.is_active = False
        world.viewer.save()
        services.item_add(actor=world.lead, meeting=meeting, kind="action", text="x", owner=world.viewer)
    assert inactive.value.message_dict == {"owner": [services.OWNER_INVALID]}
    assert db_digest() == before
    # A key result of another team is not this meeting's.
    sales = services.meeting_start(actor=world.champion, team=world.other_team)
    with pytest.raises(ValidationError) as other:
        services.item_add(actor=world.champion, meeting=sales, kind="decision", text="x", key_result=scenario.behind)
    assert other.value.message_dict == {"key_result": [services.KEY_RESULT_INVALID]}


def test_an_owner_writes_one_note_per_key_result_and_meeting(world: World) -> None:
    scenario = build_scenario(world)
    meeting = _open(world)
    note = services.item_add(
        actor=world.member, meeting=meeting, kind="note", text="Flaky suite fixed", key_result=scenario.on_track
    )
    assert note.kind == ItemKind.NOTE and note.key_result_id == scenario.on_track.pk
    with pytest.raises(Conflict, match="already has a note"):
        services.item_add(actor=world.member, meeting=meeting, kind="note", text="Again", key_result=scenario.on_track)
    with pytest.raises(PermissionDenied, match="key result's owner"):
        services.item_add(actor=world.member, meeting=meeting, kind="note", text="Not mine", key_result=scenario.behind)


def test_actions_are_ticked_by_their_owner_or_a_lead_and_notify_the_owner_once(world: World) -> None:
    meeting = _open(world)
    action = services.item_add(
        actor=world.lead, meeting=meeting, kind="action", text="Write the runbook", owner=world.member
    )
    assert Notification.objects.filter(recipient=world.member, kind=Kind.TEAM_MEETING).count() == 1
    services.item_update(actor=world.lead, item=action, text="Write the runbook today")  # no new owner: no notice
    assert Notification.objects.filter(kind=Kind.TEAM_MEETING).count() == 1
    with pytest.raises(PermissionDenied, match="Only the item's author"):
        services.item_update(actor=world.member, item=action, text="Rewritten")
    services.item_update(actor=world.member, item=action, done=True)
    action.refresh_from_db()
    assert action.done and action.done_at is not None
    entry = AuditEntry.objects.filter(action=AuditAction.TEAM_MEETING_ITEM_UPDATE).latest("pk")
    assert entry.changes["done"] == [False, True] and entry.actor_id == world.member.user_id
    other = services.item_add(actor=world.lead, meeting=meeting, kind="action", text="Lead's own", owner=world.lead)
    with pytest.raises(PermissionDenied, match="Only the action's owner"):
        services.item_update(actor=world.member, item=other, done=True)
    with pytest.raises(ValidationError, match="Only action items"):
        decision = services.item_add(actor=world.lead, meeting=meeting, kind="decision", text="Go")
        services.item_update(actor=world.lead, item=decision, done=True)
    # Reassigning notifies the new owner, once.
    services.item_update(actor=world.lead, item=other, owner=world.champion)
    services.item_update(actor=world.lead, item=other, owner=world.champion)
    assert Notification.objects.filter(recipient=world.champion, kind=Kind.TEAM_MEETING).count() == 1


def test_open_actions_carry_over_to_every_later_meeting_until_done(world: World) -> None:
    first = _open(world)
    kept = services.item_add(actor=world.lead, meeting=first, kind="action", text="Fix alerts", owner=world.member)
    done = services.item_add(actor=world.lead, meeting=first, kind="action", text="Order pizza")
    services.item_add(actor=world.lead, meeting=first, kind="decision", text="Alerts first")
    services.item_update(actor=world.lead, item=done, done=True)
    services.meeting_end(actor=world.lead, meeting=first)
    second = _open(world)
    current, carried = selectors.agenda_items(team=world.team, meeting=second)
    assert current == [] and [i.pk for i in carried] == [kept.pk]
    # Ticking it done later (even between meetings) takes it off the next one.
    services.meeting_end(actor=world.lead, meeting=second)
    third = _open(world)
    assert [i.pk for i in selectors.agenda_items(team=world.team, meeting=third)[1]] == [kept.pk]
    services.item_update(actor=world.member, item=TeamMeetingItem.objects.get(pk=kept.pk), done=True)
    assert selectors.agenda_items(team=world.team, meeting=third)[1] == []
    # The ended meeting's record is kept as it is: no edits, no deletes.
    with pytest.raises(Conflict, match="has ended"):
        services.item_update(actor=world.lead, item=TeamMeetingItem.objects.get(pk=kept.pk), text="Changed")
    with pytest.raises(Conflict, match="has ended"):
        services.item_delete(actor=world.lead, item=TeamMeetingItem.objects.get(pk=kept.pk))


def test_delete_by_the_author_or_a_lead_with_an_audit_entry(world: World) -> None:
    meeting = _open(world)
    mine = services.item_add(actor=world.member, meeting=meeting, kind="decision", text="Mine")
    theirs = services.item_add(actor=world.lead, meeting=meeting, kind="decision", text="Theirs")
    with pytest.raises(PermissionDenied):
        services.item_delete(actor=world.member, item=theirs)
    services.item_delete(actor=world.member, item=mine)
    services.item_delete(actor=world.lead, item=theirs)
    assert not TeamMeetingItem.objects.exists()
    entries = AuditEntry.objects.filter(action=AuditAction.TEAM_MEETING_ITEM_DELETE).order_by("pk")
    assert [e.changes["text"] for e in entries] == ["Mine", "Theirs"]
