"""Stale escalation (owner, then team lead, then champions, each once), early warnings to the
manager (once per check-in), and announcements of a cycle moving to active (once per cycle)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ambit.notify.announcements import produce_announcements
from ambit.notify.escalation import produce_escalations
from ambit.notify.models import Kind, Notification
from ambit.notify.warnings import produce_warnings
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, CycleState, KeyResult
from tests.builders import World, backdate, key_results_for

pytestmark = pytest.mark.django_db


def _got(kind: str) -> list[tuple[int, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient_id", "key"))


@pytest.fixture
def quiet_kr(world: World) -> KeyResult:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1, prefix="Quiet")
    kr.objective.team = world.team
    kr.objective.save(update_fields=["team"])
    backdate(kr)  # not new: its silence counts from its check-in
    okrs.check_in_record(actor=world.member, key_result=kr, value=10, at=timezone.now() - dt.timedelta(days=1))
    kr.refresh_from_db()
    return kr


def _moments_after(last: dt.datetime, org_id: int, weeks: int) -> list[dt.datetime]:
    """The charter's reminder moments (Monday 10:00 UTC here) in the ``weeks`` after ``last``, an
    hour after each, when the escalation of that period is due."""
    from ambit.accounts.models import Organisation

    org = Organisation.objects.get(pk=org_id)
    day = last.date() + dt.timedelta(days=(org.reminder_weekday - last.weekday()) % 7 or 7)
    return [
        dt.datetime.combine(day + dt.timedelta(weeks=w), dt.time(org.reminder_hour + 1), tzinfo=dt.UTC)
        for w in range(weeks)
    ]


def test_a_silent_key_result_reaches_its_owner_then_the_lead_then_the_champions(
    world: World, quiet_kr: KeyResult
) -> None:
    last = quiet_kr.last_checkin_at
    assert last is not None
    seen: list[list[tuple[int, str]]] = []
    for moment in _moments_after(last, world.org.pk, 5):
        produce_escalations(moment)
        produce_escalations(moment + dt.timedelta(minutes=5))  # a second tick in the same period: nothing more
        audiences = Notification.objects.filter(
            kind=Kind.STALE, key__startswith=f"{moment.date() - dt.timedelta(days=moment.weekday())}"
        )
        seen.append(sorted((n.recipient_id, n.data["audience"]) for n in audiences))
    owner, lead, champion = (world.member.pk, "owner"), (world.lead.pk, "lead"), (world.champion.pk, "champion")
    quiet_days = [(m - last).days for m in _moments_after(last, world.org.pk, 5)]
    for days, got in zip(quiet_days, seen, strict=True):
        # Stale past 7 + 3 days; then a period more for the lead, two more for the champions.
        expected = [owner] * (days >= 10) + [lead] * (days >= 17) + [champion] * (days >= 24)
        assert got == sorted(expected), (days, got)
    assert any(got == sorted([owner, lead, champion]) for got in seen)
    lead_note = Notification.objects.filter(recipient=world.lead, kind=Kind.STALE).first()
    assert lead_note is not None
    assert lead_note.title == "1 key result in your teams: no check-in for over 2 weeks"
    assert lead_note.data["items"][0]["title"] == "Quiet 1"
    assert world.member.user.get_full_name() in lead_note.data["items"][0]["detail"]


def test_one_notification_per_person_lists_every_quiet_key_result(world: World) -> None:
    krs = key_results_for(world.member, world.cycle, world.admin, 30, prefix="Hush")
    for kr in krs:
        backdate(kr)
    moment = _moments_after(timezone.now() + dt.timedelta(days=30), world.org.pk, 1)[0]
    assert produce_escalations(moment) >= 1
    (note,) = Notification.objects.filter(recipient=world.member, kind=Kind.STALE)
    assert note.title.startswith("30 of your key results have gone quiet")
    assert note.data["total"] == 30 and len(note.data["items"]) == 25
    assert note.body.endswith("… and 5 more")


def test_a_check_in_ends_the_silence(world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1, prefix="Hushed")
    backdate(kr)
    # A past reminder moment with the key result 12 days quiet: its owner hears of it.
    (before,) = _moments_after(timezone.now() - dt.timedelta(days=9), world.org.pk, 1)
    okrs.check_in_record(actor=world.member, key_result=kr, value=10, at=before - dt.timedelta(days=12))
    assert produce_escalations(before) == 1
    okrs.check_in_record(actor=world.member, key_result=kr, value=20)
    (after,) = _moments_after(timezone.now(), world.org.pk, 1)
    assert produce_escalations(after) == 0
    assert Notification.objects.filter(kind=Kind.STALE).count() == 1


def test_a_confidence_drop_reaches_the_manager_once(world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1, prefix="Risky")
    okrs.check_in_record(
        actor=world.member, key_result=kr, value=10, confidence=7, at=timezone.now() - dt.timedelta(hours=2)
    )
    okrs.check_in_record(actor=world.member, key_result=kr, value=12, confidence=5)
    okrs.check_in_record(actor=world.member, key_result=kr, value=12, confidence=5)  # steady: nothing
    now = timezone.now() + dt.timedelta(seconds=1)
    assert produce_warnings(now) == 1
    (warning,) = Notification.objects.filter(kind=Kind.EARLY_WARNING)
    assert warning.recipient_id == world.lead.pk  # the member's manager
    assert "Confidence fell from 7 to 5" in warning.title
    assert warning.data["warnings"] == ["drop"]
    assert produce_warnings(now + dt.timedelta(minutes=1)) == 0
    assert Notification.objects.filter(kind=Kind.EARLY_WARNING).count() == 1


def test_a_low_confidence_without_a_manager_reaches_the_team_lead(world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1, prefix="Low")
    kr.objective.team = world.team
    kr.objective.save(update_fields=["team"])
    world.member.manager = None
    world.member.save(update_fields=["manager"])
    okrs.check_in_record(actor=world.member, key_result=kr, value=3, confidence=3)
    assert produce_warnings(timezone.now() + dt.timedelta(seconds=1)) == 1
    assert _got(Kind.EARLY_WARNING)[0][0] == world.lead.pk


def test_a_cycle_moving_to_active_is_announced_to_everyone_once(world: World) -> None:
    cycle = okrs.cycle_create(
        actor=world.admin, name="Next quarter", start_date=dt.date(2027, 1, 1), end_date=dt.date(2027, 3, 31)
    )
    assert produce_announcements(timezone.now()) == 0  # planning
    okrs.cycle_update(actor=world.admin, cycle=cycle, state=CycleState.ACTIVE)
    now = timezone.now() + dt.timedelta(seconds=1)
    assert produce_announcements(now) == 5  # Acme's five people; not Globex's
    assert {r for r, _ in _got(Kind.ANNOUNCEMENT)} == {
        world.admin.pk,
        world.champion.pk,
        world.lead.pk,
        world.member.pk,
        world.viewer.pk,
    }
    assert {k for _, k in _got(Kind.ANNOUNCEMENT)} == {f"cycle:{cycle.pk}"}
    assert produce_announcements(now + dt.timedelta(minutes=1)) == 0
    # The world's own quarter was active before any of this (no recent audit entry): not announced.
    assert Cycle.objects.get(pk=world.cycle.pk).state == CycleState.ACTIVE
