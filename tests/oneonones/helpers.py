"""A 1:1 of the world's lead (manager) and member (report), with private text in every field."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ambit.oneonones import services
from ambit.oneonones.models import Item, Meeting, OneOnOne
from tests.builders import World

SECRET_NOTE = "Thinking about leaving the company"
SECRET_POINT = "Salary review worries"
SECRET_ACTION = "Book the therapist appointment"


@dataclass
class Pair:
    one: OneOnOne
    meeting: Meeting
    point: Item
    action: Item


def build_pair(world: World, *, first_on: dt.date | None = None) -> Pair:
    one = services.one_on_one_start(
        actor=world.lead, other=world.member, first_on=first_on or timezone.localdate() + dt.timedelta(days=1)
    )
    meeting = Meeting.objects.get(one_on_one=one)
    meeting.one_on_one = one
    point = services.item_add(actor=world.member, meeting=meeting, kind="talking_point", text=SECRET_POINT)
    action = services.item_add(actor=world.lead, meeting=meeting, kind="action", text=SECRET_ACTION)
    services.meeting_notes_save(actor=world.lead, meeting=meeting, notes=SECRET_NOTE)
    return Pair(one, meeting, point, action)
