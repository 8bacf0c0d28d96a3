"""Standup and week-plan services: what they write, the audit entry, and every refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ambit.accounts.models import Membership
from ambit.core.errors import Conflict
from ambit.core.models import AuditAction, AuditEntry
from ambit.notify.models import Kind, Notification
from ambit.okrs.models import KeyResult
from ambit.rituals import services
from ambit.rituals.models import ItemKind, Section, Standup, WeekItem
from ambit.rituals.services import LineIn
from tests import factories as f
from tests.builders import World

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
FRIDAY = MONDAY + dt.timedelta(days=4, hours=6)


def _kr(world: World, owner: Membership | None = None) -> KeyResult:
    obj = f.ObjectiveFactory.create(cycle=world.cycle, owner=owner or world.member)
    return f.KeyResultFactory.create(objective=obj, title="Weekly users")


def test_post_writes_lines_audit_and_notifies_the_lead_once(world: World) -> None:
    kr = _kr(world)
    standup = services.standup_post(
        actor=world.member,
        yesterday=[LineIn("Shipped login")],
        today=[LineIn("  Pair on search  ", kr.pk), LineIn("   ")],
        blockers=[LineIn("Waiting on data access", kr.pk)],
        now=MONDAY,
    )
    assert standup.day == dt.date(2026, 11, 30)
    lines = list(standup.lines.order_by("section", "position").values_list("section", "text", "key_result_id"))
    assert lines == [
        (Section.BLOCKERS, "Waiting on data access", kr.pk),
        (Section.TODAY, "Pair on search", kr.pk),
        (Section.YESTERDAY, "Shipped login", None),
    ]
    entry = AuditEntry.objects.get(action=AuditAction.STANDUP_POST)
    assert entry.object_id == str(standup.pk) and entry.actor == world.member.user
    assert entry.changes["blockers"] == [[], [f"Waiting on data access [KR {kr.pk}]"]]
    note = Notification.objects.get(kind=Kind.STANDUP_BLOCKER)
    assert note.recipient == world.lead and note.key == f"standup:{standup.pk}"
    assert "Waiting on data access" in note.body and note.url == "/standups/platform/?day=2026-11-30"
    # Editing the blockers again notifies nobody twice.
    services.standup_edit(
        actor=world.member, standup=standup, blockers=[LineIn("Still waiting"), LineIn("Laptop broke")], now=MONDAY
    )
    assert Notification.objects.filter(kind=Kind.STANDUP_BLOCKER).count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.STANDUP_EDIT).count() == 1
    assert list(standup.lines.values_list("text", flat=True).order_by("position")) == ["Still waiting", "Laptop broke"]


def test_no_blocker_no_notification_and_the_lead_is_not_told_of_their_own(world: World) -> None:
    services.standup_post(actor=world.member, today=[LineIn("Code")], now=MONDAY)
    services.standup_post(actor=world.lead, blockers=[LineIn("Budget")], now=MONDAY)
    assert not Notification.objects.filter(kind=Kind.STANDUP_BLOCKER).exists()


def test_one_per_day_and_the_window(world: World) -> None:
    services.standup_post(actor=world.member, today=[LineIn("Code")], now=MONDAY)
    with pytest.raises(Conflict):
        services.standup_post(actor=world.member, today=[LineIn("Again")], now=MONDAY)
    yesterday = services.standup_post(actor=world.member, day=dt.date(2026, 11, 29), today=[LineIn("Late")], now=MONDAY)
    with pytest.raises(ValidationError) as exc:
        services.standup_post(actor=world.member, day=dt.date(2026, 11, 27), today=[LineIn("Old")], now=MONDAY)
    assert "day" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.standup_edit(
            actor=world.member, standup=yesterday, today=[LineIn("x")], now=MONDAY + dt.timedelta(days=1)
        )
    assert Standup.objects.filter(author=world.member).count() == 2


def test_the_day_is_the_organisations_local_day(world: World) -> None:
    world.org.time_zone = "Pacific/Auckland"  # UTC+13 in November
    world.org.save()
    standup = services.standup_post(actor=world.member, today=[LineIn("Kia ora")], now=MONDAY + dt.timedelta(hours=13))
    assert standup.day == dt.date(2026, 12, 1)


def test_refusals(world: World) -> None:
    other_kr = _kr(world, owner=world.lead)
    with pytest.raises(ValidationError) as exc:
        services.standup_post(actor=world.member, blockers=[LineIn("x", other_kr.pk)], now=MONDAY)
    assert "not one of your active key results" in exc.value.message_dict["blockers"][0]
    with pytest.raises(ValidationError) as exc:
        services.standup_post(actor=world.member, now=MONDAY)
    assert "at least one line" in exc.value.message_dict["today"][0]
    with pytest.raises(ValidationError) as exc:
        services.standup_post(actor=world.member, today=[LineIn("x" * 301)], now=MONDAY)
    assert "keep it within 300" in exc.value.message_dict["today"][0]
    with pytest.raises(ValidationError):
        services.standup_post(actor=world.member, today=[LineIn("a\x00b")], now=MONDAY)
    with pytest.raises(PermissionDenied):
        services.standup_post(actor=world.viewer, today=[LineIn("x")], now=MONDAY)
    standup = services.standup_post(actor=world.member, today=[LineIn("Mine")], now=MONDAY)
    with pytest.raises(PermissionDenied):
        services.standup_edit(actor=world.lead, standup=standup, today=[LineIn("Not yours")], now=MONDAY)
    with pytest.raises(Http404):
        services.standup_edit(actor=world.outsider, standup=standup, today=[LineIn("No")], now=MONDAY)
    assert list(standup.lines.values_list("text", flat=True)) == ["Mine"]
    assert AuditEntry.objects.filter(action=AuditAction.STANDUP_EDIT).count() == 0


def test_commitments_then_wins(world: World) -> None:
    kr = _kr(world)
    plan = services.week_set_commitments(
        actor=world.member,
        items=[LineIn("Ship search", kr.pk), LineIn("Write docs")],
        now=MONDAY,
    )
    assert plan.week_start == dt.date(2026, 11, 30)
    first, second = WeekItem.objects.filter(plan=plan, kind=ItemKind.COMMITMENT).order_by("position")
    assert (first.text, first.key_result_id, first.done) == ("Ship search", kr.pk, None)
    with pytest.raises(ValidationError) as exc:
        services.week_set_wins(actor=world.member, week_start=plan.week_start, wins=["Early"], now=MONDAY)
    assert "Friday (2026-12-04)" in exc.value.message_dict["week"][0]
    services.week_set_wins(
        actor=world.member, week_start=plan.week_start, done_ids=[first.pk], wins=["Search is live"], now=FRIDAY
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.done, second.done) == (True, False)
    plan.refresh_from_db()
    assert plan.wins_shared_at == FRIDAY
    assert list(plan.items.filter(kind=ItemKind.WIN).values_list("text", flat=True)) == ["Search is live"]
    entry = AuditEntry.objects.get(action=AuditAction.WEEK_WINS)
    assert entry.changes["wins"] == [[], ["Search is live"]] and entry.changes["done"] == [[], ["Ship search"]]
    assert AuditEntry.objects.filter(action=AuditAction.WEEK_COMMITMENTS).count() == 1
    # The same commitments again keep their marks and write nothing.
    services.week_set_commitments(
        actor=world.member,
        items=[LineIn("Ship search", kr.pk), LineIn("Write docs")],
        now=FRIDAY,
    )
    assert AuditEntry.objects.filter(action=AuditAction.WEEK_COMMITMENTS).count() == 1


def test_week_refusals(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.week_set_commitments(
            actor=world.member, items=[LineIn("Old")], week_start=dt.date(2026, 11, 23), now=MONDAY
        )
    assert "this week (2026-W49)" in exc.value.message_dict["week"][0]
    other = services.week_set_commitments(actor=world.lead, items=[LineIn("Lead's")], now=MONDAY)
    lead_item = other.items.get()
    with pytest.raises(ValidationError) as exc:
        services.week_set_wins(actor=world.member, week_start=MONDAY.date(), done_ids=[lead_item.pk], now=FRIDAY)
    assert "done_ids" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.week_set_commitments(actor=world.viewer, items=[LineIn("x")], now=MONDAY)
    lead_item.refresh_from_db()
    assert lead_item.done is None


def test_standup_hour_is_set_by_the_lead_only(world: World) -> None:
    settings = services.standup_hour_set(actor=world.lead, team=world.team, standup_hour=10)
    assert settings.standup_hour == 10
    entry = AuditEntry.objects.get(action=AuditAction.RITUAL_SETTINGS_UPDATE)
    assert entry.changes == {"team": [world.team.pk, world.team.pk], "standup_hour": [9, 10]}
    assert entry.object_type == "rituals.ritualsettings" and entry.object_id == str(settings.pk)
    assert services.standup_hour_set(actor=world.lead, team=world.team, standup_hour=10) == settings
    assert AuditEntry.objects.filter(action=AuditAction.RITUAL_SETTINGS_UPDATE).count() == 1  # unchanged: no entry
    with pytest.raises(ValidationError):
        services.standup_hour_set(actor=world.lead, team=world.team, standup_hour=24)
    with pytest.raises(PermissionDenied):
        services.standup_hour_set(actor=world.member, team=world.team, standup_hour=8)
    with pytest.raises(Http404):
        services.standup_hour_set(actor=world.outsider, team=world.team, standup_hour=8)
    settings.refresh_from_db()
    assert settings.standup_hour == 10
