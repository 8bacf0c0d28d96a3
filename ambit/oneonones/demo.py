"""The demo's 1:1 (``seed_demo`` sends ``okrs.signals.demo_seeded``): the Platform lead and a report
of theirs meet in two days, with a talking point waiting, so the lead opens an agenda built from
the report's key results, standup blockers and weekly reflection (``ambit.rituals.demo``).
Through the services; a second run adds nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from ambit.accounts.models import Organisation
from ambit.notify.schedule import zone
from ambit.oneonones import services
from ambit.oneonones.models import ItemKind, Meeting, OneOnOne
from ambit.rituals.demo import team_and_report

TALKING_POINT = "How is the on-call rotation feeling after the last incident?"


def seed_one_on_one(*, organisation: Organisation, now: dt.datetime | None = None) -> OneOnOne | None:
    _, lead, report = team_and_report(organisation)
    if lead is None or report is None or OneOnOne.objects.filter(manager=lead, report=report).exists():
        return None
    today = (now or timezone.now()).astimezone(zone(organisation.time_zone)).date()
    one = services.one_on_one_start(actor=lead, other=report, first_on=today + dt.timedelta(days=2))
    meeting = Meeting.objects.get(one_on_one=one)
    meeting.one_on_one = one
    services.item_add(actor=lead, meeting=meeting, kind=ItemKind.TALKING_POINT, text=TALKING_POINT)
    return one


def on_demo_seeded(
    sender: Any, *, organisations: Sequence[Organisation], now: dt.datetime | None, **kwargs: Any
) -> None:
    for organisation in organisations:
        seed_one_on_one(organisation=organisation, now=now)
