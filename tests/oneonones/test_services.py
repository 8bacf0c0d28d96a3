"""Starting a 1:1, its items and notes, holding a meeting (undone actions carry over), and the
audit entries, which never hold the private text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from ambit.core.errors import Conflict
from ambit.core.models import AuditAction, AuditEntry
from ambit.oneonones import services
from ambit.oneonones.models import Item, ItemKind, Meeting, OneOnOne
from tests.builders import World
from tests.helpers import db_digest
from tests.oneonones.helpers import SECRET_ACTION, SECRET_NOTE, SECRET_POINT, build_pair

pytestmark = pytest.mark.django_db


def test_the_manager_on_the_profile_makes_the_pair_whoever_starts_it(world: World) -> None:
    day = timezone.localdate() + dt.timedelta(days=3)
    one = services.one_on_one_start(actor=world.member, other=world.lead, first_on=day, hour=9)
    assert (one.manager_id, one.report_id, one.cadence_days, one.next_on, one.hour) == (
        world.lead.pk,
        world.member.pk,
        14,
        day,
        9,
    )
    assert list(Meeting.objects.filter(one_on_one=one).values_list("date", "held")) == [(day, False)]
    entry = AuditEntry.objects.get(action=AuditAction.ONE_ON_ONE_CREATE)
    assert entry.changes["report"] == [None, world.member.pk]


def test_a_pair_that_is_not_manager_and_report_is_refused_and_nothing_is_written(world: World) -> None:
    before = db_digest()
    with pytest.raises(ValidationError) as exc:
        services.one_on_one_start(actor=world.champion, other=world.member)
    assert "manager" in exc.value.message_dict["other"][0]
    with pytest.raises(Http404):
        services.one_on_one_start(actor=world.lead, other=world.outsider)
    assert db_digest() == before


def test_a_second_1_1_for_the_same_pair_is_a_conflict(world: World) -> None:
    services.one_on_one_start(actor=world.lead, other=world.member)
    with pytest.raises(Conflict):
        services.one_on_one_start(actor=world.member, other=world.lead)
    assert OneOnOne.objects.count() == 1


def test_bad_schedule_names_the_field(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.one_on_one_start(actor=world.lead, other=world.member, hour=25)
    assert "hour" in exc.value.message_dict
    assert not OneOnOne.objects.exists()


def test_either_person_writes_and_nobody_else_even_an_admin(world: World) -> None:
    pair = build_pair(world)
    services.item_update(actor=world.member, item=pair.action, done=True)
    assert Item.objects.get(pk=pair.action.pk).done is True
    before = db_digest()
    for outsider in (world.admin, world.champion, world.viewer, world.outsider):
        with pytest.raises(Http404):
            services.item_add(actor=outsider, meeting=pair.meeting, kind="talking_point", text="x")
        with pytest.raises(Http404):
            services.meeting_notes_save(actor=outsider, meeting=pair.meeting, notes="x")
        with pytest.raises(Http404):
            services.item_update(actor=outsider, item=pair.action, done=False)
        with pytest.raises(Http404):
            services.meeting_hold(actor=outsider, meeting=pair.meeting)
    assert db_digest() == before


def test_only_the_author_rewords_or_removes_an_item(world: World) -> None:
    pair = build_pair(world)
    with pytest.raises(ValidationError):
        services.item_update(actor=world.lead, item=pair.point, text="Changed")
    with pytest.raises(ValidationError):
        services.item_delete(actor=world.lead, item=pair.point)
    with pytest.raises(ValidationError):
        services.item_update(actor=world.lead, item=pair.point, done=True)  # not an action
    services.item_update(actor=world.member, item=pair.point, text="Salary, again")
    assert Item.objects.get(pk=pair.point.pk).text == "Salary, again"
    services.item_delete(actor=world.member, item=pair.point)
    assert not Item.objects.filter(pk=pair.point.pk).exists()


def test_holding_a_meeting_opens_the_next_and_carries_undone_actions_until_done(world: World) -> None:
    pair = build_pair(world)
    done = services.item_add(actor=world.member, meeting=pair.meeting, kind="action", text="Send the deck")
    services.item_update(actor=world.member, item=done, done=True)
    following = services.meeting_hold(actor=world.member, meeting=pair.meeting)
    assert following.date == pair.meeting.date + dt.timedelta(days=14)
    carried = list(Item.objects.filter(meeting=following))
    assert [(i.kind, i.text, i.done, i.carried_from_id) for i in carried] == [
        (ItemKind.ACTION, SECRET_ACTION, False, pair.action.pk)
    ]
    assert OneOnOne.objects.get(pk=pair.one.pk).next_on == following.date
    assert Meeting.objects.get(pk=pair.meeting.pk).held is True
    with pytest.raises(Conflict):
        services.meeting_hold(actor=world.lead, meeting=Meeting.objects.get(pk=pair.meeting.pk))
    # Done in the second meeting: not carried to the third.
    services.item_update(actor=world.lead, item=carried[0], done=True)
    following.one_on_one = pair.one
    third = services.meeting_hold(actor=world.lead, meeting=following)
    assert not Item.objects.filter(meeting=third).exists()


def test_audit_entries_hold_ids_and_lengths_never_the_private_text(world: World) -> None:
    pair = build_pair(world)
    services.item_update(actor=world.member, item=pair.point, text="Another private worry")
    services.meeting_hold(actor=world.lead, meeting=pair.meeting)
    entries = list(AuditEntry.objects.filter(action__startswith="one_on_one."))
    assert {e.action for e in entries} >= {
        AuditAction.ONE_ON_ONE_CREATE,
        AuditAction.ONE_ON_ONE_UPDATE,
        AuditAction.ONE_ON_ONE_ITEM_ADD,
        AuditAction.ONE_ON_ONE_ITEM_UPDATE,
    }
    text = repr([(e.object_repr, e.changes) for e in entries])
    for secret in (SECRET_NOTE, SECRET_POINT, SECRET_ACTION, "Another private worry", "Salary", "therapist"):
        assert secret not in text
    notes = next(e for e in entries if "notes_length" in e.changes)
    assert notes.changes["notes_length"] == [0, len(SECRET_NOTE)]
