"""The 1:1 pages' writes: start from the list, notes saved by HTMX, items added and ticked, the
meeting held (the next one opens with the open actions), bad input answered on the form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ambit.oneonones.models import Item, Meeting, OneOnOne
from tests.builders import World
from tests.helpers import db_digest
from tests.oneonones.helpers import SECRET_ACTION, build_pair

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def test_the_manager_starts_a_1_1_with_their_report_from_the_list(client: Client, world: World) -> None:
    client.force_login(world.lead.user)
    page = client.get(reverse("oneonones:list")).content.decode()
    assert f'value="{world.member.pk}"' in page and "reports to you" in page
    day = timezone.localdate() + dt.timedelta(days=2)
    response = client.post(
        reverse("oneonones:start"), {"other": world.member.pk, "first_on": day.isoformat(), "hour": "15"}
    )
    one = OneOnOne.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("oneonones:detail", args=[one.pk])
    assert (one.manager_id, one.report_id, one.next_on, one.hour) == (world.lead.pk, world.member.pk, day, 15)


def test_someone_who_is_not_the_manager_cannot_pick_the_person(client: Client, world: World) -> None:
    client.force_login(world.champion.user)
    before = db_digest()
    response = client.post(
        reverse("oneonones:start"), {"other": world.member.pk, "first_on": "2030-01-01", "hour": "10"}
    )
    assert response.status_code == 400
    assert "Pick one of your reports or your manager from the list." in response.content.decode()
    assert db_digest() == before


def test_notes_items_and_holding_the_meeting(client: Client, world: World) -> None:
    pair = build_pair(world)
    client.force_login(world.member.user)
    notes = client.post(reverse("oneonones:notes", args=[pair.one.pk]), {"notes": "We agreed"}, headers=HX)
    assert notes.status_code == 200 and "Saved." in notes.content.decode()
    assert Meeting.objects.get(pk=pair.meeting.pk).notes == "We agreed"
    added = client.post(
        reverse("oneonones:item-add", args=[pair.one.pk]), {"kind": "talking_point", "text": "Conference?"}, headers=HX
    )
    assert added.status_code == 200 and "Conference?" in added.content.decode()
    empty = client.post(reverse("oneonones:item-add", args=[pair.one.pk]), {"kind": "action", "text": " "}, headers=HX)
    assert empty.status_code == 422
    ticked = client.post(reverse("oneonones:item-done", args=[pair.action.pk]), {"done": "on"}, headers=HX)
    assert ticked.status_code == 200 and Item.objects.get(pk=pair.action.pk).done
    client.post(reverse("oneonones:item-done", args=[pair.action.pk]), {}, headers=HX)
    assert not Item.objects.get(pk=pair.action.pk).done
    held = client.post(reverse("oneonones:hold", args=[pair.one.pk]))
    assert held.status_code == 302
    following = Meeting.objects.get(one_on_one=pair.one, held=False)
    assert following.date == pair.meeting.date + dt.timedelta(days=14)
    page = client.get(reverse("oneonones:detail", args=[pair.one.pk])).content.decode()
    assert SECRET_ACTION in page and "Carried over" in page and "We agreed" in page  # the previous meeting's notes
    too_long = client.post(reverse("oneonones:notes", args=[pair.one.pk]), {"notes": "x" * 20_001}, headers=HX)
    assert too_long.status_code == 422 and "keep it within 20,000" in too_long.content.decode()


def test_either_person_reschedules(client: Client, world: World) -> None:
    pair = build_pair(world)
    client.force_login(world.member.user)
    day = pair.one.next_on + dt.timedelta(days=3)
    client.post(
        reverse("oneonones:schedule", args=[pair.one.pk]),
        {"next_on": day.isoformat(), "hour": "8", "cadence_days": "7"},
    )
    one = OneOnOne.objects.get(pk=pair.one.pk)
    assert (one.next_on, one.hour, one.cadence_days) == (day, 8, 7)
    assert Meeting.objects.get(one_on_one=one, held=False).date == day
